/**
 * Crash points (src/sim/crash-points.ts): a trap crashes the node of the next matching event,
 * and scenarios/raft-crash-points.yaml reaches persistence mutants with them: a seed fails with
 * the mutant and passes without.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CrashPoints, crashPointVictim } from '../../src/sim/crash-points.ts';
import { loadScenarioFile, parseScenario, runScenario } from '../../src/scenario/index.ts';
import { readFileSync } from 'node:fs';
import type { Message } from '../../src/core/env.ts';

const FILE = 'scenarios/raft-crash-points.yaml';
const saved = process.env['HASIM_MUTANTS'];
afterEach(() => {
  if (saved === undefined) delete process.env['HASIM_MUTANTS'];
  else process.env['HASIM_MUTANTS'] = saved;
});

describe('crash point victims', () => {
  const vote = { type: 'raft.vote', term: 3 } as unknown as Message;
  const prevote = { type: 'raft.prevote', term: 3 } as unknown as Message;
  const append = { type: 'raft.append', term: 2, prevIndex: 1, prevTerm: 1, entries: [{ index: 2, term: 2 }], commit: 1 } as unknown as Message;
  const heartbeat = { type: 'raft.append', term: 2, prevIndex: 1, prevTerm: 1, entries: [], commit: 1 } as unknown as Message;
  it('picks the voter, the follower or the leader of the right message only', () => {
    expect(crashPointVictim('crash-after-vote', 'b', 'a', vote)).toBe('b');
    expect(crashPointVictim('crash-after-vote', 'b', 'a', prevote)).toBeUndefined();
    expect(crashPointVictim('crash-after-append', 'b', 'a', append)).toBe('b');
    expect(crashPointVictim('crash-after-append', 'b', 'a', heartbeat)).toBeUndefined();
    expect(crashPointVictim('crash-leader-after-minority', 'b', 'a', append)).toBe('a');
    expect(crashPointVictim('crash-leader-after-minority', 'b', 'a', null as unknown as Message)).toBeUndefined();
  });

  it('a trap fires once, right after the matching delivery, and expires at its deadline', () => {
    let tap: ((to: string, from: string, svc: string, msg: unknown) => void) | undefined;
    const queued: (() => void)[] = [];
    let now = 0;
    const crashed: string[] = [];
    const w = { tapDeliveries: (fn: typeof tap) => (tap = fn), atTime: (_t: number, fn: () => void) => queued.push(fn), now: () => now, isUp: () => true, emit: () => {} };
    const cp = new CrashPoints(w as never, (node) => crashed.push(node));
    cp.arm('crash-after-vote', 1000, 50);
    cp.arm('crash-after-append', 1000, 10);
    tap!('b', 'a', 'raft', { type: 'raft.vote', term: 1 });
    expect(crashed).toEqual([]); // not inside the delivery: after its handler
    queued.shift()!();
    expect(crashed).toEqual(['b']);
    tap!('c', 'a', 'raft', { type: 'raft.vote', term: 1 });
    expect(queued).toEqual([]); // the vote trap is spent
    now = 20;
    tap!('c', 'a', 'raft', { type: 'raft.append', entries: [{}] });
    expect(queued).toEqual([]); // the append trap expired at 10
  });
});

describe('raft-crash-points', () => {
  it('its crash points fire in a run', () => {
    delete process.env['HASIM_MUTANTS'];
    const points = new Map<string, number>();
    const r = runScenario(loadScenarioFile(FILE), { seed: 2, onEvent: (ev) => ev.kind === 'crash-point' && points.set(String(ev['point']), (points.get(String(ev['point'])) ?? 0) + 1) });
    expect(r.passed).toBe(true);
    expect([...points.keys()].sort()).toEqual(['crash-after-append', 'crash-after-vote', 'crash-leader-after-minority']);
  });

  it('catches acknowledgements sent before the sync (ackBeforeDurable) on a seed that passes without', () => {
    process.env['HASIM_MUTANTS'] = 'ackBeforeDurable';
    expect(runScenario(loadScenarioFile(FILE), { seed: 5 }).passed).toBe(false);
    delete process.env['HASIM_MUTANTS'];
    expect(runScenario(loadScenarioFile(FILE), { seed: 5 }).passed).toBe(true);
  });

  it('without crash points the same seed does not reach ackBeforeDurable', () => {
    process.env['HASIM_MUTANTS'] = 'ackBeforeDurable';
    const text = readFileSync(FILE, 'utf8').replace(/crash-after-vote: 2, crash-after-append: 2, crash-leader-after-minority: 4, /, '');
    expect(runScenario(parseScenario(text, FILE), { seed: 5 }).passed).toBe(true);
  });

  it('catches learners counted in the commit quorum (learnerInQuorum): the learners join and the cut-off side commits', () => {
    process.env['HASIM_MUTANTS'] = 'learnerInQuorum';
    expect(runScenario(loadScenarioFile(FILE), { seed: 1 }).expectations.find((e) => e.kind === 'raft-safety')!.passed).toBe(false);
    delete process.env['HASIM_MUTANTS'];
    expect(runScenario(loadScenarioFile(FILE), { seed: 1 }).passed).toBe(true);
  });
});
