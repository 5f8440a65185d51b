-- The review console: moderator accounts, their sessions, review items with claims, the
-- append-only log of moderator actions, appeals, and the outbox integrators are notified from.

create table moderators (
  id uuid primary key,
  email text not null unique,
  display_name text not null,
  role text not null check (role in ('moderator', 'senior', 'admin')),
  -- scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>
  password_hash text not null,
  -- null = every tenant / every queue the role allows
  tenant_ids uuid[],
  queues text[],
  failed_logins int not null default 0,
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null default now()
);

-- Only the sha256 of the cookie secret is stored.
create table moderator_sessions (
  id text primary key,
  moderator_id uuid not null references moderators(id) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index moderator_sessions_moderator on moderator_sessions (moderator_id);

-- Review items and appeals go with their media when it is deleted (the moderation events stay:
-- the log outlives what it is about, as media_events does).
create table appeals (
  id uuid primary key,
  tenant_id uuid not null,
  media_id uuid not null references media(id) on delete cascade,
  statement text not null,
  -- the decision appealed against: {decision, reason, note, by, at}
  original jsonb not null,
  state text not null default 'open' check (state in ('open', 'upheld', 'overturned')),
  outcome_reason text,
  created_at timestamptz not null default now(),
  decided_at timestamptz
);
-- An appeal's outcome is final: one appeal per item.
create unique index appeals_one_per_media on appeals (media_id);

-- One row per thing a person must judge. `state`, `claimed_by`, `lease_until` and `decision`
-- are kept beside the events in the same transaction; src/review/state.ts derives them from
-- the events alone.
create table review_items (
  id uuid primary key,
  tenant_id uuid not null,
  subject_type text not null check (subject_type in ('media', 'consent', 'appeal')),
  media_id uuid references media(id) on delete cascade,
  attestation_id uuid,
  appeal_id uuid,
  kind text not null,
  queue text not null check (queue in ('media', 'consent', 'appeal', 'escalated')),
  categories text[] not null default '{}',
  scores jsonb not null default '{}',
  reasons text[] not null default '{}',
  priority int not null default 0,
  sha256 text,
  phash text,
  state text not null default 'open' check (state in ('open', 'claimed', 'waiting', 'decided')),
  claimed_by uuid,
  claimed_at timestamptz,
  lease_until timestamptz,
  decision jsonb,
  -- moderators who may not take this item (an appeal never goes to who decided first)
  excluded uuid[] not null default '{}',
  created_at timestamptz not null default now(),
  decided_at timestamptz
);
create index review_items_claim on review_items (queue, state, priority desc, created_at);
create index review_items_tenant on review_items (tenant_id, state);
create index review_items_sha on review_items (sha256) where state <> 'decided';
create unique index review_items_open_media on review_items (media_id) where subject_type = 'media' and state <> 'decided';
create unique index review_items_open_consent on review_items (attestation_id) where subject_type = 'consent' and state <> 'decided';
create index review_items_decided on review_items (decided_at) where state = 'decided';

-- Append-only: rows are inserted, never updated or deleted.
create table moderation_events (
  id bigserial primary key,
  item_id uuid not null,
  tenant_id uuid not null,
  type text not null,
  actor text not null,
  data jsonb not null default '{}',
  at timestamptz not null default now()
);
create index moderation_events_item on moderation_events (item_id, id);

-- Outbound events for integrators, written in the transaction of what they announce.
create table outbox (
  id bigserial primary key,
  tenant_id uuid not null,
  type text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  delivered_at timestamptz
);
create index outbox_pending on outbox (id) where delivered_at is null;

create table review_queue_settings (
  queue text primary key,
  sla_minutes int not null check (sla_minutes > 0),
  updated_by text not null,
  updated_at timestamptz not null default now()
);
