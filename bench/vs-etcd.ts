// hanode against etcd on the same machine, one harness for both (bench/_http-load.ts): a
// 3-member etcd (the `etcd` on PATH, e.g. Debian's etcd-server; its JSON gateway, POST
// /v3/kv/put) and a 3-node hanode (PUT /v1/kv), both clusters up at once on 127.0.0.1, fsync on
// in both (etcd's default; hanode's file storage always syncs, the Raft log's fsync on libuv's
// thread pool with group commit: FileStorage.syncAsync). Closed-loop clients on HTTP/1.1
// keep-alive, 256-byte values over 10,000 keys, the leader targeted, 1 / 16 / 64 clients.
// Runs are interleaved (etcd, hanode, etcd, ...) and the whole sweep runs twice, the second
// pass in reverse order, so drift in the machine's load shows as a pass-to-pass difference
// rather than as a difference between the systems. Prints "pass 1 / pass 2" per cell and the
// hanode/etcd ratios. Skips (exit 0) when no etcd is on PATH. Never asserts.
// BENCH_SECONDS (default 8) sets the time per point.
//
// Figures, what changed for them and what limits them: docs/performance.md (2-core machine shared
// with other jobs, so the load average matters as much as the code).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, killAll, startAgent, waitUntil, type Proc } from '../src/hanode/launcher.ts';
import { EtcdCluster, etcdVersion } from './_etcd-cluster.ts';
import { load, type LoadResult, type Target } from './_http-load.ts';
import { cpuMs } from './_proc-cpu.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = [1, 16, 64];
const KEYS = 10_000;
const VALUE = 'v'.repeat(256);
/**
 * The arguments every hanode of the cluster gets beyond node name, data dir and ports: the one
 * place to add cluster-security flags (e.g. --insecure-cluster, or --encrypt KEY) should
 * multi-node hanode require them. etcd runs plain HTTP between members here, so the fair
 * comparison is hanode without gossip/Raft encryption.
 */
const HANODE_ARGS = (join?: string): string[] => ['--bootstrap-expect', '3', '--insecure-cluster', ...(join ? ['--join', join] : [])];
/** The launcher hands every agent its test cluster key in HANODE_ENCRYPT: an empty one means none. */
const HANODE_ENV = { HANODE_ENCRYPT: '' };

const version = etcdVersion();
if (version === undefined) {
  console.log('vs-etcd: skipped: no `etcd` on PATH (Debian/Ubuntu: apt-get install etcd-server)');
  process.exit(0);
}

const keyOf = (i: number) => `bench/k${String(i % KEYS).padStart(5, '0')}`;
const hanodePaths = Array.from({ length: KEYS }, (_, i) => `/v1/kv/${keyOf(i)}`);
const b64Value = Buffer.from(VALUE).toString('base64');
const etcdBodies = Array.from({ length: KEYS }, (_, i) => JSON.stringify({ key: Buffer.from(keyOf(i)).toString('base64'), value: b64Value }));

function hanodeTarget(addr: string): Target {
  return { name: 'hanode', addr, method: 'PUT', path: (i) => hanodePaths[i % KEYS]!, body: () => VALUE, ok: (s) => s === 200 };
}

function etcdTarget(addr: string): Target {
  return { name: 'etcd', addr, method: 'POST', path: () => '/v3/kv/put', body: (i) => etcdBodies[i % KEYS]!, ok: (s) => s === 200 };
}

async function hanodeLeader(nodes: Proc[]): Promise<Proc> {
  let leader: Proc | undefined;
  await waitUntil(async () => {
    const conf = (await getJson(nodes[0]!.http, '/v1/operator/raft/configuration?stale')).body as { Servers: { Node: string; Leader: boolean }[] };
    const l = conf.Servers.find((s) => s.Leader);
    leader = nodes.find((p) => p.name === l?.Node);
    return leader !== undefined;
  }, 'a hanode leader', 30_000);
  return leader!;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const both = (a: number, b: number, f: (x: number) => string) => `${f(a)} / ${f(b)}`;

/** The machine's 1/5/15-minute load averages: on a shared machine they matter as much as the code. */
const load3 = () => loadavg().map((x) => x.toFixed(1)).join(' / ');
const loadAtStart = load3();
const root = mkdtempSync(join(tmpdir(), 'vs-etcd-'));
let etcd: EtcdCluster | undefined;
try {
  process.stderr.write(`starting 3 etcd ${version} members and 3 hanode processes...\n`);
  etcd = await EtcdCluster.start(join(root, 'etcd'));
  const n1 = await startAgent('n1', join(root, 'n1'), HANODE_ARGS(), undefined, HANODE_ENV);
  const rest = await Promise.all(['n2', 'n3'].map((n) => startAgent(n, join(root, n), HANODE_ARGS(n1.serf), undefined, HANODE_ENV)));
  const targets = { etcd: etcdTarget((await etcd.leader()).client), hanode: hanodeTarget((await hanodeLeader([n1, ...rest])).http) };
  // The processes of each system, for the CPU each write costs it (all three members together).
  const pids: Record<string, number[]> = { etcd: etcd.members.map((m) => m.child.pid!), hanode: [n1, ...rest].map((p) => p.child.pid!) };

  process.stderr.write('  warm-up...\n');
  for (const t of [targets.etcd, targets.hanode]) await load(t, 16, 1);

  // results[system][clients] = [pass 1, pass 2]
  const results = new Map<string, LoadResult[]>();
  const cpuPerWrite = new Map<string, number[]>(); // µs of CPU per write, same keys
  let counter = 0;
  const point = async (t: Target, clients: number) => {
    process.stderr.write(`  ${t.name}, ${clients} client(s), ${SECONDS} s...\n`);
    const cpu0 = cpuMs(pids[t.name]!);
    const r = await load(t, clients, SECONDS, counter);
    const cpu1 = cpuMs(pids[t.name]!);
    counter += 1_000_003; // each point starts at another key
    const k = `${t.name}/${clients}`;
    results.set(k, [...(results.get(k) ?? []), r]);
    const writes = r.ops * SECONDS;
    cpuPerWrite.set(k, [...(cpuPerWrite.get(k) ?? []), cpu0 === undefined || cpu1 === undefined || writes === 0 ? NaN : ((cpu1 - cpu0) * 1000) / writes]);
  };
  // Pass 1: 1, 16, 64 clients, etcd then hanode; pass 2: the exact reverse.
  const order = CLIENTS.flatMap((c) => [[targets.etcd, c], [targets.hanode, c]] as const);
  for (const [t, c] of order) await point(t, c);
  for (const [t, c] of [...order].reverse()) await point(t, c);

  const rows = CLIENTS.map((c) => {
    const [e1, e2] = results.get(`etcd/${c}`)!;
    const [h1, h2] = results.get(`hanode/${c}`)!;
    const ec = cpuPerWrite.get(`etcd/${c}`)!;
    const hc = cpuPerWrite.get(`hanode/${c}`)!;
    const us = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(0));
    return [
      String(c),
      both(e1!.ops, e2!.ops, (x) => x.toFixed(0)),
      both(h1!.ops, h2!.ops, (x) => x.toFixed(0)),
      both(h1!.ops / e1!.ops, h2!.ops / e2!.ops, (x) => x.toFixed(2)),
      both(e1!.p50, e2!.p50, ms),
      both(h1!.p50, h2!.p50, ms),
      both(e1!.p99, e2!.p99, ms),
      both(h1!.p99, h2!.p99, ms),
      both(h1!.p99 / e1!.p99, h2!.p99 / e2!.p99, (x) => x.toFixed(2)),
      both(ec[0]!, ec[1]!, us),
      both(hc[0]!, hc[1]!, us),
      `${e1!.errors + e2!.errors} / ${h1!.errors + h2!.errors}`,
      both((e1!.clientCpuUs + e2!.clientCpuUs) / 2, (h1!.clientCpuUs + h2!.clientCpuUs) / 2, us),
    ];
  });
  const head = ['clients', 'etcd w/s', 'hanode w/s', 'w/s h/e', 'etcd p50 ms', 'hanode p50 ms', 'etcd p99 ms', 'hanode p99 ms', 'p99 h/e', 'etcd cpu µs/w', 'hanode cpu µs/w', 'errors e / h', 'load gen µs/req e / h'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(`etcd ${version} vs hanode: 3 members each on 127.0.0.1, both up at once, fsync on, leader targeted,`);
  console.log(`HTTP/1.1 keep-alive, ${VALUE.length}-byte values over ${KEYS.toLocaleString('en-US')} keys, ${SECONDS} s a point; cells: pass 1 / pass 2 (reverse order)`);
  console.log('ratios h/e: hanode / etcd (w/s above 1 and p99 below 1 favour hanode)');
  console.log('cpu µs/w: CPU time (user + system) of the three member processes per write, /proc (Linux)');
  console.log(`load gen µs/req: CPU time of this load generator per request, mean of both passes (client: ${process.env.BENCH_HTTP_CLIENT === 'node' ? "Node's http module" : 'bench/_raw-http-client.ts'})`);
  console.log(`load average (1 / 5 / 15 min): ${loadAtStart} at the start, ${load3()} at the end`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
} finally {
  await killAll();
  await etcd?.stop();
  rmSync(root, { recursive: true, force: true });
}
