import { MEDIA_KINDS, isMediaKind } from '../media/kinds';
import { CATEGORIES, isCategory, type Category } from '../moderation/taxonomy';

/**
 * Review rules as functions of data: who may work which queue, what an item's priority is,
 * when it is overdue, which reasons a reject may carry. No I/O here.
 */
export const ROLES = ['moderator', 'senior', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The queue an item sits in. Kind, category and tenant queues are views over `media`. */
export const PRIMARY_QUEUES = ['media', 'consent', 'appeal', 'escalated'] as const;
export type PrimaryQueue = (typeof PRIMARY_QUEUES)[number];

export type QueueId = 'all' | PrimaryQueue | `kind:${string}` | `category:${string}` | `tenant:${string}`;

export type SubjectType = 'media' | 'consent' | 'appeal';

export type ReviewAction = 'approve' | 'reject' | 'escalate' | 'request_evidence';

/** What a reject says: a taxonomy category, or why a consent ceremony or an upload's consent fails. */
export const REJECT_REASONS = [
  ...CATEGORIES,
  'consent.not_the_subject',
  'consent.liveness_failed',
  'consent.statement_not_said',
  'consent.not_authorised',
  'media.unusable',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
export const isRejectReason = (s: string): s is RejectReason => (REJECT_REASONS as readonly string[]).includes(s);

export interface ModeratorFacts {
  id: string;
  role: Role;
  /** null = every tenant */
  tenantIds: string[] | null;
  /** null = every queue the role allows */
  queues: string[] | null;
}

/** Seniors (and admins) take escalations and appeals; moderators the rest. */
export function roleMayWork(role: Role, queue: PrimaryQueue): boolean {
  if (queue === 'appeal' || queue === 'escalated') return role === 'senior' || role === 'admin';
  return true;
}

/** Per-queue scopes name primary queues or the views (`kind:…`); an item in any named one is in reach. */
function inQueueScope(m: ModeratorFacts, item: ItemFacts): boolean {
  if (!m.queues) return true;
  return m.queues.some((q) => itemInQueue(item, q as QueueId));
}

export interface ItemFacts {
  tenantId: string;
  queue: PrimaryQueue;
  kind: string;
  categories: string[];
  excluded: string[];
}

/** May this moderator open, claim and decide this item? */
export function mayWork(m: ModeratorFacts, item: ItemFacts): boolean {
  if (m.tenantIds && !m.tenantIds.includes(item.tenantId)) return false;
  if (item.excluded.includes(m.id)) return false;
  if (!roleMayWork(m.role, item.queue)) return false;
  return inQueueScope(m, item);
}

export function itemInQueue(item: Pick<ItemFacts, 'queue' | 'kind' | 'categories' | 'tenantId'>, queue: QueueId): boolean {
  if (queue === 'all') return true;
  if ((PRIMARY_QUEUES as readonly string[]).includes(queue)) return item.queue === queue;
  const [axis, value] = splitQueue(queue);
  if (item.queue !== 'media') return false;
  if (axis === 'kind') return item.kind === value;
  if (axis === 'category') return item.categories.includes(value);
  if (axis === 'tenant') return item.tenantId === value;
  return false;
}

const splitQueue = (q: string): [string, string] => {
  const i = q.indexOf(':');
  return i < 0 ? [q, ''] : [q.slice(0, i), q.slice(i + 1)];
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A queue id from a URL, or null when it names nothing. */
export function parseQueueId(s: string): QueueId | null {
  if (s === 'all' || (PRIMARY_QUEUES as readonly string[]).includes(s)) return s as QueueId;
  const [axis, value] = splitQueue(s);
  if (axis === 'kind' && isMediaKind(value)) return s as QueueId;
  if (axis === 'category' && isCategory(value)) return s as QueueId;
  if (axis === 'tenant' && UUID.test(value)) return s as QueueId;
  return null;
}

/** The SQL filter of a queue, as column predicates (repo.ts turns them into a where clause). */
export function queueFilter(queue: QueueId): { queue?: PrimaryQueue; kind?: string; category?: string; tenantId?: string } {
  if (queue === 'all') return {};
  if ((PRIMARY_QUEUES as readonly string[]).includes(queue)) return { queue: queue as PrimaryQueue };
  const [axis, value] = splitQueue(queue);
  if (axis === 'kind') return { queue: 'media', kind: value };
  if (axis === 'category') return { queue: 'media', category: value };
  return { queue: 'media', tenantId: value };
}

export function queueLabel(queue: QueueId, tenantNames: Record<string, string> = {}): string {
  const [axis, value] = splitQueue(queue);
  if (axis === 'kind') return `Kind: ${value.replace(/_/g, ' ')}`;
  if (axis === 'category') return `Category: ${value.replace(/_/g, ' ')}`;
  if (axis === 'tenant') return `Tenant: ${tenantNames[value] ?? value.slice(0, 8)}`;
  return { all: 'Everything', media: 'Media', consent: 'Consent ceremonies', appeal: 'Appeals', escalated: 'Escalated' }[axis] ?? queue;
}

/** The queues a console lists: the primary ones, then a view per kind and category. */
export function listedQueues(): QueueId[] {
  return [
    'all', 'consent', 'appeal', 'escalated', 'media',
    ...MEDIA_KINDS.map((k) => `kind:${k}` as QueueId),
    ...CATEGORIES.map((c) => `category:${c}` as QueueId),
  ];
}

/** Default SLA targets, minutes; an admin may set others per queue. */
export const DEFAULT_SLA_MINUTES: Record<PrimaryQueue, number> = { consent: 60, escalated: 240, appeal: 1440, media: 240 };

export function slaMinutes(queue: QueueId, overrides: Record<string, number>): number {
  if (overrides[queue] !== undefined) return overrides[queue]!;
  const primary = queueFilter(queue).queue;
  return primary ? overrides[primary] ?? DEFAULT_SLA_MINUTES[primary] : Math.min(...Object.values(DEFAULT_SLA_MINUTES));
}

export const isOverdue = (createdAt: Date, sla: number, now: Date): boolean => now.getTime() - createdAt.getTime() > sla * 60_000;

/** Categories whose media is blurred, greyscale and muted until a moderator asks to see it. */
const DISTRESSING: readonly Category[] = ['sexual', 'violence', 'terrorism', 'minor_safety'];
export const needsWellnessShield = (categories: readonly string[]): boolean => categories.some((c) => (DISTRESSING as readonly string[]).includes(c));

/** Harm to children first, then violent and sexual harm, then the rest; consent and appeals have set places. */
const CATEGORY_WEIGHT: Record<Category, number> = {
  minor_safety: 90, terrorism: 80, violence: 70, sexual: 65, fraud: 50, abuse: 45, gambling: 40, other_harmful: 35,
};

export function priorityOf(item: { queue: PrimaryQueue; categories: readonly string[]; scores: Record<string, number> }): number {
  if (item.queue === 'escalated') return 85;
  if (item.queue === 'consent') return 60;
  if (item.queue === 'appeal') return 55;
  let best = 20;
  for (const c of item.categories) {
    if (!isCategory(c)) continue;
    const score = item.scores[c] ?? 0;
    best = Math.max(best, Math.round(CATEGORY_WEIGHT[c] * (0.6 + 0.4 * score)));
  }
  return Math.min(100, best);
}
