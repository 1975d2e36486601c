/**
 * The Raft Figure 16 bench's trial (bench/_raft-election-trial.ts) really builds the paper's unequal
 * logs: the four followers end 3, 2, 1 and 0 entries behind the crashed leader, so exactly two can
 * win. The first version of the bench ended every trial with logs 2, 2, 2, 5 (a cut reset the
 * simulated stream and dropped the entry still in flight) while claiming four lengths.
 */
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { trial, type TrialSetup } from '../../bench/_raft-election-trial.ts';

const LAN: TrialSetup = {
  minMs: 150,
  maxMs: 300,
  oneWay: { kind: 'uniform', min: ms(0.5), max: ms(1.5) },
  raft: { preVote: false, checkQuorum: false, resetTimerOnStepDown: false },
  capUs: sec(12),
  unequalLogs: true,
  settleUs: ms(1.6),
};

describe('raft-election bench trial', () => {
  it('leaves the followers 3, 2, 1 and 0 entries behind the leader at the crash, two able to win, and elects one of them', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = trial(LAN, seed);
      expect(r.setupFailed).toBe(false);
      expect(r.deficits).toEqual([-3, -2, -1, 0]);
      expect(r.eligible).toBe(2);
      expect(Number.isFinite(r.us)).toBe(true);
      expect(r.us).toBeGreaterThan(ms(75) - ms(2)); // at least min/2 after the crash (paper §9.3)
      expect(r.terms).toBeGreaterThanOrEqual(1);
    }
  });

  it('without the cuts every follower holds every entry (the control)', () => {
    const r = trial({ ...LAN, unequalLogs: false }, 1);
    expect(r.deficits).toEqual([0, 0, 0, 0]);
    expect(r.eligible).toBe(4);
  });
});
