/**
 * The message-level vote checkers (src/sim/checkers/vote-durability.ts, vote-restriction.ts) also
 * watch servers built as hanode's own ServerNode (`raft: { bootstrap: expect }`), judged as
 * raft-safety: a planted bug in the vote rules (HASIM_MUTANTS, src/core/test-mutants.ts) fails
 * raft-safety there with the checker's own message, and the same seed passes without it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setTestMutants } from '../../src/core/test-mutants.ts';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { killingSeed } from '../support/killing-seed.ts';

/** Five ServerNodes finding each other by gossip, KV clients, crashes and partitions. */
const NEMESIS = `name: server-node-vote-nemesis
duration: 45s
topology:
  regions:
    - name: eu
      dcs:
        - { name: eu-1, nodes: [r1, r2, c1] }
        - { name: eu-2, nodes: [r3, r4, r5] }
network: { loss: 0.02, reorder: 0.05, reorderWindow: 20ms }
disk: { unsyncedLoss: 0.9, tornWrite: 0.5 }
raft: { voters: [r1, r2, r3, r4, r5], bootstrap: expect }
kv: { clients: [c1], rate: 20/s, mix: { read: 40, write: 40, cas: 20 }, keys: 3, timeout: 1s }
nemesis: { rate: 30/min, durationMin: 500ms, durationMax: 6s, until: 35s }
expect:
  - raft-safety
`;

function safety(mutants: string, seed: number, text?: string) {
  // As \`HASIM_MUTANTS=... hasim run\`: the runner reads the set from the environment.
  process.env['HASIM_MUTANTS'] = mutants;
  const sc = text === undefined ? loadScenarioFile('scenarios/swim-on-servers.yaml') : parseScenario(text, 'server-node-vote-nemesis.yaml');
  return runScenario(sc, { seed }).expectations.find((e) => e.kind === 'raft-safety')!;
}

describe('vote checkers on ServerNode-based servers (raft: { bootstrap: expect })', () => {
  const saved = process.env['HASIM_MUTANTS'];
  afterEach(() => {
    if (saved === undefined) delete process.env['HASIM_MUTANTS'];
    else process.env['HASIM_MUTANTS'] = saved;
    setTestMutants([]);
  });

  it('judge the grants of a correct run and stay quiet', () => {
    const r = safety('', 1, NEMESIS);
    expect(r.passed, r.detail).toBe(true);
    expect(r.detail).toMatch(/[1-9]\d* granted votes checked/);
    expect(r.detail).toMatch(/[1-9]\d* grants \(votes and pre-votes\) checked for the election restriction/);
  });

  it('the durability checker fails skipVotePersist (scenarios/swim-on-servers.yaml)', () => {
    const seed = killingSeed(3, (s) => !/vote not durable: \S+ granted/.test(safety('skipVotePersist', s).detail ?? ''), (s) => safety('', s).passed);
    expect(seed).toBeDefined();
  });

  it('the restriction checker fails voteWithoutLogCheck under a nemesis', () => {
    const seed = killingSeed(10, (s) => !/election restriction: \S+ granted/.test(safety('voteWithoutLogCheck', s, NEMESIS).detail ?? ''), (s) => safety('', s, NEMESIS).passed);
    expect(seed).toBeDefined();
  });
});
