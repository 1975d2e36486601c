/**
 * The leader's side of membership changes (docs/membership.md): the requests (single-server and
 * joint), what follows a committed configuration (step down when removed, leave a joint
 * configuration, promote a caught-up learner). The plans are pure (conf-change.ts); RaftNode owns
 * the log and hands this class a MembershipHost.
 */
import type { Env, NodeId } from '../env.ts';
import type { ProposeResult } from './api.ts';
import type { RaftConfig } from './config.ts';
import { enterJoint, leaveJoint, promotable, singleServerRefusal, withLearner, withoutMember, withPromoted, type ChangeGate, type Planned } from './conf-change.ts';
import { describeMembership, isJoint, isVoter, type Membership } from './membership.ts';
import type { RaftMutation } from './mutations.ts';
import type { LeaderState } from './roles.ts';

type ChangeResult = ProposeResult<Membership>;

/** What the membership code sees of its RaftNode. */

export interface MembershipHost {
  readonly config: RaftConfig;
  readonly env: Env;
  readonly self: NodeId;
  leading(): LeaderState | undefined;
  /** Whether `ls` is still the node's role state (a callback may have ended that leadership). */
  isCurrent(ls: LeaderState): boolean;
  leader(): NodeId | undefined;
  term(): number;
  /** The latest configuration in the log, and the index of its entry. */
  current(): Membership;
  currentIndex(): number;
  commitIndex(): number;
  appliedIndex(): number;
  /** Leader: appends a config entry whose application answers `done`. */
  appendConfig(ls: LeaderState, next: Membership, done: (r: ChangeResult) => void): void;
  /** The leader leaves office (it is not a voter of the committed configuration). */
  stepDown(): void;
  /** TEST ONLY: whether a paper rule is switched off. */
  mut(m: RaftMutation): boolean;
}

export class MembershipOps {
  constructor(private readonly h: MembershipHost) {}

  addLearner(id: NodeId, done: (r: ChangeResult) => void): void {
    this.proposePlanned(withLearner(this.h.current(), id, false), done);
  }

  addServer(id: NodeId, done: (r: ChangeResult) => void): void {
    this.proposePlanned(withLearner(this.h.current(), id, true), done);
  }

  promote(id: NodeId, done: (r: ChangeResult) => void): void {
    this.proposePlanned(withPromoted(this.h.current(), id), done);
  }

  removeServer(id: NodeId, done: (r: ChangeResult) => void): void {
    this.proposePlanned(withoutMember(this.h.current(), id), done);
  }

  private proposePlanned(p: Planned, done: (r: ChangeResult) => void): void {
    if (!p.ok) return done({ ok: false, error: 'rejected', reason: p.reason });
    this.changeMembership(p.next, done);
  }

  /** A single-server change (at most one voter differs); refused while another change is in flight. */
  changeMembership(next: Membership, done: (r: ChangeResult) => void): void {
    const ls = this.h.leading();
    if (ls === undefined) return done({ ok: false, error: 'not-leader', leader: this.h.leader() });
    const refusal = singleServerRefusal(this.gate(ls), next);
    if (refusal !== undefined) return done({ ok: false, error: 'rejected', reason: refusal });
    this.h.appendConfig(ls, next, done);
  }

  /** Joint consensus: appends C_old,new now; C_new follows once it applied (maybeLeaveJoint). */
  replaceVoters(voters: readonly NodeId[], done: (r: ChangeResult) => void): void {
    const ls = this.h.leading();
    if (ls === undefined) return done({ ok: false, error: 'not-leader', leader: this.h.leader() });
    const p = enterJoint(this.gate(ls), voters);
    if (!p.ok) return done({ ok: false, error: 'rejected', reason: p.reason });
    this.h.appendConfig(ls, p.next, done);
  }

  private gate(ls: LeaderState): ChangeGate {
    return {
      current: this.h.current(),
      commit: this.h.commitIndex(),
      pendingConfigIndex: ls.pendingConfigIndex,
      transferring: ls.transfer !== undefined,
      ...(this.h.mut('concurrentConfigChange') ? { concurrent: true } : {}), // TEST ONLY
    };
  }

  /** Leader: the config entry at `index` applied. */
  afterConfigCommitted(ls: LeaderState, index: number): void {
    const h = this.h;
    if (index !== h.currentIndex()) return;
    if (isJoint(h.current())) return this.maybeLeaveJoint(ls);
    if (!isVoter(h.current(), h.self) && !h.mut('jointLeaderStays')) {
      // Removed (dissertation §4.2.2): the leader managed the change without counting itself; now it goes.
      h.env.trace('raft.stepdown', { term: h.term(), reason: 'removed' });
      h.stepDown();
      return;
    }
    this.maybePromote(ls);
  }

  /**
   * Leader: C_old,new committed (and an entry of this term, for a leader elected while joint):
   * append C_new (paper §6; etcd's auto-leave). The new leader of a cluster left joint by a crashed
   * leader gets here from applyCommitted once its first entry applied.
   */
  maybeLeaveJoint(ls: LeaderState): void {
    const h = this.h;
    if (!h.isCurrent(ls) || h.mut('noJointAutoLeave')) return;
    const m = h.current();
    if (!isJoint(m) || h.currentIndex() > h.appliedIndex() || h.appliedIndex() < ls.pendingConfigIndex) return;
    const waiter = ls.leaveWaiter;
    ls.leaveWaiter = undefined;
    h.env.trace('raft.leave-joint', { term: h.term(), members: describeMembership(m) });
    h.appendConfig(ls, leaveJoint(m), waiter?.done ?? (() => {}));
  }

  /** Leader: promote one caught-up learner marked for promotion. */
  maybePromote(ls: LeaderState): void {
    const h = this.h;
    if (!h.isCurrent(ls)) return; // a callback (a committed entry's, a transfer's) ended this leadership
    if (ls.transfer !== undefined || h.commitIndex() < ls.pendingConfigIndex) return;
    const id = promotable(h.current(), (p) => ls.progress.get(p)?.match, h.commitIndex(), h.config.promoteMaxLagEntries);
    if (id === undefined) return;
    h.env.trace('raft.promote', { node: id, match: ls.progress.get(id)!.match, commit: h.commitIndex() });
    this.promote(id, () => {});
  }
}
