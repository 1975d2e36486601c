/**
 * Experiment 2 — false positives. Healthy members wrongly declared dead per hour, plain
 * SWIM with suspicion (Lifeguard off) versus Lifeguard, under:
 *  - slow: a few members whose message handling is delayed 1–8 s (well past the 500 ms
 *    probe timeout) in random spells, as under CPU starvation (the simulator's slow-node);
 *  - loss: 5 % / 10 % random loss on every link, both channels (the simulator's loss fault,
 *    so the reliable fallback ping is lossy too);
 *  - slow + 10 % loss.
 * A healthy member is one that is never slow. A false positive is one (member, incarnation)
 * declared dead by someone; "observer events" counts every member that traced it.
 * Usage: node bin/run-ts.js bench/swim-false-positives.ts [n] [virtual minutes]
 */
import { sec, type NodeId } from '../src/core/env.ts';
import type { World } from '../src/sim/index.ts';
import { buildCluster } from '../test/swim/harness.ts';
import { progress, table, timed } from './_swim-lib.ts';

const n = Number(process.argv[2] ?? 32);
const minutes = Number(process.argv[3] ?? 60);
const SLOW = 4;

interface Scenario {
  readonly name: string;
  readonly slow: boolean;
  readonly loss: number;
  /** memberlist DisableTcpPings: UDP-only probing, loss then hits every probe path. */
  readonly noFallback?: boolean;
}
const scenarios: Scenario[] = [
  { name: 'slow members', slow: true, loss: 0 },
  { name: '5% loss', slow: false, loss: 0.05 },
  { name: '10% loss', slow: false, loss: 0.1 },
  { name: '10% loss, UDP only', slow: false, loss: 0.1, noFallback: true },
  { name: 'slow + 10% loss', slow: true, loss: 0.1 },
];

function slowSpells(world: World, nodes: readonly NodeId[], untilUs: number): void {
  const rnd = world.rng('slow-spells');
  for (const node of nodes) {
    let t = sec(5) + rnd.int(sec(30));
    while (t < untilUs) {
      const spell = sec(10) + rnd.int(sec(50));
      const extra = sec(1) + rnd.int(sec(7));
      world.schedule([{ at: t, fault: { kind: 'slow-node', node, extra, for: spell } }]);
      t += spell + sec(10) + rnd.int(sec(50));
    }
  }
}

function runOne(s: Scenario, lifeguard: boolean): { fp: number; observers: number; suspicions: number; slowDeaths: number } {
  const { world, names } = buildCluster({ n, seed: `fp-${s.name}`, config: { lifeguard, traceJoins: false, reliableFallback: !s.noFallback } });
  const slow = new Set(s.slow ? names.slice(n - SLOW) : []);
  const durationUs = sec(60 * minutes);
  const start = sec(10);
  const deadPairs = new Set<string>();
  const slowPairs = new Set<string>();
  let observers = 0;
  let suspicions = 0;
  world.on((ev) => {
    if (ev.t < start) return;
    const target = ev['target'] as NodeId | undefined;
    if (target === undefined) return;
    if (ev.kind === 'swim.dead') {
      if (slow.has(target)) slowPairs.add(`${target}/${ev['inc']}`);
      else {
        deadPairs.add(`${target}/${ev['inc']}`);
        observers++;
      }
    } else if (ev.kind === 'swim.suspect' && !slow.has(target)) suspicions++;
  });
  world.start();
  if (s.loss > 0) world.schedule([{ at: start, fault: { kind: 'loss', p: s.loss } }]);
  if (s.slow) slowSpells(world, [...slow], start + durationUs);
  world.run(start + durationUs);
  return { fp: deadPairs.size, observers, suspicions, slowDeaths: slowPairs.size };
}

const rows: (string | number)[][] = [];
const perHour = 60 / minutes;
for (const s of scenarios) {
  const res: Record<string, ReturnType<typeof runOne>> = {};
  let wall = 0;
  for (const lg of [false, true]) {
    progress(`${s.name}, ${lg ? 'Lifeguard' : 'SWIM'}: ${n} nodes, ${minutes} virtual min`);
    const r = timed(() => runOne(s, lg));
    res[String(lg)] = r.value;
    wall += r.wallS;
  }
  const a = res['false']!;
  const b = res['true']!;
  const ratio = b.fp === 0 ? (a.fp === 0 ? 'n/a (0 vs 0)' : `>${a.fp}x (0 with Lifeguard)`) : `${(a.fp / b.fp).toFixed(1)}x`;
  rows.push([s.name, a.fp * perHour, b.fp * perHour, ratio, a.observers * perHour, b.observers * perHour, a.suspicions * perHour, b.suspicions * perHour, wall]);
}

console.log(`\nExperiment 2: healthy members wrongly declared dead per hour, ${n} nodes (${SLOW} slow when slow), LAN profile, ${minutes} virtual min each\n`);
console.log(
  table(['scenario', 'FP/h SWIM', 'FP/h Lifeguard', 'reduction', 'obs/h SWIM', 'obs/h LG', 'suspect/h SWIM', 'suspect/h LG', 'wall s'], rows),
);
console.log('\nLifeguard paper (Dadgar et al., DSN 2018): more than 50x fewer false positives. FP = distinct (member, incarnation) declared dead.');
