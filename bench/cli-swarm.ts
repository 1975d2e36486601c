/**
 * Figures the issue asks for (issue 7, "Figures"):
 *   1. `hasim run scenarios/dc-failover.yaml --swarm 1000 --workers 2` — wall time (target ≤ 60 s);
 *   2. one seed of an hour of virtual time of dc-failover — wall time (target: a few seconds).
 * Also prints the single-thread cost per seed, so the swarm's parallel speed-up is visible.
 *
 *   node bin/run-ts.js bench/cli-swarm.ts [--runs 1000] [--workers 2] [--file scenarios/dc-failover.yaml]
 *
 * Progress goes to stderr. The machine is shared: the load average is printed with the figures.
 */
import { loadavg, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadScenarioFile, runScenario } from '../src/scenario/index.ts';
import { runSwarm, swarmSeeds } from '../src/swarm/index.ts';

function arg(name: string, d: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : d;
}

const file = arg('--file', 'scenarios/dc-failover.yaml');
const runs = Number(arg('--runs', '1000'));
const workers = Number(arg('--workers', '2'));

const rows: [string, string, string][] = [];
const load = () => loadavg()[0]!.toFixed(1);

// Single thread: a few seeds, to know the cost of one seed.
const sc = loadScenarioFile(file);
const singleSeeds = 20;
process.stderr.write(`single thread: ${singleSeeds} seeds of ${file}…\n`);
let t0 = performance.now();
let events = 0;
for (let s = 1; s <= singleSeeds; s++) events += runScenario(sc, { seed: s }).stats.events;
const perSeedMs = (performance.now() - t0) / singleSeeds;
rows.push([`1 seed of ${file} (${sc.durationUs / 1e6}s virtual), single thread`, `${perSeedMs.toFixed(1)} ms`, `${Math.round(events / singleSeeds)} events/seed`]);

// The swarm, as `hasim run FILE --swarm N --workers K` runs it.
process.stderr.write(`swarm: ${runs} seeds on ${workers} workers…\n`);
t0 = performance.now();
let last = 0;
const res = await runSwarm({
  file,
  seeds: swarmSeeds(runs, 1),
  workers,
  onProgress: (done) => {
    if (done - last >= Math.max(1, Math.floor(runs / 10))) {
      last = done;
      process.stderr.write(`  ${done}/${runs} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    }
  },
});
const swarmS = (performance.now() - t0) / 1000;
rows.push([`--swarm ${runs} --workers ${workers} on ${file}`, `${swarmS.toFixed(1)} s`, `${res.failed} failed; ${(runs / swarmS).toFixed(1)} runs/s; target ≤ 60 s: ${swarmS <= 60 ? 'met' : 'NOT met'}`]);
rows.push(['  speed-up over one thread', `${((perSeedMs * runs) / 1000 / swarmS).toFixed(2)}x`, `ideal ${workers}x`]);

// One seed, one hour of virtual time.
process.stderr.write('one seed, 1 h of virtual time…\n');
const hour = loadScenarioFile(file, { durationUs: 3_600_000_000 });
t0 = performance.now();
const h = runScenario(hour, { seed: 1 });
const hourS = (performance.now() - t0) / 1000;
rows.push([`1 seed, 1 h virtual (--duration 1h)`, `${hourS.toFixed(2)} s`, `${h.stats.events} events, ${h.stats.messages} messages; ${(3600 / hourS).toFixed(0)}x real time; passed=${h.passed}`]);

const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
console.log(`hasim CLI figures (${cpus().length} CPUs, load average ${load()} at the end)`);
console.log(`${'what'.padEnd(w[0]!)}  ${'time'.padStart(w[1]!)}  notes`);
for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0]!)}  ${b.padStart(w[1]!)}  ${c}`);
