-- Voice embeddings from consent-ceremony recordings (operator-installed speaker model only):
-- the reference voice_sample uploads are matched against. Deleted with the consent, like face refs.
create table consent_voice_refs (
  id bigserial primary key,
  attestation_id uuid not null references consent_attestations(id),
  challenge_id uuid not null,
  model text not null,
  vector jsonb not null,
  speech_ms integer not null,
  created_at timestamptz not null default now()
);
create index consent_voice_refs_attestation on consent_voice_refs (attestation_id)
