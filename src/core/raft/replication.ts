/**
 * Log replication rules as pure functions (paper §5.3, Figure 2 AppendEntries; etcd-io/raft's fast
 * backtracking hints; issue 15's lost-log repair): what a follower checks in and answers to an
 * append, and what the leader concludes from a rejection. RaftNode's onAppend / onAppendResp apply
 * them to its state.
 */
import { assert } from '../env.ts';
import type { AppendReq, AppendResp, SnapshotReq } from './messages.ts';
import type { RaftLog } from './log.ts';
import type { Progress } from './progress.ts';
import type { StoredSnapshot } from './snapshot.ts';

/** Bounds the backwards scan for a conflict hint; the leader falls back to probing beyond it. */
const MAX_HINT_SCAN = 4096;

/**
 * Why an append contradicts itself, or undefined: Log Matching needs entries consecutive after
 * prevIndex, with terms non-decreasing from prevTerm and none above the leader's term. Only a forged
 * or broken peer sends such an append (the node drops it and counts it).
 */
export function appendContradiction(m: AppendReq): string | undefined {
  if (m.prevTerm > m.term) return 'prevTerm from a future term';
  let prevTerm = m.prevTerm;
  for (let k = 0; k < m.entries.length; k++) {
    const e = m.entries[k]!;
    if (e.index !== m.prevIndex + 1 + k) return 'entries not consecutive after prevIndex';
    if (e.term > m.term) return 'an entry from a future term';
    if (e.term < prevTerm) return 'entry terms decrease';
    prevTerm = e.term;
  }
  return undefined;
}

export function appendAccepted(term: number, matchIndex: number): AppendResp {
  return { type: 'raft.append.resp', term, success: true, matchIndex, rejectIndex: 0, conflictTerm: 0, conflictIndex: 0 };
}

/**
 * A refused append. conflictTerm 0 says "I lack rejectIndex; my log ends at conflictIndex - 1";
 * otherwise conflictTerm is our term at rejectIndex and conflictIndex the first index of its run.
 * rejectIndex -1 says "your term is stale" (paper §5.1).
 */
export function appendRejected(term: number, rejectIndex: number, conflictTerm: number, conflictIndex: number): AppendResp {
  return { type: 'raft.append.resp', term, success: false, matchIndex: 0, rejectIndex, conflictTerm, conflictIndex };
}

/** Follower: the first index of our run of term(prevIndex), not at or below our commit index. */
export function conflictStart(log: RaftLog, commit: number, prevIndex: number): number {
  return Math.max(commit + 1, log.firstIndexOfTerm(prevIndex, MAX_HINT_SCAN));
}

/** Leader: where to probe next after a rejection (skipping the follower's whole conflicting term). */
export function nextAfterRejection(log: RaftLog, m: AppendResp): number {
  if (m.conflictTerm > 0) {
    const idx = log.lastIndexOfTerm(m.conflictTerm, m.rejectIndex);
    if (idx !== undefined) return idx + 1;
  }
  return m.conflictIndex;
}

/**
 * Leader: whether a rejection shows the follower lost entries it acknowledged (issue 15): it denies
 * an index up to its match, or (conflictTerm 0) its log ends below its match. Responses arrive in
 * the order the follower sent them (the reliable channel is FIFO per link), so a rejection that
 * follows an acknowledgement of the same index is not stale.
 */
export function showsLostLog(pr: Progress, m: AppendResp): boolean {
  if (m.rejectIndex <= pr.match) return true;
  return m.conflictTerm === 0 && m.conflictIndex - 1 < pr.match;
}

/**
 * Leader: the next append for a follower at `pr` (entries from pr.next, at most maxEntries), or
 * 'snapshot' when the entry before pr.next is compacted away, or undefined when a replicating
 * follower has nothing new (probes go out even when empty: they find the match point).
 */
export function nextAppend(log: RaftLog, pr: Progress, term: number, commit: number, maxEntries: number): AppendReq | 'snapshot' | undefined {
  const prevIndex = pr.next - 1;
  assert(prevIndex >= pr.match, () => `next ${pr.next} not above match ${pr.match}`);
  assert(prevIndex <= log.last(), () => `next ${pr.next} beyond last ${log.last()} + 1`);
  const prevTerm = log.term(prevIndex);
  if (prevTerm === undefined) return 'snapshot';
  const entries = log.slice(pr.next, log.last() + 1, maxEntries);
  if (entries.length === 0 && pr.state === 'replicate') return undefined;
  return { type: 'raft.append', term, prevIndex, prevTerm, entries, commit };
}

/** Leader: the next InstallSnapshot chunk for a follower at `pr` (paper Figure 13), starting over if a newer snapshot replaced the one being sent. */
export function nextSnapshotChunk(s: StoredSnapshot, pr: Progress, term: number, chunkBytes: number): SnapshotReq {
  if (pr.snapIndex !== s.index) {
    pr.snapIndex = s.index;
    pr.snapOffset = 0;
  }
  // A copy, not a view (Buffer's slice is one): a message must not carry the whole snapshot's buffer.
  const data = Uint8Array.prototype.slice.call(s.data, pr.snapOffset, pr.snapOffset + chunkBytes);
  const done = pr.snapOffset + data.length >= s.data.length;
  return { type: 'raft.snapshot', term, index: s.index, snapTerm: s.term, membership: s.membership, offset: pr.snapOffset, data, done };
}
