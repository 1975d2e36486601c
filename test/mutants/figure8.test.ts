/**
 * The paper's Figure 8 played by a directed nemesis (src/scenario/modules/raft-figure8.ts,
 * scenarios/raft-figure8.yaml): it stays quiet on correct Raft, fires on the catalogue's
 * `figure8` pair (commitOldTerms + noElectionNoop), and with noElectionNoop alone shows the
 * liveness cost only (step (c) never commits the old entry).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenario, runScenario } from '../../src/scenario/index.ts';
import type { TraceEvent } from '../../src/sim/types.ts';
import { killingSeed } from '../support/killing-seed.ts';

const FILE = 'scenarios/raft-figure8.yaml';
const saved = process.env['HASIM_MUTANTS'];
afterEach(() => {
  if (saved === undefined) delete process.env['HASIM_MUTANTS'];
  else process.env['HASIM_MUTANTS'] = saved;
});

function run(mutants: string, seed = 8) {
  process.env['HASIM_MUTANTS'] = mutants;
  const steps: string[] = [];
  const r = runScenario(loadScenarioFile(FILE), { seed, onEvent: (ev: TraceEvent) => ev.kind === 'figure8' && steps.push(`${String(ev['round'])}${String(ev['step'])}`) });
  return { r, steps, safety: r.expectations.find((e) => e.kind === 'raft-safety')! };
}

describe('raft-figure8', () => {
  it('correct Raft: every round reaches (c), safety holds', () => {
    const { r, steps } = run('');
    expect(r.passed).toBe(true);
    expect(steps.filter((s) => s.endsWith('c')).length).toBe(4);
  });

  it('commitOldTerms + noElectionNoop: the old entry committed in (c) is overwritten in (d)', () => {
    const { safety, steps } = run('commitOldTerms,noElectionNoop');
    expect(safety.passed).toBe(false);
    expect(safety.detail).toMatch(/leader completeness/);
    expect(steps).toContain('0c');
  });

  it('noElectionNoop alone: safe, but the old entry never commits in (c) (no write of the new term)', () => {
    const { r, steps } = run('noElectionNoop');
    expect(r.passed).toBe(true);
    expect(steps.some((s) => s.endsWith('c'))).toBe(false);
  });

  it('commitOldTerms alone: 100 writes in (a) outrun one append (64 entries), so the no-op comes too late', () => {
    expect(killingSeed(20, (s) => run('commitOldTerms', s).safety.passed, (s) => run('', s).r.passed)).toBeDefined();
  });

  it('refuses figure8 without five voters', () => {
    const text = `name: x\nduration: 10s\ntopology: { regions: [{ name: eu, dcs: [{ name: d, nodes: [s1, s2, s3] }] }] }\nraft: { voters: [s1, s2, s3], figure8: { at: [1s] } }\n`;
    expect(() => parseScenario(text, 'inline.yaml')).toThrow(/five voters/);
  });
});
