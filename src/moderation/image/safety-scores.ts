import type { SafetyResult } from '../../inference';
import type { Evidence } from '../result';
import { zeroScores } from '../taxonomy';
import type { Scores } from '../result';

export const SAFETY_MODEL = { name: 'nsfwjs-mobilenet-v2', version: '4.3.0' } as const;

/**
 * nsfwjs's five classes on our taxonomy. Its probabilities sum to one. Explicit
 * mass (Porn, and Hentai: drawn pornography is pornography) counts in full;
 * suggestive mass (Sexy) counts at SEXY_WEIGHT, so a suggestive photo alone reaches
 * review under the default thresholds but is never blocked without a person: the
 * model calls ordinary party and swimwear photos "Sexy" with high confidence.
 * This weighting is a judgement, not a calibration on labelled data.
 */
export const SEXY_WEIGHT = 0.6;

export function safetyToScores(r: SafetyResult, where: Pick<Evidence, 'frame'> = {}): { scores: Scores; evidence: Evidence[] } {
  const scores = zeroScores();
  const { Porn, Hentai, Sexy } = r.scores;
  scores.sexual = Math.min(1, Porn + Hentai + SEXY_WEIGHT * Sexy);
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
