/**
 * Rebalancing in the simulated store: group g3 joins a store of g1 + g2 under write load.
 * Prints, per seed and summarised: keys held before the join, keys handed over (ideal 1/3),
 * time from the join to the ring being complete, and acknowledged writes lost (must be 0).
 * Run: node bin/run-ts.js bench/shard-rebalance.ts [runs]
 */
import { ms, sec } from '../src/core/env.ts';
import { GROUPS, LATE_GROUPS, SETTLE, lostWrites, shardCluster } from '../test/shard/harness.ts';

const RUNS = Number(process.argv[2] ?? 20);
const rows: { held: number; moved: number; tookUs: number; lost: number }[] = [];
for (let seed = 1; seed <= RUNS; seed++) {
  if (seed % 5 === 0) console.error(`[shard-rebalance] run ${seed}/${RUNS}`);
  const c = shardCluster(seed, sec(4), 'fake', true);
  c.world.run(SETTLE);
  // keys differ per seed (the ring is deterministic: the same keys would move the same way)
  let i = 0;
  const tick = () => {
    if (c.world.now() > sec(40)) return;
    const k = `s${seed}-k${i++}`;
    c.client()?.put(k, 'v', (r) => { if (r.ok) c.acked.set(k, 'v'); });
    c.world.after(ms(10), tick);
  };
  c.world.at(SETTLE, tick);
  c.world.run(sec(25));
  const primaries = ['g1', 'g2'].map((g) => c.primaryOf(g)!);
  const held = primaries.reduce((n, p) => n + (c.data(p)?.keys() ?? 0), 0);
  const joinAt = c.world.now();
  for (const n of LATE_GROUPS.g3!) c.world.inject({ kind: 'restart', node: n });
  c.world.runUntil(() => { const r = c.master()?.ringState(); return !!r && r.groups.includes('g3') && r.adding === null; }, sec(60));
  const tookUs = c.world.now() - joinAt;
  c.world.run(sec(45));
  c.client()!.refreshRoutes();
  c.world.run(sec(46));
  const moved = [...GROUPS.g1!, ...GROUPS.g2!].reduce((n, d) => n + (c.data(d)?.handedOver() ?? 0), 0);
  rows.push({ held, moved, tookUs, lost: lostWrites(c).length });
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`Rebalancing 2 -> 3 groups under writes every 10 ms, ${RUNS} seeds (vnodes 128, crc32+fmix)`);
console.log('seed  held  moved  moved/held  ideal  join->complete(s)  lost');
rows.forEach((r, i) => console.log(`${String(i + 1).padStart(4)}  ${String(r.held).padStart(4)}  ${String(r.moved).padStart(5)}  ${(r.moved / r.held).toFixed(3).padStart(10)}  0.333  ${(r.tookUs / 1e6).toFixed(3).padStart(17)}  ${String(r.lost).padStart(4)}`));
console.log(`mean moved/held ${mean(rows.map((r) => r.moved / r.held)).toFixed(3)} (ideal 1/3), mean join->complete ${(mean(rows.map((r) => r.tookUs)) / 1e6).toFixed(3)} s, lost ${rows.reduce((n, r) => n + r.lost, 0)}`);
