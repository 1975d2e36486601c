/**
 * The contract the rest of the system uses to replicate through Raft. Services above Raft
 * (the KV server, leases, sessions, the tree, the catalog, failover) depend on this file
 * only, not on Raft's internals.
 *
 * Cores never use Promises (their microtasks would run outside the simulator's event order);
 * results come back through callbacks, called from within an Env event.
 */
import type { NodeId } from '../env.ts';

export type ProposeResult<R = unknown> =
  | { readonly ok: true; readonly index: number; readonly term: number; readonly result: R }
  | { readonly ok: false; readonly error: 'not-leader'; readonly leader?: NodeId | undefined }
  /** Leadership was lost before the entry was known committed: it may or may not apply. */
  | { readonly ok: false; readonly error: 'unknown-outcome'; readonly leader?: NodeId | undefined }
  | { readonly ok: false; readonly error: 'rejected'; readonly reason: string };

/**
 * Per-read options. `lease`: a leader holding a valid lease (dissertation §6.4.1; see
 * RaftConfig.maxClockDriftRatio) answers without a quorum round, as if readMode were 'lease' —
 * what hanode's default-mode reads and the simulator's default-mode KV reads use.
 */
export interface ReadOptions {
  readonly lease?: boolean;
}

export type ReadResult =
  | { readonly ok: true; readonly index: number }
  | { readonly ok: false; readonly error: 'not-leader'; readonly leader?: NodeId | undefined }
  | { readonly ok: false; readonly error: 'timeout'; readonly leader?: NodeId | undefined };

export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader' | 'learner';

/** What a client of a Raft node may do with it. */
export interface Replicator<Cmd = unknown, R = unknown> {
  /**
   * Proposes a command. On the leader it is appended and replicated; `done` runs once the
   * entry is applied locally (with the state machine's result) or the outcome is known to
   * have failed. On a follower `done` runs at once with not-leader and a leader hint.
   * `client`/`seq` make a retried command apply at most once (the state machine sees the
   * first application's result again).
   */
  propose(command: Cmd, done: (r: ProposeResult<R>) => void, dedup?: { client: string; seq: number }): void;
  /**
   * Linearizable read barrier (ReadIndex by default): `done` runs when the local state
   * machine has applied everything committed at the time of the call, confirmed by a
   * heartbeat round of a quorum. Read the state machine inside `done`.
   */
  readBarrier(done: (r: ReadResult) => void, opts?: ReadOptions): void;
  isLeader(): boolean;
  leader(): NodeId | undefined;
  role(): RaftRole;
  term(): number;
  commitIndex(): number;
  appliedIndex(): number;
  /** Called on every role change (including a new term as follower). */
  onRoleChange(listener: (role: RaftRole, term: number, leader: NodeId | undefined) => void): void;
}
