create table tenants (
  id uuid primary key,
  name text not null,
  created_at timestamptz not null default now()
);

-- API keys are stored as sha256 of the secret: keys are 190-bit random, so a slow hash adds nothing.
create table api_keys (
  id uuid primary key,
  tenant_id uuid not null references tenants(id) on delete cascade,
  prefix text not null unique,
  secret_sha256 text not null,
  label text not null default '',
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

create table media (
  id uuid primary key,
  tenant_id uuid not null references tenants(id),
  kind text not null,
  state text not null,
  object_key text not null,
  content_type text,
  size_bytes bigint,
  sha256 text,
  retention_class text not null,
  data_category text not null,
  consent_id text,
  subject_id text,
  filename text,
  decision text,
  reason_code text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  decided_at timestamptz
);
create index media_tenant_created on media (tenant_id, created_at desc);
create index media_state on media (state, updated_at);

create table stage_results (
  media_id uuid not null references media(id) on delete cascade,
  seq int not null,
  stage text not null,
  status text not null,
  reason text,
  evidence jsonb not null default '{}',
  duration_ms double precision not null,
  created_at timestamptz not null default now(),
  primary key (media_id, seq)
);

create table idempotency_keys (
  tenant_id uuid not null references tenants(id) on delete cascade,
  key text not null,
  media_id uuid not null,
  kind text not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, key)
);

-- The job queue: claimed with FOR UPDATE SKIP LOCKED under a lease; a lease that
-- runs out makes the job claimable again, so a killed worker loses nothing.
create table jobs (
  id bigserial primary key,
  queue text not null,
  payload jsonb not null,
  state text not null default 'queued',
  attempts int not null default 0,
  max_attempts int not null,
  run_at timestamptz not null default now(),
  lease_until timestamptz,
  locked_by text,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index jobs_claim on jobs (queue, state, run_at);

-- Append-only event log of everything that happens to an item (in the spirit of Ozone's
-- moderation events). It outlives the item: a deletion is itself an event.
create table media_events (
  id bigserial primary key,
  tenant_id uuid not null,
  media_id uuid not null,
  type text not null,
  actor text not null,
  data jsonb not null default '{}',
  at timestamptz not null default now()
);
create index media_events_media on media_events (media_id, id);

create table deletion_receipts (
  id uuid primary key,
  tenant_id uuid not null,
  media_id uuid not null,
  kind text not null,
  sha256 text,
  objects_deleted jsonb not null,
  rows_deleted jsonb not null,
  requested_by text not null,
  deleted_at timestamptz not null default now()
);
