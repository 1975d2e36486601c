/**
 * The vote-durability checker (src/sim/checkers/vote-durability.ts) judges the vote actually
 * sent against what the voter's disk holds durably at that instant: quiet on correct Raft, firing
 * on a vote saved but not synced, and on skipVotePersist in a scenario.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Env, Message } from '../../src/core/env.ts';
import { MemoryStorage } from '../../src/sim/index.ts';
import { VoteDurabilityChecker } from '../../src/sim/checkers/vote-durability.ts';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';

function fakeEnv(storage: MemoryStorage, sent: Message[]): Env {
  return { self: 'v', storage, send: (_to: string, msg: Message) => sent.push(msg) } as unknown as Env;
}

const grant = { type: 'raft.vote.resp', term: 3, granted: true } as unknown as Message;

describe('vote durability (trace level)', () => {
  it('passes a vote that is synced before it leaves, and lets every message through', () => {
    const st = new MemoryStorage();
    const sent: Message[] = [];
    const c = new VoteDurabilityChecker();
    const env = c.wrap(fakeEnv(st, sent));
    st.save('hs', { term: 3, vote: 'c' });
    st.sync();
    env.send('c', grant);
    env.send('c', { type: 'raft.vote.resp', term: 3, granted: false } as unknown as Message);
    expect(c.ok()).toBe(true);
    expect(c.checked).toBe(1);
    expect(sent).toHaveLength(2);
  });

  it('fires on a vote saved but not synced (storage says yes, the disk says no)', () => {
    const st = new MemoryStorage();
    st.save('hs', { term: 2, vote: 'x' });
    st.sync();
    const c = new VoteDurabilityChecker({ throwOnViolation: false });
    const env = c.wrap(fakeEnv(st, []));
    st.save('hs', { term: 3, vote: 'c' });
    expect(st.load('hs')).toEqual({ term: 3, vote: 'c' }); // what a storage-comparing test sees
    env.send('c', grant);
    expect(c.violations[0]).toMatch(/v granted its term-3 vote to c while its disk held term 2, vote x/);
  });

  it('fires on a vote granted to someone else than the durable one', () => {
    const st = new MemoryStorage();
    st.save('hs', { term: 3, vote: 'b' });
    st.sync();
    const c = new VoteDurabilityChecker({ throwOnViolation: false });
    c.wrap(fakeEnv(st, [])).send('c', grant);
    expect(c.ok()).toBe(false);
  });
});

describe('in a scenario (raft-partitions.yaml)', () => {
  const saved = process.env['HASIM_MUTANTS'];
  afterEach(() => {
    if (saved === undefined) delete process.env['HASIM_MUTANTS'];
    else process.env['HASIM_MUTANTS'] = saved;
  });
  it('quiet on correct Raft, fires at the first vote with skipVotePersist', () => {
    delete process.env['HASIM_MUTANTS'];
    const ok = runScenario(loadScenarioFile('scenarios/raft-partitions.yaml'));
    expect(ok.passed).toBe(true);
    expect(ok.expectations.find((e) => e.kind === 'raft-safety')!.detail).toMatch(/[1-9]\d* granted votes checked/);
    process.env['HASIM_MUTANTS'] = 'skipVotePersist';
    const bad = runScenario(loadScenarioFile('scenarios/raft-partitions.yaml'));
    expect(bad.expectations.find((e) => e.kind === 'raft-safety')!.detail).toMatch(/vote not durable/);
  });
});
