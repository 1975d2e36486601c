/** Every error of a scenario file, in file order; the docs' flow-map latency form is accepted. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/scenario/errors.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { hasim, scratchDir } from './run-hasim.ts';

const dir = scratchDir();

const TOPO = `
topology:
  regions:
    - name: us
      dcs:
        - { name: east-1, nodes: [n1, n2] }
        - { name: west-1, nodes: [n3] }
raft: { voters: [n1, n2, n3] }
`;

function errorsOf(text: string): string[] {
  try {
    parseScenario(text, 'f.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message.split('\n');
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario errors', () => {
  it('reports every error of the file in file order, not only the first', () => {
    const errs = errorsOf(`name: multi
bogus: 1
${TOPO}
faults:
  - { at: 5x, kind: crash, node: n1 }
  - { at: 6s, kind: crash, node: n9 }
  - { at: 7s, kind: crahs, node: n1 }
expect:
  - raft-safety
  - leader-whithin: 5s
`);
    expect(errs).toHaveLength(5);
    expect(errs[0]).toMatch(/^f\.yaml:2:1: bogus: unknown field/);
    expect(errs[1]).toMatch(/faults\[0\]\.at: expected a duration/);
    expect(errs[2]).toMatch(/faults\[1\]\.node: unknown node "n9"/);
    expect(errs[3]).toMatch(/faults\[2\]\.kind: expected one of/);
    expect(errs[4]).toMatch(/expect\[1\]: unknown expectation "leader-whithin"/);
    const lines = errs.map((e) => Number(/^f\.yaml:(\d+):/.exec(e)![1]));
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  });

  it('a single error is reported alone, as before', () => {
    expect(errorsOf(`${TOPO}\nfaults:\n  - { at: 1s, kind: crash, nod: n1 }\n`)).toEqual([expect.stringMatching(/faults\[0\]\.nod: unknown field \(did you mean "node"\?\)/)]);
  });

  it('accepts the docs\' latency example written in a flow map (commas inside the parentheses)', () => {
    const sc = parseScenario(`${TOPO}\nlatency:\n  overrides:\n    - { between: [east-1, west-1], dist: lognormal(60ms, 0.2) }\n    - { between: [n1, n2], dist: uniform(1ms, 2ms) }\n`, 'f.yaml');
    expect(sc.latency?.overrides?.[0]).toEqual({ between: ['east-1', 'west-1'], dist: { kind: 'lognormal', median: 60_000, sigma: 0.2 } });
    expect(sc.latency?.overrides?.[1]?.dist).toMatchObject({ kind: 'uniform' });
  });

  it('the CLI prints each error on its own line, exit 2', () => {
    const f = join(dir, 'two.yaml');
    writeFileSync(f, `${TOPO}\nfaults:\n  - { at: 5x, kind: crash, node: n1 }\n  - { at: 6s, kind: crash, node: n9 }\n`);
    const r = hasim('validate', f);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^hasim: .*two\.yaml:\d+:\d+: faults\[\d\]/);
  });
});
