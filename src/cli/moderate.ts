import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { PIPELINES, runPipeline } from '../../pipelines';
import { loadConfig } from '../core/config';
import { isAppError } from '../core/errors';
import { isMediaKind, MEDIA_KINDS } from '../media/kinds';
import { sniffType, SNIFF_BYTES } from '../media/sniff';

/**
 * The kind's pipeline on a local file, in-process, with no account or storage: stages
 * that need them report `skipped`, so any content check can be run from a shell.
 */
export async function moderateCommand(file: string | undefined, kind: string | undefined, json: boolean): Promise<number> {
  if (!file || !kind || !isMediaKind(kind)) {
    console.error(`usage: likeness moderate <file> --kind <${MEDIA_KINDS.join('|')}> [--json]`);
    return 2;
  }
  const config = loadConfig();
  const bytes = await fs.readFile(file);
  let output: Record<string, unknown>;
  try {
    if (bytes.length > config.limits.bytes[kind]) throw Object.assign(new Error('too large'), { code: 'media.too_large' });
    const contentType = await sniffType(kind, bytes.subarray(0, SNIFF_BYTES));
    const run = await runPipeline(PIPELINES[kind], {
      media: {
        id: 'local',
        tenantId: 'local',
        kind,
        contentType,
        sizeBytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
      file,
      limits: { ...config.limits, ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath },
      capabilities: {},
      signal: AbortSignal.timeout(10 * 60_000),
    });
    output = { file, kind, contentType, ...run };
  } catch (e) {
    if (!isAppError(e) && !(e as { code?: string }).code) throw e;
    const err = e as { code: string; message: string };
    output = { file, kind, decision: 'reject', reason: err.code, results: [], detail: err.message };
  }
  if (json) console.log(JSON.stringify(output, null, 2));
  else {
    console.log(`${output.decision}${output.reason ? ` (${output.reason})` : ''}  ${file}`);
    for (const r of (output.results as { stage: string; status: string; reason?: string }[]) ?? []) {
      console.log(`  ${r.stage.padEnd(16)} ${r.status}${r.reason ? ` ${r.reason}` : ''}`);
    }
  }
  return 0;
}
