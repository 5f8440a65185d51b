-- Capture links: a URL the creator sends to the subject, who records the ceremony statement in a
-- browser. The token is a bearer secret for one challenge only; only its sha256 is stored.
create table consent_capture_links (
  id uuid primary key,
  tenant_id uuid not null,
  attestation_id uuid not null references consent_attestations(id),
  challenge_id uuid not null references consent_challenges(id),
  token_sha256 text not null,
  -- Shown on the page; the statement names the same company.
  company text not null,
  -- The challenge's expiry, copied: a link never outlives its code.
  expires_at timestamptz not null,
  used_at timestamptz,
  created_by text not null,
  created_at timestamptz not null default now()
);
create unique index consent_capture_links_token on consent_capture_links (token_sha256);
-- One link per challenge: a second link for the same code would be a second bearer secret for it.
create unique index consent_capture_links_challenge on consent_capture_links (challenge_id)
