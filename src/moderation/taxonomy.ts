/**
 * The one moderation taxonomy every modality reports against.
 *
 * Categories are deliberately coarse (what a tenant sets a threshold on); subtypes
 * refine a category for evidence and review but never carry their own threshold,
 * so a policy stays a small table. Mapping to vendor/public taxonomies lives in
 * docs/taxonomy.md.
 */

export const CATEGORIES = [
  'sexual',
  'violence',
  'terrorism',
  'gambling',
  'fraud',
  'abuse',
  'minor_safety',
  'other_harmful',
] as const;

export type Category = (typeof CATEGORIES)[number];

export const SUBTYPES = {
  sexual: ['porn', 'sexy', 'drawn'],
  violence: [],
  terrorism: [],
  gambling: [],
  fraud: [],
  abuse: ['insult', 'hate', 'discrimination'],
  minor_safety: [],
  other_harmful: [],
} as const satisfies Record<Category, readonly string[]>;

export type Subtype = (typeof SUBTYPES)[Category][number];

export interface Label {
  en: string;
  zh: string;
}

export const CATEGORY_LABELS: Record<Category, Label> = {
  sexual: { en: 'Sexual / pornographic', zh: '色情低俗' },
  violence: { en: 'Violence', zh: '暴力血腥' },
  terrorism: { en: 'Terrorism / extremism', zh: '暴恐极端' },
  gambling: { en: 'Gambling', zh: '赌博' },
  fraud: { en: 'Fraud / scams', zh: '诈骗欺诈' },
  abuse: { en: 'Abuse (insult, hate, discrimination)', zh: '辱骂仇恨歧视' },
  minor_safety: { en: 'Minor safety', zh: '未成年人保护' },
  other_harmful: { en: 'Other harmful content', zh: '其他有害信息' },
};

export const SUBTYPE_LABELS: Record<Subtype, Label> = {
  porn: { en: 'Pornography', zh: '色情' },
  sexy: { en: 'Sexually suggestive', zh: '性感低俗' },
  drawn: { en: 'Drawn / hentai', zh: '二次元色情' },
  insult: { en: 'Insult', zh: '辱骂' },
  hate: { en: 'Hate', zh: '仇恨' },
  discrimination: { en: 'Discrimination', zh: '歧视' },
};

export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}

/** A score table with every category present, all zero: the neutral element of merging. */
export function zeroScores(): Record<Category, number> {
  const scores = {} as Record<Category, number>;
  for (const c of CATEGORIES) scores[c] = 0;
  return scores;
}
