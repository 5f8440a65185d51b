/**
 * `npm run eval:text [-- --split tune|dev] [-- --no-write]`: precision / recall / F1
 * per category and dataset for the plain-lexicon baseline, the learned classifier
 * alone and the full moderator (lexicons + classifier + default policy), in one run.
 * For reference it also scores the public Chinese word lists in the shared data
 * (all 17 files of sensitive-lexicon, "any word present", read in place, never copied).
 * An item counts as flagged when its score reaches the default policy's review
 * threshold for the category (i.e. it would not pass). With `--split dev` (the
 * default) the table is written into models/text/README.md.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_POLICY } from '../../src/moderation/policy.js';
import type { Category } from '../../src/moderation/taxonomy.js';
import { AhoCorasick } from '../../src/moderation/text/aho-corasick.js';
import { loadTextClassifier } from '../../src/moderation/text/classifier.js';
import { LEXICONS } from '../../src/moderation/text/lexicons/index.js';
import { compileLexicons, resolveHits } from '../../src/moderation/text/matcher.js';
import { TextModerator, lexiconScores } from '../../src/moderation/text/moderator.js';
import { normalizeText } from '../../src/moderation/text/normalize.js';
import { HEADS, loadExamples, sharedDataDir } from './data.js';
import type { Example, Head, Split } from './data.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const split: Split = args.includes('--split') ? (args[args.indexOf('--split') + 1] as Split) : 'dev';
const write = split === 'dev' && !args.includes('--no-write');

/** Which dataset is evaluated for which category (only where it carries that label). */
const TASKS: { source: string; head: Head }[] = [
  { source: 'cold', head: 'abuse' },
  { source: 'swsr', head: 'abuse' },
  { source: 'davidson', head: 'abuse' },
  { source: 'sms-spam', head: 'fraud' },
  { source: 'openai', head: 'abuse' },
  { source: 'openai', head: 'sexual' },
  { source: 'openai', head: 'violence' },
  { source: 'openai', head: 'minor_safety' },
  { source: 'openai', head: 'other_harmful' },
];

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

const f1 = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
function prf(c: Counts): { p: number; r: number; f: number; macro: number } {
  const p = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const r = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  // macro-F1 over the two classes, the figure published for COLD
  const pn = c.tn + c.fn > 0 ? c.tn / (c.tn + c.fn) : 0;
  const rn = c.tn + c.fp > 0 ? c.tn / (c.tn + c.fp) : 0;
  return { p, r, f: f1(p, r), macro: (f1(p, r) + f1(pn, rn)) / 2 };
}

function count(c: Counts, flagged: boolean, positive: boolean): void {
  if (flagged && positive) c.tp++;
  else if (flagged) c.fp++;
  else if (positive) c.fn++;
  else c.tn++;
}

const fmt = (x: number) => x.toFixed(2);

/** The public list as a plain any-word matcher on the raw lower-cased text, as users of such lists run it. */
function publicList(): AhoCorasick | null {
  const dir = path.join(sharedDataDir(), 'sensitive-lexicon', 'Vocabulary');
  if (!existsSync(dir)) return null;
  const terms = new Set<string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt'))) {
    for (const line of readFileSync(path.join(dir, f), 'utf8').split(/\r?\n/)) {
      const t = line.trim().toLowerCase();
      if (t.length >= 2) terms.add(t);
    }
  }
  return new AhoCorasick([...terms]);
}

async function main(): Promise<void> {
  const loaded = loadExamples();
  if ('missing' in loaded) {
    console.log(`eval:text skipped: ${loaded.missing}`);
    return;
  }
  const classifier = await loadTextClassifier();
  const moderator = new TextModerator(classifier);
  const lexicon = compileLexicons(LEXICONS);
  const rows = loaded.examples.filter((e: Example) => e.split === split);
  const threshold = (c: Category) => DEFAULT_POLICY.thresholds[c].review ?? DEFAULT_POLICY.thresholds[c].block ?? 1;

  const pub = publicList();
  const counts = new Map<string, { pub: Counts; lex: Counts; model: Counts; full: Counts }>();
  const zero = (): Counts => ({ tp: 0, fp: 0, fn: 0, tn: 0 });
  // Expected calibration error of the classifier per head, over every dev row that labels it.
  const bins = new Map<Head, { n: number; p: number; y: number }[]>(HEADS.map((h) => [h, Array.from({ length: 10 }, () => ({ n: 0, p: 0, y: 0 }))]));
  let ms = 0;
  for (const e of rows) {
    const tasks = TASKS.filter((t) => t.source === e.source && e.labels[HEADS.indexOf(t.head)]! >= 0);
    if (tasks.length === 0) continue;
    const n = normalizeText(e.text);
    const pubHit = pub ? pub.search(e.text.toLowerCase()).length > 0 : false;
    const lex = lexiconScores(resolveHits(lexicon.search(n)));
    const [windows = []] = await classifier.score([n]);
    HEADS.forEach((h, i) => {
      const y = e.labels[i]!;
      if (y < 0 || windows.length === 0) return;
      const p = Math.max(...windows.map((w) => w.scores[h] ?? 0));
      const bin = bins.get(h)![Math.min(9, Math.floor(p * 10))]!;
      bin.n++;
      bin.p += p;
      bin.y += y;
    });
    const t0 = performance.now();
    const full = await moderator.moderate(e.text);
    ms += performance.now() - t0;
    for (const t of tasks) {
      const key = `${t.source}\u0001${t.head}`;
      if (!counts.has(key)) counts.set(key, { pub: zero(), lex: zero(), model: zero(), full: zero() });
      const c = counts.get(key)!;
      const positive = e.labels[HEADS.indexOf(t.head)] === 1;
      const modelScore = Math.max(...windows.map((w) => w.scores[t.head] ?? 0));
      count(c.pub, pubHit, positive);
      count(c.lex, lex[t.head] >= threshold(t.head), positive);
      count(c.model, modelScore >= threshold(t.head), positive);
      count(c.full, full.scores[t.head] >= threshold(t.head), positive);
    }
  }

  const lines = [
    `| dataset (${split}) | category | n | positives | public list P / R / F1 | our lexicons P / R / F1 | classifier P / R / F1 | moderator P / R / F1 | moderator macro-F1 |`,
    '|---|---|---:|---:|---|---|---|---|---:|',
  ];
  for (const t of TASKS) {
    const c = counts.get(`${t.source}\u0001${t.head}`);
    if (!c) continue;
    const [p, l, m, f] = [prf(c.pub), prf(c.lex), prf(c.model), prf(c.full)];
    const n = c.full.tp + c.full.fp + c.full.fn + c.full.tn;
    const cell = (x: ReturnType<typeof prf>) => `${fmt(x.p)} / ${fmt(x.r)} / **${fmt(x.f)}**`;
    lines.push(`| ${t.source} | ${t.head} | ${n} | ${c.full.tp + c.full.fn} | ${pub ? cell(p) : 'n/a'} | ${cell(l)} | ${cell(m)} | ${cell(f)} | ${fmt(f.macro)} |`);
  }
  const ece = HEADS.map((h) => {
    const bs = bins.get(h)!;
    const total = bs.reduce((sum, b) => sum + b.n, 0);
    const err = bs.reduce((sum, b) => sum + (b.n > 0 ? Math.abs(b.p - b.y) : 0), 0) / Math.max(1, total);
    const pos = bs.reduce((sum, b) => sum + b.y, 0);
    return `${h} ${err.toFixed(3)} (${total} rows, ${pos} positive)`;
  });
  lines.push('', `Classifier expected calibration error (10 bins, all ${split} rows labelled for the head): ${ece.join('; ')}.`);
  const manifest = JSON.parse(readFileSync(path.join(HERE, 'manifest.json'), 'utf8')) as { version: string };
  const footer = `model ${manifest.version}; ${rows.length} ${split} rows; full moderator ${(ms / rows.length).toFixed(3)} ms/text on this machine; \`npm run eval:text\` (${new Date().toISOString().slice(0, 10)})`;
  const table = [...lines, '', footer].join('\n');
  console.log(table);
  if (write) {
    const readme = path.join(HERE, 'README.md');
    const src = readFileSync(readme, 'utf8');
    const begin = '<!-- eval:text begin -->';
    const end = '<!-- eval:text end -->';
    const a = src.indexOf(begin);
    const b = src.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README.md lacks ${begin} … ${end} markers`);
    writeFileSync(readme, `${src.slice(0, a + begin.length)}\n${table}\n${src.slice(b)}`);
    console.log('\nwrote the table into models/text/README.md');
  }
}

await main();
