import type { AppContext } from '../app-context';
import { getMedia, type MediaRow } from '../media/repo';

const MAX_WAIT_SECONDS = 30;

/** RFC 7240 `Prefer: wait=N`, capped; 0 when absent. */
export function preferWaitSeconds(header: string | undefined): number {
  const m = /(?:^|[,;\s])wait=(\d+)/i.exec(header ?? '');
  return m ? Math.min(MAX_WAIT_SECONDS, Number(m[1])) : 0;
}

/** Polls the item until its pipeline has decided or the wait is over. */
export async function waitForDecision(ctx: AppContext, media: MediaRow, seconds: number): Promise<MediaRow> {
  const until = Date.now() + seconds * 1000;
  let current = media;
  while (!current.decision && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 25));
    current = (await getMedia(ctx.db, media.tenant_id, media.id)) ?? current;
  }
  return current;
}
