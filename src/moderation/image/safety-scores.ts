import type { SafetyResult } from '../../inference';
import type { Evidence } from '../result';
import { zeroScores } from '../taxonomy';
import type { Scores } from '../result';

export const SAFETY_MODEL = { name: 'nsfwjs-mobilenet-v2', version: '4.3.0' } as const;

/**
 * nsfwjs's five classes on our taxonomy. Its probabilities sum to one, so the
 * sexual score is the mass on Porn, Hentai and Sexy: suggestive portraits are
 * prohibited for digital humans too (seed 001), and drawn pornography is pornography.
 */
export function safetyToScores(r: SafetyResult, where: Pick<Evidence, 'frame'> = {}): { scores: Scores; evidence: Evidence[] } {
  const scores = zeroScores();
  const { Porn, Hentai, Sexy } = r.scores;
  scores.sexual = Math.min(1, Porn + Hentai + Sexy);
  const subtypes: [string, number][] = [
    ['porn', Porn],
    ['drawn', Hentai],
    ['sexy', Sexy],
  ];
  const [subtype] = subtypes.reduce((a, b) => (b[1] > a[1] ? b : a));
  const evidence: Evidence[] =
    scores.sexual >= 0.3
      ? [{ category: 'sexual', subtype, score: scores.sexual, source: 'model', model: { ...SAFETY_MODEL }, ...where }]
      : [];
  return { scores, evidence };
}
