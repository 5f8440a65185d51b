import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifiedConsent } from '../support/consent';
import { startService, upload, waitDecided, type Service } from '../support/harness';
import { ADVERT, festivalMissing, pocketsphinxMissing, say } from './festival';

const missing = festivalMissing ?? pocketsphinxMissing;

describe.skipIf(missing)(`speech moderation through the service${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService('pglite');
    svc.defaultConsent = await verifiedConsent(svc);
  });
  afterAll(async () => svc?.close());

  it('an uploaded spoken gambling advert is blocked, kept in quarantine, with time-ranged evidence on GET', async () => {
    const up = await upload(svc, 'driving_audio', fs.readFileSync(say(ADVERT)));
    expect(up.status).toBe(202);
    const item = await waitDecided(svc, up.body.id as string, 60_000);
    expect(item.decision).toBe('block');
    expect(item.state).toBe('blocked');
    expect(item.download ?? null).toBeNull();
    const stage = item.stages.find((s: any) => s.stage === 'moderate.speech');
    expect(stage.reason).toBe('moderation.block.gambling');
    const ev = stage.evidence.moderation.evidence.find((e: any) => e.category === 'gambling');
    expect(ev.timeRangeMs[1]).toBeGreaterThan(ev.timeRangeMs[0]);
    expect(stage.evidence.asr.text).toMatch(/casino/);
  });
});
