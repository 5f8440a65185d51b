import type { Evidence } from '../result';

export interface Segment {
  category: string;
  startMs: number;
  endMs: number;
  frames: number;
  maxScore: number;
}

/**
 * Frame evidence merged into time segments per category: flagged frames no more
 * than `gapMs` apart form one segment, so a moderator sees "gambling 0:07–0:09",
 * not three separate frames.
 */
export function mergeSegments(evidence: readonly Evidence[], gapMs: number): Segment[] {
  const byCategory = new Map<string, { t: number; score: number }[]>();
  for (const e of evidence) {
    const t = e.frame?.timestampMs ?? e.timeRangeMs?.[0];
    if (t === undefined) continue;
    const list = byCategory.get(e.category) ?? [];
    list.push({ t, score: e.score });
    byCategory.set(e.category, list);
  }
  const out: Segment[] = [];
  for (const [category, points] of byCategory) {
    points.sort((a, b) => a.t - b.t);
    let cur: Segment | null = null;
    for (const p of points) {
      if (cur && p.t - cur.endMs <= gapMs) {
        cur.endMs = p.t;
        cur.frames++;
        cur.maxScore = Math.max(cur.maxScore, p.score);
      } else {
        if (cur) out.push(cur);
        cur = { category, startMs: p.t, endMs: p.t, frames: 1, maxScore: p.score };
      }
    }
    if (cur) out.push(cur);
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}
