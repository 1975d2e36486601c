/**
 * Issue 14, a restarted node without --join rejoins, as a scenario: the servers run hanode's
 * ServerNode with bootstrap_expect (raft.bootstrap: expect); s3 is away 60 s and restarts with
 * no --join. On the fixed code gossip converges; with the fix reverted (the test-only mutant
 * forgetKnownPeers: the restart forgets the peers it knew) s3 stays alone and the scenario fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setTestMutants } from '../../src/core/test-mutants.ts';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';
import { parseScenario } from '../../src/scenario/load.ts';

const FILE = 'scenarios/restart-without-join.yaml';

describe('a restarted node without --join rejoins (scenarios/restart-without-join.yaml)', () => {
  afterEach(() => {
    delete process.env['HASIM_MUTANTS'];
    setTestMutants([]);
  });

  it('passes: every server lists all three alive again, Raft and the KV API keep working', () => {
    const r = runScenario(loadScenarioFile(FILE));
    expect(r.expectations.filter((v) => !v.passed).map((v) => `${v.name}: ${v.detail}`)).toEqual([]);
    expect(r.expectations.find((v) => v.kind === 'members-converge')!.detail).toMatch(/s3 sees \[s1, s2, s3\]/);
  });

  it('fails with the fix reverted: s3 stays alone, the others without it', () => {
    // As `HASIM_MUTANTS=forgetKnownPeers hasim run ...`: the runner reads the set before the run.
    process.env['HASIM_MUTANTS'] = 'forgetKnownPeers';
    setTestMutants(['forgetKnownPeers']);
    const r = runScenario(loadScenarioFile(FILE));
    const v = r.expectations.find((e) => e.kind === 'members-converge')!;
    expect(v.passed).toBe(false);
    expect(v.detail).toMatch(/s3 sees \[s3\]/);
  });

  it('raft.expect without bootstrap: expect, and a join seed that is no voter, are refused', () => {
    const base = `name: x\nduration: 10s\ntopology: { regions: [{ name: eu, dcs: [{ name: d, nodes: [s1, s2, s3] }] }] }\n`;
    const load = (raft: string) => () => parseScenario(`${base}raft: ${raft}\n`, 'inline.yaml');
    expect(load('{ voters: [s1, s2, s3], expect: 3 }')).toThrow(/only with bootstrap: expect/);
    expect(load('{ voters: [s1, s2, s3], bootstrap: expect, join: [c9] }')).toThrow();
  });
});
