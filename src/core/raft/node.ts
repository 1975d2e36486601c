/**
 * A Raft node (Ongaro & Ousterhout 2014; Ongaro's dissertation 2014), at the level of etcd's raft:
 * PreVote and CheckQuorum, pipelined replication with fast backtracking, snapshots with chunked
 * InstallSnapshot, single-server and joint-consensus membership changes with learners, leadership transfer, ReadIndex /
 * lease / stale reads and client-session dedup.
 *
 * Sans-I/O: everything goes through the Env. Persistence discipline: term and vote are saved and
 * synced before a vote is answered; appended entries are written asynchronously (durability.ts):
 * a follower acknowledges them once durable, and the leader replicates before its own write is
 * durable but counts itself toward a commit only at its durable index (maybeCommit); the rules
 * are asserted where the messages leave (send, ackAppend, onVoteRequest).
 *
 * Roles (roles.ts): one state object per role, replaced only by transition(), which asserts the
 * transition is legal; leader-only state lives in LeaderState. After the term gate, receive()
 * hands each message to stepLeader / stepCandidate / stepFollower (etcd-io/raft's step functions).
 */
import { assert, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import type { StateMachine } from '../sm.ts';
import type { ProposeResult, RaftRole, ReadOptions, ReadResult, Replicator } from './api.ts';
import { resolveConfig, type RaftConfig } from './config.ts';
import { ConfigHistory } from './config-history.ts';
import type { Entry } from './entry.ts';
import { RaftLog } from './log.ts';
import { allVoters, describeMembership, isJoint, isLearner, isVoter, makeMembership, peersOf, quorumIndex, voteResult, type Membership } from './membership.ts';
import {
  isRaftMessage,
  type AppendReq,
  type AppendResp,
  type HeartbeatReq,
  type HeartbeatResp,
  type PreVoteReq,
  type PreVoteResp,
  type RaftMessage,
  type SnapshotReq,
  type SnapshotResp,
  type TimeoutNow,
  type VoteReq,
  type VoteResp,
} from './messages.ts';
import { campaignLost, campaignWon, grantsVote } from './election.ts';
import {
  appendAccepted,
  appendContradiction,
  appendRejected,
  conflictStart,
  nextAfterRejection,
  nextAppend,
  nextSnapshotChunk,
  showsLostLog,
} from './replication.ts';
import { mutated, type RaftMutation } from './mutations.ts';
import { Progress } from './progress.ts';
import { ReadPath } from './read-path.ts';
import { MembershipOps } from './membership-ops.ts';
import { StorageRecovery } from './recovery.ts';
import { CandidateState, enterRole, FollowerState, LeaderState, type RoleState } from './roles.ts';
import { ClientSessions } from './sessions.ts';
import { AckAfterDurable } from './durability.ts';
import { decodePayload, encodePayload, loadSnapshot, parsePayload, saveSnapshot, SnapshotReceiver, stageSnapshot, type SnapshotPayload, type StoredSnapshot } from './snapshot.ts';
import { testMutant } from '../test-mutants.ts';

/** Hooks for checkers and inspection (the Raft safety checker attaches here). */
export interface RaftObserver {
  onRole?(role: RaftRole, term: number, leader: NodeId | undefined): void;
  /** Just elected: the voters whose votes it counted, and the membership it counted them in. */
  onElected?(term: number, granted: readonly NodeId[], membership: Membership): void;
  onCommit?(commitIndex: number): void;
  onApply?(entry: Entry): void;
  onSnapshotInstalled?(index: number, term: number): void;
}

export interface PeerStatus {
  readonly id: NodeId;
  readonly voter: boolean;
  readonly state: string;
  readonly match: number;
  readonly next: number;
  readonly inflight: number;
  /** The leader found this follower lost entries it had acknowledged and is repairing it (Progress.repairing). */
  readonly repairing: boolean;
  /** Virtual µs of its last append/snapshot response (or of the first append to an idle pipeline). */
  readonly lastHeardUs: number;
}

/** What a TUI or an inspector shows of a node. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly term: number;
  readonly leader: NodeId | undefined;
  readonly votedFor: NodeId | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly membership: Membership;
  readonly peers: readonly PeerStatus[];
}

export type ChangeResult = ProposeResult<Membership>;
export type TransferResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
}

/** Result the state machine "returns" for a retried command older than the client's last one. */
const STALE_SEQUENCE = Symbol('stale-sequence');
const HS_KEY = 'hs';
/** Heartbeat rounds remembered for lease start times. */
const MAX_ROUNDS_KEPT = 64;

export class RaftNode<Cmd = unknown, R = unknown> implements Replicator<Cmd, R> {
  readonly config: RaftConfig;
  private readonly self: NodeId;

  // Persistent (through storage).
  private currentTerm = 0;
  private votedFor: NodeId | undefined;
  private readonly log: RaftLog;
  private snap: StoredSnapshot | undefined;
  /** With snapshotIntervalUs: when the next snapshot is due (snapshotDue); drawn at the start and after each snapshot. */
  private snapshotDueAt: { readonly atUs: number; readonly bound: number } | undefined;
  /** Storage damage found at start: while recovering, no vote for a shorter log, no campaign, no local reads (recovery.ts). */
  private readonly recovery: StorageRecovery;

  /** What the durable hard state holds (persist-before-send assertions compare against it). */
  private durableHs: HardState = { term: 0, vote: null };

  // Volatile.
  /** The role and what only that role has (roles.ts); replaced only by transition(). */
  private state: RoleState = new FollowerState('follower');
  private leaderId: NodeId | undefined;
  private commit = 0;
  private applied = 0;
  private readonly configs: ConfigHistory;
  private readonly sessions: ClientSessions;
  /** ReadIndex, lease and forwarded follower reads (read-path.ts). */
  private readonly readPath: ReadPath;
  /** Membership changes on the leader's side (membership-ops.ts). */
  private readonly members: MembershipOps;
  private readonly receiver: SnapshotReceiver;

  private electionDeadlineUs = 0;
  private electionTimer: Timer | undefined;
  private electionTimerAtUs = 0;
  private lastLeaderContactUs = Number.NEGATIVE_INFINITY;

  private roundScheduled = false;
  private flushScheduled = false;
  private applyScheduled = false;
  /** A follower's append acknowledgement waiting for its entries to be durable (durability.ts). */
  private readonly heldAck = new AckAfterDurable();
  private stopped = false;
  /** Peer messages dropped because they contradict what Raft guarantees (droppedMessages()). */
  private dropped = 0;

  private readonly roleListeners: ((role: RaftRole, term: number, leader: NodeId | undefined) => void)[] = [];
  private readonly observers: RaftObserver[] = [];

  constructor(
    private readonly env: Env,
    private readonly sm: StateMachine<Cmd, R>,
    config: Partial<RaftConfig> = {},
  ) {
    this.config = resolveConfig(config);
    this.self = env.self;
    this.sessions = new ClientSessions(this.config.maxClientSessions);
    this.members = new MembershipOps({
      config: this.config,
      env,
      self: this.self,
      leading: () => this.leading(),
      isCurrent: (ls) => this.state === ls,
      leader: () => this.leaderId,
      term: () => this.currentTerm,
      current: () => this.configs.current(),
      currentIndex: () => this.configs.currentIndex(),
      commitIndex: () => this.commit,
      appliedIndex: () => this.applied,
      appendConfig: (ls, next, done) => this.appendConfig(ls, next, done),
      stepDown: () => this.becomeFollower(this.currentTerm, undefined),
      mut: (m) => this.mut(m),
    });
    this.readPath = new ReadPath({
      config: this.config,
      env,
      self: this.self,
      leading: () => this.leading(),
      leader: () => this.leaderId,
      term: () => this.currentTerm,
      commitIndex: () => this.commit,
      appliedIndex: () => this.applied,
      recovering: () => this.recovery.recovering(),
      membership: () => this.configs.current(),
      send: (to, msg) => this.send(to, msg),
      scheduleRound: () => this.scheduleRound(),
      mut: (m) => this.mut(m),
    });
    // A snapshot is at most a few chunks per entry of the threshold; bound the reassembly buffer generously.
    this.receiver = new SnapshotReceiver(1 << 30);

    // Recover from storage: hard state, snapshot, log, membership.
    const storage = env.storage;
    this.recovery = new StorageRecovery(env, !this.mut('noStorageRecovery'));
    const hs = storage.load<HardState>(HS_KEY);
    if (hs !== undefined) {
      this.currentTerm = hs.term;
      this.votedFor = hs.vote ?? undefined;
      this.durableHs = hs;
    }
    this.log = new RaftLog(storage);
    this.snap = loadSnapshot(storage);
    if (this.snap !== undefined) {
      const s = this.snap;
      // A crash between saving a snapshot and fixing the log behind it leaves a log that may not
      // agree with the snapshot: make it agree (the snapshot holds only committed state).
      if (this.log.term(s.index) !== s.term) this.log.resetTo({ index: s.index, term: s.term });
      const payload = decodePayload(s.data);
      this.sm.restore(payload.sm);
      this.sessions.restore(payload.sessions);
      this.commit = s.index;
      this.applied = s.index;
      this.configs = new ConfigHistory(s.membership, s.index);
    } else {
      assert(this.log.baseIndex() === 0, 'a compacted log has a snapshot');
      this.configs = new ConfigHistory(makeMembership(this.config.voters), 0);
    }
    for (let i = Math.max(this.log.first(), this.applied + 1); i <= this.log.last(); i++) {
      const e = this.log.entry(i);
      if (e.kind === 'config') this.configs.added(i, e.membership);
    }
    // The snapshot interval (if any) runs from the start, as hashicorp/raft's snapshot timer does.
    if (this.config.snapshotIntervalUs > 0) this.snapshotDue();
    const m0 = this.configs.current();
    const soleVoter = m0.voters.length === 1 && m0.voters[0] === this.self;
    this.recovery.checkHeld(this.log.last(), this.snap?.index ?? 0, this.log.lastTerm(), hs !== undefined || this.mut('skipVotePersist'), soleVoter);
    if (this.recovery.lostHardState() && this.currentTerm < this.log.lastTerm()) {
      // The hard state file is gone: the log's last term is the best floor; the vote is unknown.
      this.currentTerm = this.log.lastTerm();
      this.votedFor = undefined;
      this.persistHardState();
    }
    if (!this.mut('skipVotePersist')) {
      assert(this.log.lastTerm() <= this.currentTerm, () => `log term ${this.log.lastTerm()} > term ${this.currentTerm}`);
    }
    this.state = new FollowerState(this.followerRole());
    env.onMessage((from, msg) => this.receive(from, msg as RaftMessage));
  }

  // ---------------------------------------------------------------- lifecycle

  start(): void {
    // Messages are stepped from construction on, so a node may already have campaigned and won
    // when its host calls start(): a leader keeps its heartbeat and arms no election timer.
    if (this.leading() === undefined) this.resetElectionTimer();
    this.env.trace('raft.start', { term: this.currentTerm, last: this.log.last(), snap: this.snap?.index ?? 0 });
  }

  /** Clean shutdown: timers stop, and every waiting caller is answered (proposals: unknown outcome). */
  stop(): void {
    if (this.stopped) return;
    let notify: (() => void) | undefined;
    const ls = this.leading();
    if (ls !== undefined) {
      notify = this.stepDownCleanup(ls, undefined);
      this.setRole(this.followerRole(), undefined);
    }
    this.stopped = true;
    this.electionTimer?.cancel();
    this.readPath.stop(this.leaderId);
    notify?.();
  }

  // ---------------------------------------------------------------- Replicator

  propose(command: Cmd, done: (r: ProposeResult<R>) => void, dedup?: { client: string; seq: number }): void {
    const ls = this.leading();
    if (ls === undefined) {
      done({ ok: false, error: 'not-leader', leader: this.leaderId });
      return;
    }
    if (ls.transfer !== undefined) {
      done({ ok: false, error: 'rejected', reason: 'leadership transfer in progress' });
      return;
    }
    if (ls.pending.size >= this.config.maxPendingProposals) {
      done({ ok: false, error: 'rejected', reason: 'too many pending proposals' });
      return;
    }
    const entry: Entry =
      dedup === undefined
        ? { index: this.log.last() + 1, term: this.currentTerm, kind: 'cmd', data: command }
        : { index: this.log.last() + 1, term: this.currentTerm, kind: 'cmd', data: command, client: dedup.client, seq: dedup.seq };
    this.appendLocal(ls, entry);
    ls.pending.set(entry.index, { term: entry.term, done: done as (r: ProposeResult<unknown>) => void });
    this.scheduleFlush();
  }

  readBarrier(done: (r: ReadResult) => void, opts?: ReadOptions): void {
    this.readPath.barrier(done, opts);
  }

  /** True while this node repairs storage damage found at start (recovery.ts). */
  recovering(): boolean {
    return this.recovery.recovering();
  }

  /** Records its storage cut for damage at start, and how many of them peers have repaired since (metrics). */
  storageRepair(): { readonly cut: number; readonly repaired: number } {
    return { cut: this.recovery.cut, repaired: this.recovery.repaired(Math.max(this.log.last(), this.snapshotIndex())) };
  }

  isLeader(): boolean {
    return this.state.name === 'leader';
  }
  leader(): NodeId | undefined {
    return this.leaderId;
  }
  role(): RaftRole {
    return this.state.name;
  }
  term(): number {
    return this.currentTerm;
  }
  commitIndex(): number {
    return this.commit;
  }
  /**
   * Peer messages dropped because they contradict Raft's guarantees (a second leader in our term,
   * entries that are not consecutive or come from a future term, an ack beyond our log, a heartbeat
   * round we never sent): a forged or broken peer, never a correct one. Dropped and counted (and
   * traced as raft.drop) rather than asserted: a peer must not be able to crash us.
   */
  droppedMessages(): number {
    return this.dropped;
  }
  appliedIndex(): number {
    return this.applied;
  }
  onRoleChange(listener: (role: RaftRole, term: number, leader: NodeId | undefined) => void): void {
    this.roleListeners.push(listener);
  }

  // ---------------------------------------------------------------- inspection

  id(): NodeId {
    return this.self;
  }
  lastIndex(): number {
    return this.log.last();
  }
  firstIndex(): number {
    return this.log.first();
  }
  /** The term of the last entry (or of the snapshot, if the log is empty behind it): the log's up-to-dateness with lastIndex (§5.4.1). */
  lastTerm(): number {
    return this.log.lastTerm();
  }
  snapshotIndex(): number {
    return this.snap?.index ?? 0;
  }
  membership(): Membership {
    return this.configs.current();
  }
  /** The entry at i, or undefined if compacted or beyond the end. */
  entryAt(i: number): Entry | undefined {
    if (i < this.log.first() || i > this.log.last()) return undefined;
    return this.log.entry(i);
  }
  addObserver(o: RaftObserver): void {
    this.observers.push(o);
  }
  status(): RaftStatus {
    const m = this.configs.current();
    const peers: PeerStatus[] = [];
    for (const [id, pr] of this.leading()?.progress ?? []) {
      peers.push({ id, voter: isVoter(m, id), state: pr.state, match: pr.match, next: pr.next, inflight: pr.inflightCount(), repairing: pr.repairing(), lastHeardUs: pr.lastHeardUs });
    }
    return {
      id: this.self,
      role: this.state.name,
      term: this.currentTerm,
      leader: this.leaderId,
      votedFor: this.votedFor,
      commitIndex: this.commit,
      appliedIndex: this.applied,
      firstIndex: this.log.first(),
      lastIndex: this.log.last(),
      snapshotIndex: this.snapshotIndex(),
      membership: m,
      peers,
    };
  }

  // ---------------------------------------------------------------- membership API

  /** Adds `id` as a learner (non-voter): it receives the log but neither votes nor counts. */
  addLearner(id: NodeId, done: (r: ChangeResult) => void): void {
    this.members.addLearner(id, done);
  }

  /**
   * Adds `id` as a learner that the leader promotes to voter once it caught up (within
   * promoteMaxLagEntries of the commit index). `done` runs when the learner entry is applied;
   * watch membership() (or the 'raft.config' trace) for the promotion.
   */
  addServer(id: NodeId, done: (r: ChangeResult) => void): void {
    this.members.addServer(id, done);
  }

  /** Turns learner `id` into a voter now. */
  promote(id: NodeId, done: (r: ChangeResult) => void): void {
    this.members.promote(id, done);
  }

  /** Removes `id` (voter or learner). A leader that removes itself steps down once the change commits. */
  removeServer(id: NodeId, done: (r: ChangeResult) => void): void {
    this.members.removeServer(id, done);
  }

  /**
   * Proposes a new membership differing from the current one in at most one voter. Refused until
   * the previous change and an entry of this leader's term are committed (conf-change.ts).
   */
  changeMembership(next: Membership, done: (r: ChangeResult) => void): void {
    this.members.changeMembership(next, done);
  }

  /**
   * Replaces the voters by `voters`, several at once, by joint consensus (paper §6; conf-change.ts):
   * appends C_old,new now and, once that commits, C_new. `done` runs when C_new is applied (or
   * with the failure that stopped the change: a lost leadership answers unknown-outcome).
   */
  replaceVoters(voters: readonly NodeId[], done: (r: ChangeResult) => void): void {
    this.members.replaceVoters(voters, done);
  }

  private appendConfig(ls: LeaderState, next: Membership, done: (r: ChangeResult) => void): void {
    const entry: Entry = { index: this.log.last() + 1, term: this.currentTerm, kind: 'config', membership: next };
    this.appendLocal(ls, entry);
    ls.pending.set(entry.index, { term: entry.term, done: done as (r: ProposeResult<unknown>) => void });
    this.scheduleFlush();
  }

  /** Hands leadership to voter `to` (dissertation §3.10): catch it up, then TimeoutNow. */
  transferLeadership(to: NodeId, done: (r: TransferResult) => void): void {
    const ls = this.leading();
    if (ls === undefined) return done({ ok: false, reason: 'not leader' });
    if (to === this.self) return done({ ok: true });
    if (ls.transfer !== undefined) return done({ ok: false, reason: 'a transfer is in progress' });
    if (!isVoter(this.configs.current(), to)) return done({ ok: false, reason: `${to} is not a voter` });
    const timer = this.env.after(this.config.transferTimeoutUs, () => {
      const t = ls.transfer;
      if (t === undefined) return;
      ls.transfer = undefined;
      this.env.trace('raft.transfer.abort', { to: t.to, term: this.currentTerm });
      t.done({ ok: false, reason: 'timeout' });
    });
    ls.transfer = { to, timer, done };
    this.env.trace('raft.transfer', { to, term: this.currentTerm });
    this.maybeSendTimeoutNow(ls);
    this.sendAppend(ls, to);
  }

  private maybeSendTimeoutNow(ls: LeaderState): void {
    const t = ls.transfer;
    if (t === undefined) return;
    const pr = ls.progress.get(t.to);
    if (pr !== undefined && pr.match === this.log.last()) this.send(t.to, { type: 'raft.timeout-now', term: this.currentTerm } satisfies TimeoutNow);
  }

  /** TEST ONLY: whether a paper rule is switched off (mutations.ts); false in every real use. */
  private mut(m: RaftMutation): boolean {
    return mutated(this.config.mutations, m) || testMutant(m); // TEST ONLY: the harness's set (test-mutants.ts)
  }

  // ---------------------------------------------------------------- roles

  /** The leader's state, or undefined when not leading. */
  private leading(): LeaderState | undefined {
    return this.state instanceof LeaderState ? this.state : undefined;
  }

  /**
   * The one place the role changes: asserts the transition is legal (roles.ts LEGAL_TRANSITIONS)
   * and enters the new role with fresh role state. Callers announce it (emitRole) when they are done.
   */
  private transition<S extends RoleState>(to: S['name'], leader: NodeId | undefined): S {
    const next = enterRole(this.state.name, to) as S;
    this.state = next;
    this.leaderId = leader;
    return next;
  }

  /** transition(), announced if the role or the leader changed. */
  private setRole(role: RaftRole, leader: NodeId | undefined): void {
    const changed = role !== this.state.name || leader !== this.leaderId;
    this.transition(role, leader);
    if (changed) this.emitRole();
  }

  /** The leader of the current term became known (no role change). */
  private setLeader(leader: NodeId): void {
    assert(this.state instanceof FollowerState, 'only followers and learners learn a leader this way');
    assert(this.leaderId === undefined, () => `two leaders in term ${this.currentTerm}: ${this.leaderId} and ${leader}`);
    this.leaderId = leader;
    this.emitRole();
  }

  private emitRole(): void {
    const role = this.state.name;
    this.env.trace('raft.role', { role, term: this.currentTerm, leader: this.leaderId ?? null });
    for (const o of this.observers) o.onRole?.(role, this.currentTerm, this.leaderId);
    for (const l of this.roleListeners) l(role, this.currentTerm, this.leaderId);
  }

  private followerRole(): 'follower' | 'learner' {
    return isLearner(this.configs.current(), this.self) ? 'learner' : 'follower';
  }

  private persistHardState(): void {
    assert(this.votedFor === undefined || this.currentTerm > 0, 'no vote in term 0');
    if (this.mut('skipVotePersist')) return;
    const hs: HardState = { term: this.currentTerm, vote: this.votedFor ?? null };
    this.env.storage.save(HS_KEY, hs);
    this.env.storage.sync();
    this.durableHs = hs;
  }

  private becomeFollower(term: number, leader: NodeId | undefined): void {
    assert(term >= this.currentTerm, () => `term goes back: ${term} < ${this.currentTerm}`);
    const ls = this.leading();
    const termChanged = term > this.currentTerm;
    if (termChanged) {
      this.currentTerm = term;
      this.votedFor = undefined;
      this.persistHardState();
    }
    const notify = ls !== undefined ? this.stepDownCleanup(ls, leader) : undefined;
    const role = this.followerRole();
    // A new term is announced even when role and leader stay the same.
    const changed = role !== this.state.name || leader !== this.leaderId;
    this.transition(role, leader);
    if (changed || termChanged) this.emitRole();
    // See RaftConfig.resetTimerOnStepDown: etcd restarts the timer here, LogCabin (the paper's) only
    // when it is not running.
    if (this.config.resetTimerOnStepDown || ls !== undefined || leader !== undefined || this.electionTimer === undefined) {
      this.resetElectionTimer();
    }
    // Callers hear of the lost leadership only now that we are a follower: a callback that
    // proposes again must be told not-leader, not append an entry of the old term.
    notify?.();
  }

  /**
   * What a leader drops when it stops leading (the LeaderState itself goes with the transition).
   * Returns the notifications of waiting callers, to be run once the role has changed (their
   * callbacks may call back into this node).
   */
  private stepDownCleanup(ls: LeaderState, newLeader: NodeId | undefined): () => void {
    ls.heartbeatTimer?.cancel();
    ls.heartbeatTimer = undefined;
    ls.quorumTimer?.cancel();
    ls.quorumTimer = undefined;
    // Code still holding `ls` further up the stack (a callback stepped us down) finds no peer to send to.
    ls.progress.clear();
    const pending = [...ls.pending.values(), ...(ls.leaveWaiter !== undefined ? [ls.leaveWaiter] : [])];
    ls.pending.clear();
    ls.leaveWaiter = undefined;
    const waiting = ls.readsWaitingCommit;
    ls.readsWaitingCommit = [];
    const t = ls.transfer;
    ls.transfer = undefined;
    t?.timer.cancel();
    return () => {
      for (const p of pending) p.done({ ok: false, error: 'unknown-outcome', leader: newLeader });
      this.readPath.failAll(newLeader);
      for (const r of waiting) r.done({ ok: false, error: 'not-leader', leader: newLeader });
      t?.done({ ok: true });
    };
  }

  private canCampaign(): boolean {
    return isVoter(this.configs.current(), this.self) && !this.recovery.recovering();
  }

  private becomePreCandidate(): void {
    // Announced only if something changed (a pre-candidate timing out again is not news).
    const changed = this.state.name !== 'pre-candidate' || this.leaderId !== undefined;
    const cs = this.transition<CandidateState>('pre-candidate', undefined);
    if (changed) this.emitRole();
    this.resetElectionTimer();
    this.env.trace('raft.campaign', { term: this.currentTerm + 1, pre: true });
    cs.votes.set(this.self, true);
    if (this.tallyWon(cs)) return this.becomeCandidate(false);
    const req: PreVoteReq = { type: 'raft.prevote', term: this.currentTerm + 1, lastIndex: this.log.last(), lastTerm: this.log.lastTerm() };
    for (const v of allVoters(this.configs.current())) if (v !== this.self) this.send(v, req);
  }

  private becomeCandidate(transfer: boolean): void {
    this.currentTerm += 1;
    this.votedFor = this.self;
    this.persistHardState();
    const cs = this.transition<CandidateState>('candidate', undefined);
    this.emitRole();
    this.resetElectionTimer();
    this.env.trace('raft.campaign', { term: this.currentTerm, pre: false });
    cs.votes.set(this.self, true);
    if (this.tallyWon(cs)) return this.becomeLeader(cs);
    const req: VoteReq = { type: 'raft.vote', term: this.currentTerm, lastIndex: this.log.last(), lastTerm: this.log.lastTerm(), transfer };
    for (const v of allVoters(this.configs.current())) if (v !== this.self) this.send(v, req);
  }

  private tallyWon(cs: CandidateState): boolean {
    return campaignWon(cs.votes, this.configs.current(), this.mut('jointVoteNewOnly'));
  }

  private tallyLost(cs: CandidateState): boolean {
    return campaignLost(cs.votes, this.configs.current(), this.mut('jointVoteNewOnly'));
  }

  private becomeLeader(cs: CandidateState): void {
    assert(this.votedFor === this.self, 'a leader voted for itself');
    assert(this.commit <= this.log.last(), 'a new leader holds everything it knows committed');
    const won = this.configs.current();
    const granted = [...cs.votes].filter(([, yes]) => yes).map(([id]) => id);
    this.electionTimer?.cancel();
    this.electionTimer = undefined;
    const ls = this.transition<LeaderState>('leader', this.self);
    const now = this.env.now();
    for (const p of peersOf(this.configs.current(), this.self)) {
      ls.progress.set(p, new Progress(this.log.last(), now, this.config.maxInflightAppends));
    }
    if (!this.mut('noElectionNoop')) {
      this.appendLocal(ls, { index: this.log.last() + 1, term: this.currentTerm, kind: 'noop' });
    }
    if (this.configs.currentIndex() === 0) {
      // The bootstrap membership so far lives only in the servers' own configs. Log it, as
      // hashicorp/raft's BootstrapCluster makes it entry 1: a server that joins later (started
      // with no voters) learns the membership from the log, as it must to vote and campaign.
      this.appendLocal(ls, { index: this.log.last() + 1, term: this.currentTerm, kind: 'config', membership: this.configs.current() });
    }
    // Reads and membership changes wait until this term's first entry commits (dissertation §6.4, and
    // the single-server membership fix: a new leader first commits an entry of its own term).
    ls.termStartIndex = this.log.last();
    ls.pendingConfigIndex = this.log.last();
    for (const o of this.observers) o.onElected?.(this.currentTerm, granted, won);
    this.emitRole();
    this.env.trace('raft.elected', { term: this.currentTerm, last: this.log.last() });
    ls.heartbeatTimer = this.env.after(this.config.heartbeatIntervalUs, () => this.onHeartbeatTick(ls));
    ls.quorumTimer = this.env.after(this.config.electionTimeoutMinUs, () => this.onQuorumCheck(ls));
    this.scheduleFlush();
  }

  // ---------------------------------------------------------------- timers

  private randomElectionTimeout(): Micros {
    return this.env.random.between(this.config.electionTimeoutMinUs, this.config.electionTimeoutMaxUs);
  }

  /** One lazily re-armed timer: resetting is O(1) unless the new deadline is earlier than the armed one. */
  private resetElectionTimer(): void {
    if (this.stopped) return;
    const now = this.env.now();
    this.electionDeadlineUs = now + this.randomElectionTimeout();
    if (this.electionTimer !== undefined && this.electionTimerAtUs <= this.electionDeadlineUs) return;
    this.electionTimer?.cancel();
    this.armElectionTimer(this.electionDeadlineUs - now);
  }

  private armElectionTimer(delay: Micros): void {
    this.electionTimerAtUs = this.env.now() + delay;
    this.electionTimer = this.env.after(delay, () => {
      this.electionTimer = undefined;
      // becomeLeader cancels this timer and nothing re-arms it while leading.
      assert(this.state.name !== 'leader', 'a leader has no election timer');
      if (this.stopped) return;
      const now = this.env.now();
      if (now < this.electionDeadlineUs) {
        this.armElectionTimer(this.electionDeadlineUs - now);
        return;
      }
      this.onElectionTimeout();
    });
  }

  private onElectionTimeout(): void {
    if (!this.canCampaign()) {
      this.resetElectionTimer();
      return;
    }
    if (this.config.preVote) this.becomePreCandidate();
    else this.becomeCandidate(false);
  }

  /** Leader timers are cancelled on step-down (stepDownCleanup): they run only for the leadership that armed them. */
  private onHeartbeatTick(ls: LeaderState): void {
    assert(this.state === ls, 'heartbeat tick of a past leadership');
    ls.heartbeatTimer = this.env.after(this.config.heartbeatIntervalUs, () => this.onHeartbeatTick(ls));
    this.broadcastHeartbeat(ls);
    const now = this.env.now();
    this.readPath.expire(ls, now);
    this.members.maybePromote(ls);
  }

  /** CheckQuorum (etcd): a leader that heard from no quorum during an election timeout steps down. */
  private onQuorumCheck(ls: LeaderState): void {
    assert(this.state === ls, 'quorum check of a past leadership');
    ls.quorumTimer = this.env.after(this.config.electionTimeoutMinUs, () => this.onQuorumCheck(ls));
    if (!this.config.checkQuorum || testMutant('noCheckQuorum')) return; // TEST ONLY: 2nd operand
    const heard = (id: NodeId) => id === this.self || ls.progress.get(id)?.recentActive === true;
    const m = this.configs.current();
    const active = allVoters(m).filter(heard).length;
    const ok = voteResult(m, heard, this.mut('jointVoteNewOnly')) === 'won';
    for (const pr of ls.progress.values()) pr.recentActive = false;
    if (!ok) {
      this.env.trace('raft.stepdown', { term: this.currentTerm, reason: 'check-quorum', active });
      this.becomeFollower(this.currentTerm, undefined);
    }
  }

  // ---------------------------------------------------------------- sending

  private send(to: NodeId, msg: RaftMessage): void {
    if (!this.mut('skipVotePersist')) {
      // Persist before send: every message carries our term, which a crash must not take back.
      assert(this.durableHs.term === this.currentTerm, () => `sending in term ${this.currentTerm} with durable term ${this.durableHs.term}`);
    }
    this.env.send(to, msg, { reliable: true });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.env.after(0, () => {
      this.flushScheduled = false;
      // Scheduled by a leader, which may have stepped down (or stopped) since.
      const ls = this.leading();
      if (this.stopped || ls === undefined) return;
      // Entries appended since the last flush are written together (group commit) and sent at once,
      // before they are durable (dissertation §10.2.1): the leader counts itself when the write
      // completes (onDurable). A new term's acked mark is synced at once; a step of it rides with
      // the entries' asynchronous write, which the leader waits for before counting itself (recovery.ts).
      const mark = this.recovery.willAck(this.log.last(), this.currentTerm);
      if (mark === 'term') this.log.sync(); // the leader counts itself: its mark first
      if (mark === 'step' || this.log.durableIndex() < this.log.last()) this.syncLogAsync();
      this.maybeCommit(ls);
      for (const p of ls.progress.keys()) this.sendAppend(ls, p);
    });
  }

  /** Starts making the log durable; onDurable runs when it is. */
  private syncLogAsync(): void {
    this.log.syncAsync((fn) => this.env.after(0, fn), () => this.onDurable());
  }

  /** An asynchronous log write completed: the leader may count itself, a follower may acknowledge. */
  private onDurable(): void {
    if (this.stopped) return;
    const ls = this.leading();
    if (ls !== undefined) {
      this.heldAck.clear();
      this.maybeCommit(ls);
      return;
    }
    const a = this.heldAck.release(this.currentTerm, this.leaderId, this.log.durableIndex());
    if (a !== undefined) this.ackAppend(a.to, a.match);
  }

  private noteSentCommit(ls: LeaderState, peer: NodeId, commit: number): void {
    if (commit > (ls.sentCommit.get(peer) ?? 0)) ls.sentCommit.set(peer, commit);
  }

  private scheduleRound(): void {
    if (this.roundScheduled) return;
    this.roundScheduled = true;
    this.env.after(0, () => {
      this.roundScheduled = false;
      const ls = this.leading();
      if (this.stopped || ls === undefined) return;
      this.broadcastHeartbeat(ls);
    });
  }

  private broadcastHeartbeat(ls: LeaderState): void {
    ls.round += 1;
    ls.roundSentAt.set(ls.round, this.env.now());
    ls.roundSentAt.delete(ls.round - MAX_ROUNDS_KEPT);
    for (const [p, pr] of ls.progress) {
      const hb: HeartbeatReq = { type: 'raft.heartbeat', term: this.currentTerm, commit: Math.min(pr.match, this.commit), round: ls.round };
      this.noteSentCommit(ls, p, hb.commit);
      this.send(p, hb);
    }
    this.readPath.confirmRounds(ls);
  }

  /** Sends what `peer` is missing, as far as the pipeline allows. */
  private sendAppend(ls: LeaderState, peer: NodeId): void {
    const pr = ls.progress.get(peer);
    if (pr === undefined) return;
    for (let k = 0; k < this.config.maxInflightAppends && !pr.paused(); k++) {
      const req = nextAppend(this.log, pr, this.currentTerm, this.commit, this.config.maxEntriesPerAppend);
      if (req === 'snapshot') return this.startSnapshot(peer, pr);
      if (req === undefined) return;
      this.noteSentCommit(ls, peer, Math.min(this.commit, req.prevIndex + req.entries.length));
      // Stall detection measures from the later of the last ack and the moment the pipeline filled.
      if (pr.inflightCount() === 0) pr.lastHeardUs = this.env.now();
      this.send(peer, req);
      pr.sent(req.prevIndex + req.entries.length);
      if (pr.state !== 'replicate') return;
    }
  }

  private startSnapshot(peer: NodeId, pr: Progress): void {
    const s = this.snap;
    assert(s !== undefined, 'log compacted without a snapshot');
    pr.becomeSnapshot(s.index);
    pr.lastHeardUs = this.env.now();
    this.env.trace('raft.snapshot.send', { to: peer, index: s.index });
    this.sendSnapshotChunk(peer, pr);
  }

  private sendSnapshotChunk(peer: NodeId, pr: Progress): void {
    const s = this.snap;
    assert(s !== undefined, 'a snapshot transfer has a snapshot');
    this.send(peer, nextSnapshotChunk(s, pr, this.currentTerm, this.config.snapshotChunkBytes));
  }

  // ---------------------------------------------------------------- receiving

  /** The term gate (paper Figure 2, "Rules for Servers: all servers"), then the role's step function. */
  private receive(from: NodeId, msg: RaftMessage): void {
    if (this.stopped || !isRaftMessage(msg)) return;
    const m = msg;
    if (m.term > this.currentTerm) {
      const isVoteReq = m.type === 'raft.prevote' || (m.type === 'raft.vote' && !m.transfer);
      if (isVoteReq && this.inLease()) {
        // CheckQuorum lease (etcd): we heard from a live leader within the minimum election timeout,
        // so a would-be candidate cannot have a quorum; ignoring it keeps it from deposing the leader.
        return;
      }
      if (m.type === 'raft.prevote' || (m.type === 'raft.prevote.resp' && m.granted)) {
        // Pre-vote terms are hypothetical: nobody's term changes (dissertation §9.6).
      } else {
        const leader = m.type === 'raft.append' || m.type === 'raft.heartbeat' || m.type === 'raft.snapshot' ? from : undefined;
        this.becomeFollower(m.term, leader);
      }
    } else if (m.term < this.currentTerm && !this.mut('acceptStaleTerm')) {
      if (m.type === 'raft.append' || m.type === 'raft.heartbeat' || m.type === 'raft.snapshot') {
        // Tell a stale leader about the newer term so it steps down.
        this.send(from, appendRejected(this.currentTerm, -1, 0, 0));
      } else if (m.type === 'raft.prevote') {
        this.send(from, { type: 'raft.prevote.resp', term: this.currentTerm, granted: false } satisfies PreVoteResp);
      }
      return;
    }
    const st = this.state;
    if (st instanceof LeaderState) this.stepLeader(st, from, m);
    else if (st instanceof CandidateState) this.stepCandidate(st, from, m);
    else this.stepFollower(from, m);
  }

  /** Messages every role handles the same way. Returns false for the role's own. */
  private stepAny(from: NodeId, m: RaftMessage): boolean {
    switch (m.type) {
      case 'raft.prevote':
      case 'raft.vote':
        this.onVoteRequest(from, m);
        return true;
      case 'raft.read-index.resp':
        // A follower's forwarded read may be answered after it changed role; it still holds.
        this.readPath.onReadIndexResp(m);
        return true;
      default:
        return false;
    }
  }

  private stepLeader(ls: LeaderState, from: NodeId, m: RaftMessage): void {
    if (this.stepAny(from, m)) return;
    switch (m.type) {
      case 'raft.append.resp':
        return this.onAppendResp(ls, from, m);
      case 'raft.heartbeat.resp':
        return this.onHeartbeatResp(ls, from, m);
      case 'raft.snapshot.resp':
        return this.onSnapshotResp(ls, from, m);
      case 'raft.read-index':
        return this.readPath.onReadIndex(from, m);
      case 'raft.append':
      case 'raft.heartbeat':
      case 'raft.snapshot':
        // Election Safety (paper Figure 3): at most one leader per term, and we are it.
        return this.drop(from, m, 'a second leader in our term');
      default:
        // Votes and pre-votes of a finished campaign, and TimeoutNow (a leader has nothing to start).
        return;
    }
  }

  private stepCandidate(cs: CandidateState, from: NodeId, m: RaftMessage): void {
    if (this.stepAny(from, m)) return;
    switch (m.type) {
      case 'raft.prevote.resp':
        return this.onPreVoteResp(cs, from, m);
      case 'raft.vote.resp':
        return this.onVoteResp(cs, from, m);
      case 'raft.append':
      case 'raft.heartbeat':
      case 'raft.snapshot':
        // Paper §5.2: a candidate that hears from a leader of its term (or later) returns to follower.
        this.becomeFollower(this.currentTerm, from);
        return this.stepFollower(from, m);
      case 'raft.read-index':
        return this.readPath.replyReadIndex(from, m, -1);
      case 'raft.timeout-now':
        return this.onTimeoutNow(from, m);
      default:
        // Responses meant for a leader.
        return;
    }
  }

  /** Followers and learners. */
  private stepFollower(from: NodeId, m: RaftMessage): void {
    if (this.stepAny(from, m)) return;
    const fromLeader = m.type === 'raft.append' || m.type === 'raft.heartbeat' || m.type === 'raft.snapshot';
    if (fromLeader && this.leaderId !== undefined && this.leaderId !== from) {
      // Election Safety: the term's leader is known, and it is someone else.
      return this.drop(from, m, 'a second leader in our term');
    }
    switch (m.type) {
      case 'raft.append':
        return this.onAppend(from, m);
      case 'raft.heartbeat':
        return this.onHeartbeat(from, m);
      case 'raft.snapshot':
        return this.onSnapshot(from, m);
      case 'raft.read-index':
        return this.readPath.replyReadIndex(from, m, -1);
      case 'raft.timeout-now':
        return this.onTimeoutNow(from, m);
      default:
        // Votes of a campaign we left, and responses meant for a leader.
        return;
    }
  }

  private inLease(): boolean {
    return (
      this.config.checkQuorum &&
      !testMutant('noCheckQuorum') && // TEST ONLY
      this.leaderId !== undefined &&
      (this.state.name === 'leader' || this.env.now() - this.lastLeaderContactUs < this.config.electionTimeoutMinUs)
    );
  }

  private onVoteRequest(from: NodeId, m: PreVoteReq | VoteReq): void {
    const pre = m.type === 'raft.prevote';
    const me = { term: this.currentTerm, votedFor: this.votedFor, leader: this.leaderId, lastIndex: this.log.last(), lastTerm: this.log.lastTerm() };
    const grant = grantsVote(me, from, m, this.mut('voteWithoutLogCheck') || (pre && testMutant('preVoteWithoutLogCheck'))) && // TEST ONLY: 2nd operand
      this.recovery.mayVoteFor(m.lastIndex, m.lastTerm);
    if (pre) {
      this.send(from, { type: 'raft.prevote.resp', term: grant ? m.term : this.currentTerm, granted: grant } satisfies PreVoteResp);
      return;
    }
    if (grant) {
      assert(m.term === this.currentTerm, 'vote in the current term');
      assert(this.votedFor === undefined || this.votedFor === from, 'one vote per term');
      this.votedFor = from;
      this.persistHardState(); // synced before the answer leaves
      this.resetElectionTimer();
    }
    if (grant && !this.mut('skipVotePersist')) {
      // Persist before send: the vote we announce survives a crash (paper Figure 2, "Persistent state").
      assert(this.durableHs.term === this.currentTerm, () => `vote.resp for term ${this.currentTerm} but durable term ${this.durableHs.term}`);
      assert(this.durableHs.vote === from, () => `vote.resp to ${from} but durable vote ${this.durableHs.vote}`);
    }
    this.send(from, { type: 'raft.vote.resp', term: this.currentTerm, granted: grant } satisfies VoteResp);
  }

  private onPreVoteResp(cs: CandidateState, from: NodeId, m: PreVoteResp): void {
    if (cs.name !== 'pre-candidate') return;
    if (m.granted && m.term !== this.currentTerm + 1) return;
    cs.votes.set(from, m.granted);
    if (this.tallyWon(cs)) this.becomeCandidate(false);
    else if (this.tallyLost(cs)) this.becomeFollower(this.currentTerm, undefined);
  }

  private onVoteResp(cs: CandidateState, from: NodeId, m: VoteResp): void {
    if (cs.name !== 'candidate' || m.term !== this.currentTerm) return;
    cs.votes.set(from, m.granted);
    if (this.tallyWon(cs)) this.becomeLeader(cs);
    else if (this.tallyLost(cs)) this.becomeFollower(this.currentTerm, undefined);
  }

  /** A peer message that contradicts Raft's guarantees: counted and traced, never acted on. */
  private drop(from: NodeId, m: RaftMessage, reason: string): void {
    this.dropped++;
    this.env.trace('raft.drop', { from, type: m.type, term: m.term, reason });
  }

  /** Follower: any valid message from the current term's leader. */
  private heardFromLeader(from: NodeId): void {
    if (this.leaderId !== from) this.setLeader(from);
    this.lastLeaderContactUs = this.env.now();
    this.resetElectionTimer();
  }

  private onAppend(from: NodeId, m: AppendReq): void {
    const contradiction = appendContradiction(m);
    if (contradiction !== undefined) return this.drop(from, m, contradiction);
    this.heardFromLeader(from);
    let prevIndex = m.prevIndex;
    let prevTerm = m.prevTerm;
    let entries = m.entries;
    if (prevIndex < this.commit) {
      // Everything up to our commit index is known to match the leader's log: skip it.
      const skip = Math.min(entries.length, this.commit - prevIndex);
      entries = entries.slice(skip);
      if (entries.length === 0) {
        this.ackWhenDurable(from, this.commit);
        return;
      }
      prevIndex = entries[0]!.index - 1;
      const t = this.log.term(prevIndex);
      assert(t !== undefined, 'term of a committed index is known');
      prevTerm = t;
    }
    const localPrevTerm = this.log.term(prevIndex);
    if (localPrevTerm === undefined) {
      this.send(from, appendRejected(this.currentTerm, m.prevIndex, 0, this.log.last() + 1));
      return;
    }
    if (localPrevTerm !== prevTerm && !this.mut('skipConsistencyCheck')) {
      this.send(from, appendRejected(this.currentTerm, m.prevIndex, localPrevTerm, conflictStart(this.log, this.commit, prevIndex)));
      return;
    }
    // Append what is new; truncate at the first conflict (paper Figure 2, AppendEntries rule 3).
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      assert(e.index === prevIndex + 1 + k, 'append entries are consecutive');
      assert(e.term <= m.term, 'append entries are not from the future');
      const t = this.log.term(e.index);
      if (t === e.term) continue;
      if (t !== undefined && this.mut('keepConflictingEntries')) continue;
      if (t !== undefined) {
        this.recovery.truncated(e.index);
        this.log.truncateFrom(e.index, this.commit);
        this.configs.truncatedFrom(e.index);
      }
      const rest = entries.slice(k);
      this.log.append(rest);
      for (const r of rest) if (r.kind === 'config') this.configs.added(r.index, r.membership);
      break;
    }
    const lastNew = prevIndex + entries.length;
    // The acked high-water mark is durable before any ack it covers leaves (recovery.ts): a new
    // term's mark is synced at once, with the entries; a step of it (every ACK_SAVE_STEP entries)
    // rides with their asynchronous write, which the ack waits for (ackWhenDurable).
    const mark = this.recovery.willAck(lastNew, this.currentTerm);
    if (mark === 'term') this.log.sync();
    else if (mark === 'step' || this.log.durableIndex() < this.log.last()) this.syncLogAsync();
    this.recovery.verified(lastNew, this.log.term(lastNew), this.currentTerm, m.commit, this.log.last());
    this.refreshFollowerRole();
    this.advanceCommit(Math.min(m.commit, this.mut('commitBeyondVerified') ? this.log.last() : lastNew));
    this.ackWhenDurable(from, lastNew);
  }

  /** Acknowledges `matchIndex` now if it is durable, else when it is (onDurable). */
  private ackWhenDurable(to: NodeId, matchIndex: number): void {
    if (matchIndex <= this.log.durableIndex() || this.mut('ackBeforeDurable')) return this.ackAppend(to, matchIndex);
    this.heldAck.hold(to, this.currentTerm, matchIndex);
  }

  private ackAppend(to: NodeId, matchIndex: number): void {
    if (!this.mut('ackBeforeDurable')) {
      // Persist before send: what we acknowledge survives a crash (the leader counts it toward a commit).
      assert(matchIndex <= this.log.durableIndex(), () => `acking ${matchIndex} with only ${this.log.durableIndex()} durable`);
    }
    this.send(to, appendAccepted(this.currentTerm, matchIndex));
  }

  /** A membership change in the log may make us a learner or a voter. */
  private refreshFollowerRole(): void {
    assert(this.state instanceof FollowerState, 'only followers take entries from a leader');
    const r = this.followerRole();
    if (r !== this.state.name) this.setRole(r, this.leaderId);
  }

  private onAppendResp(ls: LeaderState, from: NodeId, m: AppendResp): void {
    const pr = ls.progress.get(from);
    if (pr === undefined) return;
    pr.lastHeardUs = this.env.now();
    pr.recentActive = true;
    if (m.success) {
      // Only what we sent can be acknowledged, and we sent no more than our log.
      if (m.matchIndex > this.log.last()) return this.drop(from, m, 'an ack beyond our log');
      const advanced = pr.acked(m.matchIndex);
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.snapIndex) pr.becomeProbe();
      const commitBefore = this.commit;
      if (advanced) {
        this.maybeCommit(ls);
        this.maybeSendTimeoutNow(ls);
        this.members.maybePromote(ls);
      }
      this.sendAppend(ls, from);
      // Entries this follower just acked were committed already (the others made the quorum
      // and the round announcing it capped this follower at its old match), and no append
      // carries the news: tell it now rather than at the next heartbeat (etcd's
      // Progress.CanBumpCommit), as its clients' tree writes and reads wait for it to apply.
      // A commit that moved just now is announced by the round maybeCommit scheduled.
      if (advanced && this.commit === commitBefore) {
        const known = Math.min(pr.match, this.commit);
        if (known > (ls.sentCommit.get(from) ?? 0)) {
          this.noteSentCommit(ls, from, known);
          this.send(from, { type: 'raft.heartbeat', term: this.currentTerm, commit: known, round: ls.round } satisfies HeartbeatReq);
        }
      }
      return;
    }
    if (m.rejectIndex < 0) return; // a higher-term notice, handled in receive()
    const nextGuess = nextAfterRejection(this.log, m);
    if (pr.state !== 'snapshot' && showsLostLog(pr, m)) {
      this.env.trace('raft.lost-log', { peer: from, match: pr.match, reject: m.rejectIndex, hint: m.conflictIndex });
      pr.lostLog(Math.max(1, Math.min(nextGuess, m.rejectIndex)), this.log.last());
      this.sendAppend(ls, from);
      return;
    }
    if (pr.rejected(m.rejectIndex, nextGuess)) this.sendAppend(ls, from);
  }

  private onHeartbeat(from: NodeId, m: HeartbeatReq): void {
    this.heardFromLeader(from);
    if (m.commit > this.log.last()) {
      // The leader sends min(our match, its commit): it counts us as holding entries we no longer
      // have (a wiped or cut disk, issue 15). With nothing new to send it would only heartbeat us
      // forever; a rejection saying where our log ends makes it repair us (Progress.lostLog).
      this.send(from, appendRejected(this.currentTerm, m.commit, 0, this.log.last() + 1));
    }
    // m.commit <= our match as the leader knows it, so our log agrees up to there; unless we lost
    // entries since it learnt that match (recovery.ts): then only verified appends move our commit.
    if (!this.recovery.recovering()) this.advanceCommit(Math.min(m.commit, this.log.last()));
    this.send(from, { type: 'raft.heartbeat.resp', term: this.currentTerm, round: m.round } satisfies HeartbeatResp);
  }

  private onHeartbeatResp(ls: LeaderState, from: NodeId, m: HeartbeatResp): void {
    const pr = ls.progress.get(from);
    if (pr === undefined) return;
    // Acking a round we never sent would confirm reads (and a lease) nobody granted.
    if (m.round > ls.round) return this.drop(from, m, 'an ack of a heartbeat round never sent');
    const now = this.env.now();
    pr.recentActive = true;
    if (m.round > pr.ackedRound) pr.ackedRound = m.round;
    this.readPath.confirmRounds(ls);
    // A silent pipeline (appends lost to a partition or a crash) restarts from the match point.
    const stalled = now - pr.lastHeardUs >= this.config.electionTimeoutMinUs;
    if (pr.state === 'snapshot') {
      if (stalled) {
        pr.snapOffset = 0;
        pr.lastHeardUs = now;
        this.sendSnapshotChunk(from, pr);
      }
      return;
    }
    if (pr.state === 'replicate' && pr.inflightCount() > 0 && stalled) pr.becomeProbe();
    if (pr.state === 'probe') pr.probeSent = false;
    if (pr.match < this.log.last()) this.sendAppend(ls, from);
  }

  private onSnapshot(from: NodeId, m: SnapshotReq): void {
    this.heardFromLeader(from);
    const resp = (nextOffset: number, done: boolean) =>
      this.send(from, { type: 'raft.snapshot.resp', term: this.currentTerm, index: m.index, nextOffset, done } satisfies SnapshotResp);
    if (m.index <= this.commit) return resp(0, true);
    const r = this.receiver.accept(m.index, m.snapTerm, m.offset, m.data, m.done);
    if ('next' in r) return resp(r.next, false);
    // The reassembled bytes are peer input: a payload that does not parse is dropped, never asserted on.
    const payload = parsePayload(r.data);
    if (payload === undefined) return this.drop(from, m, 'malformed snapshot payload');
    this.installSnapshot({ index: m.index, term: m.snapTerm, membership: m.membership, data: r.data }, payload);
    resp(0, true);
  }

  private installSnapshot(s: StoredSnapshot, payload: SnapshotPayload): void {
    assert(s.index > this.commit, 'installed snapshots are ahead of us');
    saveSnapshot(this.env.storage, s); // durable before the log behind it goes
    if (this.log.term(s.index) === s.term && !testMutant('snapshotOverNewerEntries')) { // TEST ONLY: 2nd operand
      // Our log agrees at the snapshot point: keep what follows it.
      this.log.compactTo(s.index);
      this.configs.compactedTo(s.index, s.membership);
    } else {
      this.recovery.truncated(s.index + 1); // what followed disagreed with committed state: never committed
      this.log.resetTo({ index: s.index, term: s.term });
      this.configs.reset(s.membership, s.index);
    }
    this.sm.restore(payload.sm);
    this.sessions.restore(payload.sessions);
    this.snap = s;
    this.commit = s.index;
    this.applied = s.index;
    this.env.trace('raft.snapshot', { index: s.index, term: s.term, installed: true });
    for (const o of this.observers) o.onSnapshotInstalled?.(s.index, s.term);
    for (const o of this.observers) o.onCommit?.(this.commit);
    this.refreshFollowerRole();
  }

  private onSnapshotResp(ls: LeaderState, from: NodeId, m: SnapshotResp): void {
    const pr = ls.progress.get(from);
    if (pr === undefined) return;
    pr.lastHeardUs = this.env.now();
    pr.recentActive = true;
    if (pr.state !== 'snapshot' || m.index !== pr.snapIndex) return;
    if (m.done) {
      pr.acked(m.index);
      pr.becomeProbe();
      this.maybeCommit(ls);
      this.sendAppend(ls, from);
      return;
    }
    pr.snapOffset = m.nextOffset < 0 ? 0 : m.nextOffset;
    this.sendSnapshotChunk(from, pr);
  }

  private onTimeoutNow(from: NodeId, m: TimeoutNow): void {
    if (!this.canCampaign()) return;
    this.env.trace('raft.timeout-now', { from, term: m.term });
    this.becomeCandidate(true);
  }

  // ---------------------------------------------------------------- log, commit, apply

  /** Leader: a new entry of its term at the end of its log (synced by the next flush). */
  private appendLocal(ls: LeaderState, e: Entry): void {
    assert(this.state === ls, 'only the current leader appends new entries');
    assert(e.term === this.currentTerm, 'the leader appends entries of its own term');
    assert(e.index === this.log.last() + 1, 'the leader appends at the end of its log');
    this.log.append([e]);
    if (e.kind === 'config') {
      this.configs.added(e.index, e.membership);
      ls.pendingConfigIndex = e.index;
      this.env.trace('raft.config', { index: e.index, committed: false, members: describeMembership(e.membership) });
      this.syncProgressWithMembership(ls);
    }
  }

  /** The leader replicates to exactly the current members. */
  private syncProgressWithMembership(ls: LeaderState): void {
    const peers = new Set(peersOf(this.configs.current(), this.self));
    for (const id of [...ls.progress.keys()]) if (!peers.has(id)) ls.progress.delete(id);
    const now = this.env.now();
    for (const id of peers) {
      if (!ls.progress.has(id)) ls.progress.set(id, new Progress(this.log.last(), now, this.config.maxInflightAppends));
    }
  }

  /** Leader: commit the highest index a quorum stores, if it is from this term (paper §5.4.2). */
  private maybeCommit(ls: LeaderState): void {
    // The leader counts itself only for what its own disk holds (dissertation §10.2.1).
    const durable = this.mut('ackBeforeDurable') ? this.log.last() : this.log.durableIndex();
    const n = quorumIndex(this.configs.current(), (id) => (id === this.self ? durable : (ls.progress.get(id)?.match ?? 0)), this.mut('jointCommitNewOnly'));
    if (n <= this.commit) return;
    if (this.log.term(n) !== this.currentTerm && !this.mut('commitOldTerms')) return;
    this.advanceCommit(n);
    // Tell followers now rather than at the next heartbeat (etcd broadcasts an append when the
    // commit index moves): follower reads, watches and tree writes served by a follower would
    // otherwise wait up to a heartbeat interval. One round per instant, however many acks.
    this.scheduleRound();
  }

  private advanceCommit(n: number): void {
    if (n <= this.commit) return;
    assert(n <= this.log.last(), () => `commit ${n} beyond last ${this.log.last()}`);
    this.commit = n;
    for (const o of this.observers) o.onCommit?.(n);
    const ls = this.leading();
    if (ls !== undefined) this.readPath.commitAdvanced(ls);
    this.applyCommitted();
  }

  private applyCommitted(): void {
    assert(this.applied <= this.commit, () => `applied ${this.applied} beyond commit ${this.commit}`);
    assert(this.commit <= this.log.last(), () => `commit ${this.commit} beyond last ${this.log.last()}`);
    const end = Math.min(this.commit, this.applied + this.config.maxApplyBatch);
    while (this.applied < end) this.applyEntry(this.log.entry(this.applied + 1));
    this.readPath.applied(this.applied);
    const ls = this.leading();
    if (ls !== undefined) this.members.maybeLeaveJoint(ls);
    if (this.applied < this.commit && !this.applyScheduled) {
      this.applyScheduled = true;
      this.env.after(0, () => {
        this.applyScheduled = false;
        if (!this.stopped) this.applyCommitted();
      });
    }
    this.maybeSnapshot();
  }

  private applyEntry(e: Entry): void {
    assert(e.index === this.applied + 1, 'apply in order');
    assert(e.index <= this.commit, 'apply committed entries only');
    let result: unknown;
    if (e.kind === 'cmd') {
      if (e.client !== undefined && e.seq !== undefined) {
        const d = this.sessions.check(e.client, e.seq);
        if (d.kind === 'new') {
          result = this.sm.apply(e.data as Cmd, { index: e.index, term: e.term });
          this.sessions.record(e.client, e.seq, result, e.index);
        } else if (d.kind === 'duplicate') {
          result = d.result;
        } else {
          result = STALE_SEQUENCE;
        }
      } else {
        result = this.sm.apply(e.data as Cmd, { index: e.index, term: e.term });
      }
    } else if (e.kind === 'config') {
      result = e.membership;
      this.env.trace('raft.config', { index: e.index, committed: true, members: describeMembership(e.membership) });
    }
    this.applied = e.index;
    for (const o of this.observers) o.onApply?.(e);
    // Only a leader has pending proposals (a step-down answers them all).
    const ls = this.leading();
    const p = ls?.pending.get(e.index);
    if (p !== undefined) {
      ls!.pending.delete(e.index);
      assert(p.term === e.term, () => `a leader's pending entries are its own: index ${e.index} pending from term ${p.term} but applied from term ${e.term} (term ${this.currentTerm})`);
      // A joint change is answered when C_new applies: its caller waits for the entry leaveJoint appends.
      if (e.kind === 'config' && isJoint(e.membership)) ls!.leaveWaiter = p;
      else if (result === STALE_SEQUENCE) p.done({ ok: false, error: 'rejected', reason: 'stale client sequence number' });
      else p.done({ ok: true, index: e.index, term: e.term, result });
    }
    // A callback above may have changed the role: look again.
    const lsAfter = this.leading();
    if (e.kind === 'config' && lsAfter !== undefined) this.members.afterConfigCommitted(lsAfter, e.index);
  }

  private maybeSnapshot(): void {
    const since = this.applied - (this.snap?.index ?? 0);
    if (since < this.config.snapshotThresholdEntries) return;
    // With an interval (snapshotIntervalUs): not before the drawn time, unless the log grew past the bound.
    if (this.config.snapshotIntervalUs > 0) {
      const due = this.snapshotDue();
      if (this.env.now() < due.atUs && (due.bound === 0 || since < due.bound)) return;
    }
    this.takeSnapshot();
  }

  /**
   * When the next snapshot is due (snapshotIntervalUs): drawn once per snapshot, per server, so the
   * servers do not snapshot at once: a time in [interval, 2 x interval) from the last snapshot (or
   * the start), and a bound in [max / 2, max] entries (at least the threshold; 0: none).
   */
  private snapshotDue(): { atUs: number; bound: number } {
    if (this.snapshotDueAt === undefined) {
      const i = this.config.snapshotIntervalUs;
      const max = this.config.snapshotMaxEntries;
      const bound = max === 0 ? 0 : this.env.random.between(Math.max(this.config.snapshotThresholdEntries, Math.ceil(max / 2)), max);
      this.snapshotDueAt = { atUs: this.env.now() + this.env.random.between(i, 2 * i), bound };
    }
    return this.snapshotDueAt;
  }

  /**
   * Snapshots the state at the applied index and compacts the log behind it, keeping a trailing tail.
   * The snapshot counts once durable: with an asynchronous durability point (Storage.syncAsync) it is
   * written off the event loop while the node goes on, and the log is compacted only when that write
   * completes; a crash before keeps the previous snapshot and the whole log. It is the state at
   * `applied` as of now either way (encoded here), and sent to followers from now on (committed state).
   */
  takeSnapshot(): void {
    if (this.applied === 0 || this.applied === this.snap?.index) return;
    const term = this.log.term(this.applied);
    assert(term !== undefined, 'applied entry is in the log');
    const s: StoredSnapshot = {
      index: this.applied,
      term,
      membership: this.configs.at(this.applied),
      data: encodePayload({ sm: this.sm.snapshot(), sessions: this.sessions.snapshot() }),
    };
    this.snap = s;
    this.snapshotDueAt = undefined; // the interval (if any) starts over
    const storage = this.env.storage;
    if (storage.syncAsync === undefined) {
      saveSnapshot(storage, s);
      this.compactBehind(s);
    } else {
      stageSnapshot(storage, s);
      storage.syncAsync(() => {
        if (!this.stopped) this.compactBehind(s);
      });
    }
    this.env.trace('raft.snapshot', { index: s.index, term: s.term, installed: false });
  }

  /** Compacts the log behind a durable snapshot of ours, keeping the trailing tail. */
  private compactBehind(s: StoredSnapshot): void {
    const compactTo = s.index - this.config.snapshotTrailingEntries;
    if (compactTo > this.log.baseIndex()) {
      this.log.compactTo(compactTo);
      this.configs.compactedTo(compactTo);
    }
  }

}
