/**
 * Raft messages: plain msgpack-serialisable objects with a `type` discriminant. They travel on the
 * reliable (stream) channel, as Raft over TCP does in hanode.
 */
import type { Entry } from './entry.ts';
import type { Membership } from './membership.ts';

/** Pre-vote (dissertation §9.6): `term` is the term the sender would campaign in; nobody's term changes. */
export interface PreVoteReq { readonly type: 'raft.prevote'; readonly term: number; readonly lastIndex: number; readonly lastTerm: number }
export interface PreVoteResp { readonly type: 'raft.prevote.resp'; readonly term: number; readonly granted: boolean }

export interface VoteReq {
  readonly type: 'raft.vote';
  readonly term: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Sent after a TimeoutNow: voters ignore their leader lease (dissertation §3.10). */
  readonly transfer: boolean;
}
export interface VoteResp { readonly type: 'raft.vote.resp'; readonly term: number; readonly granted: boolean }

export interface AppendReq {
  readonly type: 'raft.append';
  readonly term: number;
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}
export interface AppendResp {
  readonly type: 'raft.append.resp';
  readonly term: number;
  readonly success: boolean;
  /** On success: the follower's log matches the leader's up to here. */
  readonly matchIndex: number;
  /** On failure: the prevIndex that was rejected (lets the leader drop stale rejections). */
  readonly rejectIndex: number;
  /** Fast backtracking hints (dissertation §5.3 / etcd): term at rejectIndex (0 if none) and its first index. */
  readonly conflictTerm: number;
  readonly conflictIndex: number;
}

/** Leader liveness and ReadIndex rounds. `commit` ≤ the follower's known match, so it is safe to adopt. */
export interface HeartbeatReq { readonly type: 'raft.heartbeat'; readonly term: number; readonly commit: number; readonly round: number }
export interface HeartbeatResp { readonly type: 'raft.heartbeat.resp'; readonly term: number; readonly round: number }

/** One chunk of InstallSnapshot (paper Figure 13). */
export interface SnapshotReq {
  readonly type: 'raft.snapshot';
  readonly term: number;
  readonly index: number;
  readonly snapTerm: number;
  readonly membership: Membership;
  readonly offset: number;
  readonly data: Uint8Array;
  readonly done: boolean;
}
export interface SnapshotResp {
  readonly type: 'raft.snapshot.resp';
  readonly term: number;
  readonly index: number;
  /** Next offset wanted; -1: restart from 0. */
  readonly nextOffset: number;
  readonly done: boolean;
}

/** A follower asks the leader for a read index (etcd MsgReadIndex; dissertation §6.4 "followers"). */
export interface ReadIndexReq { readonly type: 'raft.read-index'; readonly term: number; readonly id: number }
/** index < 0: the leader could not confirm one (not leader any more, timeout). */
export interface ReadIndexResp { readonly type: 'raft.read-index.resp'; readonly term: number; readonly id: number; readonly index: number }

/** Leadership transfer: start an election now (dissertation §3.10). */
export interface TimeoutNow { readonly type: 'raft.timeout-now'; readonly term: number }

export type RaftMessage =
  | PreVoteReq
  | PreVoteResp
  | VoteReq
  | VoteResp
  | AppendReq
  | AppendResp
  | HeartbeatReq
  | HeartbeatResp
  | SnapshotReq
  | SnapshotResp
  | ReadIndexReq
  | ReadIndexResp
  | TimeoutNow;

const RAFT_TYPES = new Set<string>([
  'raft.prevote', 'raft.prevote.resp', 'raft.vote', 'raft.vote.resp', 'raft.append', 'raft.append.resp',
  'raft.heartbeat', 'raft.heartbeat.resp', 'raft.snapshot', 'raft.snapshot.resp', 'raft.read-index', 'raft.read-index.resp', 'raft.timeout-now',
]);

export function isRaftMessage(m: { readonly type: string }): m is RaftMessage {
  return RAFT_TYPES.has(m.type) && typeof (m as { term?: unknown }).term === 'number';
}
