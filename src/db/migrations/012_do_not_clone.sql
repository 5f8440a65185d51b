-- Likeness protection: faces of people who revoked or opted out. Every new portrait is checked
-- 1:N against all of them, across tenants, whatever attestation it carries.
create table do_not_clone (
  id bigserial primary key,
  tenant_id uuid not null,
  subject_id uuid not null,
  modality text not null,
  model text not null,
  vector jsonb not null,
  source text not null,
  created_at timestamptz not null default now()
)
