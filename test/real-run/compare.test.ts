/**
 * The figures of `hasim compare` (src/real-run/compare.ts): leader times from fault events,
 * latency percentiles, unavailability, the loopback scenario, and the stated tolerances (a
 * figure inside them agrees, one outside disagrees).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disagree, faultTimesUs, kvUnavailability, loopbackScenario, newLeaderTimes, percentile, writeLatencies, LOOPBACK } from '../../src/real-run/compare.ts';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import type { HistoryEvent } from '../../src/sim/history.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('hasim compare figures', () => {
  it('new leader times count from the latest fault event, not from churn', () => {
    const faults = [10_000_000, 18_000_000];
    const ls = [
      { term: 1, atUs: 400_000 },
      { term: 2, atUs: 12_000_000 },
      { term: 3, atUs: 13_000_000 }, // no fault since term 2: churn, not counted
      { term: 4, atUs: 19_500_000 },
    ];
    expect(newLeaderTimes(ls, faults)).toEqual([2_000_000, 1_500_000]);
  });

  it('write latencies, percentiles and unavailability from a history', () => {
    const h: HistoryEvent[] = [
      { process: 0, type: 'invoke', f: 'write', key: 'k', value: 'a', time: 0 },
      { process: 0, type: 'ok', f: 'write', key: 'k', value: 'a', time: 100 },
      { process: 1, type: 'invoke', f: 'read', key: 'k', value: null, time: 0 },
      { process: 1, type: 'ok', f: 'read', key: 'k', value: 'a', time: 50 },
      { process: 0, type: 'invoke', f: 'cas', key: 'k', value: ['a', 'b'], time: 200 },
      { process: 0, type: 'info', f: 'cas', key: 'k', value: ['a', 'b'], time: 2200 },
      { process: 2, type: 'invoke', f: 'write', key: 'k', value: 'c', time: 300 },
      { process: 2, type: 'ok', f: 'write', key: 'k', value: 'c', time: 700 },
    ];
    expect(writeLatencies(h)).toEqual([100, 400]);
    expect(percentile([100, 400], 0.5)).toBe(100);
    expect(percentile([100, 400], 0.99)).toBe(400);
    expect(kvUnavailability(h)).toBeCloseTo(0.25);
  });

  it('tolerances: inside agrees, outside disagrees', () => {
    expect(disagree('newLeader', 1_000_000, 1_900_000)).toBe(false);
    expect(disagree('newLeader', 1_000_000, 2_100_000)).toBe(true);
    expect(disagree('unavailability', 0.3, 0.35)).toBe(false);
    expect(disagree('unavailability', 0.3, 0.45)).toBe(true);
    expect(disagree('writeP50', 1000, 9000)).toBe(false);
    expect(disagree('writeP50', 1000, 150_000)).toBe(true);
    expect(disagree('dcDown', undefined, 5)).toBe(true);
  });

  it("the simulator side runs with loopback latency, no loss and the agents' Raft timings", () => {
    const sc = loadScenarioFile(join(ROOT, 'scenarios/dc-failover.yaml'));
    const lo = loopbackScenario(sc);
    expect(lo.latency).toEqual(LOOPBACK);
    expect(lo.network?.loss).toBe(0);
    expect((lo.modules.get('raft') as { heartbeatIntervalUs: number }).heartbeatIntervalUs).toBe(100_000); // the scenario's own
    const rp = loopbackScenario(loadScenarioFile(join(ROOT, 'scenarios/raft-partitions.yaml')));
    expect((rp.modules.get('raft') as { electionTimeoutMinUs: number }).electionTimeoutMinUs).toBe(1_000_000); // hanode's default
    expect(faultTimesUs(sc)).toEqual([30_000_000, 50_000_000, 70_000_000]);
  });
});
