/**
 * `npx tsx bench/moderation-eval.ts [--no-text] [--no-images] [--no-write] [--variants 2] [--sms 12]`:
 * per-category precision / recall / F1 of the moderation on text and on images, written into
 * docs/moderation-eval.md (between its markers) unless `--no-write`.
 *
 * Text: models/text/eval.ts itself (`eval:text --split dev --no-write`), run as a child process
 * and its table taken over: the dev splits of the labelled sets, lexicon baseline beside the
 * classifier and the full moderator.
 *
 * Images: there is no labelled image-safety set here, so the set is built at run time and only
 * what it can measure is reported.
 *  - benign photos: every photo in $LIKENESS_SHARED_DATA/faces-dev and the face-api sample photos
 *    (labelled "no category": every flag on them is a false positive);
 *  - benign text pictures: SMS "ham" messages of the sms-spam dev split and captions written here,
 *    rendered (bench/adverts.ts) as posters, banners and captions over the photos;
 *  - positives, which can only be caught by OCR → text moderator: gambling and fraud adverts
 *    written here (Chinese and English) and SMS "spam" of the dev split (fraud, the label eval:text
 *    gives that set), rendered the same ways.
 * Each text picture is also scored as plain text (no image), so what OCR loses shows beside what
 * the text moderator misses. An item counts as flagged for a category when its score reaches the
 * default policy's review threshold, as in eval:text. Sexual, violence and the other categories
 * have no image positives here: for them only the false-positive rate on the negatives is given.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jpgsUnder } from './photos';
import { HEADS, loadExamples, sharedDataDir } from '../models/text/data';
import { moderateImageText } from '../src/moderation/image/image-text';
import { moderateImageBytes } from '../src/moderation/image/moderate-image';
import { SAFETY_MODEL } from '../src/moderation/image/safety-scores';
import { DEFAULT_POLICY } from '../src/moderation/policy';
import type { ModerationResult } from '../src/moderation/result';
import { CATEGORIES, type Category } from '../src/moderation/taxonomy';
import { moderateText } from '../src/moderation/text/moderator';
import { renderText, variants, WRITTEN_ADVERTS, WRITTEN_CAPTIONS } from './adverts';

const args = process.argv.slice(2);
const num = (name: string, dflt: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : dflt);
const VARIANTS = num('variants', 2);
const SMS = num('sms', 12);
const DOC = path.resolve('docs/moderation-eval.md');
const DEMO = 'node_modules/@vladmandic/face-api/demo';

const threshold = (c: Category) => DEFAULT_POLICY.thresholds[c].review ?? DEFAULT_POLICY.thresholds[c].block ?? 1;
const flagged = (r: ModerationResult, c: Category) => r.scores[c] >= threshold(c);
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');

interface Item {
  group: string;
  name: string;
  bytes: Buffer;
  /** The category it carries (positives), or null (negatives). */
  label: Category | null;
  /** The rendered text, for text pictures. */
  text?: string;
}

function photoItems(notes: string[]): Item[] {
  const faces = path.join(sharedDataDir(), 'faces-dev');
  const facePhotos = jpgsUnder(faces);
  if (!facePhotos.length) notes.push(`no ${faces}: the benign photos are the face-api samples only`);
  return [
    ...jpgsUnder(DEMO)
      .filter((f) => /sample\d+\.jpg$/.test(f))
      .map((f) => ({ group: 'benign photos: face-api samples', name: path.basename(f), bytes: readFileSync(f), label: null })),
    ...facePhotos.map((f) => ({ group: 'benign photos: faces-dev', name: path.relative(faces, f), bytes: readFileSync(f), label: null })),
  ];
}

/**
 * Text pictures; banners and captions go over `under`, photos the image path passed on their own
 * with a low sexual score, so a flag on a text picture comes from its text, not from the photo beneath.
 */
async function textItems(notes: string[], under: readonly Uint8Array[]): Promise<Item[]> {
  const texts: { group: string; text: string; lang: 'zh' | 'en'; label: Category | null }[] = [
    ...WRITTEN_ADVERTS.map((a) => ({ group: `adverts written here: ${a.category} ${a.lang}`, text: a.text, lang: a.lang, label: a.category })),
    ...WRITTEN_CAPTIONS.map((c) => ({ group: `benign captions written here: ${c.lang}`, text: c.text, lang: c.lang, label: null })),
  ];
  const loaded = loadExamples();
  if ('missing' in loaded) notes.push(`${loaded.missing}: no SMS pictures`);
  else {
    const sms = loaded.examples.filter((e) => e.source === 'sms-spam' && e.split === 'dev' && e.text.length >= 40 && e.text.length <= 160);
    const fraud = HEADS.indexOf('fraud');
    for (const e of sms.filter((e) => e.labels[fraud] === 1).slice(0, SMS)) texts.push({ group: 'SMS spam (dev), rendered', text: e.text, lang: 'en', label: 'fraud' });
    for (const e of sms.filter((e) => e.labels[fraud] === 0).slice(0, SMS)) texts.push({ group: 'SMS ham (dev), rendered', text: e.text, lang: 'en', label: null });
  }
  const items: Item[] = [];
  for (const [i, t] of texts.entries()) {
    for (const o of variants(t.lang, i, under, VARIANTS)) {
      const name = `${o.layout} ${o.font} ${Math.round(o.size * 1000) / 10}%w ${o.width}px`;
      items.push({ group: t.group, name, bytes: await renderText(t.text, o), label: t.label, text: t.text });
    }
  }
  return items;
}

/** What raised category `c` on an image: the safety model, a QR code, or text read by OCR. */
function sourcesOf(r: ModerationResult, c: Category): string {
  const ev = r.evidence.filter((e) => e.category === c);
  const from = new Set(ev.map((e) => (e.model?.name === SAFETY_MODEL.name ? 'safety model' : e.listEntry?.list === 'qr-url' ? 'QR code' : 'OCR text')));
  return [...from].join(' + ') || 'no evidence';
}

interface Scored {
  item: Item;
  image: ModerationResult;
  /** The same text moderated as text, for text pictures. */
  asText?: ModerationResult;
}

function categoryTable(scored: Scored[]): string[] {
  const lines = [
    '| category | image positives | caught (TP) | missed (FN) | false flags (FP) / negatives | precision | recall | F1 | same texts as plain text: recall |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of CATEGORIES) {
    const pos = scored.filter((s) => s.item.label === c);
    const neg = scored.filter((s) => s.item.label !== c);
    const tp = pos.filter((s) => flagged(s.image, c)).length;
    const fp = neg.filter((s) => flagged(s.image, c)).length;
    const fn = pos.length - tp;
    const fpCell = `${fp} / ${neg.length} (${((100 * fp) / Math.max(1, neg.length)).toFixed(1)}%)`;
    if (pos.length === 0) {
      lines.push(`| ${c} | 0 — no image positives (no data) | – | – | ${fpCell} | – | – | – | – |`);
      continue;
    }
    const p = tp + fp ? tp / (tp + fp) : NaN;
    const r = tp / pos.length;
    const f = p + r ? (2 * p * r) / (p + r) : 0;
    const textR = pos.filter((s) => s.asText && flagged(s.asText, c)).length / pos.length;
    lines.push(`| ${c} | ${pos.length} | ${tp} | ${fn} | ${fpCell} | ${fmt(p)} | ${fmt(r)} | **${fmt(f)}** | ${fmt(textR)} |`);
  }
  return lines;
}

function groupTable(scored: Scored[]): string[] {
  const lines = ['| set | images | label | decision pass / review / block | flagged for its label | flagged for another category (which) |', '|---|---:|---|---|---:|---|'];
  const groups = [...new Set(scored.map((s) => s.item.group))];
  for (const g of groups) {
    const ss = scored.filter((s) => s.item.group === g);
    const label = ss[0]!.item.label;
    const d = (x: string) => ss.filter((s) => s.image.decision === x).length;
    const own = label ? `${ss.filter((s) => flagged(s.image, label)).length} / ${ss.length}` : '–';
    const other = new Map<string, number>();
    for (const s of ss) {
      for (const c of CATEGORIES) {
        if (c === label || !flagged(s.image, c)) continue;
        const key = `${c} (${sourcesOf(s.image, c)})`;
        other.set(key, (other.get(key) ?? 0) + 1);
      }
    }
    const otherCell = other.size ? [...other].map(([c, n]) => `${c} ${n}`).join(', ') : '0';
    lines.push(`| ${g} | ${ss.length} | ${label ?? 'none'} | ${d('pass')} / ${d('review')} / ${d('block')} | ${own} | ${otherCell} |`);
  }
  return lines;
}

/** Two pictures in flight: decoding and the safety model of one overlap the OCR worker's run on the other. */
async function scoreAll(items: readonly Item[]): Promise<Scored[]> {
  const out: Scored[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < items.length) {
        const i = next++;
        const item = items[i]!;
        const image = await moderateImageBytes(item.bytes, { policy: DEFAULT_POLICY, readText: true });
        const asText = item.text === undefined ? undefined : await moderateText(item.text, DEFAULT_POLICY);
        out[i] = { item, image, ...(asText ? { asText } : {}) };
      }
    }),
  );
  return out;
}

async function evalImages(notes: string[]): Promise<{ tables: string[]; errors: string[] }> {
  const t0 = performance.now();
  const photos = await scoreAll(photoItems(notes));
  // Clearly clean ones (sexual under 0.2, far from the 0.5 review line): a banner over a photo near
  // the line moves the safety score across it, and the flag would then not come from the text.
  const under = photos
    .filter((s) => s.image.decision === 'pass' && s.image.scores.sexual < 0.2 && s.item.bytes.length > 50_000)
    .slice(0, 6)
    .map((s) => new Uint8Array(s.item.bytes));
  const scored = [...photos, ...(await scoreAll(await textItems(notes, under)))];
  const seconds = (performance.now() - t0) / 1000;
  // What went wrong, with what OCR read for the misses: the reader can tell OCR loss from a classifier miss.
  const errors: string[] = [];
  for (const s of scored.filter((s) => s.item.label && !flagged(s.image, s.item.label))) {
    const read = (await moderateImageText(new Uint8Array(s.item.bytes), DEFAULT_POLICY)).text.replace(/\s+/g, ' ');
    const plain = s.asText && flagged(s.asText, s.item.label!) ? 'caught as plain text' : 'missed as plain text too';
    errors.push(`- missed ${s.item.label}: ${s.item.group}, ${s.item.name} — "${s.item.text}" — OCR read "${read.slice(0, 120)}" (${plain})`);
  }
  for (const s of scored.filter((s) => !s.item.label && s.image.decision !== 'pass')) {
    const why = CATEGORIES.filter((c) => flagged(s.image, c))
      .map((c) => `${c} ${s.image.scores[c].toFixed(2)} from ${sourcesOf(s.image, c)}`)
      .join(', ');
    errors.push(`- false ${s.image.decision}: ${s.item.group}, ${s.item.name}${s.item.text ? ` — "${s.item.text}"` : ''} — ${why} (${s.image.reasons.join(', ')})`);
  }
  const tables = [
    `Images: ${scored.length} pictures (${scored.filter((s) => s.item.label).length} positives), full image path (safety model, OCR → text moderator, QR) under the default policy; ${(seconds / scored.length).toFixed(2)} s per picture on this machine (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}).`,
    '',
    ...categoryTable(scored),
    '',
    ...groupTable(scored),
  ];
  return { tables, errors };
}

/** eval:text's own table (models/text/eval.ts, dev split, nothing written). */
function evalText(): string[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'models/text/eval.ts', '--split', 'dev', '--no-write'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`models/text/eval.ts failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return r.stdout.trimEnd().split('\n');
}

async function main(): Promise<void> {
  const notes: string[] = [];
  const out: string[] = [];
  if (!args.includes('--no-text')) {
    console.error('text: running models/text/eval.ts --split dev --no-write …');
    out.push('### Text (dev splits; `npm run eval:text`)', '', ...evalText(), '');
  }
  if (!args.includes('--no-images')) {
    console.error('images: building and moderating the image set …');
    const { tables, errors } = await evalImages(notes);
    out.push('### Images (built at run time)', '', ...tables, '', 'Errors (every miss and every benign item that did not pass):', '', ...(errors.length ? errors : ['- none']), '');
  }
  const rerun = `npx tsx bench/moderation-eval.ts${VARIANTS !== 2 ? ` --variants ${VARIANTS}` : ''}${SMS !== 12 ? ` --sms ${SMS}` : ''}`;
  out.push(...notes.map((n) => `Note: ${n}.`), `Reproduce: \`${rerun}\` (${new Date().toISOString().slice(0, 10)}).`);
  const table = out.join('\n');
  console.log(table);
  if (!args.includes('--no-write') && !args.includes('--no-text') && !args.includes('--no-images')) {
    const src = readFileSync(DOC, 'utf8');
    const begin = '<!-- eval:moderation begin -->';
    const end = '<!-- eval:moderation end -->';
    const a = src.indexOf(begin);
    const b = src.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${DOC} lacks ${begin} … ${end} markers`);
    writeFileSync(DOC, `${src.slice(0, a + begin.length)}\n${table}\n${src.slice(b)}`);
    console.log(`\nwrote the tables into ${path.relative(process.cwd(), DOC)}`);
  }
}

await main();
process.exit(0);
