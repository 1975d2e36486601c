/**
 * Property: under a random nemesis (partitions, crashes with unsynced-write loss, pauses,
 * clock jumps, loss bursts), the composed server node never loses an acknowledged write,
 * every node's store agrees once the faults stop, and the cluster heals (one leader known
 * to all). Seeds come from fast-check, so a failure prints the one to replay.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { World } from '../../src/sim/index.ts';
import { ms, sec } from '../../src/core/env.ts';
import { ServerNode } from '../../src/core/node/index.ts';

const NODES = ['n1', 'n2', 'n3'];
/** The one region and DC these tests run in. */
const EU = { region: 'eu', dc: 'eu-1' } as const;

function run(seed: number): void {
  const world = World.lan(NODES, seed, { ...EU, network: { loss: 0.02, duplicate: 0.01, reorder: 0.05 }, disk: { unsyncedLoss: 0.5, tornWrite: 0.2 } });
  world.setup((ctx) => new ServerNode(ctx, { bootstrapExpect: 3, swim: { profile: 'local', seeds: ['n1', 'n2'] }, card: { host: ctx.id } }));
  world.start();
  const acked = new Map<string, string>();
  const rng = world.rng('clients');
  let n = 0;
  const tick = () => {
    const key = `k${rng.int(20)}`;
    const value = `v${n++}`;
    const up = NODES.filter((x) => world.isUp(x));
    const via = up.length > 0 ? rng.pick(up) : undefined;
    world.app<ServerNode>(via ?? 'n1')?.propose({ type: 'kv', cmd: { type: 'put', key, value } }, (r) => {
      if (r.ok) acked.set(`${r.index}`, `${key}=${value}`);
    });
    if (world.now() < sec(40)) world.after(ms(50), tick);
  };
  world.after(sec(3), tick);
  world.nemesis({ ratePerMin: 12, durationMin: sec(1), durationMax: sec(6), until: sec(40) });
  world.run(sec(40));
  // Heal: everything back up, then time to converge.
  for (const x of NODES) if (!world.isUp(x)) world.inject({ kind: 'restart', node: x });
  world.run(sec(70));
  const leader = NODES.map((x) => world.app<ServerNode>(x)!.replicator.leader());
  expect(new Set(leader).size, `leaders known: ${leader.join(',')}`).toBe(1);
  expect(leader[0]).toBeDefined();
  // Every store covers every acknowledged index, and the three stores are identical.
  expect(acked.size, 'writes acknowledged during the run').toBeGreaterThan(50);
  const stores = NODES.map((x) => world.app<ServerNode>(x)!.store);
  const maxAcked = Math.max(0, ...[...acked.keys()].map(Number));
  for (const s of stores) expect(s.kv.revision()).toBeGreaterThanOrEqual(maxAcked);
  const dump = (i: number) => JSON.stringify(stores[i]!.kv.range('').map((e) => [e.key, e.value, e.modifyIndex]));
  expect(dump(1)).toBe(dump(0));
  expect(dump(2)).toBe(dump(0));
  // An acked write at index i of key k: the key's entry now was modified at >= i.
  for (const [idx, kv] of acked) {
    const key = kv.split('=')[0]!;
    const e = stores[0]!.kv.get(key);
    expect(e, `acked ${kv}@${idx}`).toBeDefined();
    expect(e!.modifyIndex).toBeGreaterThanOrEqual(Number(idx));
  }
}

describe('ServerNode under a nemesis', () => {
  it('loses no acknowledged write, converges and heals (property over seeds)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => run(seed)),
      { numRuns: 20 },
    );
  });
});
