/**
 * Lock exclusivity with fencing under partitions, pauses, clock skew and crashes: Consul-style
 * lock clients on their own nodes, a 3-server Raft cluster, a fenced resource. Whatever the
 * faults, no two clients act with the same token and a stale holder is fenced off.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { LockExclusivityChecker } from '../../src/sim/checkers/lock-exclusivity.ts';
import { CoordCluster, type CoordClusterOptions } from './cluster.ts';
import { LockHistory } from '../../src/sim/checkers/lock-history.ts';
import type { World } from '../../src/sim/index.ts';
import { FencedResource, LockWorker, ZkLockWorker } from './lock-workload.ts';
import { ZkClientHost } from '../../src/core/coord/tree/index.ts';

const CLIENTS = ['c1', 'c2', 'c3'];

/** A cluster whose servers' grants of `key` go to the checker (the server-side lock history). */
function lockCluster(seed: number, key: string, extra: Partial<CoordClusterOptions> = {}) {
  const checker = new LockExclusivityChecker();
  let world: World | undefined;
  const history = new LockHistory([key], checker, () => world!.now());
  const c = new CoordCluster({ seed, clients: [], others: [...CLIENTS, 'r1'], watchStore: (s) => history.watch(s), ...extra });
  world = c.world;
  return { c, checker };
}

function runLocks(seed: number, opts: { nemesisPerMin: number; untilUs: number; runUs: number; zk?: boolean }) {
  const { c, checker } = lockCluster(seed, 'locks/db', { network: { loss: 0.01 } });
  const w = c.world;
  w.setup((ctx) => ({ res: new FencedResource(ctx.env('resource'), w, checker) }), ['r1']);
  w.setup((ctx) => {
    const base = { key: 'locks/db', resource: 'r1', ttlUs: sec(10), lockDelayUs: sec(2), servers: c.servers, actions: [1, 30] as const };
    const worker = opts.zk
      ? new ZkLockWorker(new ZkClientHost(ctx.env('zk')), ctx.env('resource'), w, checker, { ...base, ttlUs: sec(6), dir: '/locks' }, ctx.restarts)
      : new LockWorker(ctx.env('coordrpc'), ctx.env('resource'), w, checker, base, ctx.restarts);
    return { worker, start: () => worker.start() };
  }, CLIENTS);
  c.start();
  if (opts.nemesisPerMin > 0) {
    w.nemesis({
      ratePerMin: opts.nemesisPerMin,
      kinds: { partition: 3, isolate: 2, pause: 2, clock: 2, crash: 1, loss: 1 },
      durationMin: sec(1),
      durationMax: sec(25),
      until: opts.untilUs,
    });
  }
  w.run(opts.runUs);
  return { verdict: checker.check(), faults: w.faultCounts(), c };
}

describe('lock exclusivity with fencing', () => {
  it('without faults the lock passes between clients with strictly increasing tokens', () => {
    const { verdict } = runLocks(1, { nemesisPerMin: 0, untilUs: 0, runUs: sec(60) });
    expect(verdict.violations).toEqual([]);
    expect(verdict.stats.acquisitions).toBeGreaterThan(5);
    expect(verdict.stats.fenced).toBe(0);
  });

  it('a partitioned holder keeps acting after its session died, and is fenced off', () => {
    // Find the holder, cut it off from the servers (not from the resource) for longer than
    // TTL x 2 + lock delay, and let another client take over.
    const { c, checker } = lockCluster(7, 'k');
    const w = c.world;
    w.setup((ctx) => ({ res: new FencedResource(ctx.env('resource'), w, checker) }), ['r1']);
    const workers = new Map<string, LockWorker>();
    w.setup((ctx) => {
      const worker = new LockWorker(ctx.env('coordrpc'), ctx.env('resource'), w, checker, { key: 'k', resource: 'r1', ttlUs: sec(10), lockDelayUs: sec(2), servers: c.servers, actions: [100, 100] }, ctx.restarts);
      workers.set(ctx.id, worker);
      return { worker, start: () => worker.start() };
    }, CLIENTS);
    c.start();
    w.runUntil(() => checker.observations().some((o) => o.kind === 'act'), sec(10));
    const first = checker.observations().find((o) => o.kind === 'act');
    const holder = first!.kind === 'act' ? first!.client.split('#')[0]! : '';
    w.inject({ kind: 'partition', sides: [[holder], c.servers], for: sec(40) });
    w.run(w.now() + sec(60));
    const v = checker.check();
    expect(v.violations).toEqual([]);
    expect(v.stats.acquisitions).toBeGreaterThan(1);
    // The old holder acted on while another held the lock, and the resource fenced it.
    expect(v.stats.fenced).toBeGreaterThan(0);
  });

  it('the checker catches an unfenced resource and a reused token', () => {
    const k = new LockExclusivityChecker();
    k.record({ kind: 'act', t: 3, client: 'b', key: 'k', token: 2, accepted: true });
    k.record({ kind: 'act', t: 4, client: 'a', key: 'k', token: 1, accepted: true });
    k.record({ kind: 'act', t: 5, client: 'c', key: 'k', token: 2, accepted: true });
    const v = k.check();
    expect(v.ok).toBe(false);
    expect(v.violations.join('\n')).toMatch(/accepted stale token 1/);
    expect(v.violations.join('\n')).toMatch(/token 2, already used by b/);
  });

  it('property: under random partitions, pauses, clock skew, crashes and loss bursts, tokens are unique and fencing holds', () => {
    let totals = { runs: 0, acquisitions: 0, fenced: 0, faults: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const { verdict, faults } = runLocks(seed, { nemesisPerMin: 8, untilUs: sec(90), runUs: sec(120) });
        totals = {
          runs: totals.runs + 1,
          acquisitions: totals.acquisitions + verdict.stats.acquisitions,
          fenced: totals.fenced + verdict.stats.fenced,
          faults: totals.faults + Object.values(faults).reduce((a, b) => a + b, 0),
        };
        if (!verdict.ok) throw new Error(`seed ${seed}: ${verdict.violations.join('; ')}`);
        // The system made progress after the faults stopped.
        expect(verdict.stats.acquisitions).toBeGreaterThan(0);
      }),
      { numRuns: 30, seed: 20261123 },
    );
    console.log('lock exclusivity totals', totals);
  });

  it('property: the ZooKeeper lock recipe (token = lock node czxid) under the same faults', () => {
    let totals = { runs: 0, acquisitions: 0, fenced: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const { verdict } = runLocks(seed, { nemesisPerMin: 8, untilUs: sec(90), runUs: sec(120), zk: true });
        totals = {
          runs: totals.runs + 1,
          acquisitions: totals.acquisitions + verdict.stats.accepted,
          fenced: totals.fenced + verdict.stats.fenced,
        };
        if (!verdict.ok) throw new Error(`seed ${seed}: ${verdict.violations.join('; ')}`);
        // The tree recipe's grants are lock nodes, not KV locks: progress is accepted actions.
        expect(verdict.stats.accepted).toBeGreaterThan(0);
      }),
      { numRuns: 20, seed: 99 },
    );
    console.log('zk lock exclusivity totals', totals);
  });
});
