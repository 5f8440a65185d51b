/**
 * Measures the statement check on festival speech: how often the right reading passes
 * (false rejects) and how often a wrong code or a negated reading passes (false accepts).
 * Run: npx tsx test/consent/asr-eval.ts [trials]   (needs festival and pocketsphinx)
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pocketsphinxRecognizer } from '../../src/consent/asr/pocketsphinx';
import { DIGIT_WORDS, englishStatement, spokenWords } from '../../src/consent/asr/statement';

const trials = Number(process.argv[2] ?? 30);
const recognizer = pocketsphinxRecognizer();
if (!recognizer) throw new Error('pocketsphinx is not installed');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-asr-eval-'));
const names = ['Jane Doe', 'John Smith', 'Maria Garcia', 'David Brown', 'Anna Lee'];
const companies = ['Acme Studios', 'Blue Media', 'Northwind Pictures'];

function say(text: string): string {
  const out = path.join(dir, `${randomInt(1e9)}.wav`);
  execFileSync('text2wave', ['-o', out, '-F', '16000'], { input: text });
  return out;
}

const tally: Record<string, { n: number; passed: number; reasons: Record<string, number> }> = {};
const add = (k: string, status: string, reason?: string) => {
  const t = (tally[k] ??= { n: 0, passed: 0, reasons: {} });
  t.n += 1;
  if (status === 'pass') t.passed += 1;
  else t.reasons[reason ?? status] = (t.reasons[reason ?? status] ?? 0) + 1;
};
const ms: number[] = [];
for (let i = 0; i < trials; i++) {
  const code = Array.from({ length: 6 }, () => randomInt(10)).join('');
  const statement = englishStatement({ subjectName: names[i % names.length]!, company: companies[i % companies.length]!, scopes: i % 2 ? ['voice'] : ['face', 'voice'], code });
  const words = spokenWords(statement);
  const wrong = [...words];
  const k = words.length - 1 - randomInt(6);
  wrong[k] = DIGIT_WORDS[(DIGIT_WORDS.indexOf(words[k] as (typeof DIGIT_WORDS)[number]) + 1 + randomInt(9)) % 10]!;
  const cases: [string, string[]][] = [
    ['right', words],
    ['wrong_code', wrong],
    ['negated_do_not', [...words.slice(0, 4), 'do', 'not', ...words.slice(4)]],
    ['negated_never', [...words.slice(0, 4), 'never', ...words.slice(4)]],
  ];
  for (const [k2, w] of cases) {
    const t0 = performance.now();
    const r = await recognizer.check(say(w.join(' ')), statement, 6);
    ms.push(performance.now() - t0);
    add(k2, r.status, r.reason);
    if (k2 === 'right' && r.status !== 'pass') console.error('rejected:', w.join(' '), '| heard:', r.evidence.heard);
  }
}
ms.sort((a, b) => a - b);
console.log(JSON.stringify({ trials, results: tally, median_check_ms: Math.round(ms[ms.length >> 1]!) }, null, 1));
fs.rmSync(dir, { recursive: true, force: true });
