/**
 * Issue 14: with `raft: { bootstrap: expect }` each server is hanode's whole ServerNode, and the
 * swim and failover modules configure its gossip and its HA service instead of building their own
 * (scenarios/swim-on-servers.yaml, scenarios/failover-on-servers.yaml).
 */
import { describe, expect, it } from 'vitest';
import type { ServerNode } from '../../src/core/node/index.ts';
import type { SwimNode } from '../../src/core/swim/index.ts';
import { loadScenarioFile, prepareRun, runScenario } from '../../src/scenario/index.ts';
import { parseScenario } from '../../src/scenario/load.ts';

type Parts = { serverNode?: ServerNode; swim?: SwimNode; ha?: unknown };
const failed = (file: string) =>
  runScenario(loadScenarioFile(file))
    .expectations.filter((v) => !v.passed)
    .map((v) => `${v.name}: ${v.detail}`);

describe('swim beside raft.bootstrap: expect (scenarios/swim-on-servers.yaml)', () => {
  const FILE = 'scenarios/swim-on-servers.yaml';

  it('passes: servers and agents converge in one pool after a crash, a partition and a pause', () => {
    expect(failed(FILE)).toEqual([]);
  });

  it("the servers gossip on their ServerNode's SWIM with the module's timings; agents on their own", () => {
    const r = prepareRun(loadScenarioFile(FILE));
    r.advanceTo(10_000_000);
    for (const s of ['s1', 's2', 's3']) {
      const app = r.world.app<Parts>(s)!;
      expect(app.swim).toBe(app.serverNode!.swim);
      expect(app.swim!.config.probeIntervalUs).toBe(500_000);
      expect(app.swim!.config.probeTimeoutUs).toBe(200_000);
      // One pool: every server lists the agents (members that are not servers) too.
      expect(app.serverNode!.members().map((m) => m.node).sort()).toEqual(['a1', 'a2', 'a3', 's1', 's2', 's3']);
    }
    for (const a of ['a1', 'a2', 'a3']) {
      const app = r.world.app<Parts>(a)!;
      expect(app.serverNode).toBeUndefined();
      expect(app.swim!.config.probeIntervalUs).toBe(500_000);
      expect(app.swim!.members().map((m) => m.node).sort()).toEqual(['a1', 'a2', 'a3', 's1', 's2', 's3']);
    }
    // bootstrap_expect counts servers only: Raft has exactly the three.
    expect([...r.world.app<Parts>('s1')!.serverNode!.raft()!.membership().voters].sort()).toEqual(['s1', 's2', 's3']);
  });
});

describe('failover beside raft.bootstrap: expect (scenarios/failover-on-servers.yaml)', () => {
  const FILE = 'scenarios/failover-on-servers.yaml';

  it("passes: ServerNode's HA service fails cb-east-1 over, no false failover, gossip reconverges", () => {
    expect(failed(FILE)).toEqual([]);
  });

  it("the HA service that runs is the ServerNode's (hanode's `ha`), on every server", () => {
    const r = prepareRun(loadScenarioFile(FILE));
    r.advanceTo(5_000_000);
    for (const s of ['e1a', 'e1b', 'e2a', 'e2b', 'w1a', 'w1b']) {
      const app = r.world.app<Parts>(s)!;
      expect(app.serverNode!.ha).toBeDefined();
      expect(app.ha).toBe(app.serverNode!.ha);
    }
  });

  it('refuses observers other than the voters, and learners (hanode has no permanent non-voters)', () => {
    const src = loadScenarioFile(FILE).source;
    expect(() => parseScenario(src.replace('  observers: [e1a, e1b, e2a, e2b, w1a, w1b]', '  observers: [e1a, e2a, w1a]'), FILE)).toThrow(/every server observes/);
    const learners = src.replace('  voters: [e1a, e1b, e2a, e2b, w1a, w1b]', '  voters: [e1a, e1b, e2a, e2b, w1a]\n  learners: [w1b]').replace('  expect: 6', '  expect: 5');
    expect(() => parseScenario(learners, FILE)).toThrow(/no permanent non-voters/);
  });
});
