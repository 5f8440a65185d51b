import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config';
import { isMediaKind, MEDIA_KINDS, type MediaKind } from '../media/kinds';
import { DEFAULT_CONCURRENCY, DEFAULT_TEXT_THREADS, moderateBatch } from './moderate-batch';
import { moderateLocal, ONLY_ROLES, type OnlySelection } from './moderate-item';

export const MODERATE_USAGE = `usage: likeness moderate <file> --kind <${MEDIA_KINDS.join('|')}> [--json] [--only moderation]
       likeness moderate - [--kind K] [--only moderation] [--concurrency N] [--text-threads N]   (JSON Lines on stdin)`;

/**
 * `likeness moderate`: the kind's pipeline on local input, in-process, with no account or
 * storage; stages that need them report `skipped`, so any content check can be run from a
 * shell. `-` reads JSON Lines on stdin (see moderate-batch.ts) and writes one result per line.
 */
export async function moderateCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        kind: { type: 'string' },
        json: { type: 'boolean', default: false },
        only: { type: 'string' },
        concurrency: { type: 'string' },
        'text-threads': { type: 'string' },
      },
    });
  } catch (e) {
    return usage((e as Error).message);
  }
  const { values, positionals } = parsed;
  const [file, ...extra] = positionals;
  if (!file || extra.length) return usage();
  if (values.kind !== undefined && !isMediaKind(values.kind)) return usage(`unknown kind ${values.kind}`);
  if (values.only !== undefined && !(values.only in ONLY_ROLES)) return usage(`--only takes ${Object.keys(ONLY_ROLES).join('|')}`);
  const kind = values.kind as MediaKind | undefined;
  const only = values.only as OnlySelection | undefined;
  const config = loadConfig();

  if (file === '-') {
    const concurrency = values.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) return usage('--concurrency takes an integer from 1 to 256');
    const textThreads = values['text-threads'] === undefined ? DEFAULT_TEXT_THREADS : Number(values['text-threads']);
    if (!Number.isInteger(textThreads) || textThreads < 0 || textThreads > 16) return usage('--text-threads takes an integer from 0 to 16');
    const started = performance.now();
    const stats = await moderateBatch(process.stdin, process.stdout, { config, defaultKind: kind, only, concurrency, textThreads });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const counts = Object.entries(stats.decisions).map(([d, n]) => `${d} ${n}`).join(', ');
    const threaded = stats.onTextThreads ? ` (${stats.onTextThreads} on ${textThreads} text threads)` : '';
    console.error(`moderated ${stats.lines} lines in ${seconds} s${threaded}: ${counts}`);
    return 0;
  }

  if (!kind) return usage('--kind is required for a file');
  const run = await moderateLocal({ kind, file }, config, only);
  const output = { file, kind, ...(only ? { only } : {}), ...run };
  if (values.json) console.log(JSON.stringify(output, null, 2));
  else {
    console.log(`${run.decision}${run.reason ? ` (${run.reason})` : ''}  ${file}${run.detail ? `: ${run.detail}` : ''}`);
    for (const r of run.results) console.log(`  ${r.stage.padEnd(16)} ${r.status}${r.reason ? ` ${r.reason}` : ''}`);
  }
  // A file that is not there is the command's failure, not a verdict on content.
  return run.reason === 'media.not_found' ? 1 : 0;
}

function usage(problem?: string): number {
  if (problem) console.error(problem);
  console.error(MODERATE_USAGE);
  return 2;
}
