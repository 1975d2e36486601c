// `npm run bench`: a 3-node hanode cluster on loopback (real processes, file storage with
// fsync on), KV writes (PUT /v1/kv) with 1, 16 and 64 concurrent clients, to the leader and
// through a follower (forwarded). Prints ops/s and p50 / p99 latency. Never asserts.
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, killAll, startAgent, waitUntil, type Proc } from '../src/hanode/launcher.ts';
import { load, type Target } from './_http-load.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = [1, 16, 64];
const VALUE = 'x'.repeat(100);

/** PUT /v1/kv on one agent, 1,000 keys per concurrency level. */
function kvPut(addr: string, clients: number): Target {
  return { name: 'hanode', addr, method: 'PUT', path: (i) => `/v1/kv/${encodeURIComponent(`bench/${clients}/${i % 1000}`)}`, body: () => VALUE, ok: (s) => s === 200 };
}

function run(addr: string, clients: number, seconds = SECONDS) {
  return load(kvPut(addr, clients), clients, seconds);
}

/** The disk's own fsync latency (p50 of 100 small write+fsync): the floor of a durable commit. */
function fsyncP50(dir: string): number {
  const fd = openSync(join(dir, 'fsync-probe'), 'w');
  const lat: number[] = [];
  const buf = Buffer.alloc(256);
  for (let i = 0; i < 100; i++) {
    const t0 = process.hrtime.bigint();
    writeSync(fd, buf);
    fsyncSync(fd);
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  closeSync(fd);
  lat.sort((a, b) => a - b);
  return lat[50]!;
}

const root = mkdtempSync(join(tmpdir(), 'hanode-bench-'));
try {
  const diskMs = fsyncP50(root);
  process.stderr.write('starting 3 hanode processes...\n');
  const n1 = await startAgent('n1', join(root, 'n1'), ['--bootstrap-expect', '3']);
  const rest = await Promise.all(['n2', 'n3'].map((n) => startAgent(n, join(root, n), ['--bootstrap-expect', '3', '--join', n1.serf])));
  const nodes: Proc[] = [n1, ...rest];
  let leader: Proc | undefined;
  await waitUntil(async () => {
    const conf = (await getJson(n1.http, '/v1/operator/raft/configuration?stale')).body as { Servers: { Node: string; Leader: boolean }[] };
    const l = conf.Servers.find((s) => s.Leader);
    leader = nodes.find((p) => p.name === l?.Node);
    return leader !== undefined;
  }, 'a leader', 20_000);
  const follower = nodes.find((p) => p !== leader)!;
  // Warm-up (JIT, connections, the first segment file) so the first row is not a cold start.
  process.stderr.write('  warm-up...\n');
  await run(leader!.http, 16, 1);
  const rows: string[][] = [];
  for (const [label, target] of [['leader', leader!], ['follower (forwarded)', follower]] as const) {
    for (const c of CONCURRENCY) {
      process.stderr.write(`  ${label}, ${c} client(s), ${SECONDS} s...\n`);
      const r = await run(target.http, c);
      rows.push([label, String(c), r.ops.toFixed(0), r.p50.toFixed(2), `${(r.p50 / diskMs).toFixed(1)}x`, r.p99.toFixed(2), String(r.errors)]);
    }
  }
  const head = ['via', 'clients', 'ops/s', 'p50 ms', 'p50/fsync', 'p99 ms', 'errors'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`hanode KV PUT, 3 nodes on 127.0.0.1, file storage with fsync, ${VALUE.length}-byte values, ${SECONDS} s per row`);
  console.log(`disk: write+fsync p50 ${diskMs.toFixed(2)} ms (a commit needs the leader's and a follower's fsync); p50 column also as a multiple of it`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
} finally {
  await killAll();
  rmSync(root, { recursive: true, force: true });
}
