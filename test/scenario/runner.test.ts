import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDeterminism, firstDivergence, loadScenarioFile, parseScenario, prepareRun, runScenario } from '../../src/scenario/index.ts';
import { runToJson } from '../../src/report/json.ts';

const DC = loadScenarioFile('scenarios/dc-failover.yaml');

describe('determinism', () => {
  it('same scenario + seed ⇒ the same trace hash; another seed ⇒ another', () => {
    const a = runScenario(DC, { seed: 11 });
    const b = runScenario(DC, { seed: 11 });
    const c = runScenario(DC, { seed: 12 });
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.stats.events).toBe(b.stats.events);
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  it('the two-run check finds no divergence on a real scenario', () => {
    const rep = checkDeterminism(loadScenarioFile('scenarios/faults/nemesis.yaml'), 3);
    expect(rep.identical).toBe(true);
    expect(rep.divergence).toBeUndefined();
    expect(rep.events[0]).toBeGreaterThan(1000);
    expect(rep.events[0]).toBe(rep.events[1]);
  });

  it('reports the first divergent event of two traces', () => {
    const t = runScenario(DC, { seed: 5, recordTrace: true }).trace!;
    const changed = t.map((e, i) => (i === 1234 ? { ...e, t: e.t + 1 } : e));
    const d = firstDivergence(t, changed)!;
    expect(d.index).toBe(1234);
    expect(JSON.parse(d.second).t).toBe(t[1234]!.t + 1);
    expect(firstDivergence(t, t.slice(0, 100))!.second).toBe('(end of trace)');
    expect(firstDivergence(t, [...t])).toBeUndefined();
  });
});

describe('prepareRun (the live view\'s runner)', () => {
  it('advancing step by step and asking for verdicts on the way gives the same run', () => {
    const sc = loadScenarioFile('test/scenario/fixtures/small-raft.yaml');
    const whole = runScenario(sc, { seed: 4 });
    const live = prepareRun(sc, { seed: 4 });
    let lines = 0;
    for (let t = 0; t <= sc.durationUs; t += 700_000) {
      live.advanceTo(t);
      for (let i = 0; i < 5; i++) live.step();
      const mid = live.verdicts();
      expect(mid[0]!.detail).toMatch(/so far/);
      lines += live.drainTimeline().length;
    }
    live.advanceTo(sc.durationUs);
    expect(live.step()).toBe(false); // nothing past the end
    const r = live.finish();
    expect(r.traceHash).toBe(whole.traceHash);
    expect(r.expectations.map((v) => v.passed)).toEqual(whole.expectations.map((v) => v.passed));
    expect(lines).toBeGreaterThan(0);
  });
});

describe('dc-failover, the advertised story', () => {
  const r = runScenario(DC);

  it('passes every expectation, with evidence', () => {
    expect(r.passed).toBe(true);
    const byKind = Object.fromEntries(r.expectations.map((v) => [v.kind, v]));
    expect(Object.keys(byKind).sort()).toEqual(['client-outage-within', 'failover-within', 'leader-within', 'no-broken-invariant', 'no-false-failover', 'raft-safety']);
    expect(byKind['failover-within']!.detail).toMatch(/cb-east-1 down at 1m10\.0s, declared DOWN at .*clients switched/);
  });

  it('tells the story on its timeline: the partition, the DC loss, the switch-over', () => {
    const text = r.timeline.map((i) => i.text);
    expect(text).toContain('partition east-2 | west-1 for 20.0s');
    expect(text).toContain('isolate east-1');
    expect(text).toContain('HA: group app switched clients cb-east-1 → cb-west-1');
    const sw = r.timeline.find((i) => i.text.startsWith('HA: group app'))!;
    expect(sw.t).toBeGreaterThan(70_000_000);
    expect(sw.t).toBeLessThan(85_000_000);
    // nothing failed over during the partition (30s..50s)
    expect(r.timeline.filter((i) => i.category === 'failover' && i.t < 70_000_000)).toEqual([]);
  });

  it('fills the --json contract', () => {
    const j = runToJson(r);
    expect(j).toMatchObject({ scenario: 'dc-failover', seed: 1, passed: true, faults: { partition: 1, isolate: 1 } });
    expect(j.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(j.stats.virtualTimeUs).toBe(120_000_000);
    expect(j.stats.events).toBeGreaterThan(10_000);
    expect(j.stats.messages).toBeGreaterThan(1000);
    for (const e of j.expectations) expect(Object.keys(e)).toEqual(expect.arrayContaining(['name', 'passed', 'detail']));
  });
});

describe('the library runs green on its own seeds', () => {
  const files = ['scenarios', 'scenarios/faults'].flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.yaml') && f !== 'dc-failover.yaml')
      .map((f) => join(d, f)),
  );
  it.each(files)('%s', (f) => {
    const r = runScenario(loadScenarioFile(f));
    const failed = r.expectations.filter((v) => !v.passed).map((v) => `${v.name}: ${v.detail}`);
    expect(failed).toEqual([]);
    expect(r.unavailable).toEqual([]);
  });
});

describe('checkers do not cry wolf', () => {
  it('a paused stale leader lacking a new lease does not count as the lease expiring', () => {
    const r = runScenario(loadScenarioFile('test/scenario/fixtures/lease-paused-leader.yaml'));
    const v = r.expectations.find((e) => e.kind === 'lease-expires-within')!;
    expect(v.detail).toMatch(/3 leases granted, 1 expired/);
    expect(r.passed).toBe(true);
  });
});

describe('failover-within judges real losses, not damped flaps', () => {
  it('a flapping target later lost for good passes on the loss', () => {
    const r = runScenario(loadScenarioFile('test/scenario/fixtures/failover-flap-then-loss.yaml'));
    const v = r.expectations.find((e) => e.kind === 'failover-within')!;
    expect(v.passed).toBe(true);
    expect(v.detail).toMatch(/^cb-east-1 down at 1m0\.0s, declared DOWN at /);
    // the flaps (20s..40s) were damped: no HA event before the loss
    expect(r.timeline.filter((i) => i.category === 'failover' && i.t < 60_000_000)).toEqual([]);
  });
});

describe('expectations can fail, with evidence', () => {
  it('a careless lock client breaks lock exclusivity', () => {
    const r = runScenario(loadScenarioFile('test/scenario/fixtures/careless-lock.yaml'));
    const v = r.expectations.find((e) => e.kind === 'lock-exclusive')!;
    expect(v.status).toBe('fail');
    expect(v.detail).toMatch(/believes it holds it .* while the servers hold it for/);
    expect(v.atUs).toBeGreaterThan(0);
    expect(r.passed).toBe(false);
  });

  it('a leader crash exceeds max-leader-changes: 0', () => {
    const sc = parseScenario(`duration: 10s
topology: { regions: [{ name: r, dcs: [{ name: d, nodes: [n1, n2, n3] }] }] }
raft: { voters: d }
faults:
  - { at: 2s, kind: crash, node: n1 }
  - { at: 2s, kind: crash, node: n2, for: 1s }
  - { at: 5s, kind: crash, node: n3, for: 1s }
expect:
  - max-leader-changes: 0
`);
    const v = runScenario(sc).expectations.find((e) => e.kind === 'max-leader-changes')!;
    expect(v.passed).toBe(false);
    expect(v.detail).toMatch(/elections → [1-9]\d* leader change/);
  });

  it('no quorum ⇒ no leader within the window, and availability drops', () => {
    const sc = parseScenario(`duration: 20s
topology: { regions: [{ name: r, dcs: [{ name: d, nodes: [n1, n2, n3, c1] }] }] }
raft: { voters: [n1, n2, n3] }
kv: { clients: [c1], rate: 20/s, timeout: 1s }
faults:
  - { at: 5s, kind: partition, sides: [[n1], [n2], [n3]] }
expect:
  - leader-within: { after: 5s, within: 10s }
  - availability: 99%
  - linearizable
`);
    const r = runScenario(sc);
    const by = Object.fromEntries(r.expectations.map((v) => [v.kind, v]));
    expect(by['leader-within']!.passed).toBe(false);
    expect(by['availability']!.passed).toBe(false);
    expect(by['linearizable']!.passed).toBe(true);
    expect(r.availability!.ratio).toBeLessThan(0.99);
  });
});
