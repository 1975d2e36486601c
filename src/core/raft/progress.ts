/**
 * The leader's view of one follower's replication (etcd's Progress):
 * - probe: one append at a time until the follower's match point is found;
 * - replicate: optimistic, pipelined appends, at most maxInflight not yet acknowledged;
 * - snapshot: an InstallSnapshot transfer is under way; appends wait.
 */
import { assert, type Micros } from '../env.ts';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  state: ProgressState = 'probe';
  match = 0;
  next: number;
  /** probe: an append is out and unanswered (paused until a response or heartbeat response). */
  probeSent = false;
  /** replicate: last index of each append in flight, ascending. */
  private inflight: number[] = [];
  /** Last append/snapshot response, or when the empty pipeline got its first append (stall detection). */
  lastHeardUs: Micros;
  /** Since the last CheckQuorum pass. */
  recentActive = false;
  /** Highest heartbeat round acknowledged (ReadIndex / lease). */
  ackedRound = 0;
  /** snapshot: which snapshot and the next chunk offset. */
  snapIndex = 0;
  snapOffset = 0;
  /** The leader's last index when this follower was found to have lost its log (lostLog): it is being repaired while match is below. */
  repairTo = 0;

  constructor(lastIndex: number, nowUs: Micros, private readonly maxInflight: number) {
    this.next = lastIndex + 1;
    this.lastHeardUs = nowUs;
  }

  becomeProbe(): void {
    // After a snapshot, continue just past it; otherwise from the match point.
    this.next = this.state === 'snapshot' ? Math.max(this.match, this.snapIndex) + 1 : this.match + 1;
    this.state = 'probe';
    this.probeSent = false;
    this.inflight = [];
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.inflight = [];
  }

  becomeSnapshot(snapIndex: number): void {
    this.state = 'snapshot';
    this.snapIndex = snapIndex;
    this.snapOffset = 0;
    this.inflight = [];
  }

  paused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflight.length >= this.maxInflight;
      case 'snapshot':
        return true;
    }
  }

  inflightCount(): number {
    return this.inflight.length;
  }

  /** Records an append ending at lastIndex as sent. */
  sent(lastIndex: number): void {
    if (this.state === 'replicate') {
      assert(this.inflight.length < this.maxInflight, 'inflight bound');
      if (lastIndex >= this.next) this.next = lastIndex + 1;
      this.inflight.push(lastIndex);
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /** A success up to `index`; returns whether match advanced. */
  acked(index: number): boolean {
    let k = 0;
    while (k < this.inflight.length && this.inflight[k]! <= index) k++;
    if (k > 0) this.inflight.splice(0, k);
    this.probeSent = false;
    if (index > this.match) {
      this.match = index;
      if (this.next <= index) this.next = index + 1;
      return true;
    }
    return false;
  }

  /**
   * The follower lost entries it acknowledged (a wiped or cut disk: issue 15): its log ends below
   * `match`, or it holds another term at an index up to `match`. What it still holds is unverified,
   * so match goes back to 0 and a probe starts at `next` (the follower's end as it reported it),
   * backtracking from there as usual and falling back to a snapshot where the log is compacted.
   * etcd's Progress has no such case: its rejections at or below match are always stale.
   */
  lostLog(next: number, leaderLast: number): void {
    assert(this.state !== 'snapshot', 'a snapshot transfer repairs the follower anyway');
    assert(next >= 1, () => `lost-log probe from ${next}`);
    this.repairTo = Math.max(this.repairTo, leaderLast);
    this.state = 'probe';
    this.match = 0;
    this.next = next;
    this.probeSent = false;
    this.inflight = [];
  }

  /**
   * A rejection of prevIndex `rejected` with the leader-computed next index. Returns false if the
   * rejection is stale (answers an older append) and was ignored. The caller first checks for a
   * follower that lost its log (lostLog), which these rules would take for a stale rejection.
   */
  /** True while a follower that lost its log (lostLog) has not been repaired up to the leader's log of then. */
  repairing(): boolean {
    return this.match < this.repairTo;
  }

  rejected(rejected: number, nextGuess: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.becomeProbe();
    } else if (this.state === 'probe') {
      if (rejected !== this.next - 1) return false;
    } else {
      return false;
    }
    this.next = Math.max(this.match + 1, Math.min(nextGuess, rejected));
    this.probeSent = false;
    assert(this.next > this.match, 'next > match');
    return true;
  }
}
