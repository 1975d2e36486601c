/**
 * Membership changes as pure functions: what membership a request leads to, and whether a leader
 * may propose it now. RaftNode's membership API (addLearner, addServer, promote, removeServer,
 * changeMembership) applies them; the entry takes effect when appended (dissertation §4.1).
 *
 * Single-server changes (dissertation §4.1, §4.2): each new membership differs from the last in at
 * most one voter, and a leader proposes one only after the previous change and an entry of its own
 * term committed (the fix for the single-server change bug, raft-dev 2015).
 */
import type { NodeId } from '../env.ts';
import { isLearner, isMember, makeMembership, validMembership, votingDiff, type Membership } from './membership.ts';

export type Planned = { readonly ok: true; readonly next: Membership } | { readonly ok: false; readonly reason: string };

const refuse = (reason: string): Planned => ({ ok: false, reason });
const plan = (next: Membership): Planned => ({ ok: true, next });

/** `id` joins as a learner; with `promote`, the leader makes it a voter once it caught up. */
export function withLearner(m: Membership, id: NodeId, promote: boolean): Planned {
  if (isMember(m, id)) return refuse(`${id} is already a member`);
  return plan(makeMembership(m.voters, [...m.learners, id], promote ? [...m.promoting, id] : m.promoting));
}

/** Learner `id` becomes a voter. */
export function withPromoted(m: Membership, id: NodeId): Planned {
  if (!isLearner(m, id)) return refuse(`${id} is not a learner`);
  return plan(makeMembership([...m.voters, id], m.learners.filter((l) => l !== id), m.promoting.filter((l) => l !== id)));
}

/** `id` (voter or learner) leaves. */
export function withoutMember(m: Membership, id: NodeId): Planned {
  if (!isMember(m, id)) return refuse(`${id} is not a member`);
  const next = makeMembership(m.voters.filter((v) => v !== id), m.learners.filter((l) => l !== id), m.promoting.filter((l) => l !== id));
  if (next.voters.length === 0) return refuse('cannot remove the last voter');
  return plan(next);
}

/** What a leader knows when it decides whether a proposed membership may be appended now. */
export interface ChangeGate {
  readonly current: Membership;
  /** The commit index, and the index of the last config entry (or this term's first entry) it waits for. */
  readonly commit: number;
  readonly pendingConfigIndex: number;
  readonly transferring: boolean;
}

/** Why `next` may not be proposed now, or undefined if it may. */
export function singleServerRefusal(g: ChangeGate, next: Membership): string | undefined {
  if (g.transferring) return 'leadership transfer in progress';
  if (g.commit < g.pendingConfigIndex) return 'a membership change (or this term\'s first entry) is not committed yet';
  if (!validMembership(next)) return 'malformed membership';
  if (votingDiff(g.current, next).length > 1) return 'only one voter may change at a time';
  return undefined;
}

/**
 * The learner marked for promotion that has caught up (its match within `maxLag` of the commit
 * index), if any. `matchOf` is undefined for a peer the leader has no progress for.
 */
export function promotable(m: Membership, matchOf: (id: NodeId) => number | undefined, commit: number, maxLag: number): NodeId | undefined {
  for (const id of m.promoting) {
    const match = matchOf(id);
    if (match !== undefined && match > 0 && match + maxLag >= commit) return id;
  }
  return undefined;
}
