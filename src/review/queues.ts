import type { AppContext } from '../app-context';
import { factsOf } from './accounts';
import { agreementTable } from './agreement';
import { scopeFilters } from './claims';
import { openConsentReviews } from './enqueue';
import { itemInQueue, listedQueues, queueFilter, queueLabel, roleMayWork, slaMinutes, type PrimaryQueue, type QueueId } from './policy';
import { availableGroups, decidedMediaItems, decisionsSince, listAvailable, listModerators, slaOverrides, tenantNames, type ModeratorRow, type ReviewItemRow } from './repo';

/**
 * The queues a moderator may work, with counts, the oldest item's age and overdue counts
 * against each queue's SLA; a queue's items; the dashboard built on the same figures.
 */
export async function queueSummaries(ctx: AppContext, m: ModeratorRow) {
  await openConsentReviews(ctx.db);
  const facts = factsOf(m);
  const [overrides, names] = await Promise.all([slaOverrides(ctx.db), tenantNames(ctx.db)]);
  const tenantQueues = Object.keys(names)
    .filter((id) => !facts.tenantIds || facts.tenantIds.includes(id))
    .map((id) => `tenant:${id}` as QueueId);
  const now = Date.now();
  const ids = [...listedQueues(), ...tenantQueues].filter((id) => {
    const primary = queueFilter(id).queue;
    return !primary || roleMayWork(facts.role, primary as PrimaryQueue);
  });
  const slas = ids.map((id) => slaMinutes(id, overrides));
  const distinct = [...new Set(slas)];
  const groups = await availableGroups(ctx.db, facts, scopeFilters(facts), distinct.map((m) => new Date(now - m * 60_000)));
  return ids.map((id, i) => {
    const mine = groups.filter((g) => itemInQueue(g, id));
    const oldest = Math.min(...mine.map((g) => g.oldest.getTime()));
    const at = distinct.indexOf(slas[i]!);
    return {
      id, label: queueLabel(id, names), sla_minutes: slas[i]!,
      count: mine.reduce((n, g) => n + g.count, 0),
      overdue: mine.reduce((n, g) => n + g.overdue[at]!, 0),
      oldest_age_seconds: mine.length ? Math.round((now - oldest) / 1000) : null,
    };
  });
}

export async function queueItems(ctx: AppContext, m: ModeratorRow, queue: QueueId, limit: number) {
  await openConsentReviews(ctx.db);
  const facts = factsOf(m);
  const [overrides, names] = await Promise.all([slaOverrides(ctx.db), tenantNames(ctx.db)]);
  const rows = await listAvailable(ctx.db, facts, queueFilter(queue), scopeFilters(facts), limit);
  const now = Date.now();
  // listAvailable already keeps to this moderator's reach (tenants, role, scopes, exclusions).
  return rows.map((r) => summary(r, names, slaMinutes(r.queue, overrides), now));
}

const summary = (r: ReviewItemRow, names: Record<string, string>, sla: number, now: number) => ({
  id: r.id, subject_type: r.subject_type, kind: r.kind, queue: r.queue, tenant_id: r.tenant_id, tenant_name: names[r.tenant_id] ?? null,
  categories: r.categories, reasons: r.reasons, priority: r.priority, created_at: r.created_at.toISOString(),
  age_seconds: Math.round((now - r.created_at.getTime()) / 1000), overdue: now - r.created_at.getTime() > sla * 60_000,
});

export async function dashboard(ctx: AppContext, m: ModeratorRow) {
  const day = new Date(Date.now() - 86_400_000);
  const [queues, decisions, decided, moderators] = await Promise.all([
    queueSummaries(ctx, m), decisionsSince(ctx.db, day), decidedMediaItems(ctx.db, new Date(Date.now() - 30 * 86_400_000)), listModerators(ctx.db),
  ]);
  const byId = new Map(moderators.map((x) => [`moderator:${x.id}`, x]));
  return {
    queues,
    overdue_total: queues.find((q) => q.id === 'all')?.overdue ?? 0,
    per_moderator: decisions.map((d) => {
      const who = byId.get(d.actor);
      // Per hour over the hours they were active in the last day (at least one).
      const hours = Math.max(1, (d.last.getTime() - d.first.getTime()) / 3_600_000);
      return { moderator: who?.display_name ?? d.actor, email: who?.email ?? null, decisions: Number(d.decisions), per_hour: Math.round((Number(d.decisions) / hours) * 10) / 10 };
    }),
    agreement: agreementTable(decided),
    window: { decisions_since: day.toISOString(), agreement_days: 30 },
  };
}
