-- Consent: the people whose likeness is used, what they authorised, and the proof.

create table consent_subjects (
  id uuid primary key,
  tenant_id uuid not null references tenants(id),
  display_name text not null,
  language text not null default 'en',
  -- Declared by the creator; the age model may still estimate a minor from the face.
  birth_date date,
  external_ref text,
  created_at timestamptz not null default now()
);
create index consent_subjects_tenant on consent_subjects (tenant_id, created_at desc);

create table consent_attestations (
  id uuid primary key,
  tenant_id uuid not null references tenants(id),
  subject_id uuid not null references consent_subjects(id),
  attester text not null,
  relation text not null,
  scopes text[] not null,
  purposes text[] not null,
  valid_from timestamptz not null,
  valid_until timestamptz not null,
  separate_biometric_consent boolean not null,
  cross_border boolean not null default false,
  cross_border_details jsonb,
  guardian jsonb,
  document_key text,
  document_sha256 text,
  document_content_type text,
  -- active | suspended | revoked | expired; verification is separate: unverified | verified | review | failed
  state text not null default 'active',
  verification text not null default 'unverified',
  revocation_policy text not null default 'delete',
  revoked_at timestamptz,
  expired_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index consent_attestations_tenant on consent_attestations (tenant_id, created_at desc);
create index consent_attestations_due on consent_attestations (state, valid_until);

-- Append-only: rows are inserted, never updated or deleted.
create table consent_events (
  id bigserial primary key,
  tenant_id uuid not null,
  attestation_id uuid not null,
  type text not null,
  actor text not null,
  data jsonb not null default '{}',
  at timestamptz not null default now()
);
create index consent_events_attestation on consent_events (attestation_id, id);

create table consent_challenges (
  id uuid primary key,
  tenant_id uuid not null,
  attestation_id uuid not null references consent_attestations(id),
  language text not null,
  statement text not null,
  code_sha256 text not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  recording_key text,
  recording_sha256 text,
  outcome text,
  created_at timestamptz not null default now()
);
create index consent_challenges_attestation on consent_challenges (attestation_id, created_at);

-- One row per check of a ceremony (speech, face, voice, liveness, code), with its score.
create table consent_checks (
  challenge_id uuid not null references consent_challenges(id),
  name text not null,
  status text not null,
  score double precision,
  threshold double precision,
  evidence jsonb not null default '{}',
  created_at timestamptz not null default now(),
  primary key (challenge_id, name)
);

-- Media decided before a revocation or expiry: still valid, marked as made before it.
create table consent_media_marks (
  media_id uuid primary key,
  tenant_id uuid not null,
  attestation_id uuid not null,
  mark text not null,
  at timestamptz not null default now()
);

create table consent_receipts (
  id uuid primary key,
  tenant_id uuid not null,
  attestation_id uuid not null,
  event_id bigint,
  body jsonb not null,
  key_id text not null,
  signature text not null,
  created_at timestamptz not null default now()
);
create index consent_receipts_attestation on consent_receipts (attestation_id, created_at);

-- The receipt signing key when CONSENT_SIGNING_KEY is not given: made once, shared by every process.
create table consent_signing_keys (
  id text primary key,
  private_pem text not null,
  public_pem text not null,
  created_at timestamptz not null default now()
)
