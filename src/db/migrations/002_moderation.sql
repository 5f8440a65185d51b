-- A tenant's moderation policy (the differences from the defaults, as a PolicySpec)
-- and any number of shadow candidates, evaluated on every item but never acted on.
create table moderation_policies (
  tenant_id uuid not null references tenants(id) on delete cascade,
  mode text not null check (mode in ('active', 'shadow')),
  policy_id text not null,
  spec jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, mode, policy_id)
);

-- Perceptual and exact hashes of media that moderators blocked. tenant_id null = shared bank.
create table hash_bank (
  id uuid primary key,
  tenant_id uuid references tenants(id) on delete cascade,
  sha256 text not null,
  phash text not null,
  category text not null,
  source_media_id uuid,
  note text not null default '',
  added_by text not null,
  created_at timestamptz not null default now()
);
create index hash_bank_sha on hash_bank (sha256);
