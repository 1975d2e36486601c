/**
 * Role-aware selectors (src/sim/roles.ts) and the leadership expectations
 * (src/scenario/modules/raft-leader-change.ts): "isolate the leader, expect a new leader
 * within 5 s" passes; aimed at a follower it is marked vacuous, never a silent pass.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../src/scenario/index.ts';
import type { RunResult } from '../../src/scenario/types.ts';

const BASE = readFileSync('test/scenario/fixtures/isolate-leader.yaml', 'utf8');
const SEEDS = [1, 2, 3, 4, 5];

function run(text: string, seed: number): RunResult {
  return runScenario(parseScenario(text, 'roles.yaml'), { seed });
}
const verdictOf = (r: RunResult, kind: string) => r.expectations.find((v) => v.kind === kind)!;
const firstLeader = (r: RunResult) => /(\S+) elected Raft leader/.exec(r.timeline.find((l) => l.category === 'role')!.text)![1];

describe('role selectors in faults', () => {
  it('isolate the leader: a new leader within 5s holds, and the timeline names whom the role hit', () => {
    for (const seed of SEEDS) {
      const r = run(BASE, seed);
      expect(r.passed, `seed ${seed}: ${JSON.stringify(r.expectations)}`).toBe(true);
      const iso = r.timeline.find((l) => l.category === 'fault')!;
      const leader = firstLeader(r);
      expect(iso.text).toBe(`isolate ${leader} for 10.0s (leader=${leader})`);
      expect(verdictOf(r, 'new-leader-within').detail).toMatch(new RegExp(`^1 leader loss\\(es\\), each replaced in time: ${leader}→`));
    }
  });

  it('the same scenario isolating a follower is marked vacuous (and fails), never a silent pass', () => {
    const text = BASE.replace('target: leader', 'target: a-follower');
    for (const seed of SEEDS) {
      const r = run(text, seed);
      const v = verdictOf(r, 'new-leader-within');
      expect(v.status).toBe('fail');
      expect(v.vacuous).toBe(true);
      expect(r.passed).toBe(false);
      expect(r.timeline.find((l) => l.category === 'fault')!.text).toMatch(/\(a-follower=n\d\)$/);
    }
  });

  it('a fixed node name passes only on seeds where that node led; otherwise vacuous', () => {
    const text = BASE.replace('target: leader', 'target: n1');
    let hits = 0;
    for (const seed of SEEDS) {
      const r = run(text, seed);
      const v = verdictOf(r, 'new-leader-within');
      if (firstLeader(r) === 'n1') {
        hits++;
        expect(v.status).toBe('pass');
      } else expect(v.vacuous).toBe(true);
    }
    expect(hits).toBeLessThan(SEEDS.length); // the newcomer's mistake shows on some seed
  });

  it('fails when no new leader can be elected (the checker can fail): 3 voters, leader and a follower crashed', () => {
    const text = `name: no-quorum
duration: 20s
topology:
  regions:
    - name: r
      dcs:
        - { name: d, nodes: [n1, n2, n3] }
raft: { voters: [n1, n2, n3] }
faults:
  - { at: 5s, kind: crash, node: a-follower, for: 10s }
  - { at: 5s, kind: crash, node: leader, for: 10s }
expect:
  - new-leader-within: 3s
`;
    const r = run(text, 1);
    const v = verdictOf(r, 'new-leader-within');
    expect(v.status).toBe('fail');
    expect(v.vacuous).toBeUndefined();
    expect(v.detail).toMatch(/a crash hit leader n\d \(term 1\) at 5\.00?s: no leader of a later term/);
  });

  it('a role that names nobody yet skips the fault, visibly', () => {
    const text = BASE.replace('at: 10s, kind: isolate', 'at: 0s, kind: isolate');
    const r = run(text, 1);
    expect(r.faults).toEqual({});
    expect(r.timeline.some((l) => l.text === 'skipped isolate leader: "leader" names no node now (no leader)')).toBe(true);
    expect(verdictOf(r, 'new-leader-within').vacuous).toBe(true);
  });

  it('partition the minority with the leader from the majority; {after, within} form', () => {
    const text = BASE.replace('{ at: 10s, kind: isolate, target: leader, for: 10s }', '{ at: 10s, kind: partition, sides: [[minority-with-leader], [majority-without-leader]], for: 10s }').replace(
      'new-leader-within: 5s',
      'new-leader-within: { after: 10s, within: 5s }',
    );
    const r = run(text, 4);
    expect(r.passed, JSON.stringify(r.expectations)).toBe(true);
    expect(r.timeline.find((l) => l.category === 'fault')!.text).toMatch(/^partition n\d\+n\d \| n\d\+n\d\+n\d for 10\.0s \(minority-with-leader=n\d\+n\d majority-without-leader=n\d\+n\d\+n\d\)$/);
  });

  it('the nemesis can aim at roles', () => {
    const text = BASE.replace(/faults:\n.*\n/, 'nemesis: { rate: 6/min, durationMin: 2s, durationMax: 4s, until: 20s, kinds: { isolate: 1, crash: 1 }, targets: [leader] }\n').replace('duration: 30s', 'duration: 40s');
    const r = run(text, 2);
    expect(r.timeline.filter((l) => l.category === 'fault').every((l) => /\(leader=n\d\)$/.test(l.text))).toBe(true);
    expect(verdictOf(r, 'new-leader-within').status).toBe('pass');
    expect(run(text, 2).traceHash).toBe(r.traceHash); // resolution is deterministic
  });

  it('validation: one-node slots take only one-node roles; roles need a raft section', () => {
    expect(() => parseScenario(BASE.replace('kind: isolate, target: leader', 'kind: crash, node: followers'), 'f.yaml')).toThrow(/faults\[0\]\.node: "followers" names several nodes/);
    expect(() => parseScenario(BASE.replace(/raft:\n.*\n/, '').replace(/expect:[\s\S]*$/, 'expect: []\n'), 'f.yaml')).toThrow(/role selectors .* need a `raft:` section/);
  });
});

describe('empty windows are vacuous', () => {
  it('leader-within whose window starts when the run ends is marked vacuous, not passed', () => {
    const text = BASE.replace('for: 10s', 'for: 20s').replace(/expect:[\s\S]*$/, 'expect:\n  - leader-within: 5s\n');
    const v = verdictOf(run(text, 1), 'leader-within');
    expect(v.vacuous).toBe(true);
    expect(v.detail).toMatch(/window starts at 30\.0s, when the run ends/);
    // With room after the faults, the same expectation is judged for real.
    expect(verdictOf(run(text.replace('duration: 30s', 'duration: 40s'), 1), 'leader-within').status).toBe('pass');
  });
});

describe('resolved roles written back', () => {
  it("a multi-node slot recorded as 'n1+n2' (what shrink materializes) loads and isolates both", () => {
    const text = BASE.replace('target: leader', 'target: n1+n2').replace(/expect:[\s\S]*$/, 'expect:\n  - raft-safety\n');
    const r = run(text, 1);
    expect(r.timeline.find((l) => l.category === 'fault')!.text).toBe('isolate n1+n2 for 10.0s');
    expect(() => parseScenario(BASE.replace('target: leader', 'target: n1+nX'), 'f.yaml')).toThrow(/unknown node, DC or region "n1\+nX"/);
  });
});
