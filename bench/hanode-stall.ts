// `npm run bench stall`: can readers stall a hanode leader? A 3-node cluster on loopback
// (real processes); the leader's longest event-loop stall (perf_hooks monitorEventLoopDelay,
// read from /v1/agent/metrics) and the Raft term before / after, under:
//   A. 10,000 parked long-polls on distinct keys (each re-polls when answered) + writes;
//   B. 10,000 parked long-polls on ONE key + writes to it (each write wakes all 10,000);
//   C. 3 concurrent ?recurse reads over ~52 MB (413 past the cap) and of ~7 MB prefixes (streamed).
// Compared with the election timeout (1 s, hashicorp/raft's default, agent.ts); target: a 5x
// margin. Prints figures, never asserts.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_RAFT_DEFAULTS } from '../src/hanode/agent.ts';
import { getJson, killAll, sleep, startAgent, waitUntil, type Proc } from '../src/hanode/launcher.ts';

const POLLERS = Number(process.env.BENCH_POLLERS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ELECTION_MS = (AGENT_RAFT_DEFAULTS.electionTimeoutMinUs ?? 1_000_000) / 1000;

interface Answer {
  status: number;
  index: number;
  bytes: number;
}

function request(agent: http.Agent, addr: string, method: string, path: string, body?: string, timeoutMs = 120_000): Promise<Answer> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method, path, agent, timeout: timeoutMs }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, index: Number(res.headers['x-consul-index'] ?? 0), bytes }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function metric(p: Proc, name: string): Promise<number> {
  const m = (await getJson(p.http, '/v1/agent/metrics')).body as { Gauges: { Name: string; Value: number }[] };
  return m.Gauges.find((g) => g.Name === name)?.Value ?? NaN;
}

async function cluster(tag: string): Promise<{ nodes: Proc[]; leader: Proc; root: string }> {
  const root = mkdtempSync(join(tmpdir(), `hanode-stall-${tag}-`));
  const n1 = await startAgent('s1', join(root, 's1'), ['--bootstrap-expect', '3', '--join', '127.0.0.1:1']);
  const rest = await Promise.all(['s2', 's3'].map((n) => startAgent(n, join(root, n), ['--bootstrap-expect', '3', '--join', n1.serf])));
  const nodes = [n1, ...rest];
  let leader: Proc | undefined;
  await waitUntil(async () => {
    for (const p of nodes) if ((await metric(p, 'hanode.raft.is_leader')) === 1) leader = p;
    return leader !== undefined;
  }, 'a leader', 30_000);
  return { nodes, leader: leader!, root };
}

async function terms(nodes: readonly Proc[]): Promise<number[]> {
  return Promise.all(nodes.map((p) => metric(p, 'hanode.raft.term')));
}

/** Samples the leader's recent-window maximum while a load runs: the phase's longest stall. */
function sampler(p: Proc): { end(): Promise<number> } {
  let max = 0;
  let stop = false;
  const loop = (async () => {
    for (let i = 0; i < 100_000 && !stop; i++) {
      const m = await metric(p, 'hanode.runtime.event_loop_delay_recent_max_ms').catch(() => 0);
      max = Math.max(max, m);
      if (process.env.STALL_TRACE) console.log(`  t=${Date.now() % 100_000} recent max ${m.toFixed(0)} ms, parked ${await metric(p, 'hanode.http.blocking_queries').catch(() => NaN)}`);
      await sleep(400);
    }
  })();
  return {
    async end() {
      stop = true;
      await loop;
      return Math.max(max, await metric(p, 'hanode.runtime.event_loop_delay_recent_max_ms').catch(() => 0));
    },
  };
}

async function report(label: string, c: { nodes: Proc[] }, termsBefore: number[], max: number, extra: string): Promise<void> {
  const after = await terms(c.nodes);
  const elections = Math.max(...after) - Math.max(...termsBefore);
  const margin = ELECTION_MS / Math.max(max, 1e-3);
  console.log(
    `${label.padEnd(48)} max stall ${max.toFixed(1).padStart(7)} ms  election timeout ${ELECTION_MS} ms  margin ${margin.toFixed(1)}x ${margin >= 5 ? '(>= 5x)' : '(BELOW 5x)'}  new terms ${elections}  load ${loadavg()[0]!.toFixed(1)}/${cpus().length} cpus  ${extra}`,
  );
}

async function longPolls(label: string, keyOf: (i: number) => string, writeKey: () => string, writesPerSec: number): Promise<void> {
  const c = await cluster(label.slice(0, 1));
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const wagent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    await request(wagent, c.leader.http, 'PUT', '/v1/kv/seed', 'x');
    const start = await request(wagent, c.leader.http, 'GET', '/v1/kv/seed');
    const before = await terms(c.nodes);
    let end = Number.POSITIVE_INFINITY;
    let answered = 0;
    let errors = 0;
    const poller = async (i: number) => {
      let index = start.index;
      for (let n = 0; n < 100_000 && Date.now() < end; n++) {
        try {
          const a = await request(agent, c.leader.http, 'GET', `/v1/kv/${encodeURIComponent(keyOf(i))}?index=${index}&wait=60s`);
          answered++;
          if (a.status !== 200 && a.status !== 404) await sleep(100);
          if (a.index > 0) index = a.index;
        } catch {
          errors++;
          await sleep(100);
        }
      }
    };
    // Phase 1: the long-polls arrive (in waves of 500 every 100 ms, as many clients starting up).
    const parking = sampler(c.leader);
    const t0 = Date.now();
    const polls: Promise<void>[] = [];
    for (let i = 0; i < POLLERS; i++) {
      polls.push(poller(i));
      if (i % 500 === 499) await sleep(100);
    }
    let parked = 0;
    await waitUntil(async () => (parked = await metric(c.leader, 'hanode.http.blocking_queries')) >= POLLERS * 0.99, 'the long-polls to park', 120_000).catch(() => undefined);
    const parkMs = Date.now() - t0;
    await report(`${label}: parking`, c, before, await parking.end(), `parked ${parked} in ${parkMs} ms`);
    // Phase 2: writes while they are parked; each answered poll re-polls at once.
    const before2 = await terms(c.nodes);
    const writing = sampler(c.leader);
    end = Date.now() + SECONDS * 1000;
    const answeredBefore = answered;
    let writes = 0;
    while (Date.now() < end - 500) {
      await request(wagent, c.leader.http, 'PUT', `/v1/kv/${encodeURIComponent(writeKey())}`, String(writes++)).catch(() => errors++);
      await sleep(1000 / writesPerSec);
    }
    await report(`${label}: writes`, c, before2, await writing.end(), `writes ${writes}, answers ${answered - answeredBefore}, errors ${errors}`);
    await killAll();
    await Promise.race([Promise.allSettled(polls), sleep(5000)]);
    agent.destroy();
    wagent.destroy();
  } finally {
    await killAll();
    rmSync(c.root, { recursive: true, force: true });
  }
}

/** The same figure with no load: what the machine alone costs (a busy shared machine shows here). */
async function idle(): Promise<void> {
  const c = await cluster('i');
  try {
    await sleep(2000);
    const before = await terms(c.nodes);
    const sample = sampler(c.leader);
    await sleep(SECONDS * 1000);
    await report('0. idle cluster (baseline)', c, before, await sample.end(), '');
  } finally {
    await killAll();
    rmSync(c.root, { recursive: true, force: true });
  }
}

async function recurse(): Promise<void> {
  const c = await cluster('r');
  try {
    const wagent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const value = 'v'.repeat(500 * 1024);
    const GROUPS = 7;
    const PER = 15;
    for (let g = 0; g < GROUPS; g++) for (let i = 0; i < PER; i++) await request(wagent, c.leader.http, 'PUT', `/v1/kv/big/${g}/${i}`, value);
    const totalMb = (GROUPS * PER * value.length) / 1024 / 1024;
    for (const [label, pathOf] of [
      [`C1. 3 x recurse over ${totalMb.toFixed(0)} MB (capped)`, () => '/v1/kv/big/?recurse'],
      [`C2. 3 x recurse of ${((PER * value.length) / 1024 / 1024).toFixed(1)} MB prefixes (streamed)`, (k: number) => `/v1/kv/big/${k % GROUPS}/?recurse`],
    ] as const) {
      await sleep(2500); // a quiet gap, so the phase's samples do not see the previous load
      const before = await terms(c.nodes);
      const sample = sampler(c.leader);
      const end = Date.now() + SECONDS * 1000;
      const statuses = new Map<number, number>();
      let bytes = 0;
      const reader = async (r: number) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        for (let n = 0; n < 10_000 && Date.now() < end; n++) {
          const a = await request(agent, c.leader.http, 'GET', (pathOf as (k: number) => string)(r + n)).catch(() => ({ status: 0, index: 0, bytes: 0 }));
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          bytes += a.bytes;
        }
        agent.destroy();
      };
      await Promise.all([0, 1, 2].map(reader));
      await report(label, c, before, await sample.end(), `answers ${[...statuses].map(([st, n]) => `${n}x${st}`).join(' ')}, ${(bytes / 1024 / 1024).toFixed(0)} MB read`);
    }
    wagent.destroy();
  } finally {
    await killAll();
    rmSync(c.root, { recursive: true, force: true });
  }
}

console.log(`hanode leader event-loop stalls (${POLLERS} long-polls, ${SECONDS} s per load; the leader's longest stall during each load).`);
console.log('A stall includes time the OS did not run the process: on a machine loaded past its cores the idle baseline is the floor.');
const phases = process.env.BENCH_PHASES ?? '0ABC';
if (phases.includes('0')) await idle();
let k = 0;
if (phases.includes('A')) await longPolls(`A. ${POLLERS} long-polls, distinct keys + writes`, (i) => `lp/${i}`, () => `lp/${(k = (k + 7919) % POLLERS)}`, 20);
if (phases.includes('B')) await longPolls(`B. ${POLLERS} long-polls, one key + writes`, () => 'hot', () => 'hot', 2);
if (phases.includes('C')) await recurse();
