/**
 * The moderation result contract shared by text, image, audio and video.
 *
 * Zod schemas are the edge (the API publishes them through OpenAPI); inside the
 * service the inferred plain types are passed around.
 */
import { z } from 'zod';
import { CATEGORIES, zeroScores } from './taxonomy.js';
import type { Category } from './taxonomy.js';

export const CategorySchema = z.enum(CATEGORIES);

export const DECISIONS = ['pass', 'review', 'block'] as const;
export const DecisionSchema = z.enum(DECISIONS);
export type Decision = z.infer<typeof DecisionSchema>;

export const ModalitySchema = z.enum(['text', 'image', 'audio', 'video']);
export type Modality = z.infer<typeof ModalitySchema>;

const score = z.number().min(0).max(1);

export const ScoresSchema = z.object(
  Object.fromEntries(CATEGORIES.map((c) => [c, score])) as Record<Category, typeof score>,
);
export type Scores = Record<Category, number>;

export const ModelRefSchema = z.object({ name: z.string(), version: z.string() });

export const TextSpanSchema = z.object({
  /** UTF-16 offsets into the ORIGINAL text (not the normalised one), end exclusive. */
  start: z.number().int().min(0),
  end: z.number().int().min(0),
  text: z.string(),
});

export const EvidenceSchema = z.object({
  category: CategorySchema,
  subtype: z.string().optional(),
  score,
  /** What produced it: a learned model, a curated lexicon, a tenant list, a hash bank, or the system itself (failures). */
  source: z.enum(['model', 'lexicon', 'list', 'hash', 'system']),
  model: ModelRefSchema.optional(),
  frame: z.object({ index: z.number().int().min(0), timestampMs: z.number().min(0) }).optional(),
  timeRangeMs: z.tuple([z.number().min(0), z.number().min(0)]).optional(),
  textSpan: TextSpanSchema.optional(),
  ocrBox: z
    .object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })
    .optional(),
  listEntry: z.object({ list: z.string(), term: z.string() }).optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const ShadowVerdictSchema = z.object({
  policyId: z.string(),
  decision: DecisionSchema,
  reasons: z.array(z.string()),
});
export type ShadowVerdict = z.infer<typeof ShadowVerdictSchema>;

export const ModerationResultSchema = z.object({
  modality: ModalitySchema,
  scores: ScoresSchema,
  decision: DecisionSchema,
  /** Stable codes, e.g. `block.gambling`, `review.abuse`, `list.block`, `model_unavailable`, `asr_unavailable`. */
  reasons: z.array(z.string()),
  evidence: z.array(EvidenceSchema),
  policy: z.object({ id: z.string(), version: z.string() }).optional(),
  /** What candidate policies would have decided; never acted on. */
  shadow: z.array(ShadowVerdictSchema).optional(),
});
export type ModerationResult = z.infer<typeof ModerationResultSchema>;

const SEVERITY: Record<Decision, number> = { pass: 0, review: 1, block: 2 };

export function moreSevere(a: Decision, b: Decision): Decision {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

/**
 * Combine partial results (frames, audio segments, OCR lines) into one.
 * Scores take the maximum per category, evidence and reasons are concatenated,
 * and the decision is the most severe part: a merge never softens a verdict.
 * An empty list yields `review` (nothing was checked), never `pass`.
 */
export function mergeResults(modality: Modality, parts: readonly ModerationResult[]): ModerationResult {
  // Nothing checked is not the same as nothing found: fail closed.
  if (parts.length === 0) {
    return { modality, scores: zeroScores(), decision: 'review', reasons: ['no_results'], evidence: [] };
  }
  const scores = zeroScores();
  const evidence: Evidence[] = [];
  const reasons: string[] = [];
  let decision: Decision = 'pass';
  for (const part of parts) {
    for (const c of CATEGORIES) scores[c] = Math.max(scores[c], part.scores[c]);
    evidence.push(...part.evidence);
    for (const r of part.reasons) if (!reasons.includes(r)) reasons.push(r);
    decision = moreSevere(decision, part.decision);
  }
  const policy = parts.find((p) => p.policy)?.policy;
  return { modality, scores, decision, reasons, evidence, ...(policy ? { policy } : {}) };
}
