import type { AppContext } from '../app-context';
import { PixelBudget } from '../media/pixel-budget';

const budgets = new WeakMap<AppContext, PixelBudget>();

/**
 * The decode budget of a runtime (MAX_DECODE_PIXELS): one per process in production, shared by
 * every claim loop of its worker, so the pixels its image jobs have decoded at once stay within
 * it whatever WORKER_CONCURRENCY is. Its stats are the gauge tests and operators read.
 */
export function decodeBudget(ctx: Pick<AppContext, 'config'>): PixelBudget {
  const key = ctx as AppContext;
  let budget = budgets.get(key);
  if (!budget) budgets.set(key, (budget = new PixelBudget(ctx.config.limits.maxDecodePixels)));
  return budget;
}
