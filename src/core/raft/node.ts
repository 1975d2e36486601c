/**
 * A Raft node (Ongaro & Ousterhout 2014; Ongaro's dissertation 2014), at the level of etcd's raft:
 * PreVote and CheckQuorum, pipelined replication with fast backtracking, snapshots with chunked
 * InstallSnapshot, single-server membership changes with learners, leadership transfer, ReadIndex /
 * lease / stale reads and client-session dedup.
 *
 * Sans-I/O: everything goes through the Env. Persistence discipline: term and vote are saved and
 * synced before a vote is answered; appended entries are synced before they are acknowledged; the
 * leader syncs its own entries before counting itself toward a commit.
 */
import { assert, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import type { StateMachine } from '../sm.ts';
import type { ProposeResult, RaftRole, ReadResult, Replicator } from './api.ts';
import { resolveConfig, type RaftConfig } from './config.ts';
import { ConfigHistory } from './config-history.ts';
import type { Entry } from './entry.ts';
import { RaftLog } from './log.ts';
import {
  describeMembership,
  isLearner,
  isMember,
  isVoter,
  makeMembership,
  peersOf,
  quorumSize,
  quorumValue,
  validMembership,
  votingDiff,
  type Membership,
} from './membership.ts';
import {
  isRaftMessage,
  type AppendReq,
  type AppendResp,
  type HeartbeatReq,
  type HeartbeatResp,
  type PreVoteReq,
  type ReadIndexReq,
  type ReadIndexResp,
  type PreVoteResp,
  type RaftMessage,
  type SnapshotReq,
  type SnapshotResp,
  type TimeoutNow,
  type VoteReq,
  type VoteResp,
} from './messages.ts';
import { Progress } from './progress.ts';
import { ReadQueue } from './read-index.ts';
import { ClientSessions } from './sessions.ts';
import { decodePayload, encodePayload, loadSnapshot, saveSnapshot, SnapshotReceiver, type StoredSnapshot } from './snapshot.ts';

/** Hooks for checkers and inspection (the Raft safety checker attaches here). */
export interface RaftObserver {
  onRole?(role: RaftRole, term: number, leader: NodeId | undefined): void;
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

interface PendingProposal {
  readonly term: number;
  readonly done: (r: ProposeResult<unknown>) => void;
}

/** Result the state machine "returns" for a retried command older than the client's last one. */
const STALE_SEQUENCE = Symbol('stale-sequence');
const HS_KEY = 'hs';
/** Bounds the backwards scan for a conflict hint; the leader falls back to probing beyond it. */
const MAX_HINT_SCAN = 4096;
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

  // Volatile.
  private roleName: RaftRole = 'follower';
  private leaderId: NodeId | undefined;
  private commit = 0;
  private applied = 0;
  private readonly configs: ConfigHistory;
  private readonly sessions: ClientSessions;
  private readonly votes = new Map<NodeId, boolean>();
  private readonly progress = new Map<NodeId, Progress>();
  private readonly pending = new Map<number, PendingProposal>();
  private readonly reads: ReadQueue;
  private readsWaitingCommit: { deadlineUs: Micros; done: (r: ReadResult) => void }[] = [];
  private readonly receiver: SnapshotReceiver;

  private electionDeadlineUs = 0;
  private electionTimer: Timer | undefined;
  private electionTimerAtUs = 0;
  private heartbeatTimer: Timer | undefined;
  private quorumTimer: Timer | undefined;
  private lastLeaderContactUs = Number.NEGATIVE_INFINITY;

  /** Leader: index of its first entry (the no-op); reads and config changes wait for its commit. */
  private termStartIndex = 0;
  /** Leader: index of the last config entry it may not have seen committed. */
  private pendingConfigIndex = 0;
  private round = 0;
  private confirmedRound = 0;
  private readonly roundSentAt = new Map<number, Micros>();
  /** Leader: the highest commit index each follower can have learned from us (etcd's Progress.sentCommit). */
  private readonly sentCommit = new Map<NodeId, number>();
  private leaseUntilUs = 0;
  /** Latest local time seen by lease code (detects a clock stepped backwards). */
  private leaseClockUs = 0;
  private roundScheduled = false;
  private flushScheduled = false;
  private applyScheduled = false;
  private transfer: { to: NodeId; timer: Timer; done: (r: TransferResult) => void } | undefined;
  /** Follower reads waiting for the leader's read index. */
  private readonly forwarded = new Map<number, { deadlineUs: Micros; timer: Timer; done: (r: ReadResult) => void }>();
  private forwardSeq = 0;
  private stopped = false;

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
    this.reads = new ReadQueue(this.config.maxPendingReads);
    // A snapshot is at most a few chunks per entry of the threshold; bound the reassembly buffer generously.
    this.receiver = new SnapshotReceiver(1 << 30);

    // Recover from storage: hard state, snapshot, log, membership.
    const storage = env.storage;
    const hs = storage.load<HardState>(HS_KEY);
    if (hs !== undefined) {
      this.currentTerm = hs.term;
      this.votedFor = hs.vote ?? undefined;
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
    if (!this.config.unsafeTestOnlySkipVotePersist) {
      assert(this.log.lastTerm() <= this.currentTerm, () => `log term ${this.log.lastTerm()} > term ${this.currentTerm}`);
    }
    this.roleName = isLearner(this.configs.current(), this.self) ? 'learner' : 'follower';
    env.onMessage((from, msg) => this.receive(from, msg as RaftMessage));
  }

  // ---------------------------------------------------------------- lifecycle

  start(): void {
    this.resetElectionTimer();
    this.env.trace('raft.start', { term: this.currentTerm, last: this.log.last(), snap: this.snap?.index ?? 0 });
  }

  /** Clean shutdown: timers stop, and every waiting caller is answered (proposals: unknown outcome). */
  stop(): void {
    if (this.stopped) return;
    let notify: (() => void) | undefined;
    if (this.roleName === 'leader') {
      notify = this.stepDownCleanup(undefined);
      this.setRole(this.followerRole(), undefined);
    }
    this.stopped = true;
    this.electionTimer?.cancel();
    this.stopLeaderTimers();
    this.reads.failAll(this.leaderId);
    const forwarded = [...this.forwarded.values()];
    this.forwarded.clear();
    for (const f of forwarded) {
      f.timer.cancel();
      f.done({ ok: false, error: 'not-leader', leader: this.leaderId });
    }
    notify?.();
  }

  // ---------------------------------------------------------------- Replicator

  propose(command: Cmd, done: (r: ProposeResult<R>) => void, dedup?: { client: string; seq: number }): void {
    if (this.roleName !== 'leader') {
      done({ ok: false, error: 'not-leader', leader: this.leaderId });
      return;
    }
    if (this.transfer !== undefined) {
      done({ ok: false, error: 'rejected', reason: 'leadership transfer in progress' });
      return;
    }
    if (this.pending.size >= this.config.maxPendingProposals) {
      done({ ok: false, error: 'rejected', reason: 'too many pending proposals' });
      return;
    }
    const entry: Entry =
      dedup === undefined
        ? { index: this.log.last() + 1, term: this.currentTerm, kind: 'cmd', data: command }
        : { index: this.log.last() + 1, term: this.currentTerm, kind: 'cmd', data: command, client: dedup.client, seq: dedup.seq };
    this.appendLocal(entry);
    this.pending.set(entry.index, { term: entry.term, done: done as (r: ProposeResult<unknown>) => void });
    this.scheduleFlush();
  }

  readBarrier(done: (r: ReadResult) => void): void {
    const mode = this.config.readMode;
    if (mode === 'stale') {
      done({ ok: true, index: this.applied });
      return;
    }
    if (this.roleName !== 'leader') {
      if (this.config.followerReads && this.leaderId !== undefined) return this.forwardRead(this.leaderId, done);
      done({ ok: false, error: 'not-leader', leader: this.leaderId });
      return;
    }
    if (this.reads.full() || this.readsWaitingCommit.length >= this.config.maxPendingReads) {
      done({ ok: false, error: 'timeout', leader: this.leaderId });
      return;
    }
    const deadlineUs = this.env.now() + this.config.readTimeoutUs;
    // The leader's commit index is only known to be the cluster's once an entry of its term committed
    // (dissertation §6.4 step 1): until then, wait.
    if (this.commit < this.termStartIndex) {
      this.readsWaitingCommit.push({ deadlineUs, done });
      return;
    }
    this.startRead(deadlineUs, done);
  }

  /** Follower read: the leader confirms an index with a quorum round; we wait to apply up to it. */
  private forwardRead(leader: NodeId, done: (r: ReadResult) => void): void {
    if (this.forwarded.size >= this.config.maxPendingReads || this.reads.full()) {
      done({ ok: false, error: 'timeout', leader });
      return;
    }
    const id = ++this.forwardSeq;
    const deadlineUs = this.env.now() + this.config.readTimeoutUs;
    const timer = this.env.after(this.config.readTimeoutUs, () => {
      if (this.forwarded.delete(id)) done({ ok: false, error: 'timeout', leader: this.leaderId });
    });
    this.forwarded.set(id, { deadlineUs, timer, done });
    this.send(leader, { type: 'raft.read-index', term: this.currentTerm, id } satisfies ReadIndexReq);
  }

  private onReadIndex(from: NodeId, m: ReadIndexReq): void {
    const reply = (index: number) => this.send(from, { type: 'raft.read-index.resp', term: this.currentTerm, id: m.id, index } satisfies ReadIndexResp);
    if (this.roleName !== 'leader' || this.config.readMode === 'stale') return reply(-1);
    // The leader's own barrier: it calls back once confirmed and applied here, at an index >= the
    // one recorded on arrival; that index is what the follower must apply before reading.
    this.readBarrier((r) => reply(r.ok ? r.index : -1));
  }

  private onReadIndexResp(m: ReadIndexResp): void {
    const f = this.forwarded.get(m.id);
    if (f === undefined) return;
    this.forwarded.delete(m.id);
    f.timer.cancel();
    if (m.index < 0) return f.done({ ok: false, error: 'not-leader', leader: this.leaderId });
    if (this.reads.full()) return f.done({ ok: false, error: 'timeout', leader: this.leaderId });
    this.reads.addConfirmed(m.index, f.deadlineUs, f.done);
    this.reads.applied(this.applied);
    // Followers have no heartbeat tick to expire reads: a timer does (a partitioned follower may not apply).
    this.env.after(Math.max(0, f.deadlineUs - this.env.now()), () => this.reads.expire(this.env.now(), this.leaderId));
  }

  private startRead(deadlineUs: Micros, done: (r: ReadResult) => void): void {
    if (this.config.readMode === 'lease' && this.leaseValid()) {
      this.reads.addConfirmed(this.commit, deadlineUs, done);
      this.reads.applied(this.applied);
      return;
    }
    this.reads.add(this.round + 1, this.commit, deadlineUs, done);
    this.scheduleRound();
  }

  /** The lease holds while our clock is before its end and has not been stepped back since it was granted. */
  private leaseValid(): boolean {
    const now = this.env.now();
    if (now < this.leaseClockUs) this.leaseUntilUs = 0; // stepped back: the lease's start is no longer comparable
    this.leaseClockUs = now;
    return now < this.leaseUntilUs;
  }

  isLeader(): boolean {
    return this.roleName === 'leader';
  }
  leader(): NodeId | undefined {
    return this.leaderId;
  }
  role(): RaftRole {
    return this.roleName;
  }
  term(): number {
    return this.currentTerm;
  }
  commitIndex(): number {
    return this.commit;
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
    for (const [id, pr] of this.progress) {
      peers.push({ id, voter: isVoter(m, id), state: pr.state, match: pr.match, next: pr.next, inflight: pr.inflightCount() });
    }
    return {
      id: this.self,
      role: this.roleName,
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
    const m = this.configs.current();
    if (isMember(m, id)) return done({ ok: false, error: 'rejected', reason: `${id} is already a member` });
    this.changeMembership(makeMembership(m.voters, [...m.learners, id], m.promoting), done);
  }

  /**
   * Adds `id` as a learner that the leader promotes to voter once it caught up (within
   * promoteMaxLagEntries of the commit index). `done` runs when the learner entry is applied;
   * watch membership() (or the 'raft.config' trace) for the promotion.
   */
  addServer(id: NodeId, done: (r: ChangeResult) => void): void {
    const m = this.configs.current();
    if (isMember(m, id)) return done({ ok: false, error: 'rejected', reason: `${id} is already a member` });
    this.changeMembership(makeMembership(m.voters, [...m.learners, id], [...m.promoting, id]), done);
  }

  /** Turns learner `id` into a voter now. */
  promote(id: NodeId, done: (r: ChangeResult) => void): void {
    const m = this.configs.current();
    if (!isLearner(m, id)) return done({ ok: false, error: 'rejected', reason: `${id} is not a learner` });
    this.changeMembership(
      makeMembership([...m.voters, id], m.learners.filter((l) => l !== id), m.promoting.filter((l) => l !== id)),
      done,
    );
  }

  /** Removes `id` (voter or learner). A leader that removes itself steps down once the change commits. */
  removeServer(id: NodeId, done: (r: ChangeResult) => void): void {
    const m = this.configs.current();
    if (!isMember(m, id)) return done({ ok: false, error: 'rejected', reason: `${id} is not a member` });
    const next = makeMembership(m.voters.filter((v) => v !== id), m.learners.filter((l) => l !== id), m.promoting.filter((l) => l !== id));
    if (next.voters.length === 0) return done({ ok: false, error: 'rejected', reason: 'cannot remove the last voter' });
    this.changeMembership(next, done);
  }

  /**
   * Proposes a new membership differing from the current one in at most one voter. Refused until
   * the previous change and an entry of this leader's term are committed (the single-server fix).
   */
  changeMembership(next: Membership, done: (r: ChangeResult) => void): void {
    if (this.roleName !== 'leader') return done({ ok: false, error: 'not-leader', leader: this.leaderId });
    if (this.transfer !== undefined) return done({ ok: false, error: 'rejected', reason: 'leadership transfer in progress' });
    if (this.commit < this.pendingConfigIndex) {
      return done({ ok: false, error: 'rejected', reason: 'a membership change (or this term\'s first entry) is not committed yet' });
    }
    if (!validMembership(next)) return done({ ok: false, error: 'rejected', reason: 'malformed membership' });
    if (votingDiff(this.configs.current(), next).length > 1) {
      return done({ ok: false, error: 'rejected', reason: 'only one voter may change at a time' });
    }
    const entry: Entry = { index: this.log.last() + 1, term: this.currentTerm, kind: 'config', membership: next };
    this.appendLocal(entry);
    this.pending.set(entry.index, { term: entry.term, done: done as (r: ProposeResult<unknown>) => void });
    this.scheduleFlush();
  }

  /** Hands leadership to voter `to` (dissertation §3.10): catch it up, then TimeoutNow. */
  transferLeadership(to: NodeId, done: (r: TransferResult) => void): void {
    if (this.roleName !== 'leader') return done({ ok: false, reason: 'not leader' });
    if (to === this.self) return done({ ok: true });
    if (this.transfer !== undefined) return done({ ok: false, reason: 'a transfer is in progress' });
    if (!isVoter(this.configs.current(), to)) return done({ ok: false, reason: `${to} is not a voter` });
    const timer = this.env.after(this.config.transferTimeoutUs, () => {
      const t = this.transfer;
      if (t === undefined) return;
      this.transfer = undefined;
      this.env.trace('raft.transfer.abort', { to: t.to, term: this.currentTerm });
      t.done({ ok: false, reason: 'timeout' });
    });
    this.transfer = { to, timer, done };
    this.env.trace('raft.transfer', { to, term: this.currentTerm });
    this.maybeSendTimeoutNow();
    this.sendAppend(to);
  }

  private maybeSendTimeoutNow(): void {
    const t = this.transfer;
    if (t === undefined) return;
    const pr = this.progress.get(t.to);
    if (pr !== undefined && pr.match === this.log.last()) this.send(t.to, { type: 'raft.timeout-now', term: this.currentTerm } satisfies TimeoutNow);
  }

  // ---------------------------------------------------------------- roles

  private setRole(role: RaftRole, leader: NodeId | undefined): void {
    const changed = role !== this.roleName || leader !== this.leaderId;
    this.roleName = role;
    this.leaderId = leader;
    if (changed) this.emitRole();
  }

  private emitRole(): void {
    this.env.trace('raft.role', { role: this.roleName, term: this.currentTerm, leader: this.leaderId ?? null });
    for (const o of this.observers) o.onRole?.(this.roleName, this.currentTerm, this.leaderId);
    for (const l of this.roleListeners) l(this.roleName, this.currentTerm, this.leaderId);
  }

  private followerRole(): RaftRole {
    return isLearner(this.configs.current(), this.self) ? 'learner' : 'follower';
  }

  private persistHardState(): void {
    assert(this.votedFor === undefined || this.currentTerm > 0, 'no vote in term 0');
    if (this.config.unsafeTestOnlySkipVotePersist) return;
    this.env.storage.save(HS_KEY, { term: this.currentTerm, vote: this.votedFor ?? null } satisfies HardState);
    this.env.storage.sync();
  }

  private becomeFollower(term: number, leader: NodeId | undefined): void {
    assert(term >= this.currentTerm, () => `term goes back: ${term} < ${this.currentTerm}`);
    const wasLeader = this.roleName === 'leader';
    const termChanged = term > this.currentTerm;
    if (termChanged) {
      this.currentTerm = term;
      this.votedFor = undefined;
      this.persistHardState();
    }
    const notify = wasLeader ? this.stepDownCleanup(leader) : undefined;
    this.votes.clear();
    const role = this.followerRole();
    if (termChanged && role === this.roleName && leader === this.leaderId) this.emitRole();
    else this.setRole(role, leader);
    // See RaftConfig.resetTimerOnStepDown: etcd restarts the timer here, LogCabin (the paper's) only
    // when it is not running.
    if (this.config.resetTimerOnStepDown || wasLeader || leader !== undefined || this.electionTimer === undefined) {
      this.resetElectionTimer();
    }
    // Callers hear of the lost leadership only now that we are a follower: a callback that
    // proposes again must be told not-leader, not append an entry of the old term.
    notify?.();
  }

  /**
   * What a leader drops when it stops leading. Returns the notifications of waiting callers,
   * to be run once the role has changed (their callbacks may call back into this node).
   */
  private stepDownCleanup(newLeader: NodeId | undefined): () => void {
    this.stopLeaderTimers();
    this.progress.clear();
    const pending = [...this.pending.values()];
    this.pending.clear();
    const waiting = this.readsWaitingCommit;
    this.readsWaitingCommit = [];
    this.leaseUntilUs = 0;
    const t = this.transfer;
    this.transfer = undefined;
    t?.timer.cancel();
    return () => {
      for (const p of pending) p.done({ ok: false, error: 'unknown-outcome', leader: newLeader });
      this.reads.failAll(newLeader);
      for (const r of waiting) r.done({ ok: false, error: 'not-leader', leader: newLeader });
      t?.done({ ok: true });
    };
  }

  private canCampaign(): boolean {
    return isVoter(this.configs.current(), this.self);
  }

  private becomePreCandidate(): void {
    assert(this.roleName !== 'leader', 'leader does not pre-campaign');
    this.votes.clear();
    this.setRole('pre-candidate', undefined);
    this.resetElectionTimer();
    this.env.trace('raft.campaign', { term: this.currentTerm + 1, pre: true });
    this.votes.set(this.self, true);
    if (this.tallyWon()) return this.becomeCandidate(false);
    const req: PreVoteReq = { type: 'raft.prevote', term: this.currentTerm + 1, lastIndex: this.log.last(), lastTerm: this.log.lastTerm() };
    for (const v of this.configs.current().voters) if (v !== this.self) this.send(v, req);
  }

  private becomeCandidate(transfer: boolean): void {
    assert(this.roleName !== 'leader', 'leader does not campaign');
    this.currentTerm += 1;
    this.votedFor = this.self;
    this.persistHardState();
    this.votes.clear();
    this.roleName = 'candidate';
    this.leaderId = undefined;
    this.emitRole();
    this.resetElectionTimer();
    this.env.trace('raft.campaign', { term: this.currentTerm, pre: false });
    this.votes.set(this.self, true);
    if (this.tallyWon()) return this.becomeLeader();
    const req: VoteReq = { type: 'raft.vote', term: this.currentTerm, lastIndex: this.log.last(), lastTerm: this.log.lastTerm(), transfer };
    for (const v of this.configs.current().voters) if (v !== this.self) this.send(v, req);
  }

  private tallyWon(): boolean {
    const m = this.configs.current();
    let granted = 0;
    for (const v of m.voters) if (this.votes.get(v) === true) granted++;
    return granted >= quorumSize(m);
  }

  private tallyLost(): boolean {
    const m = this.configs.current();
    let rejected = 0;
    for (const v of m.voters) if (this.votes.get(v) === false) rejected++;
    return rejected > m.voters.length - quorumSize(m);
  }

  private becomeLeader(): void {
    assert(this.roleName === 'candidate', 'only a candidate becomes leader');
    assert(this.votedFor === this.self, 'a leader voted for itself');
    assert(this.commit <= this.log.last(), 'a new leader holds everything it knows committed');
    this.electionTimer?.cancel();
    this.electionTimer = undefined;
    this.roleName = 'leader';
    this.leaderId = this.self;
    this.votes.clear();
    this.progress.clear();
    this.round = 0;
    this.confirmedRound = 0;
    this.roundSentAt.clear();
    this.sentCommit.clear();
    this.leaseUntilUs = 0;
    const now = this.env.now();
    for (const p of peersOf(this.configs.current(), this.self)) {
      this.progress.set(p, new Progress(this.log.last(), now, this.config.maxInflightAppends));
    }
    if (!this.config.unsafeTestOnlyNoElectionNoop) {
      this.appendLocal({ index: this.log.last() + 1, term: this.currentTerm, kind: 'noop' });
    }
    if (this.configs.currentIndex() === 0) {
      // The bootstrap membership so far lives only in the servers' own configs. Log it, as
      // hashicorp/raft's BootstrapCluster makes it entry 1: a server that joins later (started
      // with no voters) learns the membership from the log, as it must to vote and campaign.
      this.appendLocal({ index: this.log.last() + 1, term: this.currentTerm, kind: 'config', membership: this.configs.current() });
    }
    // Reads and membership changes wait until this term's first entry commits (dissertation §6.4, and
    // the single-server membership fix: a new leader first commits an entry of its own term).
    this.termStartIndex = this.log.last();
    this.pendingConfigIndex = this.log.last();
    this.emitRole();
    this.env.trace('raft.elected', { term: this.currentTerm, last: this.log.last() });
    this.heartbeatTimer = this.env.after(this.config.heartbeatIntervalUs, () => this.onHeartbeatTick());
    this.quorumTimer = this.env.after(this.config.electionTimeoutMinUs, () => this.onQuorumCheck());
    this.scheduleFlush();
  }

  private stopLeaderTimers(): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = undefined;
    this.quorumTimer?.cancel();
    this.quorumTimer = undefined;
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
      if (this.stopped || this.roleName === 'leader') return;
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

  private onHeartbeatTick(): void {
    this.heartbeatTimer = undefined;
    if (this.roleName !== 'leader') return;
    this.heartbeatTimer = this.env.after(this.config.heartbeatIntervalUs, () => this.onHeartbeatTick());
    this.broadcastHeartbeat();
    const now = this.env.now();
    this.reads.expire(now, this.leaderId);
    this.expireWaitingReads(now);
    this.maybePromote();
  }

  private expireWaitingReads(now: Micros): void {
    if (this.readsWaitingCommit.length === 0) return;
    const expired = this.readsWaitingCommit.filter((r) => r.deadlineUs <= now);
    this.readsWaitingCommit = this.readsWaitingCommit.filter((r) => r.deadlineUs > now);
    for (const r of expired) r.done({ ok: false, error: 'timeout', leader: this.leaderId });
  }

  /** CheckQuorum (etcd): a leader that heard from no quorum during an election timeout steps down. */
  private onQuorumCheck(): void {
    this.quorumTimer = undefined;
    if (this.roleName !== 'leader') return;
    this.quorumTimer = this.env.after(this.config.electionTimeoutMinUs, () => this.onQuorumCheck());
    if (!this.config.checkQuorum) return;
    const m = this.configs.current();
    let active = 0;
    for (const v of m.voters) {
      if (v === this.self) active++;
      else if (this.progress.get(v)?.recentActive) active++;
    }
    for (const pr of this.progress.values()) pr.recentActive = false;
    if (active < quorumSize(m)) {
      this.env.trace('raft.stepdown', { term: this.currentTerm, reason: 'check-quorum', active });
      this.becomeFollower(this.currentTerm, undefined);
    }
  }

  // ---------------------------------------------------------------- sending

  private send(to: NodeId, msg: RaftMessage): void {
    this.env.send(to, msg, { reliable: true });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.env.after(0, () => {
      this.flushScheduled = false;
      if (this.stopped || this.roleName !== 'leader') return;
      // Entries appended since the last flush are made durable together (group commit), then sent.
      this.log.sync();
      this.maybeCommit();
      for (const p of this.progress.keys()) this.sendAppend(p);
    });
  }

  private noteSentCommit(peer: NodeId, commit: number): void {
    if (commit > (this.sentCommit.get(peer) ?? 0)) this.sentCommit.set(peer, commit);
  }

  private scheduleRound(): void {
    if (this.roundScheduled) return;
    this.roundScheduled = true;
    this.env.after(0, () => {
      this.roundScheduled = false;
      if (this.stopped || this.roleName !== 'leader') return;
      this.broadcastHeartbeat();
    });
  }

  private broadcastHeartbeat(): void {
    this.round += 1;
    this.roundSentAt.set(this.round, this.env.now());
    this.roundSentAt.delete(this.round - MAX_ROUNDS_KEPT);
    for (const [p, pr] of this.progress) {
      const hb: HeartbeatReq = { type: 'raft.heartbeat', term: this.currentTerm, commit: Math.min(pr.match, this.commit), round: this.round };
      this.noteSentCommit(p, hb.commit);
      this.send(p, hb);
    }
    this.confirmRounds();
  }

  /** Sends what `peer` is missing, as far as the pipeline allows. */
  private sendAppend(peer: NodeId): void {
    const pr = this.progress.get(peer);
    if (pr === undefined) return;
    for (let k = 0; k < this.config.maxInflightAppends && !pr.paused(); k++) {
      const prevIndex = pr.next - 1;
      assert(prevIndex >= pr.match && prevIndex <= this.log.last(), () => `${peer}: next ${pr.next} outside (match ${pr.match}, last ${this.log.last()}]`);
      const prevTerm = this.log.term(prevIndex);
      if (prevTerm === undefined) {
        this.startSnapshot(peer, pr);
        return;
      }
      const entries = this.log.slice(pr.next, this.log.last() + 1, this.config.maxEntriesPerAppend);
      // Probes go out even when empty (they find the match point); in replicate, nothing new: stop.
      if (entries.length === 0 && pr.state === 'replicate') return;
      const req: AppendReq = { type: 'raft.append', term: this.currentTerm, prevIndex, prevTerm, entries, commit: this.commit };
      this.noteSentCommit(peer, Math.min(this.commit, prevIndex + entries.length));
      // Stall detection measures from the later of the last ack and the moment the pipeline filled.
      if (pr.inflightCount() === 0) pr.lastHeardUs = this.env.now();
      this.send(peer, req);
      pr.sent(prevIndex + entries.length);
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
    const s = this.snap!;
    if (pr.snapIndex !== s.index) {
      // A newer snapshot replaced the one being sent: start over with it.
      pr.snapIndex = s.index;
      pr.snapOffset = 0;
    }
    const data = s.data.slice(pr.snapOffset, pr.snapOffset + this.config.snapshotChunkChars);
    const done = pr.snapOffset + data.length >= s.data.length;
    const req: SnapshotReq = {
      type: 'raft.snapshot',
      term: this.currentTerm,
      index: s.index,
      snapTerm: s.term,
      membership: s.membership,
      offset: pr.snapOffset,
      data,
      done,
    };
    this.send(peer, req);
  }

  // ---------------------------------------------------------------- receiving

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
    } else if (m.term < this.currentTerm) {
      if (m.type === 'raft.append' || m.type === 'raft.heartbeat' || m.type === 'raft.snapshot') {
        // Tell a stale leader about the newer term so it steps down.
        this.send(from, { type: 'raft.append.resp', term: this.currentTerm, success: false, matchIndex: 0, rejectIndex: -1, conflictTerm: 0, conflictIndex: 0 } satisfies AppendResp);
      } else if (m.type === 'raft.prevote') {
        this.send(from, { type: 'raft.prevote.resp', term: this.currentTerm, granted: false } satisfies PreVoteResp);
      }
      return;
    }
    switch (m.type) {
      case 'raft.prevote':
      case 'raft.vote':
        return this.onVoteRequest(from, m);
      case 'raft.prevote.resp':
        return this.onPreVoteResp(from, m);
      case 'raft.vote.resp':
        return this.onVoteResp(from, m);
      case 'raft.append':
        return this.onAppend(from, m);
      case 'raft.append.resp':
        return this.onAppendResp(from, m);
      case 'raft.heartbeat':
        return this.onHeartbeat(from, m);
      case 'raft.heartbeat.resp':
        return this.onHeartbeatResp(from, m);
      case 'raft.snapshot':
        return this.onSnapshot(from, m);
      case 'raft.snapshot.resp':
        return this.onSnapshotResp(from, m);
      case 'raft.read-index':
        return this.onReadIndex(from, m);
      case 'raft.read-index.resp':
        return this.onReadIndexResp(m);
      case 'raft.timeout-now':
        return this.onTimeoutNow(from, m);
    }
  }

  private inLease(): boolean {
    return (
      this.config.checkQuorum &&
      this.leaderId !== undefined &&
      (this.roleName === 'leader' || this.env.now() - this.lastLeaderContactUs < this.config.electionTimeoutMinUs)
    );
  }

  private onVoteRequest(from: NodeId, m: PreVoteReq | VoteReq): void {
    const pre = m.type === 'raft.prevote';
    const canVote =
      this.votedFor === from ||
      (this.votedFor === undefined && this.leaderId === undefined) ||
      (pre && m.term > this.currentTerm);
    const lastTerm = this.log.lastTerm();
    const upToDate = m.lastTerm > lastTerm || (m.lastTerm === lastTerm && m.lastIndex >= this.log.last());
    const grant = canVote && upToDate;
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
    this.send(from, { type: 'raft.vote.resp', term: this.currentTerm, granted: grant } satisfies VoteResp);
  }

  private onPreVoteResp(from: NodeId, m: PreVoteResp): void {
    if (this.roleName !== 'pre-candidate') return;
    if (m.granted && m.term !== this.currentTerm + 1) return;
    this.votes.set(from, m.granted);
    if (this.tallyWon()) this.becomeCandidate(false);
    else if (this.tallyLost()) this.becomeFollower(this.currentTerm, undefined);
  }

  private onVoteResp(from: NodeId, m: VoteResp): void {
    if (this.roleName !== 'candidate' || m.term !== this.currentTerm) return;
    this.votes.set(from, m.granted);
    if (this.tallyWon()) this.becomeLeader();
    else if (this.tallyLost()) this.becomeFollower(this.currentTerm, undefined);
  }

  /** Any valid message from the current term's leader. */
  private heardFromLeader(from: NodeId): void {
    assert(!(this.roleName === 'leader' && from !== this.self), () => `two leaders in term ${this.currentTerm}: ${this.self} and ${from}`);
    if (this.roleName !== 'follower' && this.roleName !== 'learner') this.becomeFollower(this.currentTerm, from);
    else if (this.leaderId !== from) {
      assert(this.leaderId === undefined, () => `two leaders in term ${this.currentTerm}: ${this.leaderId} and ${from}`);
      this.setRole(this.roleName, from);
    }
    this.lastLeaderContactUs = this.env.now();
    this.resetElectionTimer();
  }

  private onAppend(from: NodeId, m: AppendReq): void {
    this.heardFromLeader(from);
    let prevIndex = m.prevIndex;
    let prevTerm = m.prevTerm;
    let entries = m.entries;
    if (prevIndex < this.commit) {
      // Everything up to our commit index is known to match the leader's log: skip it.
      const skip = Math.min(entries.length, this.commit - prevIndex);
      entries = entries.slice(skip);
      if (entries.length === 0) {
        this.respondAppend(from, true, this.commit);
        return;
      }
      prevIndex = entries[0]!.index - 1;
      prevTerm = this.log.term(prevIndex)!;
      assert(prevTerm !== undefined, 'term of a committed index is known');
    }
    const localPrevTerm = this.log.term(prevIndex);
    if (localPrevTerm === undefined) {
      this.send(from, { type: 'raft.append.resp', term: this.currentTerm, success: false, matchIndex: 0, rejectIndex: m.prevIndex, conflictTerm: 0, conflictIndex: this.log.last() + 1 } satisfies AppendResp);
      return;
    }
    if (localPrevTerm !== prevTerm) {
      const first = Math.max(this.commit + 1, this.log.firstIndexOfTerm(prevIndex, MAX_HINT_SCAN));
      this.send(from, { type: 'raft.append.resp', term: this.currentTerm, success: false, matchIndex: 0, rejectIndex: m.prevIndex, conflictTerm: localPrevTerm, conflictIndex: first } satisfies AppendResp);
      return;
    }
    // Append what is new; truncate at the first conflict (paper Figure 2, AppendEntries rule 3).
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      assert(e.index === prevIndex + 1 + k && e.term <= m.term, 'append entries are consecutive and not from the future');
      const t = this.log.term(e.index);
      if (t === e.term) continue;
      if (t !== undefined) {
        this.log.truncateFrom(e.index, this.commit);
        this.configs.truncatedFrom(e.index);
      }
      const rest = entries.slice(k);
      this.log.append(rest);
      for (const r of rest) if (r.kind === 'config') this.configs.added(r.index, r.membership);
      break;
    }
    if (!this.config.unsafeTestOnlyAckBeforeSync) this.log.sync();
    this.refreshFollowerRole();
    const lastNew = prevIndex + entries.length;
    this.advanceCommit(Math.min(m.commit, lastNew));
    this.respondAppend(from, true, lastNew);
  }

  private respondAppend(to: NodeId, success: boolean, matchIndex: number): void {
    this.send(to, { type: 'raft.append.resp', term: this.currentTerm, success, matchIndex, rejectIndex: 0, conflictTerm: 0, conflictIndex: 0 } satisfies AppendResp);
  }

  /** A membership change in the log may make us a learner or a voter. */
  private refreshFollowerRole(): void {
    if (this.roleName !== 'follower' && this.roleName !== 'learner') return;
    const r = this.followerRole();
    if (r !== this.roleName) this.setRole(r, this.leaderId);
  }

  private onAppendResp(from: NodeId, m: AppendResp): void {
    if (this.roleName !== 'leader') return;
    const pr = this.progress.get(from);
    if (pr === undefined) return;
    pr.lastHeardUs = this.env.now();
    pr.recentActive = true;
    if (m.success) {
      assert(m.matchIndex <= this.log.last(), () => `${from} acked ${m.matchIndex} beyond leader last ${this.log.last()}`);
      const advanced = pr.acked(m.matchIndex);
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.snapIndex) pr.becomeProbe();
      const commitBefore = this.commit;
      if (advanced) {
        this.maybeCommit();
        this.maybeSendTimeoutNow();
        this.maybePromote();
      }
      this.sendAppend(from);
      // Entries this follower just acked were committed already (the others made the quorum
      // and the round announcing it capped this follower at its old match), and no append
      // carries the news: tell it now rather than at the next heartbeat (etcd's
      // Progress.CanBumpCommit), as its clients' tree writes and reads wait for it to apply.
      // A commit that moved just now is announced by the round maybeCommit scheduled.
      if (advanced && this.commit === commitBefore) {
        const known = Math.min(pr.match, this.commit);
        if (known > (this.sentCommit.get(from) ?? 0)) {
          this.noteSentCommit(from, known);
          this.send(from, { type: 'raft.heartbeat', term: this.currentTerm, commit: known, round: this.round } satisfies HeartbeatReq);
        }
      }
      return;
    }
    if (m.rejectIndex < 0) return; // a higher-term notice, handled in receive()
    let nextGuess = m.conflictIndex;
    if (m.conflictTerm > 0) {
      const idx = this.log.lastIndexOfTerm(m.conflictTerm, m.rejectIndex);
      if (idx !== undefined) nextGuess = idx + 1;
    }
    if (pr.rejected(m.rejectIndex, nextGuess)) this.sendAppend(from);
  }

  private onHeartbeat(from: NodeId, m: HeartbeatReq): void {
    this.heardFromLeader(from);
    // m.commit <= our match as the leader knows it, so our log agrees up to there.
    this.advanceCommit(Math.min(m.commit, this.log.last()));
    this.send(from, { type: 'raft.heartbeat.resp', term: this.currentTerm, round: m.round } satisfies HeartbeatResp);
  }

  private onHeartbeatResp(from: NodeId, m: HeartbeatResp): void {
    if (this.roleName !== 'leader') return;
    const pr = this.progress.get(from);
    if (pr === undefined) return;
    const now = this.env.now();
    pr.recentActive = true;
    if (m.round > pr.ackedRound) pr.ackedRound = m.round;
    this.confirmRounds();
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
    if (pr.match < this.log.last()) this.sendAppend(from);
  }

  private confirmRounds(): void {
    const m = this.configs.current();
    const q = quorumValue(m, (id) => (id === this.self ? this.round : (this.progress.get(id)?.ackedRound ?? 0)));
    if (q <= this.confirmedRound) return;
    this.confirmedRound = q;
    const sentAt = this.roundSentAt.get(q);
    if (sentAt !== undefined) {
      // Lease (dissertation §6.4.1): no voter that acked round q grants a vote to anyone else until an
      // election timeout after it heard us, measured on clocks that may run (1 ± drift) fast.
      const lease = sentAt + Math.floor(this.config.electionTimeoutMinUs * (1 - this.config.maxClockDriftRatio));
      const now = this.env.now();
      if (now < this.leaseClockUs) this.leaseUntilUs = 0;
      this.leaseClockUs = now;
      if (lease > this.leaseUntilUs && sentAt <= now) this.leaseUntilUs = lease;
    }
    this.reads.confirm(q);
    this.reads.applied(this.applied);
  }

  private onSnapshot(from: NodeId, m: SnapshotReq): void {
    this.heardFromLeader(from);
    const resp = (nextOffset: number, done: boolean) =>
      this.send(from, { type: 'raft.snapshot.resp', term: this.currentTerm, index: m.index, nextOffset, done } satisfies SnapshotResp);
    if (m.index <= this.commit) return resp(0, true);
    const r = this.receiver.accept(m.index, m.snapTerm, m.offset, m.data, m.done);
    if ('next' in r) return resp(r.next, false);
    this.installSnapshot({ index: m.index, term: m.snapTerm, membership: m.membership, data: r.data });
    resp(0, true);
  }

  private installSnapshot(s: StoredSnapshot): void {
    assert(s.index > this.commit, 'installed snapshots are ahead of us');
    const payload = decodePayload(s.data);
    saveSnapshot(this.env.storage, s); // durable before the log behind it goes
    if (this.log.term(s.index) === s.term) {
      // Our log agrees at the snapshot point: keep what follows it.
      this.log.compactTo(s.index);
      this.configs.compactedTo(s.index, s.membership);
    } else {
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

  private onSnapshotResp(from: NodeId, m: SnapshotResp): void {
    if (this.roleName !== 'leader') return;
    const pr = this.progress.get(from);
    if (pr === undefined) return;
    pr.lastHeardUs = this.env.now();
    pr.recentActive = true;
    if (pr.state !== 'snapshot' || m.index !== pr.snapIndex) return;
    if (m.done) {
      pr.acked(m.index);
      pr.becomeProbe();
      this.maybeCommit();
      this.sendAppend(from);
      return;
    }
    pr.snapOffset = m.nextOffset < 0 ? 0 : m.nextOffset;
    this.sendSnapshotChunk(from, pr);
  }

  private onTimeoutNow(from: NodeId, m: TimeoutNow): void {
    if (this.roleName === 'leader' || !this.canCampaign()) return;
    this.env.trace('raft.timeout-now', { from, term: m.term });
    this.becomeCandidate(true);
  }

  // ---------------------------------------------------------------- log, commit, apply

  private appendLocal(e: Entry): void {
    assert(this.roleName === 'leader', 'only the leader appends new entries');
    assert(e.term === this.currentTerm && e.index === this.log.last() + 1, 'leader appends at the end in its term');
    this.log.append([e]);
    if (e.kind === 'config') {
      this.configs.added(e.index, e.membership);
      this.pendingConfigIndex = e.index;
      this.env.trace('raft.config', { index: e.index, committed: false, members: describeMembership(e.membership) });
      this.syncProgressWithMembership();
    }
  }

  /** The leader replicates to exactly the current members. */
  private syncProgressWithMembership(): void {
    const peers = new Set(peersOf(this.configs.current(), this.self));
    for (const id of [...this.progress.keys()]) if (!peers.has(id)) this.progress.delete(id);
    const now = this.env.now();
    for (const id of peers) {
      if (!this.progress.has(id)) this.progress.set(id, new Progress(this.log.last(), now, this.config.maxInflightAppends));
    }
  }

  /** Leader: commit the highest index a quorum stores, if it is from this term (paper §5.4.2). */
  private maybeCommit(): void {
    const m = this.configs.current();
    const durable = this.log.durableIndex();
    const n = quorumValue(m, (id) => (id === this.self ? durable : (this.progress.get(id)?.match ?? 0)));
    if (n <= this.commit) return;
    if (this.log.term(n) !== this.currentTerm && !this.config.unsafeTestOnlyCommitOldTerms) return;
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
    if (this.roleName === 'leader' && this.commit >= this.termStartIndex && this.readsWaitingCommit.length > 0) {
      const waiting = this.readsWaitingCommit;
      this.readsWaitingCommit = [];
      for (const r of waiting) this.startRead(r.deadlineUs, r.done);
    }
    this.applyCommitted();
  }

  private applyCommitted(): void {
    assert(this.applied <= this.commit && this.commit <= this.log.last(), () => `applied ${this.applied} <= commit ${this.commit} <= last ${this.log.last()}`);
    const end = Math.min(this.commit, this.applied + this.config.maxApplyBatch);
    while (this.applied < end) this.applyEntry(this.log.entry(this.applied + 1));
    this.reads.applied(this.applied);
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
    assert(e.index === this.applied + 1 && e.index <= this.commit, 'apply in order, committed only');
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
    const p = this.pending.get(e.index);
    if (p !== undefined) {
      this.pending.delete(e.index);
      assert(p.term === e.term, () => `a leader's pending entries are its own: index ${e.index} pending from term ${p.term} but applied from term ${e.term} (now ${this.roleName}, term ${this.currentTerm})`);
      if (result === STALE_SEQUENCE) p.done({ ok: false, error: 'rejected', reason: 'stale client sequence number' });
      else p.done({ ok: true, index: e.index, term: e.term, result });
    }
    if (e.kind === 'config' && this.roleName === 'leader') this.afterConfigCommitted(e.index);
  }

  private afterConfigCommitted(index: number): void {
    if (index !== this.configs.currentIndex()) return;
    if (!isVoter(this.configs.current(), this.self)) {
      // Removed (dissertation §4.2.2): the leader managed the change without counting itself; now it goes.
      this.env.trace('raft.stepdown', { term: this.currentTerm, reason: 'removed' });
      this.becomeFollower(this.currentTerm, undefined);
      return;
    }
    this.maybePromote();
  }

  /** Leader: promote one caught-up learner marked for promotion. */
  private maybePromote(): void {
    if (this.roleName !== 'leader' || this.transfer !== undefined || this.commit < this.pendingConfigIndex) return;
    const m = this.configs.current();
    for (const id of m.promoting) {
      const pr = this.progress.get(id);
      if (pr !== undefined && pr.match > 0 && pr.match + this.config.promoteMaxLagEntries >= this.commit) {
        this.env.trace('raft.promote', { node: id, match: pr.match, commit: this.commit });
        this.promote(id, () => {});
        return;
      }
    }
  }

  private maybeSnapshot(): void {
    const since = this.applied - (this.snap?.index ?? 0);
    if (since < this.config.snapshotThresholdEntries) return;
    this.takeSnapshot();
  }

  /** Snapshots the state at the applied index and compacts the log behind it, keeping a trailing tail. */
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
    saveSnapshot(this.env.storage, s);
    this.snap = s;
    const compactTo = this.applied - this.config.snapshotTrailingEntries;
    if (compactTo > this.log.baseIndex()) {
      this.log.compactTo(compactTo);
      this.configs.compactedTo(compactTo);
    }
    this.env.trace('raft.snapshot', { index: s.index, term: s.term, installed: false });
  }
}
