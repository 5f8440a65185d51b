import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { spokenWords } from '../../src/consent/asr/statement';
import { attestation, call, subject } from '../consent/support';
import { festivalMissing, pocketsphinxMissing, say } from '../speech/festival';
import type { Service } from '../support/harness';

/** Why the capture tests that need speech cannot run here, or null. Under CI nothing may be missing. */
export const speechToolsMissing = festivalMissing ?? pocketsphinxMissing;

/**
 * A fixed code keeps speech tests deterministic: festival's diphone voice is misheard on some
 * digits (about 1 right reading in 16 fails on random codes; test/consent/asr-eval.ts measures
 * it). The code lives only in the statement (its hash is not used by the checks), so the test
 * rewrites the statement the page will show, exactly as test/consent/ceremony.test.ts does.
 */
export const FIXED_CODE = '4 7 2 9 1 3';

export async function fixCode(svc: Service, challengeId: string): Promise<string> {
  const [row] = await svc.ctx.db.query<{ statement: string }>('select statement from consent_challenges where id = $1', [challengeId]);
  const statement = row!.statement.replace(/( \d){6}\.$/, ` ${FIXED_CODE}.`);
  if (!statement.endsWith(`${FIXED_CODE}.`)) throw new Error(`statement not rewritten: ${row!.statement}`);
  await svc.ctx.db.query('update consent_challenges set statement = $2 where id = $1', [challengeId, statement]);
  return statement;
}

export interface Link {
  attestationId: string;
  url: string;
  token: string;
  challengeId: string;
  expiresAt: string;
}

/** A subject, a voice (or face) attestation and a capture link for it, through the API. */
export async function consentWithLink(
  svc: Service,
  opts: { name?: string; scopes?: string[]; purposes?: string[]; company?: string } = {},
): Promise<Link> {
  const sid = await subject(svc, { display_name: opts.name ?? 'Jane Doe' });
  const a = await attestation(svc, sid, { scopes: opts.scopes ?? ['voice'], purposes: opts.purposes ?? ['voice_clone'] });
  const r = await call(svc, 'POST', `/v1/consents/${a.id}/capture-links`, { company: opts.company ?? 'Acme Studios' });
  if (r.status !== 201) throw new Error(`capture link: ${r.status} ${JSON.stringify(r.body)}`);
  return { attestationId: a.id, url: r.body.url, token: r.body.token, challengeId: r.body.challenge_id, expiresAt: r.body.expires_at };
}

/** The statement as the page shows it (the text of #statement, entities decoded). */
export function statementOnPage(html: string): string {
  const m = /<blockquote[^>]*id="statement"[^>]*>([^<]*)<\/blockquote>/.exec(html);
  if (!m) throw new Error('no statement on the page');
  return m[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Festival reading `statement`, with a little silence before and after (a microphone opens
 * before the reader speaks), as 16 kHz mono s16 WAV in `dir`. Returns the file and its length.
 */
export function readAloud(statement: string, dir: string): { file: string; seconds: number } {
  const raw = say(spokenWords(statement).join(' '), dir);
  const file = path.join(dir, 'statement.wav');
  execFileSync('ffmpeg', [
    '-v', 'error', '-y', '-i', raw,
    '-af', 'adelay=400:all=1,apad=pad_dur=1',
    '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', file,
  ]);
  // 16-bit mono at 16 kHz, after a 44-byte header.
  const seconds = (fs.statSync(file).size - 44) / 32_000;
  return { file, seconds };
}
