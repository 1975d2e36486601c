/**
 * Log replication rules as pure functions (paper §5.3, Figure 2 AppendEntries; etcd-io/raft's fast
 * backtracking hints; issue 15's lost-log repair): what a follower checks in and answers to an
 * append, and what the leader concludes from a rejection. RaftNode's onAppend / onAppendResp apply
 * them to its state.
 */
import type { AppendReq, AppendResp } from './messages.ts';
import type { RaftLog } from './log.ts';
import type { Progress } from './progress.ts';

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
