import type { PrimaryQueue, ReviewAction } from './policy';

/**
 * A review item's state is a fold over its events (Ozone's way). The row in `review_items`
 * keeps the same state beside the events, written in the same transaction, so queues can be
 * queried; `deriveState` is what that row must always equal (tests check it on real runs).
 */
export type ItemState = 'open' | 'claimed' | 'waiting' | 'decided';

export type ReviewEvent =
  | { type: 'created'; data: { queue: PrimaryQueue } }
  | { type: 'claimed'; data: { by: string; lease_until: string } }
  | { type: 'released'; data: { by: string } }
  | { type: 'lease_expired'; data: { by: string } }
  | { type: 'escalated'; data: { by: string; note?: string | null } }
  | { type: 'evidence_requested'; data: { by: string; note?: string | null } }
  | { type: 'evidence_received'; data: { note?: string | null } }
  | { type: 'decided'; data: DecisionRecord };

export interface DecisionRecord {
  action: Extract<ReviewAction, 'approve' | 'reject'>;
  reason: string | null;
  note: string | null;
  by: string;
  at: string;
}

export interface DerivedState {
  state: ItemState;
  queue: PrimaryQueue;
  claimedBy: string | null;
  leaseUntil: Date | null;
  decision: DecisionRecord | null;
  /** Everyone who decided or escalated it: an appeal of it must reach someone else. */
  deciders: string[];
}

export function deriveState(events: readonly ReviewEvent[], now: Date): DerivedState {
  const s: DerivedState = { state: 'open', queue: 'media', claimedBy: null, leaseUntil: null, decision: null, deciders: [] };
  const unclaim = () => {
    s.claimedBy = null;
    s.leaseUntil = null;
  };
  for (const e of events) {
    switch (e.type) {
      case 'created':
        s.queue = e.data.queue;
        break;
      case 'claimed':
        s.state = 'claimed';
        s.claimedBy = e.data.by;
        s.leaseUntil = new Date(e.data.lease_until);
        break;
      case 'released':
      case 'lease_expired':
        s.state = 'open';
        unclaim();
        break;
      case 'escalated':
        s.state = 'open';
        s.queue = 'escalated';
        s.deciders.push(e.data.by);
        unclaim();
        break;
      case 'evidence_requested':
        s.state = 'waiting';
        unclaim();
        break;
      case 'evidence_received':
        s.state = 'open';
        break;
      case 'decided':
        s.state = 'decided';
        s.decision = e.data;
        s.deciders.push(e.data.by);
        unclaim();
        break;
    }
  }
  // A lease that ran out releases itself, whether or not anyone has written that down yet.
  if (s.state === 'claimed' && s.leaseUntil && s.leaseUntil <= now) {
    s.state = 'open';
    unclaim();
  }
  return s;
}
