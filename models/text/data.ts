/**
 * Loads the permissively licensed labelled sets from the shared data folder
 * (never copied into the repo) into one multi-label table with per-head masks.
 *
 * Label rules, because each set labels only some of our heads:
 * - a set's own heads are known for every row;
 * - a row its set calls clean (COLD 0, SWSR 0, Davidson "neither", SMS ham) is
 *   taken as clean for every head; a flagged row is unknown for the other heads
 *   (an offensive post may also be sexual or violent);
 * - OpenAI rows: a missing key is unknown, as its README says.
 * Splits: COLD keeps its own train/dev (its test split is not here and is never
 * used); SWSR is split by a hash of the post a comment answers, the other sets
 * by a hash of the text, so rerunning reproduces them. 10% of each training part is held out as "tune" for model selection and
 * calibration; "dev" is used only for the reported numbers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HEADS = ['abuse', 'sexual', 'violence', 'fraud', 'minor_safety', 'other_harmful'] as const;
export type Head = (typeof HEADS)[number];
export type Split = 'train' | 'tune' | 'dev';

export interface Example {
  text: string;
  source: string;
  split: Split;
  /** Per head: 1 positive, 0 negative, -1 unknown. */
  labels: Int8Array;
}

export interface SourceInfo {
  name: string;
  path: string;
  licence: string;
  upstream: string;
}

export const SOURCES: readonly SourceInfo[] = [
  { name: 'cold', path: 'cold/{train,dev}.csv', licence: 'Apache-2.0', upstream: 'thu-coai/COLDataset@a0c55a9' },
  { name: 'swsr', path: 'swsr/SexComment.csv', licence: 'MIT', upstream: 'aggiejiang/SWSR@7b32018' },
  { name: 'davidson', path: 'davidson/labeled_data.csv', licence: 'MIT', upstream: 't-davidson/hate-speech-and-offensive-language@cb50f7e' },
  { name: 'sms-spam', path: 'sms-spam-uci/SMSSpamCollection', licence: 'CC BY 4.0', upstream: 'hamzaaacodes/sms-spam-collection@f3e73e1' },
  { name: 'openai', path: 'openai-moderation/samples-dev.jsonl', licence: 'MIT', upstream: 'openai/moderation-api-release@f4ab51b' },
];

export function sharedDataDir(): string {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  return process.env.LIKENESS_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');
}

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
export function parseCsv(src: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = src.charCodeAt(0) === 0xfeff ? src.slice(1) : src;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 100;
}

function splitByHash(text: string, devPercent: number): Split {
  const h = hash(text);
  if (h < devPercent) return 'dev';
  return h < devPercent + 10 ? 'tune' : 'train';
}

/** Rows from a set that labels one head; clean rows are clean for every head. */
function single(head: Head, positive: boolean): Int8Array {
  const labels = new Int8Array(HEADS.length).fill(positive ? -1 : 0);
  labels[HEADS.indexOf(head)] = positive ? 1 : 0;
  return labels;
}

function columns(rows: string[][]): Map<string, number> {
  return new Map((rows[0] ?? []).map((name, i) => [name.trim(), i]));
}

function loadCold(dir: string): Example[] {
  const out: Example[] = [];
  for (const file of ['train', 'dev'] as const) {
    const rows = parseCsv(readFileSync(path.join(dir, 'cold', `${file}.csv`), 'utf8'));
    const col = columns(rows);
    for (const r of rows.slice(1)) {
      const text = r[col.get('TEXT')!];
      const label = r[col.get('label')!];
      if (!text || label === undefined) continue;
      const split: Split = file === 'dev' ? 'dev' : hash(text) < 10 ? 'tune' : 'train';
      out.push({ text, source: 'cold', split, labels: single('abuse', label === '1') });
    }
  }
  return out;
}

function loadSwsr(dir: string): Example[] {
  const rows = parseCsv(readFileSync(path.join(dir, 'swsr', 'SexComment.csv'), 'utf8'));
  const col = columns(rows);
  return rows.slice(1).flatMap((r) => {
    const text = r[col.get('comment_text')!];
    const label = r[col.get('label')!];
    const post = r[col.get('weibo_id')!];
    if (!text || label === undefined || !post) return [];
    // Split by the post the comment answers, so no thread has comments on both sides.
    return [{ text, source: 'swsr', split: splitByHash(post, 20), labels: single('abuse', label === '1') }];
  });
}

function loadDavidson(dir: string): Example[] {
  const rows = parseCsv(readFileSync(path.join(dir, 'davidson', 'labeled_data.csv'), 'utf8'));
  const col = columns(rows);
  return rows.slice(1).flatMap((r) => {
    const text = r[col.get('tweet')!];
    const cls = r[col.get('class')!];
    if (!text || cls === undefined) return [];
    return [{ text, source: 'davidson', split: splitByHash(text, 20), labels: single('abuse', cls !== '2') }];
  });
}

function loadSms(dir: string): Example[] {
  const lines = readFileSync(path.join(dir, 'sms-spam-uci', 'SMSSpamCollection'), 'utf8').split('\n').slice(1);
  return lines.flatMap((line) => {
    const tab = line.indexOf('\t');
    if (tab < 0) return [];
    const text = line.slice(tab + 1).trim();
    const label = line.slice(0, tab).trim();
    if (!text) return [];
    // SMS spam stands in for fraud: most of it is prize, premium-rate and loan scams.
    return [{ text, source: 'sms-spam', split: splitByHash(text, 20), labels: single('fraud', label === 'spam') }];
  });
}

type OpenAiRow = Partial<Record<'S' | 'H' | 'V' | 'HR' | 'SH' | 'S3' | 'H2' | 'V2', number>> & { prompt: string };

/** 1 if any listed key is 1, 0 if every key in `negatives` is 0, else unknown. */
function anyOf(row: OpenAiRow, positives: (keyof OpenAiRow)[], negatives: (keyof OpenAiRow)[]): number {
  if (positives.some((k) => row[k] === 1)) return 1;
  return negatives.every((k) => row[k] === 0) ? 0 : -1;
}

function loadOpenAi(dir: string): Example[] {
  const lines = readFileSync(path.join(dir, 'openai-moderation', 'samples-dev.jsonl'), 'utf8').split('\n');
  return lines.flatMap((line) => {
    if (!line.trim()) return [];
    const row = JSON.parse(line) as OpenAiRow;
    const labels = new Int8Array(HEADS.length);
    labels[HEADS.indexOf('abuse')] = anyOf(row, ['H', 'HR', 'H2'], ['H', 'HR']);
    labels[HEADS.indexOf('sexual')] = anyOf(row, ['S'], ['S']);
    labels[HEADS.indexOf('violence')] = anyOf(row, ['V', 'V2'], ['V']);
    labels[HEADS.indexOf('fraud')] = -1;
    labels[HEADS.indexOf('minor_safety')] = anyOf(row, ['S3'], ['S3']);
    labels[HEADS.indexOf('other_harmful')] = anyOf(row, ['SH'], ['SH']);
    return [{ text: row.prompt, source: 'openai', split: splitByHash(row.prompt, 30), labels }];
  });
}

/** All examples, or null (with the reason) when the shared data folder is absent. */
export function loadExamples(dir = sharedDataDir()): { examples: Example[] } | { missing: string } {
  if (!existsSync(path.join(dir, 'cold', 'train.csv'))) return { missing: `no labelled data at ${dir} (set LIKENESS_SHARED_DATA)` };
  return { examples: [...loadCold(dir), ...loadSwsr(dir), ...loadDavidson(dir), ...loadSms(dir), ...loadOpenAi(dir)] };
}
