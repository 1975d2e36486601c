/**
 * The directed nemeses of the read rules, the term gate and the snapshot rule (src/scenario/modules/raft-vote-in-lease.ts,
 * raft-stale-commit.ts, raft-stale-leader.ts, raft-snapshot-late.ts): each stays quiet on correct Raft and fires on its mutant, on one round
 * of its scenario. And the write-idle switch they use turns writes into reads only while on.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../src/scenario/index.ts';
import { setWritesQuiet, writesQuiet } from '../../src/sim/workload/write-quiet.ts';
import type { TraceEvent } from '../../src/sim/types.ts';
import { killingSeed } from '../support/killing-seed.ts';

const saved = process.env['HASIM_MUTANTS'];
afterEach(() => {
  if (saved === undefined) delete process.env['HASIM_MUTANTS'];
  else process.env['HASIM_MUTANTS'] = saved;
});

/** One round at 3s of the scenario, 10s long, on `seed`. */
function oneRound(file: string, key: string, mutants: string, trace: string, seed = 1) {
  const text = readFileSync(file, 'utf8')
    .replace(new RegExp(`${key}: \\{ at: \\[[^\\]]*\\] \\}`), `${key}: { at: [3s] }`)
    .replace(/^duration: .*$/m, 'duration: 10s');
  process.env['HASIM_MUTANTS'] = mutants;
  const steps: string[] = [];
  const r = runScenario(parseScenario(text, file), { seed, onEvent: (ev: TraceEvent) => ev.kind === trace && steps.push(String(ev['step'])) });
  const failed = r.expectations.filter((e) => !e.passed).map((e) => e.kind);
  return { failed, steps };
}

describe('write-idle windows', () => {
  it('are per world and off by default', () => {
    const a = {};
    const b = {};
    expect(writesQuiet(a)).toBe(false);
    setWritesQuiet(a, true);
    expect(writesQuiet(a)).toBe(true);
    expect(writesQuiet(b)).toBe(false);
    setWritesQuiet(a, false);
    expect(writesQuiet(a)).toBe(false);
  });
});

describe('vote in lease (kv-vote-in-lease.yaml)', () => {
  const F = 'scenarios/kv-vote-in-lease.yaml';
  it('correct Raft: the cut-off follower never leads, the history is linearizable', () => {
    const r = oneRound(F, 'voteInLease', '', 'vote-in-lease');
    expect(r.failed).toEqual([]);
    expect(r.steps).toEqual(['cut', 'end']);
  });
  it('noCheckQuorum: the follower wins while the old leader still serves lease reads', () => {
    const seed = killingSeed(10, (s) => !oneRound(F, 'voteInLease', 'noCheckQuorum', 'vote-in-lease', s).failed.includes('linearizable'), (s) => oneRound(F, 'voteInLease', '', 'vote-in-lease', s).failed.length === 0);
    expect(seed).toBeDefined();
    expect(oneRound(F, 'voteInLease', 'noCheckQuorum', 'vote-in-lease', seed).steps).toContain('follower-won');
  });
});

describe('stale commit index (kv-stale-commit.yaml)', () => {
  const F = 'scenarios/kv-stale-commit.yaml';
  it('correct Raft: the new leader waits for its no-op before reading', () => {
    const r = oneRound(F, 'staleCommit', '', 'stale-commit');
    expect(r.failed).toEqual([]);
    expect(r.steps).toEqual(['lag', 'cut', 'elected', 'end']);
  });
  it('readBeforeTermCommit: reads from the stale commit index miss acknowledged writes', () => {
    const seed = killingSeed(10, (s) => !oneRound(F, 'staleCommit', 'readBeforeTermCommit', 'stale-commit', s).failed.includes('linearizable'), (s) => oneRound(F, 'staleCommit', '', 'stale-commit', s).failed.length === 0);
    expect(seed).toBeDefined();
  });
});

describe('stale leader (kv-stale-term.yaml)', () => {
  const F = 'scenarios/kv-stale-term.yaml';
  it('correct Raft: the restarted voter rejects the old term and, holding the newer entries, is elected', () => {
    const r = oneRound(F, 'staleLeader', '', 'stale-leader', 4);
    expect(r.failed).toEqual([]);
    expect(r.steps).toEqual(['paused', 'resumed', 'elected', 'end']);
  });
  it('acceptStaleTerm: the restarted voter takes the old leader\'s entries over committed ones', () => {
    const seed = killingSeed(10, (s) => !oneRound(F, 'staleLeader', 'acceptStaleTerm', 'stale-leader', s).failed.includes('raft-safety'), (s) => oneRound(F, 'staleLeader', '', 'stale-leader', s).failed.length === 0);
    expect(seed).toBeDefined();
  });
});

describe('late snapshot (raft-snapshot-late.yaml)', () => {
  const F = 'scenarios/raft-snapshot-late.yaml';
  it('correct Raft: the follower keeps the entries after the snapshot point and is elected (20 seeds)', () => {
    let reached = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = oneRound(F, 'snapshotLate', '', 'snapshot-late', seed);
      expect(r.failed, `seed ${seed}`).toEqual([]);
      if (r.steps.includes('cut')) {
        expect(r.steps, `seed ${seed}`).toEqual(['pause', 'snapshot', 'cut', 'elected', 'end']);
        reached++;
      }
    }
    // The schedule needs two uncommitted entries when writes stop; most seeds have them.
    expect(reached).toBeGreaterThanOrEqual(10);
  });
  it('snapshotOverNewerEntries: the follower drops acknowledged entries, the new leader lacks committed ones', () => {
    const seed = killingSeed(10, (s) => !oneRound(F, 'snapshotLate', 'snapshotOverNewerEntries', 'snapshot-late', s).failed.includes('raft-safety'), (s) => oneRound(F, 'snapshotLate', '', 'snapshot-late', s).failed.length === 0);
    expect(seed).toBeDefined();
  });
});
