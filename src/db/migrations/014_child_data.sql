-- Children's data (seed 003): under 14, items are stored apart, encrypted under a per-subject
-- data key, and every read needs another key's approval and is logged. See docs/consent.md.

-- A role on an API key: 'approver' may approve reads of protected items (not its own requests).
alter table api_keys add column roles text[] not null default '{}';

-- The master key when LIKENESS_MASTER_KEY is not set: made once, shared by every process.
-- Operators should set their own (a master key kept beside the keys it wraps protects little).
create table protection_master_keys (
  id text primary key,
  key_b64 text not null,
  created_at timestamptz not null default now()
);

-- One data key per subject, wrapped by the master key. Deleting the row is crypto-shredding:
-- every copy of the subject's ciphertext (object versions, replicas, bucket backups) becomes unreadable.
create table subject_data_keys (
  id uuid primary key,
  tenant_id uuid not null references tenants(id),
  subject_id uuid not null references consent_subjects(id),
  wrapped text not null,
  master_key_id text not null,
  algorithm text not null default 'aes-256-gcm-chunked/v1',
  created_at timestamptz not null default now(),
  unique (tenant_id, subject_id)
);

-- Which items are protected, why, and under which key. The foreign key keeps a key from being
-- destroyed while an item (even one still uploading) still needs it.
alter table media add column protection text;
alter table media add column protection_subject_id uuid;
alter table media add column protection_key_id uuid references subject_data_keys(id);
create index media_protection_key on media (protection_key_id);

-- Append-only record of destroyed keys (the key itself is gone; this says when, why, by whom).
create table subject_key_shreds (
  key_id uuid primary key,
  tenant_id uuid not null,
  subject_id uuid not null,
  reason text not null,
  actor text not null,
  media_ids jsonb not null default '[]',
  shredded_at timestamptz not null default now()
);

create table protected_access_requests (
  id uuid primary key,
  tenant_id uuid not null,
  media_id uuid not null references media(id) on delete cascade,
  requested_by uuid not null,
  reason text not null,
  -- pending | approved | denied | used
  state text not null default 'pending',
  decided_by uuid,
  decision_note text,
  decided_at timestamptz,
  grant_expires_at timestamptz,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index protected_access_requests_media on protected_access_requests (media_id, created_at);

-- Every request, approval, denial, refusal and read of protected data. It outlives the item.
create table protected_access_log (
  id bigserial primary key,
  tenant_id uuid not null,
  media_id uuid not null,
  request_id uuid,
  action text not null,
  actor_key_id uuid,
  code text,
  detail jsonb not null default '{}',
  at timestamptz not null default now()
);
create index protected_access_log_media on protected_access_log (media_id, id);

-- Append-only in the database itself, not only by convention: updates and deletes do nothing.
create rule protected_access_log_no_update as on update to protected_access_log do instead nothing;
create rule protected_access_log_no_delete as on delete to protected_access_log do instead nothing;
create rule subject_key_shreds_no_update as on update to subject_key_shreds do instead nothing;
create rule subject_key_shreds_no_delete as on delete to subject_key_shreds do instead nothing
