/**
 * A scenario's learners really join (src/scenario/modules/raft-learner-join.ts): a leader
 * refuses membership changes until its term's first entry committed, so the single attempt
 * made at the instant of election was always refused and no run ever had a learner.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';

describe('raft learners join', () => {
  it('the learners of raft-learners-kv appear in a committed membership', () => {
    const joined = new Set<string>();
    runScenario(loadScenarioFile('scenarios/stress/raft-learners-kv.yaml'), {
      onEvent: (ev) => {
        if (ev.kind !== 'raft.config' || ev['committed'] !== true) return;
        const m = /learners=([\w,]+)/.exec(String(ev['members']));
        for (const l of m?.[1]?.split(',') ?? []) joined.add(l);
      },
    });
    expect([...joined].sort()).toEqual(['l1', 'l2']);
  });
});
