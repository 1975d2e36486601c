// `npm run bench`: a 3-node hanode cluster on loopback (real processes, file storage with
// fsync on), KV writes (PUT /v1/kv) with 1, 16 and 64 concurrent clients, to the leader and
// through a follower (forwarded). Prints ops/s and p50 / p99 latency. Never asserts.
import http from 'node:http';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, killAll, startAgent, waitUntil, type Proc } from '../src/hanode/launcher.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = [1, 16, 64];
const VALUE = 'x'.repeat(100);

function put(agent: http.Agent, addr: string, key: string): Promise<number> {
  const [host, port] = addr.split(':');
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method: 'PUT', path: `/v1/kv/${encodeURIComponent(key)}`, agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(VALUE);
  });
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(addr: string, clients: number, seconds = SECONDS): Promise<{ ops: number; p50: number; p99: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const lat: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const worker = async (w: number) => {
    for (let i = 0; i < 1_000_000 && Date.now() < end; i++) {
      try {
        lat.push(await put(agent, addr, `bench/${clients}/${w}/${i % 1000}`));
      } catch {
        errors++;
      }
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
  const secs = (Date.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { ops: lat.length / secs, p50: pct(lat, 50), p99: pct(lat, 99), errors };
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
