// Raft under a steady client load in the simulator: 5 nodes in one DC, 1,000 writes per virtual
// second (each from one of 50 sequential dedup clients) for 10 virtual minutes, default config
// (snapshots every 8,192 entries). Prints wall time, the virtual/real speed-up, messages per second
// (virtual and wall), commit latency, and whether every replica ended identical.
//
//   node bin/run-ts.js bench/raft-throughput.ts [virtualSeconds] [writesPerSecond]
import { ms, sec, type Micros } from '../src/core/env.ts';
import type { StateMachine } from '../src/core/sm.ts';
import { RaftNode } from '../src/core/raft/index.ts';
import { RaftSafetyChecker } from '../src/sim/checkers/raft-safety.ts';
import { World } from '../src/sim/index.ts';

const VIRTUAL_S = Number(process.argv[2] ?? 600);
const RATE = Number(process.argv[3] ?? 1000);
const CHECK = process.env.CHECK !== '0';
const IDS = ['n1', 'n2', 'n3', 'n4', 'n5'];
const CLIENTS = 50;

/** A small KV-like state machine: sum of values per key (so the state stays small). */
class Sums implements StateMachine<{ k: string; v: number }, number> {
  m = new Map<string, number>();
  apply(c: { k: string; v: number }): number {
    const x = (this.m.get(c.k) ?? 0) + c.v;
    this.m.set(c.k, x);
    return x;
  }
  snapshot(): unknown {
    return [...this.m.entries()];
  }
  restore(s: unknown): void {
    this.m = new Map(s as [string, number][]);
  }
}

interface App {
  raft: RaftNode<{ k: string; v: number }, number>;
  sm: Sums;
  start(): void;
}

const world = new World({
  seed: 42,
  topology: { regions: [{ name: 'r', dcs: [{ name: 'dc', nodes: IDS }] }] },
  latency: { sameDc: { kind: 'uniform', min: ms(0.2), max: ms(1) } },
});
const checker = new RaftSafetyChecker();
world.setup<App>((ctx) => {
  const sm = new Sums();
  const raft = new RaftNode<{ k: string; v: number }, number>(ctx.env('raft'), sm, { voters: IDS });
  if (CHECK) checker.attach(raft);
  return { raft, sm, start: () => raft.start() };
});
world.start();
world.runUntil(() => IDS.some((id) => world.app<App>(id)?.raft.isLeader()), sec(5));

const leader = () => IDS.map((id) => world.app<App>(id)?.raft).find((r) => r?.isLeader());
const latencies: number[] = [];
let done = 0;
let failed = 0;
const seqs = new Array<number>(CLIENTS).fill(0);
const busy = new Array<boolean>(CLIENTS).fill(false);
const periodUs = Math.round(sec(1) / RATE);
let next = 0;
const endUs = world.now() + sec(VIRTUAL_S);
const tick = () => {
  if (world.now() >= endUs) return;
  const c = next++ % CLIENTS;
  if (!busy[c]) {
    const l = leader();
    if (l) {
      busy[c] = true;
      const seq = ++seqs[c]!;
      const t0: Micros = world.now();
      l.propose({ k: `k${c % 10}`, v: 1 }, (r) => {
        busy[c] = false;
        if (r.ok) {
          done++;
          latencies.push(world.now() - t0);
        } else failed++;
      }, { client: `c${c}`, seq });
    }
  }
  world.after(periodUs, tick);
};
world.after(0, tick);

const sent0 = world.stats.sent;
const events0 = world.stats.events;
const wall0 = performance.now();
const v0 = world.now();
for (let t = v0 + sec(60); ; t += sec(60)) {
  world.run(Math.min(t, endUs));
  process.stderr.write(`  ${((world.now() - v0) / 1e6).toFixed(0)}/${VIRTUAL_S} virtual s, ${((performance.now() - wall0) / 1000).toFixed(1)} s wall, ${done} writes\n`);
  if (world.now() >= endUs) break;
}
world.runFor(sec(1));
const wallS = (performance.now() - wall0) / 1000;
const virtS = (world.now() - v0) / 1e6;
const msgs = world.stats.sent - sent0;
const events = world.stats.events - events0;
if (CHECK) checker.checkLogs(IDS.map((id) => world.app<App>(id)!.raft));
latencies.sort((a, b) => a - b);
const q = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! / 1000).toFixed(2);
const states = IDS.map((id) => JSON.stringify(world.app<App>(id)!.sm.snapshot()));
const l = leader()!;

const rows: [string, string][] = [
  ['nodes / offered load', `5 / ${RATE} writes per virtual s, ${CLIENTS} clients`],
  ['virtual time', `${virtS.toFixed(0)} s`],
  ['wall time', `${wallS.toFixed(1)} s`],
  ['speed-up (virtual / real)', `${(virtS / wallS).toFixed(1)}×`],
  ['writes committed / failed', `${done} / ${failed}`],
  ['messages', `${msgs} (${Math.round(msgs / virtS)} per virtual s, ${Math.round(msgs / wallS)} per wall s)`],
  ['messages per write', (msgs / Math.max(1, done)).toFixed(2)],
  ['sim events', `${events} (${Math.round(events / wallS)} per wall s)`],
  ['commit latency p50 / p99 / max', `${q(0.5)} / ${q(0.99)} / ${q(1)} ms`],
  ['leader term / commit / snapshot / first index', `${l.term()} / ${l.commitIndex()} / ${l.snapshotIndex()} / ${l.firstIndex()}`],
  ['replicas identical', String(states.every((s) => s === states[0]))],
  ['safety checker', CHECK ? (checker.ok() ? `ok (${checker.counts.applies} applies checked)` : checker.violations[0]!) : 'off (CHECK=0)'],
];
const w = Math.max(...rows.map((r) => r[0].length));
console.log('Raft throughput in the simulator');
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
