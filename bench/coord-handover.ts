/**
 * Lock handover figures in virtual time, over many seeds, on a 3-server Raft cluster:
 *  - Consul-style lock (session TTL 10 s, LockDelay 1 s / 15 s): holder's node crashes →
 *    the next client acquires. Expected ≈ TTL x 2 (Consul's grace) + LockDelay after the last renew.
 *  - ZooKeeper-style lock recipe (session timeout 6 s): holder's node crashes → next holder.
 *  - Graceful release → next holder, both styles.
 * Run: node bin/run-ts.js bench/coord-handover.ts [runs]
 */
import { ms, sec, type Micros } from '../src/core/env.ts';
import { TreeLock } from '../src/core/coord/tree/recipes/index.ts';
import type { RpcResult } from '../src/core/coord/index.ts';
import type { StoreResult } from '../src/core/store/index.ts';
import { CoordCluster } from '../test/coord/cluster.ts';

const RUNS = Number(process.argv[2] ?? 30);
const s = (us: number) => (us / 1e6).toFixed(3);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

function consul(seed: number, lockDelayUs: Micros, crash: boolean): number | undefined {
  const c = new CoordCluster({ seed, clients: ['c1', 'c2'], checkMessages: false }).start();
  const w = c.world;
  c.waitLeader();
  const rpc = (id: string) => c.client(id).rpc;
  const prop = (id: string, cmd: never, done: (r: StoreResult | undefined) => void) =>
    rpc(id).call({ kind: 'propose', cmd }, (r: RpcResult) => done(r.ok ? (r.value as StoreResult) : undefined));
  const sessions: Record<string, string> = {};
  for (const id of ['c1', 'c2']) {
    prop(id, { type: 'catalog.register', node: id, checks: [{ checkId: 'serfHealth', status: 'passing' }] } as never, () =>
      prop(id, { type: 'session.create', input: { node: id, ttlUs: sec(10), lockDelayUs } } as never, (r) => {
        if (r?.ok && r.type === 'session.create') sessions[id] = r.session.id;
      }),
    );
  }
  w.runUntil(() => Object.keys(sessions).length === 2, w.now() + sec(10));
  // c1 renews every 5 s; c2 renews too and retries acquire every 100 ms once c1 holds.
  for (const id of ['c1', 'c2']) {
    const renew = () => {
      if (!w.isUp(id)) return;
      rpc(id).call({ kind: 'session.renew', id: sessions[id]! }, () => {});
      w.after(sec(5), renew);
    };
    w.after(sec(5), renew);
  }
  let held = false;
  prop('c1', { type: 'kv.acquire', key: 'L', value: 'c1', session: sessions.c1 } as never, (r) => (held = r?.type === 'kv.acquire' && r.ok && r.acquired));
  w.runUntil(() => held, w.now() + sec(5));
  w.runFor(sec(2) + w.rng('b').int(sec(5)));
  const t0 = w.now();
  if (crash) w.inject({ kind: 'crash', node: 'c1' });
  else prop('c1', { type: 'kv.release', key: 'L', session: sessions.c1 } as never, () => {});
  let got: Micros | undefined;
  const tryIt = () => {
    prop('c2', { type: 'kv.acquire', key: 'L', value: 'c2', session: sessions.c2 } as never, (r) => {
      if (r?.type === 'kv.acquire' && r.ok && r.acquired) got = w.now();
      else w.after(ms(100), tryIt);
    });
  };
  tryIt();
  w.runUntil(() => got !== undefined, w.now() + sec(120));
  return got === undefined ? undefined : got - t0;
}

function zk(seed: number, crash: boolean): number | undefined {
  const c = new CoordCluster({ seed, clients: ['c1', 'c2'], checkMessages: false }).start();
  const w = c.world;
  c.waitLeader();
  const z = ['c1', 'c2'].map((id) => c.client(id).zk.client(c.servers, { sessionTimeoutUs: sec(6) }));
  w.runUntil(() => z.every((x) => x.state() === 'connected'), w.now() + sec(10));
  let made = false;
  z[0]!.create('/L', '', 'persistent', () => (made = true));
  w.runUntil(() => made, w.now() + sec(5));
  const locks = z.map((x) => new TreeLock(x, '/L'));
  let h1 = false;
  locks[0]!.acquire((e) => (h1 = e === null));
  w.runUntil(() => h1, w.now() + sec(5));
  let got: Micros | undefined;
  locks[1]!.acquire((e) => e === null && (got = w.now()));
  w.runFor(sec(1) + w.rng('b').int(sec(3)));
  const t0 = w.now();
  if (crash) w.inject({ kind: 'crash', node: 'c1' });
  else locks[0]!.release(() => {});
  w.runUntil(() => got !== undefined, w.now() + sec(120));
  return got === undefined ? undefined : got - t0;
}

const rows: [string, number[], number][] = [];
const measure = (name: string, f: (seed: number) => number | undefined) => {
  const xs: number[] = [];
  let missing = 0;
  for (let seed = 1; seed <= RUNS; seed++) {
    if (seed % 10 === 0) console.error(`[coord-handover] ${name} ${seed}/${RUNS}`);
    const v = f(seed);
    if (v === undefined) missing++;
    else xs.push(v);
  }
  rows.push([name, xs, missing]);
};
measure('consul crash, TTL 10s, LockDelay 1s', (seed) => consul(seed, sec(1), true));
measure('consul crash, TTL 10s, LockDelay 15s', (seed) => consul(seed, sec(15), true));
measure('zk crash, session 6s', (seed) => zk(seed, true));
measure('consul release', (seed) => consul(seed, sec(15), false));
measure('zk release', (seed) => zk(seed, false));

console.log(`lock handover, virtual seconds, ${RUNS} seeds each`);
console.log(['case'.padEnd(40), 'p50', 'p90', 'max', 'missing'].join('\t'));
for (const [name, xs, missing] of rows) {
  console.log([name.padEnd(40), s(pct(xs, 0.5)), s(pct(xs, 0.9)), s(Math.max(...xs)), String(missing)].join('\t'));
}
const med = (n: string) => pct(rows.find((r) => r[0] === n)![1], 0.5);
console.log(`ratio crash handover consul(LockDelay 15s) / zk: ${(med('consul crash, TTL 10s, LockDelay 15s') / med('zk crash, session 6s')).toFixed(2)}`);
console.log(`ratio release handover consul / zk: ${(med('consul release') / med('zk release')).toFixed(2)}`);
