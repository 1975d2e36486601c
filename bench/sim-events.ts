// The simulator's raw rate: events and message deliveries per second of wall time for a
// message-heavy workload (every node floods its peers with datagrams; no protocol logic).
// Targets: >= 2,000,000 events/s on one core (issue 2); >= 5,000,000 events/s with 30 nodes
// (issue 21). Printed, never asserted. The machine may be shared: the load average is printed,
// and events per CPU-second beside the wall-time rate.
import { loadavg } from 'node:os';
import { ms, sec, type Env } from '../src/core/env.ts';
import { World } from '../src/sim/index.ts';

function flood(nodes: number, virtualSec: number, periodUs: number, seed = 1) {
  const ids = Array.from({ length: nodes }, (_, i) => `n${i}`);
  const dcs = [0, 1, 2].map((d) => ({ name: `dc${d}`, nodes: ids.filter((_, i) => i % 3 === d) }));
  const world = new World({ seed, topology: { regions: [{ name: 'r1', dcs: dcs.slice(0, 2) }, { name: 'r2', dcs: dcs.slice(2) }] }, network: { loss: 0.01 } });
  world.setup((ctx) => {
    const env: Env = ctx.env('flood');
    let k = 0;
    const msg = { type: 'ping' };
    env.onMessage(() => {});
    return {
      start() {
        const tick = () => {
          // Each tick sends to 8 peers in rotation: message-heavy, allocation-light.
          for (let j = 0; j < 8; j++) {
            k = (k + 1) % nodes;
            if (ids[k] !== ctx.id) env.send(ids[k]!, msg);
          }
          env.after(periodUs, tick);
        };
        env.after(env.random.int(periodUs), tick);
      },
    };
  });
  world.start();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  world.run(sec(virtualSec));
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  // CPU seconds too: on a machine shared with other work, wall time mostly measures the others.
  return { wallS, cpuS: (c.user + c.system) / 1e6, ...world.stats };
}

flood(30, 2, ms(1)); // warm up the JIT
const rows: string[][] = [];
for (const [nodes, vsec] of [[30, 20], [300, 2]] as const) {
  const r = flood(nodes, vsec, ms(1));
  rows.push([
    String(nodes),
    `${vsec} s`,
    r.events.toLocaleString('en-US'),
    r.delivered.toLocaleString('en-US'),
    r.wallS.toFixed(2),
    Math.round(r.events / r.wallS).toLocaleString('en-US'),
    Math.round(r.delivered / r.wallS).toLocaleString('en-US'),
    Math.round(r.events / r.cpuS).toLocaleString('en-US'),
  ]);
}
const head = ['nodes', 'virtual', 'events', 'delivered', 'wall s', 'events/s', 'deliveries/s', 'events/cpu-s'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
console.log(`Simulator raw rate (one core; targets >= 2,000,000 events/s, >= 5,000,000 with 30 nodes; load average ${loadavg()[0]!.toFixed(1)})`);
console.log(line(head));
for (const r of rows) console.log(line(r));
