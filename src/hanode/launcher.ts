/**
 * Runs real `hanode agent` processes on 127.0.0.1 (the proof tests and the benches): spawn,
 * parse the startup lines for the bound addresses, kill -9, restart on the same ports and
 * data dir. Every wait is bounded in count and time; killAll() ends every process started here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { generateKey } from '../net-real/seal.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'hanode.js');

export interface Proc {
  readonly name: string;
  readonly dataDir: string;
  child: ChildProcess;
  http: string;
  raft: string;
  serf: string;
  /** The ZooKeeper listener (`--zk`), once its startup line was seen; '' otherwise. */
  zk: string;
  log: string[];
}

const procs: Proc[] = [];

/**
 * The cluster key of every agent started here (a multi-node agent needs one): handed over in
 * HANODE_ENCRYPT, so it is not on the command line. Agents of one test process share it.
 */
export const TEST_CLUSTER_KEY = generateKey();

export async function startAgent(
  name: string,
  dataDir: string,
  args: readonly string[],
  ports?: { http: string; raft: string; serf: string },
  /** Extra environment for the agent (tokens, keys). */
  env?: Readonly<Record<string, string>>,
): Promise<Proc> {
  const portArgs = ports
    ? ['--http', ports.http, '--raft', ports.raft.split(':')[1]!, '--serf', ports.serf.split(':')[1]!]
    : ['--http', '127.0.0.1:0', '--raft', '0', '--serf', '0'];
  // Test clusters run without tokens unless a test says otherwise (a real agent defaults to deny).
  const aclArgs = args.some((a) => a.startsWith('--acl-')) ? [] : ['--acl-default-policy', 'allow'];
  // HANODE_NODE_ARGS in `env`: extra Node options for this agent, space-separated, e.g. the CPU
  // profiler (bench/hanode-profile.ts), which NODE_OPTIONS does not accept.
  const nodeArgs = env?.HANODE_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? [];
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'agent', '--node', name, '--data-dir', dataDir, '--bind', '127.0.0.1', ...portArgs, ...aclArgs, ...args], {
    cwd: ROOT,
    env: { ...process.env, HANODE_ENCRYPT: process.env.HANODE_ENCRYPT ?? TEST_CLUSTER_KEY, ...(env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p: Proc = { name, dataDir, child, http: '', raft: '', serf: '', zk: '', log: [] };
  procs.push(p);
  const onData = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (line === '') continue;
      if (p.log.length < 5000) p.log.push(line);
      const m = /HTTP: http:\/\/(\S+)\s+Raft \(TCP\): (\S+)\s+Serf \(UDP\): (\S+)/.exec(line);
      if (m) {
        p.http = m[1]!;
        p.raft = m[2]!;
        p.serf = m[3]!;
      }
      const z = /ZooKeeper: (\S+)/.exec(line);
      if (z) p.zk = z[1]!;
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  await waitUntil(() => p.http !== '' || child.exitCode !== null, `${name} to start`);
  if (p.http === '') throw new Error(`${name} did not start:\n${p.log.join('\n')}`);
  return p;
}

/**
 * How long a wait on a condition may take before it counts as never: generous, because the
 * suite must pass on a busy 2-core machine (load 8-19 seen; at load 20, three agents took over
 * 60 s to start and elect). A condition that holds returns at once, so patience costs nothing
 * when all is well; speed claims belong in bench/.
 */
export const PATIENCE_MS = 120_000;

export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, limitMs: number = PATIENCE_MS): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
    try {
      if (await cond()) return;
    } catch {
      // not yet
    }
    await sleep(50);
  }
  throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
}

export function sleep(msDelay: number): Promise<void> {
  return new Promise((r) => setTimeout(r, msDelay));
}

export function kill9(p: Proc): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}

export async function killAll(): Promise<void> {
  await Promise.all(procs.map((p) => kill9(p)));
}

export async function getJson(http: string, path: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`http://${http}${path}`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type') === 'application/json' ? JSON.parse(text) : text, headers: res.headers };
}

/** PUT a KV value; the HTTP status (transport errors throw). */
export async function putKv(http: string, key: string, value: string): Promise<number> {
  const res = await fetch(`http://${http}/v1/kv/${key}`, { method: 'PUT', body: value, signal: AbortSignal.timeout(3000) });
  await res.text();
  return res.status;
}

/** The node the first reachable agent of `via` names as Raft leader (stale read), if any. */
export async function leaderName(via: readonly Proc[]): Promise<string | undefined> {
  for (const p of via) {
    try {
      const conf = (await getJson(p.http, '/v1/operator/raft/configuration?stale')).body as { Servers: { Node: string; Leader: boolean }[] };
      const l = conf.Servers.find((s) => s.Leader);
      if (l) return l.Node;
    } catch {
      // down
    }
  }
  return undefined;
}

/**
 * Three agents `${prefix}1..3` bootstrapping one cluster (README recipe: the first joins nobody
 * real, the others join it), with `extra` flags on each; resolves once a leader is known.
 */
export async function startCluster3(prefix: string, dirOf: (name: string) => string, extra: readonly string[] = []): Promise<Proc[]> {
  const name = (i: number) => `${prefix}${i}`;
  const first = await startAgent(name(1), dirOf(name(1)), ['--bootstrap-expect', '3', '--join', '127.0.0.1:1', ...extra]);
  const rest = await Promise.all([2, 3].map((i) => startAgent(name(i), dirOf(name(i)), ['--bootstrap-expect', '3', '--join', first.serf, ...extra])));
  const nodes = [first, ...rest];
  await waitUntil(async () => (await leaderName(nodes)) !== undefined, 'a leader');
  return nodes;
}

/** Every agent lists all of `nodes` in its catalog and knows a leader (sessions need node registrations). */
export async function waitForCatalog(nodes: readonly Proc[]): Promise<void> {
  await waitUntil(
    async () => {
      for (const p of nodes) {
        const r = await getJson(p.http, '/v1/catalog/nodes?stale');
        if ((r.body as unknown[]).length !== nodes.length || r.headers.get('x-consul-knownleader') !== 'true') return false;
      }
      return true;
    },
    `a catalog of ${nodes.length} nodes on every node`,
  );
}
