import type { Service } from './harness';

/**
 * A verified attestation covering face and voice for every purpose, so tests of
 * storage and moderation can upload likeness-carrying kinds the way a client must.
 * Verification is set directly: the ceremony itself is tested in test/consent/.
 */
export async function verifiedConsent(svc: Service, key = svc.keyA): Promise<string> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${svc.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const subject = await post('/v1/subjects', { display_name: 'Test Subject', language: 'en' });
  const consent = await post('/v1/consents', {
    subject_id: subject.id,
    attester: 'creator@example.com',
    relation: 'self',
    scopes: ['face', 'voice'],
    purposes: ['image_avatar', 'video_avatar', 'voice_clone', 'driving', 'generated_output'],
    valid_until: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    separate_biometric_consent: true,
  });
  await svc.ctx.db.query(`update consent_attestations set verification = 'verified' where id = $1`, [consent.id]);
  return consent.id as string;
}
