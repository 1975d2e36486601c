import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenario, ScenarioError } from '../../src/scenario/index.ts';

const TOPO = `topology:
  regions:
    - name: eu
      dcs:
        - { name: eu-1, nodes: [n1, n2, n3] }
        - { name: eu-2, nodes: [n4] }
`;

function errorOf(text: string): ScenarioError {
  try {
    parseScenario(text, 'x.yaml');
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario validation', () => {
  it('names FILE:LINE:COL, the field path and what was expected', () => {
    const e = errorOf(`${TOPO}faults:
  - { at: 1s, kind: crash, node: n1 }
  - { at: 2s, kind: crash, node: n2 }
  - { at: soon, kind: crash, node: n3 }
`);
    expect(e.path).toBe('faults[2].at');
    expect(e.line).toBe(10);
    expect(e.col).toBe(11);
    expect(e.message).toBe('x.yaml:10:11: faults[2].at: expected a duration like "500ms", "2s" or "1m30s", got "soon"');
  });

  it('rejects unknown fields with a did-you-mean hint', () => {
    const e = errorOf(`${TOPO}faults:
  - { at: 1s, kind: crash, nod: n1 }
`);
    expect(e.path).toBe('faults[0].nod');
    expect(e.message).toMatch(/unknown field \(did you mean "node"\?\)/);
  });

  it('rejects unknown nodes and selectors, naming the known ones', () => {
    const e = errorOf(`${TOPO}faults:
  - { at: 1s, kind: isolate, target: eu-9 }
`);
    expect(e.path).toBe('faults[0].target');
    expect(e.message).toMatch(/unknown node, DC or region "eu-9"/);
  });

  it('rejects a fault time past the end of the run', () => {
    const e = errorOf(`duration: 10s\n${TOPO}faults:\n  - { at: 11s, kind: heal }\n`);
    expect(e.path).toBe('faults[0].at');
    expect(e.line).toBe(9);
  });

  it('rejects an expectation whose module is not configured', () => {
    const e = errorOf(`${TOPO}expect:\n  - raft-safety\n`);
    expect(e.path).toBe('expect[0]');
    expect(e.message).toMatch(/checked by the raft module: add a `raft:` section/);
  });

  it('rejects unknown expectations, listing the known ones', () => {
    const e = errorOf(`${TOPO}raft: { voters: [eu-1] }\nexpect:\n  - raft-safty\n`);
    expect(e.message).toMatch(/unknown expectation "raft-safty"; expected one of: .*raft-safety/);
  });

  it('rejects duplicate names in the topology', () => {
    const e = errorOf(`topology:\n  regions:\n    - name: eu\n      dcs:\n        - { name: eu, nodes: [n1] }\n`);
    expect(e.path).toBe('topology.regions[0].dcs[0].name');
    expect(e.message).toMatch(/used twice/);
  });

  it('reports YAML syntax errors with a position', () => {
    const e = errorOf('topology: [\n');
    expect(e.message).toMatch(/^x\.yaml:\d+:\d+: .*invalid YAML/);
  });

  it('rejects bad latency text', () => {
    const e = errorOf(`${TOPO}latency:\n  sameDc: gauss(1ms)\n`);
    expect(e.path).toBe('latency.sameDc');
    expect(e.message).toMatch(/uniform\(20ms, 40ms\)/);
  });

  it('kv clients may not be Raft nodes', () => {
    const e = errorOf(`${TOPO}raft: { voters: [eu-1] }\nkv: { clients: [n1] }\n`);
    expect(e.path).toBe('kv.clients');
  });

  it('parses a full scenario into simulator data', () => {
    const sc = parseScenario(`name: s\nduration: 1m30s\n${TOPO}raft: { voters: eu-1 }
faults:
  - { at: 20s, kind: partition, sides: [[eu-1], [eu-2]], oneWay: true, for: 5s }
  - { at: 10s, kind: clock, node: n2, skew: -50ms, drift: 0.001 }
nemesis: { rate: 6/min, durationMin: 1s, durationMax: 3s, until: 1m }
expect:
  - raft-safety
  - leader-within: { after: 30s, within: 10s }
  - max-leader-changes: 3
`);
    expect(sc.durationUs).toBe(90_000_000);
    // Sorted by time.
    expect(sc.faults.map((f) => f.at)).toEqual([10_000_000, 20_000_000]);
    expect(sc.faults[0]!.fault).toEqual({ kind: 'clock', node: 'n2', skew: -50_000, drift: 0.001 });
    expect(sc.faults[1]!.fault).toEqual({ kind: 'partition', sides: [['eu-1'], ['eu-2']], oneWay: true, for: 5_000_000 });
    expect(sc.nemesis).toEqual({ ratePerMin: 6, durationMin: 1_000_000, durationMax: 3_000_000, until: 60_000_000 });
    expect(sc.expectations.map((e) => e.kind)).toEqual(['raft-safety', 'leader-within', 'max-leader-changes']);
    expect(sc.modules.get('raft')).toMatchObject({ voters: ['n1', 'n2', 'n3'] });
  });
});

describe('the scenario library', () => {
  const dirs = ['scenarios', 'scenarios/faults'];
  const files = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.yaml')).map((f) => join(d, f)));

  it('has the files the issue asks for', () => {
    for (const f of ['dc-failover', 'raft-partitions', 'swim-flaky-wan', 'lease-expiry', 'lock-under-partition', 'shard-primary-failover']) {
      expect(files).toContain(`scenarios/${f}.yaml`);
    }
    for (const k of ['partition', 'isolate', 'heal', 'crash', 'restart', 'pause', 'resume', 'clock', 'loss', 'duplicate', 'reorder', 'slow-link', 'slow-node', 'forge']) {
      expect(files).toContain(`scenarios/faults/${k}.yaml`);
    }
  });

  it.each(files)('%s validates and says what it shows in a leading comment', (f) => {
    const sc = loadScenarioFile(f);
    expect(sc.source.startsWith('#'), 'starts with a comment').toBe(true);
    expect(sc.expectations.length).toBeGreaterThan(0);
  });
});
