import { faceEvidence, registryHits, videoFaces } from '../../src/consent/faces';
import { estimatedMinors, generatedVideoVerdict, youngestAge, type VideoFrameFacts } from '../../src/consent/face-rules';
import { getAttestation, isUuid } from '../../src/consent/repo';
import type { Stage, StageOutcome } from '../types';
import { CUSTOMIZATION_FRAMES } from './consent-face';
import { unlessModelFails } from './model-guard';

/**
 * A generated video needs no attestation, but the faces in it still count: every face of every
 * sampled frame is looked up in the do-not-clone registry (a match rejects; the subject of an
 * attestation the upload names is exempt, as for the other kinds) and age-estimated (under 18 →
 * review: nothing here can tell a guardian-consented avatar from a cloned child).
 */
export const generatedFacesStage: Stage = {
  name: 'consent.faces',
  role: 'consent',
  requires: ['account'],
  // Beside the frame moderation, and failing closed the same way when a face model cannot load.
  run: ({ media, file, limits, capabilities, facts, signal }) => unlessModelFails(async () => {
    const av = facts.av as { durationSeconds?: number; video?: { width?: number; height?: number } } | undefined;
    if (!av?.video?.width || !av.video.height || typeof av.durationSeconds !== 'number') throw new Error('consent.faces needs probe.video to run first');
    const db = capabilities.account!.db;
    const attestation = isUuid(media.consentId) ? await getAttestation(db, media.tenantId, media.consentId) : undefined;
    const video = { width: av.video.width, height: av.video.height, durationSeconds: av.durationSeconds };
    const frames: Pick<VideoFrameFacts, 'faces' | 'listed' | 'timestampMs'>[] = [];
    const faces: Record<string, unknown>[] = [];
    let score: number | null = null;
    for await (const f of videoFaces(limits.ffmpegPath, file, video, { maxFrames: CUSTOMIZATION_FRAMES, signal })) {
      const registry = await registryHits(db, attestation?.subject_id ?? null, f.faces);
      if (registry.score !== null) score = Math.max(score ?? -1, registry.score);
      frames.push({ timestampMs: f.timestampMs, faces: f.faces, listed: registry.listed });
      f.faces.forEach((x, i) => faces.push(faceEvidence(x, f, { listed: registry.listed.includes(i) })));
    }
    const verdict = generatedVideoVerdict(frames);
    const minorsAt = frames.filter((f) => estimatedMinors(f.faces, null).length).map((f) => f.timestampMs);
    const evidence = {
      frames_checked: frames.length,
      faces_checked: faces.length,
      registry_score: score,
      estimated_age: youngestAge(frames.flatMap((f) => f.faces)),
      ...(minorsAt.length ? { minor: 'estimated', minor_at_ms: minorsAt } : {}),
      listed_at_ms: frames.filter((f) => f.listed.length).map((f) => f.timestampMs),
      faces,
    };
    const outcome: StageOutcome = verdict.status === 'pass' ? { status: 'pass', evidence } : { status: verdict.status, reason: verdict.reason, evidence };
    return outcome;
  }),
};
