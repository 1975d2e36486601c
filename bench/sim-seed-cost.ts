/**
 * Where one seed's time goes, as a swarm worker runs it (the scenario loaded once, verdicts
 * only, JIT warmed up): building the world and the cores (prepareRun), the run itself (the
 * event loop with the cores' handlers), and the checkers and verdicts (finish). CPU time per
 * seed beside wall time: the machine may be shared (the load average is printed).
 *
 *   node bin/run-ts.js bench/sim-seed-cost.ts [--file scenarios/dc-failover.yaml] [--seeds 100]
 *
 * Issue 21's swarm goal (1,000 seeds of dc-failover in <= 12 s on 2 workers) needs a seed at
 * ~22 ms of CPU; bench/cli-swarm.ts times the swarm itself. Printed, never asserted.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadScenarioFile } from '../src/scenario/index.ts';
import { prepareRun } from '../src/scenario/runner.ts';

function arg(name: string, d: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : d;
}

const file = arg('--file', 'scenarios/dc-failover.yaml');
const seeds = Math.max(1, Number(arg('--seeds', '100')));
const WARM = 20;
const sc = loadScenarioFile(file);
const loadBefore = loadavg()[0]!;

const ms = { prepare: 0, run: 0, finish: 0 };
let events = 0;
let cpu = 0;
for (let s = 1; s <= WARM + seeds; s++) {
  const c0 = process.cpuUsage();
  const a = performance.now();
  const r = prepareRun(sc, { seed: s, verdictOnly: true });
  const b = performance.now();
  r.advanceTo(sc.durationUs);
  const c = performance.now();
  const res = r.finish();
  const d = performance.now();
  const used = process.cpuUsage(c0);
  if (s <= WARM) continue;
  ms.prepare += b - a;
  ms.run += c - b;
  ms.finish += d - c;
  events += res.stats.events;
  cpu += (used.user + used.system) / 1000;
}
const total = ms.prepare + ms.run + ms.finish;
const pct = (x: number) => `${((100 * x) / total).toFixed(1)} %`;
console.log(`One seed of ${file} (${sc.durationUs / 1e6} s virtual), ${seeds} seeds after ${WARM} to warm up; load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`);
console.log(`  build world and cores  ${(ms.prepare / seeds).toFixed(2).padStart(7)} ms  ${pct(ms.prepare)}`);
console.log(`  run (event loop)       ${(ms.run / seeds).toFixed(2).padStart(7)} ms  ${pct(ms.run)}`);
console.log(`  checkers and verdicts  ${(ms.finish / seeds).toFixed(2).padStart(7)} ms  ${pct(ms.finish)}`);
console.log(`  total wall             ${(total / seeds).toFixed(2).padStart(7)} ms; CPU ${(cpu / seeds).toFixed(2)} ms; ${Math.round(events / seeds)} events/seed, ${((cpu * 1000) / events).toFixed(2)} µs CPU/event`);
