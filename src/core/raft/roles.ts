/**
 * Raft roles as explicit states, after etcd-io/raft: `becomeFollower` / `becomePreCandidate` /
 * `becomeCandidate` / `becomeLeader` each install the role's step function, and an invalid
 * transition panics (etcd: "invalid transition [leader -> pre-candidate]").
 *
 * What only one role needs lives in that role's state object, created when the role is entered
 * and dropped when it is left: a new leader starts from a fresh LeaderState, so nothing of an
 * earlier leadership (progress, pending proposals, lease, read rounds, a transfer) can leak into
 * the next one.
 */
import { assert, type Micros, type NodeId, type Timer } from '../env.ts';
import type { ProposeResult, RaftRole, ReadResult } from './api.ts';
import { Lease } from './lease.ts';
import type { Progress } from './progress.ts';

/** Which role may follow which. A same-role "transition" starts the role afresh (a new term, a new campaign). */
export const LEGAL_TRANSITIONS: Readonly<Record<RaftRole, readonly RaftRole[]>> = {
  // A voter campaigns (with or without PreVote), or a membership change makes it a learner.
  follower: ['follower', 'learner', 'pre-candidate', 'candidate'],
  // A learner never campaigns; a promotion in the log makes it a follower.
  learner: ['learner', 'follower'],
  // Pre-vote won → candidate; lost or a leader heard → follower; timed out → pre-vote again.
  'pre-candidate': ['follower', 'pre-candidate', 'candidate'],
  // Won → leader; lost, a leader heard or a higher term → follower; timed out → campaign again.
  candidate: ['follower', 'pre-candidate', 'candidate', 'leader'],
  // A higher term, CheckQuorum, removal (→ follower) or demotion (→ learner); never campaigns as leader.
  leader: ['follower', 'learner'],
};

export function isLegalTransition(from: RaftRole, to: RaftRole): boolean {
  return LEGAL_TRANSITIONS[from].includes(to);
}

export class FollowerState {
  constructor(readonly name: 'follower' | 'learner') {}
}

export class CandidateState {
  /** Votes (or pre-votes) heard in this campaign, our own included. */
  readonly votes = new Map<NodeId, boolean>();
  constructor(readonly name: 'pre-candidate' | 'candidate') {}
}

export interface PendingProposal {
  readonly term: number;
  readonly done: (r: ProposeResult<unknown>) => void;
}

export interface WaitingRead {
  readonly deadlineUs: Micros;
  readonly done: (r: ReadResult) => void;
}

export interface Transfer {
  readonly to: NodeId;
  readonly timer: Timer;
  readonly done: (r: { readonly ok: true } | { readonly ok: false; readonly reason: string }) => void;
}

/** Everything only a leader has; it exists from election to step-down. */
export class LeaderState {
  readonly name = 'leader' as const;
  /** One per peer replicated to (voters and learners). */
  readonly progress = new Map<NodeId, Progress>();
  /** Proposals of this leadership waiting for their entry to apply, by index. */
  readonly pending = new Map<number, PendingProposal>();
  /** Index of this term's first entry (the no-op); reads and config changes wait for its commit. */
  termStartIndex = 0;
  /** Index of the last config entry it may not have seen committed. */
  pendingConfigIndex = 0;
  /** The caller of a joint change (replaceVoters), answered when C_new applies. */
  leaveWaiter: PendingProposal | undefined;
  /** Heartbeat rounds (ReadIndex confirmation and lease start times). */
  round = 0;
  confirmedRound = 0;
  readonly roundSentAt = new Map<number, Micros>();
  /** The highest commit index each follower can have learned from us (etcd's Progress.sentCommit). */
  readonly sentCommit = new Map<NodeId, number>();
  /** Lease reads (lease.ts): starts void with every leadership. */
  readonly lease = new Lease();
  /** Reads waiting for this term's first entry to commit (dissertation §6.4 step 1). */
  readsWaitingCommit: WaitingRead[] = [];
  transfer: Transfer | undefined;
  heartbeatTimer: Timer | undefined;
  quorumTimer: Timer | undefined;
}

export type RoleState = FollowerState | CandidateState | LeaderState;

/** The state of role `to` entered from role `from`; asserts the transition is legal. */
export function enterRole(from: RaftRole, to: RaftRole): RoleState {
  assert(isLegalTransition(from, to), () => `invalid raft role transition ${from} -> ${to}`);
  switch (to) {
    case 'follower':
    case 'learner':
      return new FollowerState(to);
    case 'pre-candidate':
    case 'candidate':
      return new CandidateState(to);
    case 'leader':
      return new LeaderState();
  }
}
