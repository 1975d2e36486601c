/**
 * Experiment 4 — scale. 1,000 members (LAN profile, healthy network) for 10 virtual
 * minutes, from a cold start (every node joins through 3 seeds at t = 0, the worst-case
 * join storm) with a little churn (4 crashes, each restarted a minute later). Budget: at
 * most 60 s of wall time on this machine. Prints wall and CPU time (the machine is shared:
 * CPU time is the steadier figure), simulator events and messages, and the final view.
 * Usage: node bin/run-ts.js bench/swim-scale.ts [n] [virtual minutes]
 */
import { sec } from '../src/core/env.ts';
import { buildCluster, converged, swimOf } from '../test/swim/harness.ts';
import { progress, table, timed } from './_swim-lib.ts';

const n = Number(process.argv[2] ?? 1000);
const minutes = Number(process.argv[3] ?? 10);
const BUDGET_S = 60;

const { world, names } = buildCluster({ n, seed: `scale-${n}`, config: { traceJoins: false } });
const rnd = world.rng('churn');
for (let i = 1; i <= 4; i++) {
  const victim = names[3 + rnd.int(n - 3)]!;
  const at = Math.round((sec(60 * minutes) * i) / 6);
  world.schedule([
    { at, fault: { kind: 'crash', node: victim } },
    { at: at + sec(60), fault: { kind: 'restart', node: victim } },
  ]);
}
let deaths = 0;
world.on((ev) => {
  if (ev.kind === 'swim.dead') deaths++;
});
const phases: (string | number)[][] = [];
const total = timed(() => {
  world.start();
  for (let m = 1; m <= minutes; m++) {
    const r = timed(() => world.run(sec(60 * m)));
    phases.push([`${m - 1}-${m} min`, r.wallS, r.cpuS, world.stats.events, world.stats.sent]);
    progress(`minute ${m}: wall ${r.wallS.toFixed(1)} s, cpu ${r.cpuS.toFixed(1)} s`);
  }
});
world.run(world.now() + sec(60)); // let the last restart settle before checking the view
const ok = converged(world, names, names);
const s = swimOf(world, 'n1')!;

console.log(`\nExperiment 4: ${n} members, ${minutes} virtual minutes (cold start + churn)\n`);
console.log(table(['virtual time', 'wall s', 'cpu s', 'events (cum.)', 'messages (cum.)'], phases));
console.log(
  `\ntotal wall ${total.wallS.toFixed(1)} s, cpu ${total.cpuS.toFixed(1)} s for ${minutes} virtual min ` +
    `(budget ${BUDGET_S} s): ${total.wallS <= BUDGET_S ? 'PASS' : 'OVER BUDGET'}` +
    `\nmessages per member per second: ${(world.stats.sent / n / (60 * minutes + 60)).toFixed(2)}; swim.dead observer events: ${deaths}` +
    `\nfinal view converged to all ${n} alive: ${ok}; n1 sees ${s.numLive()} live, health score ${s.healthScore()}`,
);
