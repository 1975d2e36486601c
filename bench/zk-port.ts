// bench/zk-port.ts: ZooKeeper clients (npm node-zookeeper-client) against hanode's --zk port
// (3 processes on loopback, file storage with fsync, clients spread over the servers) and, when
// Debian's zookeeper is installed, against a real ZooKeeper 3.8 (standalone: one process, no
// replication, its own fsync'd log). setData and getData of 100-byte values with 1 and 16
// concurrent sessions. Prints ops/s and p50 / p99 latency. Never asserts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll } from '../src/hanode/launcher.ts';
import { Zk } from '../test/hanode/zk-client.ts';
import { startZkCluster } from '../test/hanode/zk-cluster.ts';
import { realZooKeeperJar, startRealZooKeeper } from '../test/hanode/zk-real.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = [1, 16];
const VALUE = 'x'.repeat(100);

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(servers: readonly string[], op: 'setData' | 'getData', clients: number): Promise<string[]> {
  const zks = await Promise.all(Array.from({ length: clients }, (_, i) => Zk.connect(servers[i % servers.length]!)));
  const lat: number[] = [];
  let errors = 0;
  try {
    await Promise.all(zks.map((z, i) => z.create(`/bench-${i}`, VALUE)));
    const end = Date.now() + SECONDS * 1000;
    const t0 = Date.now();
    await Promise.all(
      zks.map(async (z, i) => {
        for (let k = 0; k < 10_000_000 && Date.now() < end; k++) {
          const s = process.hrtime.bigint();
          const r = op === 'setData' ? await z.setData(`/bench-${i}`, VALUE) : await z.getData(`/bench-${i}`);
          if (r.ok) lat.push(Number(process.hrtime.bigint() - s) / 1e6);
          else errors++;
        }
      }),
    );
    const secs = (Date.now() - t0) / 1000;
    await Promise.all(zks.map((z, i) => z.remove(`/bench-${i}`)));
    lat.sort((a, b) => a - b);
    return [op, String(clients), (lat.length / secs).toFixed(0), pct(lat, 50).toFixed(2), pct(lat, 99).toFixed(2), String(errors)];
  } finally {
    for (const z of zks) z.close();
  }
}

async function table(label: string, servers: readonly string[]): Promise<void> {
  await run(servers, 'setData', 4); // warm-up: JIT, connections, the first log segment
  const rows: string[][] = [];
  for (const op of ['setData', 'getData'] as const) {
    for (const c of CONCURRENCY) {
      process.stderr.write(`  ${label}: ${op}, ${c} session(s), ${SECONDS} s...\n`);
      rows.push(await run(servers, op, c));
    }
  }
  const head = ['op', 'sessions', 'ops/s', 'p50 ms', 'p99 ms', 'errors'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${label}`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

console.log(`ZooKeeper clients (node-zookeeper-client), ${VALUE.length}-byte values, ${SECONDS} s per row, 127.0.0.1`);
const root = mkdtempSync(join(tmpdir(), 'zk-bench-'));
try {
  process.stderr.write('starting 3 hanode processes with --zk...\n');
  const nodes = await startZkCluster(root);
  await table('hanode --zk: 3 servers (Raft, fsync), sessions spread over them', nodes.map((p) => p.zk));
  await killAll();
  const jar = realZooKeeperJar();
  if (!jar) console.log('\nreal ZooKeeper: not installed (apt-get install zookeeper), skipped');
  else {
    process.stderr.write('starting a real ZooKeeper...\n');
    const zk = await startRealZooKeeper(jar);
    try {
      await table('ZooKeeper 3.8 (Debian), standalone: 1 server, no replication', [zk.addr]);
    } finally {
      await zk.stop();
    }
  }
} finally {
  await killAll();
  rmSync(root, { recursive: true, force: true });
}
