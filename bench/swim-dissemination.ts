/**
 * Experiment 3 — dissemination. One application broadcast from a random member of a
 * converged LAN cluster; time until it reached 50 %, 99 % and 100 % of the members, for
 * n = 16 … 1,000. Infection-style gossip should grow like log n: the last column divides
 * the 100 % time by log2 n and should stay roughly flat.
 * Usage: node bin/run-ts.js bench/swim-dissemination.ts [16,64,256,1000]
 */
import { sec, type NodeId } from '../src/core/env.ts';
import { LAN } from '../src/core/swim/index.ts';
import { swimOf } from '../test/swim/harness.ts';
import { mean, percentile, progress, sizesFromArgv, startConverged, table, timed } from './_swim-lib.ts';

const BROADCASTS = 8;
const sizes = sizesFromArgv([16, 64, 256, 1000]);
const rows: (string | number)[][] = [];

for (const n of sizes) {
  const r = timed(() => {
    progress(`n=${n}: starting`);
    const { world, names } = startConverged({ n, seed: `dissem-${n}` });
    world.run(world.now() + sec(5));
    const rnd = world.rng('origins');
    const got = new Map<string, number[]>(); // key -> arrival times (µs after send)
    let sentAt = 0;
    for (const x of names) {
      swimOf(world, x)!.onUser((_p, _o, key) => {
        got.get(key)!.push(world.now() - sentAt);
      });
    }
    const p50: number[] = [];
    const p99: number[] = [];
    const p100: number[] = [];
    for (let b = 0; b < BROADCASTS; b++) {
      const origin: NodeId = names[rnd.int(n)]!;
      const key = `b${b}`;
      got.set(key, []);
      sentAt = world.now();
      swimOf(world, origin)!.broadcast(key, { seq: b, note: 'health result' });
      const arrivals = got.get(key)!;
      const ok = world.runUntil(() => arrivals.length >= n - 1, sentAt + sec(60));
      if (!ok) throw new Error(`n=${n}: broadcast ${b} reached ${arrivals.length}/${n - 1}`);
      const all = [0, ...arrivals]; // the origin has it at 0
      p50.push(percentile(all, 50) / 1e3);
      p99.push(percentile(all, 99) / 1e3);
      p100.push(Math.max(...all) / 1e3);
      world.run(world.now() + sec(5));
    }
    return { p50, p99, p100 };
  });
  const { p50, p99, p100 } = r.value;
  const t100 = mean(p100);
  rows.push([n, BROADCASTS, mean(p50), mean(p99), t100, percentile(p100, 100), t100 / (LAN.gossipIntervalUs / 1e3), t100 / Math.log2(n), r.wallS]);
}

console.log(`\nExperiment 3: time for one broadcast to reach the members (ms), LAN profile (gossip every ${LAN.gossipIntervalUs / 1e3} ms to ${LAN.gossipNodes} nodes, piggyback on probes)\n`);
console.log(table(['n', 'broadcasts', 'p50 ms', 'p99 ms', '100% ms (mean)', '100% ms (max)', 'gossip rounds', '100% / log2 n', 'wall s'], rows));
