/**
 * Shard failover figures over many seeds (simulated): a group's primary crashes under a
 * steady write load; we measure crash -> standby promoted (master's decision), crash -> first
 * acknowledged write of that group again, and acknowledged writes lost (must be 0). Then the
 * master crashes: crash -> a new master acts.
 * Run: node bin/run-ts.js bench/shard-failover.ts [runs]
 */
import { ms, sec } from '../src/core/env.ts';
import { DEFAULT_SHARD_SERVER_CONFIG, DEFAULT_DATA_NODE_CONFIG } from '../src/core/shard/index.ts';
import { SERVERS, SETTLE, lostWrites, shardCluster } from '../test/shard/harness.ts';

const RUNS = Number(process.argv[2] ?? 50);
const SESSION_TTL = sec(4);
const s = (us: number) => (us / 1e6).toFixed(3);
const stats = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  return `${s(a[Math.floor(a.length / 2)]!)}  ${s(a[Math.min(a.length - 1, Math.floor(a.length * 0.99))]!)}  ${s(a[a.length - 1]!)}`;
};

const promote: number[] = [];
const writable: number[] = [];
const masterTake: number[] = [];
let lost = 0;
let acked = 0;
for (let seed = 1; seed <= RUNS; seed++) {
  if (seed % 10 === 0) console.error(`[shard-failover] run ${seed}/${RUNS}`);
  const c = shardCluster(seed, SESSION_TTL);
  c.world.run(SETTLE);
  const crashAt = sec(15) + seed * 13_007;
  const ackTimes: number[] = [];
  c.world.on((ev) => {
    if (ev.kind === 'shard.placement' && ev['change'] === 'primary' && ev['group'] === 'g1' && ev.t > crashAt && promote.length < seed) promote.push(ev.t - crashAt);
  });
  // writes aimed at g1 only, so "writable again" is about the failed group
  let i = 0;
  const tick = () => {
    if (c.world.now() > sec(30)) return;
    const cl = c.client();
    const k = `w${seed}-${i++}`;
    if (cl && cl.groupOf(k) === 'g1') {
      cl.put(k, 'v', (r) => { if (r.ok) { c.acked.set(k, 'v'); ackTimes.push(c.world.now()); } });
    }
    c.world.after(ms(10), tick);
  };
  c.client()!.refreshRoutes();
  c.world.at(SETTLE + ms(50), tick);
  c.world.run(crashAt);
  c.world.inject({ kind: 'crash', node: c.primaryOf('g1')! });
  c.world.run(sec(35));
  const firstAfter = ackTimes.find((t) => t > crashAt);
  if (firstAfter !== undefined) writable.push(firstAfter - crashAt);
  lost += lostWrites(c).length;
  acked += c.acked.size;
  // master failover
  const m = SERVERS.find((x) => c.world.app(x) === c.master())!;
  const mCrash = c.world.now();
  c.world.inject({ kind: 'crash', node: m });
  c.world.runUntil(() => { const nm = c.master(); return nm !== undefined && SERVERS.find((x) => c.world.app(x) === nm) !== m; }, mCrash + sec(30));
  masterTake.push(c.world.now() - mCrash);
}

console.log(`Shard failover, ${RUNS} seeds (3 servers, groups g1 of 3 and g2 of 2 data nodes, writes every 10 ms to g1)`);
console.log(`config: data-node heartbeat ${s(DEFAULT_DATA_NODE_CONFIG.heartbeatUs)}s, dead after ${s(DEFAULT_SHARD_SERVER_CONFIG.deadAfterUs)}s, master tick ${s(DEFAULT_SHARD_SERVER_CONFIG.tickUs)}s, registry session ${s(SESSION_TTL)}s\n`);
console.log('measure                                   p50    p99    max   (s)');
console.log(`primary crash -> standby promoted      ${stats(promote)}`);
console.log(`primary crash -> group writable again  ${stats(writable)}`);
console.log(`master crash  -> new master elected    ${stats(masterTake)}`);
console.log(`\nacknowledged writes ${acked}, lost ${lost}`);
console.log('expected: promotion ~ deadAfter + tick (+ heartbeat phase); master ~ session timeout + registry poll + re-list.');
console.log('a new master then listens deadAfter before acting (it adopts the newest configurations first).');
