import { once } from 'node:events';
import type { AppContext } from '../app-context';
import { getMedia, type MediaRow } from '../media/repo';

const MAX_WAIT_SECONDS = 30;
// Decisions made by workers in other processes are only seen by reading the row.
const CROSS_PROCESS_POLL_MS = 200;

/** RFC 7240 `Prefer: wait=N`, capped; 0 when absent. */
export function preferWaitSeconds(header: string | undefined): number {
  const m = /(?:^|[,;\s])wait=(\d+)/i.exec(header ?? '');
  return m ? Math.min(MAX_WAIT_SECONDS, Number(m[1])) : 0;
}

/** Waits for the item's decision: woken at once by an in-process worker, else by polling. */
export async function waitForDecision(ctx: AppContext, media: MediaRow, seconds: number): Promise<MediaRow> {
  const until = Date.now() + seconds * 1000;
  let current = media;
  while (!current.decision && Date.now() < until) {
    // Listen before reading the row, so a decision landing in between is not missed.
    const ac = new AbortController();
    const woken = nextDecisionOf(ctx, media.id, ac.signal);
    current = (await getMedia(ctx.db, media.tenant_id, media.id)) ?? current;
    if (!current.decision) {
      const timer = setTimeout(() => ac.abort(), Math.max(0, Math.min(CROSS_PROCESS_POLL_MS, until - Date.now())));
      await woken;
      clearTimeout(timer);
    }
    ac.abort();
  }
  return current;
}

async function nextDecisionOf(ctx: AppContext, mediaId: string, signal: AbortSignal): Promise<void> {
  try {
    for (;;) {
      const [id] = await once(ctx.events, 'decided', { signal });
      if (id === mediaId) return;
    }
  } catch {
    // aborted: time to poll
  }
}
