/**
 * The Figure 16 bench's trial (bench/_raft-election-trial.ts) with the disk model: with a blocking
 * fsync for term and vote and a slow log write, the trial still builds the paper's unequal logs, and
 * its end point (every survivor has heard the new leader) lies at least the vote path's fsyncs and
 * wire after the earliest possible timeout; the control without the disk is faster.
 */
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { trial, type TrialSetup } from '../../bench/_raft-election-trial.ts';

const DISK: TrialSetup = {
  minMs: 150,
  maxMs: 300,
  oneWay: { kind: 'uniform', min: ms(0.1), max: ms(0.3) },
  raft: { preVote: false, checkQuorum: false, resetTimerOnStepDown: false },
  capUs: sec(12),
  unequalLogs: true,
  settleUs: ms(0.4),
  syncUs: ms(5),
  asyncSyncUs: ms(14),
};

describe('raft-election bench trial with the disk model', () => {
  it('keeps the unequal logs and elects one of the two able to win', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = trial(DISK, seed);
      expect(r.setupFailed).toBe(false);
      expect(r.deficits).toEqual([-3, -2, -1, 0]);
      expect(r.eligible).toBe(2);
      expect(Number.isFinite(r.us)).toBe(true);
      // Crash → the first timeout is at least min/2 (paper §9.3); then the candidate's fsync, the voter's
      // two (new term, then vote), and three one-way hops (request, answer, heartbeat) at 0.1 ms at least.
      expect(r.us).toBeGreaterThanOrEqual(ms(75) + 3 * ms(5) + 3 * ms(0.1));
    }
  });

  it('the same trials without the disk latency end sooner (the model is what adds the time)', () => {
    // Each election pays three fsyncs of 5 ms on its path (candidate; voter: new term, then vote).
    const mean = (setup: TrialSetup) => {
      let sum = 0;
      for (let seed = 1; seed <= 20; seed++) sum += trial(setup, seed).us;
      return sum / 20;
    };
    expect(mean(DISK) - mean({ ...DISK, syncUs: 0 })).toBeGreaterThan(2 * ms(5));
  });
});
