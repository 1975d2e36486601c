// Where a hanode cluster spends its CPU under write load: starts 3 agents with V8's CPU profiler
// on (--cpu-prof through the launcher's HANODE_NODE_ARGS, written when an agent exits on SIGTERM), drives the leader with
// PROFILE_CLIENTS (default 64) closed-loop clients for BENCH_SECONDS (default 8) as bench/vs-etcd.ts
// does (256-byte values over 10,000 keys), stops the agents gracefully and prints, for the leader
// and one follower, the functions with the most self time and the CPU time per write.
// PROFILE_KEEP=1 keeps the .cpuprofile files (open them in Chrome DevTools) and prints where.
// PROFILE_CPU=0 runs without the profiler (figures only: an A/B of CPU per write between builds).
// Not part of `npm run bench` sweeps' figures: a diagnostic (docs/performance.md).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, killAll, startAgent, waitUntil, type Proc } from '../src/hanode/launcher.ts';
import { load } from './_http-load.ts';
import { cpuMs } from './_proc-cpu.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = Number(process.env.PROFILE_CLIENTS ?? 64);
const KEYS = 10_000;
const VALUE = 'v'.repeat(256);
const TOP = 30;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** Self time share per function (name + file:line), highest first. */
function summarise(file: string): string[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const total = prof.samples.length;
  const self = new Map<string, number>();
  let idle = 0;
  for (const n of prof.nodes) {
    const f = n.callFrame;
    const hits = n.hitCount ?? 0;
    if (f.functionName === '(idle)') idle += hits;
    const where = f.url === '' ? '' : ` ${f.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    const k = `${f.functionName || '(anonymous)'}${where}`;
    self.set(k, (self.get(k) ?? 0) + hits);
  }
  const busy = total - idle;
  const rows = [...self.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, TOP);
  return [`  ${total} samples, ${((busy / Math.max(1, total)) * 100).toFixed(0)} % busy; self time as % of busy:`, ...rows.map(([k, v]) => `  ${((v / Math.max(1, busy)) * 100).toFixed(1).padStart(5)} %  ${k}`)];
}

/** The leader's counters of Raft frames sent and of the socket writes that carried them. */
async function tcpCounters(p: Proc): Promise<{ frames: number; batches: number }> {
  const m = (await getJson(p.http, '/v1/agent/metrics')).body as { Counters: { Name: string; Count: number }[] };
  const c = (n: string) => m.Counters.find((x) => x.Name === n)?.Count ?? NaN;
  return { frames: c('hanode.net.tcp_frames_sent'), batches: c('hanode.net.tcp_write_batches') };
}

const root = mkdtempSync(join(tmpdir(), 'hanode-profile-'));
const profDir = join(root, 'prof');
const PROFILING = process.env.PROFILE_CPU !== '0';
const env = (name: string) => ({ HANODE_ENCRYPT: '', ...(PROFILING ? { HANODE_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${join(profDir, name)}` } : {}) });
/** PROFILE_AGENT_ARGS: more agent flags, space-separated (e.g. --raft-snapshot-threshold 1000000 to see a run without snapshots). */
const extra = (process.env.PROFILE_AGENT_ARGS ?? '').split(' ').filter((a) => a !== '');
const args = (joinAddr?: string) => ['--bootstrap-expect', '3', '--insecure-cluster', ...extra, ...(joinAddr ? ['--join', joinAddr] : [])];
let procs: Proc[] = [];
try {
  const n1 = await startAgent('n1', join(root, 'n1'), args(), undefined, env('n1'));
  procs = [n1, ...(await Promise.all(['n2', 'n3'].map((n) => startAgent(n, join(root, n), args(n1.serf), undefined, env(n)))))];
  let leader: Proc | undefined;
  await waitUntil(async () => {
    const conf = (await getJson(n1.http, '/v1/operator/raft/configuration?stale')).body as { Servers: { Node: string; Leader: boolean }[] };
    leader = procs.find((p) => p.name === conf.Servers.find((s) => s.Leader)?.Node);
    return leader !== undefined;
  }, 'a hanode leader', 60_000);
  const paths = Array.from({ length: KEYS }, (_, i) => `/v1/kv/bench/k${String(i).padStart(5, '0')}`);
  const target = { name: 'hanode', addr: leader!.http, method: 'PUT', path: (i: number) => paths[i % KEYS]!, body: () => VALUE, ok: (s: number) => s === 200 };
  await load(target, 16, 1);
  const pids = procs.map((p) => p.child.pid!);
  const cpu0 = cpuMs(pids);
  const net0 = await tcpCounters(leader!);
  const r = await load(target, CLIENTS, SECONDS, 7);
  const cpu1 = cpuMs(pids);
  const net1 = await tcpCounters(leader!);
  const writes = r.ops * SECONDS;
  console.log(`hanode, ${CLIENTS} clients, ${SECONDS} s: ${r.ops.toFixed(0)} w/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors}`);
  if (cpu0 !== undefined && cpu1 !== undefined) console.log(`cpu µs/w (3 processes): ${(((cpu1 - cpu0) * 1000) / writes).toFixed(0)}; load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
  const rss = procs.map((p) => {
    try {
      return `${p.name} ${(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024).toFixed(0)} MB`;
    } catch {
      return `${p.name} ?`;
    }
  });
  console.log(`resident memory after the run: ${rss.join(', ')}`);
  console.log(`leader's Raft frames a write: ${((net1.frames - net0.frames) / writes).toFixed(2)}, socket writes of frames a write: ${((net1.batches - net0.batches) / writes).toFixed(2)}`);
  // Graceful stop: the profiler writes its file when the process exits.
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.child.exitCode !== null) return resolve();
          p.child.once('exit', () => resolve());
          p.child.kill('SIGTERM');
        }),
    ),
  );
  const follower = procs.find((p) => p !== leader)!;
  for (const [role, p] of PROFILING ? ([['leader', leader!], ['follower', follower]] as const) : []) {
    const dir = join(profDir, p.name);
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    console.log(`\n${role} ${p.name}${process.env.PROFILE_KEEP === '1' ? ` (${files.map((f) => join(dir, f)).join(', ')})` : ''}:`);
    // The biggest file is the agent's own process (a launcher may leave a tiny one).
    const biggest = files.map((f) => join(dir, f)).sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0];
    if (biggest === undefined) console.log('  no profile written');
    else for (const l of summarise(biggest)) console.log(l);
  }
} finally {
  await killAll();
  if (process.env.PROFILE_KEEP !== '1') rmSync(root, { recursive: true, force: true });
}
