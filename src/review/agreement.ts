/**
 * Model-vs-moderator agreement per category: of the decided items a category sent to review,
 * how many a moderator upheld (rejected) and how many they overturned (approved), in score
 * bands, which is what tells an operator where to move a threshold. Pure: rows in, table out.
 */
export interface DecidedRow {
  categories: string[];
  scores: Record<string, number>;
  decision: { action: string } | null;
}

export interface Band {
  from: number;
  to: number;
  decided: number;
  overturned: number;
}

export interface Agreement {
  category: string;
  decided: number;
  upheld: number;
  overturned: number;
  overturn_rate: number | null;
  bands: Band[];
}

export const BAND_EDGES = [0, 0.2, 0.4, 0.6, 0.8, 1.000001];

export function agreementTable(rows: readonly DecidedRow[]): Agreement[] {
  const by = new Map<string, Agreement>();
  for (const r of rows) {
    const action = r.decision?.action;
    if (action !== 'approve' && action !== 'reject') continue;
    for (const c of r.categories) {
      let a = by.get(c);
      if (!a) {
        a = { category: c, decided: 0, upheld: 0, overturned: 0, overturn_rate: null, bands: bandsTemplate() };
        by.set(c, a);
      }
      a.decided++;
      if (action === 'approve') a.overturned++;
      else a.upheld++;
      const s = Math.min(1, Math.max(0, r.scores[c] ?? 0));
      const band = a.bands.find((b) => s >= b.from && s < b.to)!;
      band.decided++;
      if (action === 'approve') band.overturned++;
    }
  }
  return [...by.values()]
    .map((a) => ({ ...a, overturn_rate: a.decided ? a.overturned / a.decided : null, bands: a.bands.map((b) => ({ ...b, to: Math.min(1, b.to) })) }))
    .sort((x, y) => y.decided - x.decided || x.category.localeCompare(y.category));
}

const bandsTemplate = (): Band[] => BAND_EDGES.slice(0, -1).map((from, i) => ({ from, to: BAND_EDGES[i + 1]!, decided: 0, overturned: 0 }));
