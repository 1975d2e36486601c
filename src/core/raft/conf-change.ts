/**
 * Membership changes as pure functions: what membership a request leads to, and whether a leader
 * may propose it now. RaftNode's membership API (addLearner, addServer, promote, removeServer,
 * changeMembership) applies them; the entry takes effect when appended (dissertation §4.1).
 *
 * Single-server changes (dissertation §4.1, §4.2): each new membership differs from the last in at
 * most one voter, and a leader proposes one only after the previous change and an entry of its own
 * term committed (the fix for the single-server change bug, raft-dev 2015).
 *
 * Joint consensus (paper §6, dissertation §4.3; the protocol shape of etcd's ConfChangeV2 with
 * auto-leave): to replace several voters at once the leader appends C_old,new (`enterJoint`); it
 * takes effect on every server as soon as it is in its log. Once it commits, the leader appends
 * C_new (`leaveJoint`). Safety (paper §6, dissertation §4.3): while the log's latest config is
 * C_old,new, every election and every commitment needs a majority of C_old AND of C_new, so C_old
 * and C_new can never decide alone at the same time: before C_old,new commits a leader decides with
 * C_old or C_old,new (both include a C_old majority); after it commits, any leader's log holds it
 * (Leader Completeness), so it decides with C_old,new or, once appended, C_new — never C_old alone.
 * One change is in flight at a time (a change waits until the previous one, and an entry of the
 * leader's term, committed; none starts while joint), so no third configuration overlaps these two.
 */
import type { NodeId } from '../env.ts';
import { isJoint, isLearner, isMember, makeMembership, validMembership, votingDiff, type Membership } from './membership.ts';

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
  /** TEST ONLY (concurrentConfigChange mutation): skip the one-change-at-a-time rules. */
  readonly concurrent?: boolean;
}

/** Why no membership change may start now, or undefined if one may: one change in flight at a time. */
function busy(g: ChangeGate): string | undefined {
  if (g.transferring) return 'leadership transfer in progress';
  if (g.concurrent === true) return undefined;
  if (isJoint(g.current)) return 'a joint membership change is in progress';
  if (g.commit < g.pendingConfigIndex) return 'a membership change (or this term\'s first entry) is not committed yet';
  return undefined;
}

/** Why the single-server change to `next` may not be proposed now, or undefined if it may. */
export function singleServerRefusal(g: ChangeGate, next: Membership): string | undefined {
  const b = busy(g);
  if (b !== undefined) return b;
  if (!validMembership(next)) return 'malformed membership';
  if (isJoint(next)) return 'a joint membership is entered by replacing voters, not proposed';
  if (votingDiff(g.current, next).length > 1) return 'only one voter may change at a time';
  return undefined;
}

/**
 * C_old,new for replacing the voters by `voters` (paper §6): learners that become voters stop being
 * learners. Refused while another change is in flight.
 */
export function enterJoint(g: ChangeGate, voters: readonly NodeId[]): Planned {
  const b = busy(g);
  if (b !== undefined) return refuse(b);
  const m = g.current;
  if (voters.length === 0) return refuse('the new configuration needs a voter');
  if (new Set(voters).size !== voters.length) return refuse('duplicate voters');
  const next = makeMembership(
    voters,
    m.learners.filter((l) => !voters.includes(l)),
    m.promoting.filter((l) => !voters.includes(l)),
    m.voters,
  );
  if (votingDiff(makeMembership(m.voters), makeMembership(voters)).length === 0) return refuse('the voters are already these');
  if (!validMembership(next)) return refuse('malformed membership');
  return plan(next);
}

/** C_new of a joint membership: what the leader appends once C_old,new committed. */
export function leaveJoint(m: Membership): Membership {
  return makeMembership(m.voters, m.learners, m.promoting);
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
