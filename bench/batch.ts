/**
 * `npx tsx bench/batch.ts [--lines 20000] [--concurrency 4] [--rounds 2]`: text throughput
 * of the JSON Lines batch interface (`likeness moderate -` in a child process) next to the
 * in-process text moderator on the same texts, measured in the same run.
 *
 * The in-process peer is measured the way bench/text.ts measures it (warm moderator,
 * sequential `moderate` calls); that file runs its bench on import, so its loop is not
 * importable and the few lines are repeated here. The CLI's startup (process, TypeScript
 * loader, model load, first line) is reported on its own. A fresh process also warms up
 * (JIT, the normaliser's per-character cache) over its first thousand or so lines, in or
 * out of the CLI alike, so the CLI's steady rate is taken over the second half of its lines,
 * against an in-process moderator warmed on the whole corpus first. The CLI moderates text
 * lines on DEFAULT_TEXT_THREADS worker threads once a few hundred have been read and a worker
 * has loaded (its warm-up half includes that start), so on two cores it may beat the one-core
 * sequential peer while spending more CPU per line: both ratios are printed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { DEFAULT_CONCURRENCY, DEFAULT_TEXT_THREADS, moderateBatch } from '../src/cli/moderate-batch.js';
import { loadConfig } from '../src/core/config.js';
import { defaultTextModerator } from '../src/moderation/text/moderator.js';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
    rounds: { type: 'string', default: '2' },
  },
});
const N = Number(args.lines);
const C = Number(args.concurrency);
const ROUNDS = Number(args.rounds);

// Synthetic fallback: benign and harmful sentences in both languages, with evasions.
const SYNTHETIC = [
  '今天我们一起去公园散步，天气很好', '数字人可以朗读这段文字', '请在安静的房间里录制你的声音', '这个视频的画质很好，谢谢大家',
  '线上赌场注册送88元，赌\u200b博 百家乐天天返水', '加微信领取兼职刷单佣金，日赚五百', '你这个废物，滚出去',
  'please read the sentence on screen', 'my avatar speaks two languages', 'the weather is nice today, see you tomorrow',
  'best c@sino bonus tonight, deposit now', 'Congratulations! You have won a $1000 gift card, click here to claim your prize',
  'send me your bank password and the verification code', 'I will find you and hurt you',
];

/** Dev-set rows when ../shared/data is there (never copied into the repo), else the synthetic pool. */
function corpus(): { texts: string[]; source: string } {
  const root = path.resolve(process.env.LIKENESS_SHARED_DATA ?? '../shared/data');
  const pools: string[][] = [];
  const read = (rel: string) => (fs.existsSync(path.join(root, rel)) ? fs.readFileSync(path.join(root, rel), 'utf8').split('\n') : null);
  const cold = read('cold/dev.csv');
  if (cold) pools.push(cold.slice(1).map((l) => l.split(',').slice(4).join(',').replace(/^"|"$/g, '').replace(/""/g, '"')));
  const sms = read('sms-spam-uci/SMSSpamCollection');
  if (sms) pools.push(sms.slice(1).map((l) => l.slice(l.indexOf('\t') + 1)));
  const oai = read('openai-moderation/samples-dev.jsonl');
  if (oai) pools.push(oai.filter(Boolean).map((l) => String((JSON.parse(l) as { prompt?: string }).prompt ?? '')));
  const usable = pools.map((p) => p.map((t) => t.trim()).filter((t) => t.length > 0));
  if (!usable.some((p) => p.length)) return { texts: Array.from({ length: N }, (_, i) => SYNTHETIC[(i * 7) % SYNTHETIC.length]!), source: 'synthetic' };
  const nonEmpty = usable.filter((p) => p.length);
  const texts = Array.from({ length: N }, (_, i) => {
    const pool = nonEmpty[i % nonEmpty.length]!;
    return pool[Math.floor(i / nonEmpty.length) % pool.length]!;
  });
  return { texts, source: `${root} (COLD dev, SMS spam, OpenAI moderation dev, interleaved)` };
}

interface Measure {
  seconds: number;
  /** CPU seconds of the measured process (all its threads, ONNX's included); null where unreadable. */
  cpu: number | null;
  lines: number;
  bytes: number;
}

const bytesOf = (ts: readonly string[]) => ts.reduce((s, t) => s + Buffer.byteLength(t), 0);

/** Wall and CPU time of `run` in this process. The machine is shared, so CPU per line is the steadier figure. */
async function timed(texts: readonly string[], run: () => Promise<void>): Promise<Measure> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const cpu = process.cpuUsage(cpu0);
  return { seconds: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6, lines: texts.length, bytes: bytesOf(texts) };
}

async function inProcessSequential(texts: string[]): Promise<{ m: Measure; decisions: string[] }> {
  const mod = await defaultTextModerator();
  const decisions: string[] = [];
  const m = await timed(texts, async () => {
    for (const t of texts) decisions.push((await mod.moderate(t)).decision);
  });
  return { m, decisions };
}

async function inProcessConcurrent(texts: string[]): Promise<Measure> {
  const mod = await defaultTextModerator();
  let next = 0;
  return timed(texts, async () => {
    await Promise.all(Array.from({ length: C }, async () => {
      while (next < texts.length) await mod.moderate(texts[next++]!);
    }));
  });
}

/**
 * The batch code the CLI runs, in this process and on this thread only (no text workers): the
 * pipeline and JSON cost per line without the process boundary or the second core.
 */
async function inProcessBatch(input: string, texts: string[]): Promise<Measure> {
  const sink = new Writable({ write: (_c, _e, done) => done() });
  return timed(texts, async () => {
    await moderateBatch(Readable.from([input]), sink, { config: loadConfig(), concurrency: C, textThreads: 0 });
  });
}

const CLOCK_TICKS = 100;

/** utime + stime of a live process from /proc (Linux), in seconds. */
function cpuOf(pid: number | undefined): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

interface CliRun {
  startup: number;
  total: number;
  /** Lines 2..N/2: the fresh process still warming up. */
  warming: Measure;
  /** Lines N/2+1..N. */
  steady: Measure;
  decisions: string[];
}

async function cliBatch(input: string, texts: string[], extra: string[] = []): Promise<CliRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/likeness.mjs', 'moderate', '-', '--concurrency', String(C), ...extra], {
    env: { ...process.env, LOG_LEVEL: 'silent' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Its closing summary line would land inside the table: kept, and shown only on failure.
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const half = Math.floor(texts.length / 2);
  const at: number[] = [];
  const cpuAt = new Map<number, number | null>();
  let buffered = '';
  const decisions: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const now = performance.now();
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      decisions.push((JSON.parse(buffered.slice(0, nl)) as { decision: string }).decision);
      buffered = buffered.slice(nl + 1);
      at.push(now);
      // The child is still alive at these three results (the last one is written before it exits).
      if (at.length === 1 || at.length === half || at.length === texts.length) cpuAt.set(at.length, cpuOf(child.pid));
    }
  });
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0 || decisions.length !== texts.length) throw new Error(`CLI exited ${code} after ${decisions.length}/${texts.length} lines\n${stderr}`);
  const span = (from: number, to: number): Measure => {
    const [c0, c1] = [cpuAt.get(from), cpuAt.get(to)];
    return {
      seconds: (at[to - 1]! - at[from - 1]!) / 1000,
      cpu: c0 == null || c1 == null ? null : c1 - c0,
      lines: to - from,
      bytes: bytesOf(texts.slice(from, to)),
    };
  };
  return { startup: (at[0]! - t0) / 1000, total: (performance.now() - t0) / 1000, warming: span(1, half), steady: span(half, texts.length), decisions };
}

async function main(): Promise<void> {
  const { texts, source } = corpus();
  const input = texts.map((text, i) => JSON.stringify({ id: i, kind: 'driving_text', text })).join('\n') + '\n';
  const mod = await defaultTextModerator();
  if (!mod.model) console.log('WARNING: text model unavailable, measuring lexicons only');
  // Warm like a long-running worker: every text once, through the moderator and the batch code.
  for (const t of texts) await mod.moderate(t);
  await inProcessBatch(input, texts);
  console.log(`batch bench: ${N} texts (${(bytesOf(texts) / 1e6).toFixed(2)} MB) from ${source}`);
  console.log(`node ${process.version}, model ${mod.model?.version ?? 'none'}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}, concurrency ${C}, CLI text threads ${DEFAULT_TEXT_THREADS}`);
  console.log('| round | path | seconds | MB/s | lines/s | CPU ms/line |');
  console.log('|---:|---|---:|---:|---:|---:|');
  const ratios: { wall: number; cpu: number | null; batch: number; oneThread: number }[] = [];
  const perSecond = (m: Measure) => m.bytes / m.seconds;
  const cpuPerLine = (m: Measure) => (m.cpu === null ? null : (m.cpu * 1000) / m.lines);
  for (let r = 1; r <= ROUNDS; r++) {
    const seq = await inProcessSequential(texts);
    const conc = await inProcessConcurrent(texts);
    const inBatch = await inProcessBatch(input, texts);
    const cli = await cliBatch(input, texts);
    const oneThread = await cliBatch(input, texts, ['--text-threads', '0']);
    const agree = cli.decisions.filter((d, i) => d === seq.decisions[i]).length;
    const row = (label: string, m: Measure) =>
      console.log(`| ${r} | ${label} | ${m.seconds.toFixed(2)} | ${(perSecond(m) / 1e6).toFixed(3)} | ${(m.lines / m.seconds).toFixed(0)} | ${cpuPerLine(m)?.toFixed(3) ?? '–'} |`);
    row('in-process moderator, sequential (bench:text method)', seq.m);
    row(`in-process moderator, ${C} concurrent callers`, conc);
    row('in-process moderateBatch (the CLI code, no process, one thread)', inBatch);
    row(`\`likeness moderate -\`, lines 2..${Math.floor(N / 2)} (fresh process warming up)`, cli.warming);
    row(`\`likeness moderate -\`, lines ${Math.floor(N / 2) + 1}..${N} (steady)`, cli.steady);
    row(`\`likeness moderate - --text-threads 0\`, lines ${Math.floor(N / 2) + 1}..${N} (steady, main thread only)`, oneThread.steady);
    console.log(`|   | CLI startup to first result ${cli.startup.toFixed(2)} s; whole run ${cli.total.toFixed(2)} s; decisions equal to in-process on ${agree}/${N} | | | | |`);
    const seqCpu = cpuPerLine(seq.m);
    const cliCpu = cpuPerLine(cli.steady);
    ratios.push({
      wall: perSecond(cli.steady) / perSecond(seq.m),
      cpu: seqCpu === null || cliCpu === null ? null : seqCpu / cliCpu,
      batch: perSecond(cli.steady) / perSecond(inBatch),
      oneThread: perSecond(oneThread.steady) / perSecond(seq.m),
    });
  }
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const cpuRatios = ratios.flatMap((x) => (x.cpu === null ? [] : [x.cpu]));
  console.log(`CLI steady vs in-process moderator (sequential), median of ${ROUNDS} rounds, startup and warm-up excluded:`);
  console.log(`  throughput ratio ${med(ratios.map((x) => x.wall)).toFixed(2)} (per round: ${ratios.map((x) => x.wall.toFixed(2)).join(', ')})`);
  if (cpuRatios.length) console.log(`  CPU-per-line ratio in-process/CLI ${med(cpuRatios).toFixed(2)} (per round: ${cpuRatios.map((x) => x.toFixed(2)).join(', ')}; 1 = same CPU cost per line)`);
  console.log(`  throughput ratio vs in-process moderateBatch on one thread ${med(ratios.map((x) => x.batch)).toFixed(2)}`);
  console.log(`  with --text-threads 0 (main thread only) the CLI's throughput ratio is ${med(ratios.map((x) => x.oneThread)).toFixed(2)} (per round: ${ratios.map((x) => x.oneThread.toFixed(2)).join(', ')})`);
  console.log(`rerun: npx tsx bench/batch.ts --lines ${N} --concurrency ${C} --rounds ${ROUNDS}`);
}

await main();
