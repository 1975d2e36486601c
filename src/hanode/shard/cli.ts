/**
 * `hanode shard ...` (a shard process: data node and/or master candidate) and
 * `hanode shard-client get|put KEY [VALUE]` (one request routed by the published ring).
 * Bad input: one line on stderr, exit 2.
 */
import type { Command } from 'commander';
import { DEFAULT_SHARD_SERVER_CONFIG, HashRing, type GroupConfig, type RingState } from '../../core/shard/index.ts';
import { chooseClusterKey } from '../cluster-key.ts';
import { parseGoDuration } from '../http/duration.ts';
import { resolveToken } from '../token-source.ts';
import { NODES_DIR, parseCard } from './directory.ts';
import { ZkWireClient } from './zk-wire-client.ts';

const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;
/** ZooKeeper's minimum session timeout (2 x tickTime 2 s): what the seed's shard servers used. */
const DEFAULT_SESSION_TIMEOUT = '4s';
/**
 * shard-client: attempts and pause. 20 x 500 ms outlasts a primary failover (dead-after 4 s
 * plus promotion, ~5 s measured by bench/shard-real-failover.ts) and a master change.
 */
const CLIENT_ATTEMPTS = 20;
const CLIENT_PAUSE_MS = 500;

function usage(cmd: string, msg: string): never {
  console.error(`hanode ${cmd}: ${msg}`);
  process.exit(2);
}

function hostPortOf(cmd: string, flag: string, v: string): { host: string; port: number } {
  const m = /^([0-9.]+|\[[0-9a-fA-F:]+\]|localhost):(\d{1,5})$/.exec(v);
  if (!m || Number(m[2]) > 65535) usage(cmd, `${flag}: want HOST:PORT, got ${JSON.stringify(v)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

function coordList(cmd: string, v: string | undefined): string[] {
  if (!v) usage(cmd, '--coord: give the hanode servers\' ZooKeeper listeners (--zk), HOST:PORT,...');
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0 || list.length > 64) usage(cmd, '--coord: want 1..64 HOST:PORT');
  for (const a of list) hostPortOf(cmd, '--coord', a);
  return list;
}

function tokenOf(cmd: string, o: { token?: string; tokenFile?: string }): string | undefined {
  const t = resolveToken('token', o.token, o.tokenFile, process.env.HANODE_ACL_TOKEN);
  if ('error' in t) usage(cmd, t.error);
  return t.token;
}

function sessionMs(cmd: string, v: string): number {
  const us = parseGoDuration(v);
  if (us === undefined || us < 2_000_000 || us > 40_000_000) usage(cmd, `--session-timeout: want a duration from 2s to 40s (ZooKeeper's 2..20 ticks of 2 s), got ${JSON.stringify(v)}`);
  return Math.round(us / 1000);
}

export function shardCommands(program: Command): void {
  program
    .command('shard')
    .description('run a shard process: a data node of a group (--group) and/or a master candidate (--master), coordinated through hanode servers')
    .option('--name <name>', 'this process\'s node name (letters, digits, _ . -)')
    .option('--group <group>', 'the data group this node stores (primary or standby, as the master places it)')
    .option('--master', 'also be a master candidate (elected through the tree; places primaries, publishes the ring)')
    .option('--bind <addr>', 'address of the shard cluster sockets (TCP and UDP)', '127.0.0.1')
    .option('--port <port>', 'shard cluster port, TCP and UDP (0: any)', '0')
    .option('--http <addr:port>', 'serve GET/PUT /v1/shard/kv/KEY and /v1/shard/status here (off by default)')
    .option('--data-dir <dir>', 'where the group\'s data lives (log with checksums, fsync before ack; locked)')
    .option('--coord <addrs>', 'the hanode servers\' ZooKeeper listeners (their --zk), HOST:PORT,...')
    .option('--session-timeout <duration>', 'tree session timeout (ZooKeeper minimum: 4s)', DEFAULT_SESSION_TIMEOUT)
    .option('--token <token>', 'the hanode servers\' ACL token (also guards --http); env HANODE_ACL_TOKEN')
    .option('--token-file <path>', 'read the token from a file')
    .option('--encrypt-file <path>', 'cluster key of the shard processes (hanode keygen); or env HANODE_ENCRYPT')
    .option('--insecure-cluster', 'run WITHOUT a key: anyone who reaches the shard port can forge replication and placement')
    .action(async (o) => {
      const cmd = 'shard';
      if (!o.name || !NAME_RE.test(o.name)) usage(cmd, '--name: want a node name (letters, digits, _ . -, up to 64)');
      if (o.group !== undefined && !NAME_RE.test(o.group)) usage(cmd, '--group: want a group name (letters, digits, _ . -, up to 64)');
      if (o.group === undefined && o.master !== true) usage(cmd, 'give --group G (a data node), --master (a master candidate), or both');
      if (!o.dataDir) usage(cmd, '--data-dir is required');
      if (!/^[0-9.]+$/.test(o.bind)) usage(cmd, `--bind: want an IPv4 address, got ${JSON.stringify(o.bind)}`);
      const p = Number(o.port);
      if (!Number.isInteger(p) || p < 0 || p > 65535) usage(cmd, `--port: not a port number: ${JSON.stringify(o.port)}`);
      const http = o.http !== undefined ? hostPortOf(cmd, '--http', o.http) : undefined;
      const coord = coordList(cmd, o.coord);
      const timeoutMs = sessionMs(cmd, o.sessionTimeout);
      const token = tokenOf(cmd, o);
      const key = chooseClusterKey({ encryptFile: o.encryptFile, insecureCluster: o.insecureCluster }, process.env, true);
      if (!key.ok) usage(cmd, key.error);
      if (key.key === undefined) console.error('[WARN] --insecure-cluster: no cluster key; anyone who reaches the shard port can forge replication and placement');
      delete process.env.HANODE_ENCRYPT;
      delete process.env.HANODE_ACL_TOKEN;
      const log = (line: string): void => console.log(`${new Date().toISOString()} ${o.name} ${line}`);
      const { startShardNode } = await import('./node.ts');
      let node: Awaited<ReturnType<typeof startShardNode>>;
      try {
        node = await startShardNode({
          name: o.name,
          ...(o.group !== undefined ? { group: o.group } : {}),
          master: o.master === true,
          bind: o.bind,
          port: p,
          ...(http ? { http } : {}),
          dataDir: o.dataDir,
          coord,
          ...(key.key !== undefined ? { key: key.key } : {}),
          ...(token !== undefined ? { token } : {}),
          sessionTimeoutMs: timeoutMs,
          log,
        });
      } catch (err) {
        console.error(`hanode shard: ${(err as Error).message.split('\n')[0]}`);
        process.exit(1);
      }
      const a = node.host.address;
      log(`started: group ${o.group ?? '-'} master-candidate ${o.master === true ? 'yes' : 'no'} cluster ${a.host}:${a.tcpPort} HTTP: ${node.http ? `http://${node.http.address}` : '-'}`);
      let signals = 0;
      const onSignal = (sig: string): void => {
        if (++signals > 1) process.exit(1);
        log(`caught ${sig}, shutting down`);
        void node.stop().then(() => process.exit(0));
      };
      process.on('SIGINT', () => onSignal('SIGINT'));
      process.on('SIGTERM', () => onSignal('SIGTERM'));
    });

  program
    .command('shard-client <op> <key> [value]')
    .description('get or put one key of the sharded store: routed by the ring the master published, retried when the primary moved')
    .option('--coord <addrs>', 'the hanode servers\' ZooKeeper listeners, HOST:PORT,...')
    .option('--token <token>', 'ACL token; env HANODE_ACL_TOKEN')
    .option('--token-file <path>', 'read the token from a file')
    .action(async (op: string, key: string, value: string | undefined, o) => {
      const cmd = 'shard-client';
      if (op !== 'get' && op !== 'put') usage(cmd, `want get or put, not ${JSON.stringify(op)}`);
      if (op === 'put' && value === undefined) usage(cmd, 'put wants a VALUE');
      if (key.length === 0 || key.length > 1024) usage(cmd, 'KEY: want 1..1024 characters');
      const coord = coordList(cmd, o.coord);
      const token = tokenOf(cmd, o);
      const r = await shardRequest(coord, token, op, key, value);
      if (r.ok) {
        if (op === 'get') process.stdout.write(`${r.body}\n`);
        else console.log(`ok (seq ${r.body})`);
        process.exit(0);
      }
      console.error(`hanode shard-client: ${r.error}`);
      process.exit(1);
    });
}

type Answer = { ok: true; body: string } | { ok: false; error: string; retry: boolean };

/** One request: the key's group from the stored ring, its primary's HTTP endpoint from the directory. */
async function shardRequest(coord: string[], token: string | undefined, op: 'get' | 'put', key: string, value: string | undefined): Promise<Answer> {
  let last: Answer = { ok: false, error: 'no attempt', retry: true };
  const zk = new ZkWireClient({ servers: coord, sessionTimeoutMs: 4000, ...(token !== undefined ? { token } : {}), schedule: (fn) => setImmediate(fn) });
  const call = <T>(f: (cb: (err: string | null, v?: T) => void) => void): Promise<{ err: string | null; v?: T }> =>
    new Promise((resolve) => {
      const t = setTimeout(() => resolve({ err: 'timeout' }), 5000);
      f((err, v) => {
        clearTimeout(t);
        resolve({ err, ...(v !== undefined ? { v } : {}) });
      });
    });
  try {
    for (let i = 0; i < CLIENT_ATTEMPTS; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, CLIENT_PAUSE_MS));
      const path = DEFAULT_SHARD_SERVER_CONFIG.statePath;
      await call<void>((cb) => zk.sync(path, (e) => cb(e)));
      const placed = await call<string>((cb) => zk.getData(path, undefined, (e, d) => cb(e, d)));
      if (placed.err || placed.v === undefined) {
        last = { ok: false, error: `placement not readable (${placed.err ?? 'empty'})`, retry: true };
        continue;
      }
      let parsed: { configs: GroupConfig[]; ring: RingState };
      try {
        parsed = JSON.parse(placed.v) as { configs: GroupConfig[]; ring: RingState };
        if (!Array.isArray(parsed.configs) || !Array.isArray(parsed.ring?.groups)) throw new Error('shape');
      } catch {
        return { ok: false, error: 'the stored placement is not one', retry: false };
      }
      const group = new HashRing(parsed.ring.groups.map(String)).lookup(key);
      const primary = parsed.configs.find((c) => c.group === group)?.primary;
      if (group === undefined || primary === undefined) {
        last = { ok: false, error: `no primary for the key's group ${group ?? '(no ring yet)'}`, retry: true };
        continue;
      }
      const cardText = await call<string>((cb) => zk.getData(`${NODES_DIR}/${primary}`, undefined, (e, d) => cb(e, d)));
      const card = cardText.v !== undefined ? parseCard(cardText.v) : undefined;
      if (!card?.http) {
        last = { ok: false, error: `primary ${primary} of ${group} has no HTTP endpoint in the directory`, retry: true };
        continue;
      }
      last = await httpCall(card.http, token, op, key, value);
      if (last.ok || !last.retry) return last;
    }
    return last;
  } finally {
    zk.close();
  }
}

async function httpCall(http: string, token: string | undefined, op: 'get' | 'put', key: string, value: string | undefined): Promise<Answer> {
  try {
    const res = await fetch(`http://${http}/v1/shard/kv/${encodeURIComponent(key)}`, {
      method: op === 'get' ? 'GET' : 'PUT',
      ...(op === 'put' && value !== undefined ? { body: value } : {}),
      headers: token !== undefined ? { 'x-consul-token': token } : {},
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.status === 200) return { ok: true, body: op === 'get' ? text : String((JSON.parse(text) as { seq: number }).seq) };
    if (res.status === 404) return { ok: false, error: `no such key: ${key}`, retry: false };
    return { ok: false, error: `HTTP ${res.status}: ${text.slice(0, 200)}`, retry: res.status === 503 };
  } catch (e) {
    return { ok: false, error: `${http}: ${(e as Error).message}`, retry: true };
  }
}
