/**
 * Linearizable reads of a RaftNode (dissertation §6.4): the leader's ReadIndex barrier (wait for an
 * entry of its term to commit, record the commit index, confirm leadership with a heartbeat round
 * acked by a quorum, wait to apply), lease reads (§6.4.1), and followers' reads forwarded to the
 * leader for its read index. Stale reads answer from the local state.
 *
 * RaftNode owns the state it reads (role, commit and apply indexes, the leader state) and hands
 * this class a ReadHost; the read queues live here.
 */
import type { Env, Micros, NodeId } from '../env.ts';
import type { ReadOptions, ReadResult } from './api.ts';
import type { RaftConfig } from './config.ts';
import { ForwardedReads } from './follower-reads.ts';
import { quorumIndex, type Membership } from './membership.ts';
import type { RaftMessage, ReadIndexReq, ReadIndexResp } from './messages.ts';
import type { RaftMutation } from './mutations.ts';
import { ReadQueue } from './read-index.ts';
import type { LeaderState } from './roles.ts';

/** What the read path sees of its RaftNode. */
export interface ReadHost {
  readonly config: RaftConfig;
  readonly env: Env;
  readonly self: NodeId;
  leading(): LeaderState | undefined;
  leader(): NodeId | undefined;
  term(): number;
  commitIndex(): number;
  appliedIndex(): number;
  recovering(): boolean;
  membership(): Membership;
  send(to: NodeId, msg: RaftMessage): void;
  /** A heartbeat round soon (one per instant): it confirms the reads waiting for it. */
  scheduleRound(): void;
  /** TEST ONLY: whether a paper rule is switched off. */
  mut(m: RaftMutation): boolean;
}

export class ReadPath {
  /**
   * Read barriers waiting for a confirmed round and/or the apply index. Not leader-only: a
   * follower's forwarded reads wait here for the apply index the leader confirmed, whatever role
   * the node has by then.
   */
  private readonly reads: ReadQueue;
  /** Follower reads waiting for the leader's read index. */
  private readonly forwarded = new ForwardedReads();

  constructor(private readonly h: ReadHost) {
    this.reads = new ReadQueue(h.config.maxPendingReads);
  }

  barrier(done: (r: ReadResult) => void, opts?: ReadOptions): void {
    const h = this.h;
    const mode = h.config.readMode;
    if (mode === 'stale') {
      // A node repairing lost entries may not even hold what it served before (recovery.ts).
      if (h.recovering()) done({ ok: false, error: 'not-leader', leader: h.leader() });
      else done({ ok: true, index: h.appliedIndex() });
      return;
    }
    const ls = h.leading();
    if (ls === undefined) {
      const leader = h.leader();
      if (h.config.followerReads && leader !== undefined) return this.forwardRead(leader, done);
      done({ ok: false, error: 'not-leader', leader });
      return;
    }
    if (this.reads.full() || ls.readsWaitingCommit.length >= h.config.maxPendingReads) {
      done({ ok: false, error: 'timeout', leader: h.leader() });
      return;
    }
    const deadlineUs = h.env.now() + h.config.readTimeoutUs;
    // The leader's commit index is only known to be the cluster's once an entry of its term committed
    // (dissertation §6.4 step 1): until then, wait.
    if (h.commitIndex() < ls.termStartIndex && !h.mut('readBeforeTermCommit')) {
      ls.readsWaitingCommit.push({ deadlineUs, done });
      return;
    }
    this.startRead(ls, deadlineUs, done, opts?.lease === true);
  }

  /** Follower read: the leader confirms an index with a quorum round; we wait to apply up to it. */
  private forwardRead(leader: NodeId, done: (r: ReadResult) => void): void {
    const h = this.h;
    if (this.forwarded.size >= h.config.maxPendingReads || this.reads.full()) {
      done({ ok: false, error: 'timeout', leader });
      return;
    }
    const id = this.forwarded.add(
      h.env.now(),
      h.config.readTimeoutUs,
      (delay, fn) => h.env.after(delay, fn),
      done,
      (d) => d({ ok: false, error: 'timeout', leader: h.leader() }),
    );
    h.send(leader, { type: 'raft.read-index', term: h.term(), id } satisfies ReadIndexReq);
  }

  /** Leader: a follower's read. */
  onReadIndex(from: NodeId, m: ReadIndexReq): void {
    if (this.h.config.readMode === 'stale') return this.replyReadIndex(from, m, -1);
    // The leader's own barrier: it calls back once confirmed and applied here, at an index >= the
    // one recorded on arrival; that index is what the follower must apply before reading.
    this.barrier((r) => this.replyReadIndex(from, m, r.ok ? r.index : -1));
  }

  /** index -1: not confirmed (not the leader, or the barrier failed). */
  replyReadIndex(to: NodeId, m: ReadIndexReq, index: number): void {
    this.h.send(to, { type: 'raft.read-index.resp', term: this.h.term(), id: m.id, index } satisfies ReadIndexResp);
  }

  onReadIndexResp(m: ReadIndexResp): void {
    const h = this.h;
    const f = this.forwarded.take(m.id);
    if (f === undefined) return;
    if (m.index < 0) return f.done({ ok: false, error: 'not-leader', leader: h.leader() });
    if (this.reads.full()) return f.done({ ok: false, error: 'timeout', leader: h.leader() });
    this.reads.addConfirmed(m.index, f.deadlineUs, f.done);
    this.reads.applied(h.appliedIndex());
    // Followers have no heartbeat tick to expire reads: a timer does (a partitioned follower may not apply).
    h.env.after(Math.max(0, f.deadlineUs - h.env.now()), () => this.reads.expire(h.env.now(), h.leader()));
  }

  private startRead(ls: LeaderState, deadlineUs: Micros, done: (r: ReadResult) => void, lease = false): void {
    const h = this.h;
    // A per-read lease needs checkQuorum as lease mode does (followers refuse votes within a lease).
    if ((h.config.readMode === 'lease' || (lease && h.config.checkQuorum)) && ls.lease.valid(h.env.now())) {
      this.reads.addConfirmed(h.commitIndex(), deadlineUs, done);
      this.reads.applied(h.appliedIndex());
      return;
    }
    this.reads.add(ls.round + 1, h.commitIndex(), deadlineUs, done);
    h.scheduleRound();
  }

  /** Leader: the highest heartbeat round a quorum acked confirms the reads of that round and extends the lease. */
  confirmRounds(ls: LeaderState): void {
    const h = this.h;
    const q = quorumIndex(h.membership(), (id) => (id === h.self ? ls.round : (ls.progress.get(id)?.ackedRound ?? 0)), h.mut('jointCommitNewOnly'));
    if (q <= ls.confirmedRound) return;
    ls.confirmedRound = q;
    const sentAt = ls.roundSentAt.get(q);
    if (sentAt !== undefined) {
      // Lease (dissertation §6.4.1): no voter that acked round q grants a vote to anyone else until an
      // election timeout after it heard us, measured on clocks that may run (1 ± drift) fast.
      ls.lease.extend(sentAt, Math.floor(h.config.electionTimeoutMinUs * (1 - h.config.maxClockDriftRatio)), h.env.now());
    }
    this.reads.confirm(q);
    this.reads.applied(h.appliedIndex());
  }

  /** Leader: the commit index moved; reads that waited for this term's first entry start once it committed. */
  commitAdvanced(ls: LeaderState): void {
    if (this.h.commitIndex() < ls.termStartIndex || ls.readsWaitingCommit.length === 0) return;
    const waiting = ls.readsWaitingCommit;
    ls.readsWaitingCommit = [];
    for (const r of waiting) this.startRead(ls, r.deadlineUs, r.done);
  }

  /** The apply index moved: reads waiting for it complete. */
  applied(index: number): void {
    this.reads.applied(index);
  }

  /** Leader heartbeat tick: reads past their deadline time out. */
  expire(ls: LeaderState, now: Micros): void {
    this.reads.expire(now, this.h.leader());
    if (ls.readsWaitingCommit.length === 0) return;
    const expired = ls.readsWaitingCommit.filter((r) => r.deadlineUs <= now);
    ls.readsWaitingCommit = ls.readsWaitingCommit.filter((r) => r.deadlineUs > now);
    for (const r of expired) r.done({ ok: false, error: 'timeout', leader: this.h.leader() });
  }

  /** Leadership lost: every queued read fails (the next leader is `newLeader`, if known). */
  failAll(newLeader: NodeId | undefined): void {
    this.reads.failAll(newLeader);
  }

  /** Shutdown: queued and forwarded reads fail. */
  stop(leader: NodeId | undefined): void {
    this.reads.failAll(leader);
    for (const f of this.forwarded.takeAll()) f.done({ ok: false, error: 'not-leader', leader });
  }
}
