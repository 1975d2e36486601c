/** The leader's reading of append rejections (src/core/raft/replication.ts, progress.ts): lost logs vs stale rejections. */
import { describe, expect, it } from 'vitest';
import type { AppendResp } from '../../src/core/raft/messages.ts';
import { Progress } from '../../src/core/raft/progress.ts';
import { appendRejected, showsLostLog } from '../../src/core/raft/replication.ts';

/** A follower acknowledged up to `match` and the leader is replicating to it. */
function replicating(match: number): Progress {
  const pr = new Progress(match, 0, 8);
  pr.acked(match);
  pr.becomeReplicate();
  return pr;
}

const lacks = (rejectIndex: number, followerLast: number): AppendResp => appendRejected(3, rejectIndex, 0, followerLast + 1);
const differs = (rejectIndex: number, term: number, from: number): AppendResp => appendRejected(3, rejectIndex, term, from);

describe('showsLostLog', () => {
  it('a follower whose log ends below what it acknowledged lost entries', () => {
    expect(showsLostLog(replicating(10), lacks(12, 4))).toBe(true); // wiped down to 4
    expect(showsLostLog(replicating(10), lacks(10, 0))).toBe(true); // wiped, denies its match
    expect(showsLostLog(replicating(10), differs(9, 1, 5))).toBe(true); // another term at an acked index
  });

  it('an ordinary rejection above match is not a lost log', () => {
    expect(showsLostLog(replicating(10), lacks(14, 11))).toBe(false);
    expect(showsLostLog(replicating(10), differs(12, 2, 11))).toBe(false);
    expect(showsLostLog(replicating(10), lacks(12, 10))).toBe(false); // holds exactly its match
  });
});

describe('Progress after a lost log', () => {
  it('match drops to 0 and a probe starts at the follower\'s end', () => {
    const pr = replicating(10);
    pr.sent(15);
    pr.lostLog(5, 15);
    expect(pr.state).toBe('probe');
    expect(pr.match).toBe(0);
    expect(pr.next).toBe(5);
    expect(pr.paused()).toBe(false);
    expect(pr.inflightCount()).toBe(0);
    // Repairing (autopilot health: recovering) until match reaches the leader's log of then.
    expect(pr.repairing()).toBe(true);
    pr.acked(14);
    expect(pr.repairing()).toBe(true);
    pr.acked(15);
    expect(pr.repairing()).toBe(false);
  });

  it('a stale rejection while probing is still ignored', () => {
    const pr = new Progress(5, 0, 8); // probe, next 6
    pr.acked(5);
    expect(showsLostLog(pr, lacks(8, 6))).toBe(false);
    expect(pr.rejected(8, 7)).toBe(false);
    expect(pr.next).toBe(6);
  });
});
