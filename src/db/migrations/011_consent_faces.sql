-- Face embeddings from consent-ceremony video frames: the reference uploads are matched against.
create table consent_face_refs (
  id bigserial primary key,
  attestation_id uuid not null references consent_attestations(id),
  challenge_id uuid not null,
  model text not null,
  vector jsonb not null,
  created_at timestamptz not null default now()
);
create index consent_face_refs_attestation on consent_face_refs (attestation_id)
