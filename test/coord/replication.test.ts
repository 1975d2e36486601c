/**
 * The composite store as a replicated state machine: every replica converges to the same
 * state (snapshot-equal) through faults, Raft snapshots and restarts; runs are deterministic.
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { LockExclusivityChecker } from '../../src/sim/checkers/lock-exclusivity.ts';
import { CoordCluster, type ServerApp } from './cluster.ts';
import { FencedResource, LockWorker } from './lock-workload.ts';

const CLIENTS = ['c1', 'c2', 'c3'];

function run(seed: number, snapshotEvery: number) {
  const c = new CoordCluster({
    seed,
    clients: [],
    others: [...CLIENTS, 'r1'],
    raft: { snapshotThresholdEntries: snapshotEvery, snapshotTrailingEntries: 10 },
    disk: { unsyncedLoss: 0.5, tornWrite: 0.2 },
  });
  const checker = new LockExclusivityChecker();
  const w = c.world;
  w.setup((ctx) => ({ res: new FencedResource(ctx.env('resource'), w, checker) }), ['r1']);
  w.setup((ctx) => {
    const worker = new LockWorker(ctx.env('coordrpc'), ctx.env('resource'), w, checker, { key: 'k', resource: 'r1', ttlUs: sec(10), lockDelayUs: sec(1), servers: c.servers }, ctx.restarts);
    return { worker, start: () => worker.start() };
  }, CLIENTS);
  c.start();
  w.schedule([
    { at: sec(10), fault: { kind: 'crash', node: 'n1', for: sec(8) } },
    { at: sec(25), fault: { kind: 'isolate', target: 'n2', for: sec(10) } },
    { at: sec(40), fault: { kind: 'crash', node: 'n3', for: sec(5) } },
    { at: sec(50), fault: { kind: 'pause', node: 'n1', for: sec(4) } },
  ]);
  w.run(sec(70));
  return { c, w, checker };
}

describe('replicated coordination store', () => {
  it('all replicas converge to identical state through crashes, snapshots and restarts', () => {
    const { c, w, checker } = run(5, 40);
    expect(checker.check().violations).toEqual([]);
    // Stop the workload's effect on the comparison: let followers catch up.
    w.runUntil(() => {
      const idx = c.servers.map((id) => w.app<ServerApp>(id)!.store.appliedIndex());
      return idx.every((i) => i === idx[0]);
    }, w.now() + sec(5));
    const snaps = c.servers.map((id) => JSON.stringify(w.app<ServerApp>(id)!.store.snapshot()));
    for (const s of snaps) expect(s).toBe(snaps[0]);
    for (const id of c.servers) w.app<ServerApp>(id)!.store.checkInvariants();
    expect(w.app<ServerApp>('n1')!.store.appliedIndex()).toBeGreaterThan(100);
    // Raft compacted its logs: state came back from CoordStore snapshots.
    for (const id of c.servers) expect(w.storage(id, 'raft').first()).toBeGreaterThan(1);
  });

  it('the same seed gives the same run (trace hash)', () => {
    const a = run(9, 1000);
    const b = run(9, 1000);
    expect(a.w.traceHash()).toBe(b.w.traceHash());
    expect(a.checker.observations()).toEqual(b.checker.observations());
  });
});
