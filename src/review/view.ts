import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../app-context';
import { challengeChecks, getAttestation, getSubject, latestRecordedChallenge, listConsentEvents, type AttestationRow } from '../consent/repo';
import { getMediaById, listEvents, listStageResults, type MediaRow } from '../media/repo';
import { protectionOf } from '../media/protection';
import { factsOf } from './accounts';
import { explainStage } from './explain';
import { isOverdue, needsWellnessShield, slaMinutes } from './policy';
import { getAppeal, listItemEvents, sameHashOpen, slaOverrides, tenantNames, type ModeratorRow, type ReviewItemRow } from './repo';

/**
 * Everything a moderator sees of one item, in one object: the media and its links, every
 * stage's verdict in plain words, the consent evidence beside it, the appeal, and the history
 * of the item from the review, media and consent logs.
 */
export const LINK_SECONDS = 300;
export type LinkTarget = 'media' | 'consent-recording';

/** Media links are signed with a key of the session the page cannot read: that session only, and briefly. */
export function signLink(linkKey: string, itemId: string, target: LinkTarget, now = Date.now()): string {
  const exp = Math.floor(now / 1000) + LINK_SECONDS;
  const sig = createHmac('sha256', linkKey).update(`${itemId}:${target}:${exp}`).digest('base64url');
  return `/review/api/items/${itemId}/${target}?exp=${exp}&sig=${sig}`;
}

export function linkValid(linkKey: string, itemId: string, target: LinkTarget, exp: string, sig: string, now = Date.now()): boolean {
  if (!/^\d+$/.test(exp) || Number(exp) * 1000 < now) return false;
  const want = createHmac('sha256', linkKey).update(`${itemId}:${target}:${exp}`).digest();
  const got = Buffer.from(sig, 'base64url');
  return got.length === want.length && timingSafeEqual(got, want);
}

export async function itemView(ctx: AppContext, m: ModeratorRow, item: ReviewItemRow, linkKey: string) {
  const now = new Date();
  const [names, overrides] = await Promise.all([tenantNames(ctx.db), slaOverrides(ctx.db)]);
  const media = item.media_id ? await getMediaById(ctx.db, item.media_id) : null;
  const stages = media ? await listStageResults(ctx.db, media.id) : [];
  const attestationId = item.attestation_id ?? media?.consent_id ?? null;
  const attestation = attestationId ? await getAttestation(ctx.db, item.tenant_id, attestationId) : null;
  const sla = slaMinutes(item.queue, overrides);
  // The face match of an upload is the `consent.face` stage's (score against the ceremony's references).
  const faceStage = stages.find((s) => s.stage === 'consent.face');
  return {
    id: item.id,
    tenant_id: item.tenant_id,
    tenant_name: names[item.tenant_id] ?? null,
    subject_type: item.subject_type,
    kind: item.kind,
    queue: item.queue,
    state: item.state,
    priority: item.priority,
    categories: item.categories,
    scores: item.scores,
    reasons: item.reasons,
    created_at: item.created_at.toISOString(),
    claimed_at: item.claimed_at?.toISOString() ?? null,
    lease_until: item.lease_until?.toISOString() ?? null,
    claimed_by_me: item.state === 'claimed' && item.claimed_by === m.id,
    age_seconds: Math.round((now.getTime() - item.created_at.getTime()) / 1000),
    sla_minutes: sla,
    overdue: item.state !== 'decided' && isOverdue(item.created_at, sla, now),
    decision: item.decision,
    media: media && mediaPart(media, item, linkKey),
    stages: stages.map((s) => ({
      stage: s.stage, status: s.status, reason: s.reason, explanation: explainStage(s.stage, s.status, s.reason),
      evidence: s.evidence, duration_ms: s.duration_ms,
    })),
    consent: attestation && (await consentPart(ctx, attestation, item, linkKey, faceStage?.evidence ?? null)),
    appeal: item.appeal_id ? await appealPart(ctx, item.appeal_id) : null,
    history: await history(ctx, item, media, attestation),
    same_hash_open: item.state === 'decided' ? 0 : (await sameHashOpen(ctx.db, factsOf(m), item)).length,
    wellness: { blur: needsWellnessShield(item.categories), mute: true },
  };
}

function mediaPart(media: MediaRow, item: ReviewItemRow, secret: string) {
  // Children's data keeps its approval rule: its bytes are never served to the console.
  const sealed = !!protectionOf(media);
  return {
    id: media.id, kind: media.kind, content_type: media.content_type, size_bytes: Number(media.size_bytes ?? 0), sha256: media.sha256,
    filename: media.filename, state: media.state, decision: media.decision, reason_code: media.reason_code,
    url: sealed || media.state === 'rejected' ? null : signLink(secret, item.id, 'media'), protected: sealed,
  };
}

async function consentPart(ctx: AppContext, a: AttestationRow, item: ReviewItemRow, secret: string, consentEvidence: Record<string, unknown> | null) {
  const subject = await getSubject(ctx.db, a.tenant_id, a.subject_id);
  const challenge = await latestRecordedChallenge(ctx.db, a.id);
  const checks = challenge ? await challengeChecks(ctx.db, challenge.id) : [];
  const speech = checks.find((c) => c.name === 'speech');
  const contentType = challenge?.recording_key ? await ctx.store.contentType(challenge.recording_key) : null;
  const score = typeof consentEvidence?.score === 'number' ? consentEvidence.score : null;
  return {
    attestation: {
      id: a.id, relation: a.relation, attester: a.attester, scopes: a.scopes, purposes: a.purposes,
      valid_from: a.valid_from.toISOString(), valid_until: a.valid_until.toISOString(), guardian: a.guardian,
      state: a.state, verification: a.verification, separate_biometric_consent: a.separate_biometric_consent,
      cross_border: a.cross_border, cross_border_details: a.cross_border_details,
    },
    subject: subject && { display_name: subject.display_name, language: subject.language, birth_date: subject.birth_date },
    challenge: challenge && {
      id: challenge.id, statement: challenge.statement, language: challenge.language, outcome: challenge.outcome,
      heard: typeof speech?.evidence.heard === 'string' ? speech.evidence.heard : null,
      checks: checks.map((c) => ({ name: c.name, status: c.status, score: c.score, threshold: c.threshold, reason: (c.evidence.reason as string | null) ?? null })),
      recording_url: contentType ? signLink(secret, item.id, 'consent-recording') : null,
      recording_content_type: contentType,
    },
    face_match: consentEvidence && 'threshold' in consentEvidence
      ? { score, threshold: consentEvidence.threshold as number | null, status: score === null ? 'unverified' : score >= Number(consentEvidence.threshold) ? 'match' : 'no match' }
      : null,
  };
}

async function appealPart(ctx: AppContext, appealId: string) {
  const a = await getAppeal(ctx.db, appealId);
  return a && { id: a.id, statement: a.statement, state: a.state, created_at: a.created_at.toISOString(), original: a.original };
}

/** One timeline from the three logs, oldest first. */
async function history(ctx: AppContext, item: ReviewItemRow, media: MediaRow | null, a: AttestationRow | null) {
  const rows: { source: string; type: string; actor: string; data: Record<string, unknown>; at: Date }[] = [];
  for (const e of await listItemEvents(ctx.db, item.id)) rows.push({ source: 'review', ...e });
  if (media) for (const e of await listEvents(ctx.db, media.id)) rows.push({ source: 'media', ...e });
  if (a) for (const e of await listConsentEvents(ctx.db, a.id)) rows.push({ source: 'consent', type: e.type, actor: e.actor, data: e.data, at: e.at });
  rows.sort((x, y) => x.at.getTime() - y.at.getTime());
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}
