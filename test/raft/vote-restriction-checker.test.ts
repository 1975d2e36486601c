/**
 * The election-restriction checker (src/sim/checkers/vote-restriction.ts) judges every granted vote
 * and pre-vote against the granter's log when the request arrived (Raft §5.4.1, dissertation
 * §9.6): quiet on correct Raft, firing on a grant to a candidate with a stale log, and on
 * voteWithoutLogCheck and preVoteWithoutLogCheck in a scenario.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Env, Message, NodeId } from '../../src/core/env.ts';
import { VoteRestrictionChecker, type LogTail } from '../../src/sim/checkers/vote-restriction.ts';
import { parseScenario, runScenario } from '../../src/scenario/index.ts';
import { readFileSync } from 'node:fs';
import { killingSeed } from '../support/killing-seed.ts';

/** A fake Env: the checker's wrapper registers its handler here; sends are recorded. */
function harness(tail: { index: number; term: number }, answer: (from: NodeId, m: Message, send: (to: NodeId, m: Message) => void) => void) {
  const sent: Message[] = [];
  let handler: ((from: NodeId, msg: Message) => void) | undefined;
  const env = { self: 'g', send: (_to: NodeId, msg: Message) => sent.push(msg), onMessage: (h: (from: NodeId, msg: Message) => void) => (handler = h) } as unknown as Env;
  const c = new VoteRestrictionChecker({ throwOnViolation: false });
  const w = c.wrap(env);
  const node: LogTail = { lastIndex: () => tail.index, lastTerm: () => tail.term };
  w.attach(node);
  w.env.onMessage((from, m) => answer(from, m, (to, r) => w.env.send(to, r)));
  return { c, sent, deliver: (from: NodeId, m: object) => handler!(from, m as Message) };
}

const grantAll = (from: NodeId, m: Message, send: (to: NodeId, m: Message) => void) => {
  const t = m as unknown as { type: string; term: number };
  send(from, { type: t.type === 'raft.vote' ? 'raft.vote.resp' : 'raft.prevote.resp', term: t.term, granted: true } as unknown as Message);
};

describe('election restriction (message level)', () => {
  it('passes grants to candidates at least as up-to-date, and lets every message through', () => {
    const h = harness({ index: 10, term: 3 }, grantAll);
    h.deliver('c', { type: 'raft.vote', term: 4, lastIndex: 10, lastTerm: 3 }); // same term, as long
    h.deliver('c', { type: 'raft.prevote', term: 5, lastIndex: 2, lastTerm: 4 }); // later term, shorter
    expect(h.c.ok()).toBe(true);
    expect(h.c.checked).toBe(2);
    expect(h.sent).toHaveLength(2);
  });

  it('fires on a vote and on a pre-vote granted to a stale log, not on refusals', () => {
    const h = harness({ index: 10, term: 3 }, grantAll);
    h.deliver('c', { type: 'raft.vote', term: 4, lastIndex: 9, lastTerm: 3 }); // same term, shorter
    h.deliver('d', { type: 'raft.prevote', term: 4, lastIndex: 50, lastTerm: 2 }); // earlier term, longer
    expect(h.c.violations).toHaveLength(2);
    expect(h.c.violations[0]).toMatch(/g granted its term-4 vote to c, whose log \(last entry 9, term 3\) is behind its own \(last entry 10, term 3\)/);
    expect(h.c.violations[1]).toMatch(/pre-vote to d/);
    const refuse = harness({ index: 10, term: 3 }, (from, m, send) => send(from, { type: 'raft.vote.resp', term: 4, granted: false } as unknown as Message));
    refuse.deliver('c', { type: 'raft.vote', term: 4, lastIndex: 1, lastTerm: 1 });
    expect(refuse.c.ok()).toBe(true);
    expect(refuse.c.checked).toBe(0);
  });
});

describe('in a scenario (stress/raft5-kv-nemesis.yaml)', () => {
  const saved = process.env['HASIM_MUTANTS'];
  afterEach(() => {
    if (saved === undefined) delete process.env['HASIM_MUTANTS'];
    else process.env['HASIM_MUTANTS'] = saved;
  });
  const F = 'scenarios/stress/raft5-kv-nemesis.yaml';
  const text = readFileSync(F, 'utf8');
  const safety = (mutants: string, seed: number) => {
    process.env['HASIM_MUTANTS'] = mutants;
    return runScenario(parseScenario(text, F), { seed }).expectations.find((e) => e.kind === 'raft-safety')!;
  };
  it('quiet on correct Raft, and it judged grants', () => {
    const r = safety('', 11);
    expect(r.passed).toBe(true);
    expect(r.detail).toMatch(/[1-9]\d* grants \(votes and pre-votes\) checked/);
  });
  for (const m of ['voteWithoutLogCheck', 'preVoteWithoutLogCheck']) {
    it(`fires on ${m}`, () => {
      const seed = killingSeed(10, (s) => !/election restriction: \S+ granted/.test(safety(m, s).detail ?? ''), (s) => safety('', s).passed);
      expect(seed).toBeDefined();
    });
  }
});
