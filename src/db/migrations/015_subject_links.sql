-- Subject-facing pieces: opt-outs into the do-not-clone registry, and links that let the person
-- whose likeness is used read their own consent receipts (and revoke) without the creator's key.

-- An opt-out is a person's request, forwarded by a platform (the tenant), that their face never
-- be cloned. The photo is not kept: only its sha256 here and its embedding in do_not_clone.
create table do_not_clone_opt_outs (
  id uuid primary key,
  tenant_id uuid not null references tenants(id),
  modality text not null,
  requester text not null,
  reason text,
  photo_sha256 text not null,
  -- active | withdrawn; a withdrawal deletes the embedding, the record stays as the log.
  state text not null default 'active',
  withdrawn_at timestamptz,
  created_at timestamptz not null default now()
);
create index do_not_clone_opt_outs_tenant on do_not_clone_opt_outs (tenant_id, created_at desc);

-- Append-only history of an opt-out (listed, withdrawn), each with a signed receipt.
create table do_not_clone_events (
  id bigserial primary key,
  tenant_id uuid not null,
  opt_out_id uuid not null references do_not_clone_opt_outs(id),
  type text not null,
  actor text not null,
  data jsonb not null default '{}',
  at timestamptz not null default now()
);
create index do_not_clone_events_opt_out on do_not_clone_events (opt_out_id, id);

create table do_not_clone_receipts (
  id uuid primary key,
  tenant_id uuid not null,
  opt_out_id uuid not null references do_not_clone_opt_outs(id),
  event_id bigint not null,
  body jsonb not null,
  key_id text not null,
  signature text not null,
  created_at timestamptz not null default now()
);
create index do_not_clone_receipts_opt_out on do_not_clone_receipts (opt_out_id, created_at);

-- Registry rows from an opt-out name it; they have no subject (the person never consented here).
alter table do_not_clone add column opt_out_id uuid references do_not_clone_opt_outs(id);
alter table do_not_clone alter column subject_id drop not null;
create index do_not_clone_by_opt_out on do_not_clone (opt_out_id);

-- A subject link: only the sha256 of its random token is stored, so a database read does not
-- hand out working links.
create table consent_subject_links (
  id uuid primary key,
  tenant_id uuid not null,
  attestation_id uuid not null references consent_attestations(id),
  token_sha256 text not null unique,
  created_by text not null,
  expires_at timestamptz not null,
  last_used_at timestamptz,
  created_at timestamptz not null default now()
);
create index consent_subject_links_attestation on consent_subject_links (attestation_id, created_at)
