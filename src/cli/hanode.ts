/**
 * hanode: the daemon (`hanode agent`) and a small client CLI against its HTTP API
 * (`leave`, `members`, `kv get|put|del`, `operator raft list-peers`), Consul-style.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { Agent, AgentConfig } from '../hanode/agent.ts';
import { ApiError, HanodeClient, memberStatus, table } from '../hanode/client.ts';
import { parseGoDuration } from '../hanode/http/duration.ts';
import { chooseClusterKey, generateKey } from '../hanode/cluster-key.ts';
import { resolveToken } from '../hanode/token-source.ts';
import { raftSnapshotFlags, raftTimingFlags } from '../hanode/raft-timing-flags.ts';
import { shardCommands } from '../hanode/shard/cli.ts';

/** --ha-check-interval: the check period, with a timeout of half of it (the core requires timeout <= interval). */
function haTiming(text: string): { checkIntervalUs: number; checkTimeoutUs: number } {
  const us = parseGoDuration(text);
  if (us === undefined || us <= 0) {
    console.error(`hanode agent: bad --ha-check-interval ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return { checkIntervalUs: us, checkTimeoutUs: Math.max(1000, Math.floor(us / 2)) };
}

/** --raft-heartbeat-interval / --raft-election-timeout / --raft-snapshot-threshold / --raft-trailing-logs, or a one-line error and exit 2. */
function raftTiming(heartbeat: string | undefined, election: string | undefined, threshold?: string, trailing?: string, interval?: string) {
  const t = raftTimingFlags(heartbeat, election);
  const s = raftSnapshotFlags(threshold, trailing, interval);
  const r = typeof t === 'string' ? t : typeof s === 'string' ? s : { ...t, ...s };
  if (typeof r === 'string') {
    console.error(`hanode agent: ${r}`);
    process.exit(2);
  }
  return r;
}

const HANODE_VERSION = '0.1.0';

/** --zk ADDR:PORT, or a one-line error and exit 2. */
function zkAddr(text: string): string {
  try {
    return hostPort(text).join(':');
  } catch (e) {
    console.error(`hanode agent: bad --zk ${JSON.stringify(text)}: ${(e as Error).message}`);
    process.exit(2);
  }
}

const program = new Command();
program.name('hanode').description('Run a hanode agent, or talk to one over its Consul-compatible HTTP API').version(HANODE_VERSION).exitOverride();
program
  .command('version')
  .description('print the version')
  .action(() => console.log(`hanode v${HANODE_VERSION}`));

/** Agent log lines carry an RFC 3339 UTC timestamp first, as Consul's do. */
function timestamped(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('not a port number');
  return n;
}

function hostPort(v: string): [string, number] {
  const i = v.lastIndexOf(':');
  if (i <= 0) throw new InvalidArgumentError('want ADDR:PORT');
  return [v.slice(0, i), port(v.slice(i + 1))];
}

program
  .command('agent')
  .description('run an agent (a server node)')
  .option('--dev', 'one node, in memory, leader at once')
  .option('--node <name>', 'node name')
  .option('--data-dir <dir>', 'data directory (Raft log, snapshots; locked against a second process)')
  .option('--bind <addr>', 'address for the Raft (TCP) and Serf (UDP) sockets', '127.0.0.1')
  .option('--http <addr:port>', 'HTTP API address (default 127.0.0.1:8500)', hostPort)
  .option('--raft <port>', 'Raft TCP port (Consul: 8300)', port, 8300)
  .option('--serf <port>', 'Serf/SWIM UDP port (Consul: 8301)', port, 8301)
  .option('--bootstrap-expect <n>', 'bootstrap once this many servers joined', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('want a positive integer');
    return n;
  })
  .option('--join <addrs>', 'comma-separated ADDR:SERFPORT of agents to join')
  .option('--datacenter <dc>', 'datacenter name', 'dc1')
  .option('--acl-default-policy <allow|deny>', 'requests without a known token (Consul acl.default_policy; default: allow with --dev, deny otherwise)')
  .option('--acl-token-file <path>', 'management token (reads and writes) from a file; or env HANODE_ACL_TOKEN')
  .option('--acl-token <token>', 'management token on the command line (visible in ps: prefer the file or env)')
  .option('--acl-read-token-file <path>', 'read-only token from a file; or env HANODE_ACL_READ_TOKEN')
  .option('--acl-read-token <token>', 'read-only token on the command line (visible in ps: prefer the file or env)')
  .option('--http-max-conns-per-client <n>', 'concurrent HTTP connections one client IP may hold, cluster members exempt (Consul: 200; 0: no bound)')
  .option('--enable-script-checks', 'let any API client register script checks and script failover targets (remote code execution: use with ACLs)')
  .option('--enable-local-script-checks', 'let only loopback API clients register script checks and script failover targets')
  .option('--encrypt <key>', 'base64 32-byte key (hanode keygen): authenticates and encrypts gossip and Raft; env HANODE_ENCRYPT')
  .option('--encrypt-file <path>', 'read the cluster key from a file (keeps it out of argv)')
  .option('--insecure-cluster', 'run a multi-node cluster WITHOUT a key: anyone who reaches the Raft/Serf ports can join, forge or replay messages')
  .option('--tcp-idle-timeout <duration>', 'close inbound Raft connections idle this long (default 90s)')
  .option('--ha-verify-script <path>', 'failover: default verification script (args: key value; prints UP or DOWN)')
  .option('--ha-notify-script <path>', 'failover: default notification script (args: role key value state)')
  .option('--ha-check-interval <duration>', 'failover: time between two checks of a target (default 10s)')
  .option('--raft-heartbeat-interval <duration>', 'Raft heartbeat interval (default 200ms)')
  .option('--raft-election-timeout <min-max>', 'Raft election timeout range, e.g. 1s-2s (default 1s-2s)')
  .option('--raft-snapshot-threshold <n>', 'Raft log entries between snapshots (Consul raft_snapshot_threshold; default 16384)')
  .option('--raft-trailing-logs <n>', 'Raft log entries kept behind a snapshot (Consul raft_trailing_logs; default 10240)')
  .option('--raft-snapshot-interval <duration>', 'least time between two snapshots, drawn up to twice this (Consul raft_snapshot_interval; default 30s)')
  .option('--zk <addr:port>', 'serve the ZooKeeper client protocol here (ZooKeeper: 2181); off by default')
  .action(async (o) => {
    const dev = o.dev === true;
    if (!dev && (!o.node || !o.dataDir)) {
      console.error('hanode agent: --node and --data-dir are required (or use --dev)');
      process.exit(2);
    }
    if (!dev && o.bootstrapExpect === undefined && !o.join) {
      console.error('hanode agent: give --bootstrap-expect N or --join ADDR,...');
      process.exit(2);
    }
    const key = chooseClusterKey(o, process.env, !dev && (o.join !== undefined || (o.bootstrapExpect ?? 1) > 1));
    if (!key.ok) {
      console.error(`hanode agent: ${key.error}`);
      process.exit(2);
    }
    if (key.key === undefined && o.insecureCluster === true) console.error('[WARN] --insecure-cluster: no cluster key; anyone who reaches the Raft and Serf ports can join, forge and replay messages');
    const idleUs = o.tcpIdleTimeout === undefined ? undefined : parseGoDuration(o.tcpIdleTimeout);
    if (o.tcpIdleTimeout !== undefined && !(idleUs !== undefined && idleUs > 0)) {
      console.error(`hanode agent: bad --tcp-idle-timeout ${JSON.stringify(o.tcpIdleTimeout)}`);
      process.exit(2);
    }
    const [httpHost, httpPort]: [string, number] = o.http ?? ['127.0.0.1', 8500];
    if (o.aclDefaultPolicy !== undefined && o.aclDefaultPolicy !== 'allow' && o.aclDefaultPolicy !== 'deny') {
      console.error(`hanode agent: --acl-default-policy wants allow or deny, not ${JSON.stringify(o.aclDefaultPolicy)}`);
      process.exit(2);
    }
    const maxConns = o.httpMaxConnsPerClient === undefined ? undefined : Number(o.httpMaxConnsPerClient);
    if (maxConns !== undefined && (!Number.isInteger(maxConns) || maxConns < 0)) {
      console.error(`hanode agent: --http-max-conns-per-client wants a non-negative integer, not ${JSON.stringify(o.httpMaxConnsPerClient)}`);
      process.exit(2);
    }
    const mgmt = resolveToken('acl-token', o.aclToken, o.aclTokenFile, process.env.HANODE_ACL_TOKEN);
    const ro = resolveToken('acl-read-token', o.aclReadToken, o.aclReadTokenFile, process.env.HANODE_ACL_READ_TOKEN);
    for (const t of [mgmt, ro]) {
      if ('error' in t) {
        console.error(`hanode agent: ${t.error}`);
        process.exit(2);
      }
    }
    const mgmtToken = 'token' in mgmt ? mgmt.token : undefined;
    const roToken = 'token' in ro ? ro.token : undefined;
    // Read once; scripts the agent runs inherit its environment and must not see the tokens.
    delete process.env.HANODE_ACL_TOKEN;
    delete process.env.HANODE_ACL_READ_TOKEN;
    delete process.env.HANODE_ENCRYPT; // read by chooseClusterKey above; never handed to scripts
    const cfg: AgentConfig = {
      node: o.node ?? 'dev',
      ...(dev ? {} : { dataDir: o.dataDir }),
      bind: o.bind,
      httpHost,
      httpPort,
      raftPort: o.raft,
      serfPort: o.serf,
      dev,
      datacenter: o.datacenter,
      ...(o.bootstrapExpect !== undefined ? { bootstrapExpect: o.bootstrapExpect } : {}),
      ...(o.join ? { join: String(o.join).split(',').map((s: string) => s.trim()).filter(Boolean) } : {}),
      ...(mgmtToken !== undefined ? { aclToken: mgmtToken } : {}),
      ...(roToken !== undefined ? { aclReadToken: roToken } : {}),
      aclDefaultPolicy: (o.aclDefaultPolicy ?? (dev ? 'allow' : 'deny')) as 'allow' | 'deny',
      ...(o.enableScriptChecks === true ? { enableScriptChecks: true } : {}),
      ...(maxConns !== undefined ? { httpMaxConnsPerClient: maxConns } : {}),
      ...(o.enableLocalScriptChecks === true ? { enableLocalScriptChecks: true } : {}),
      ...(key.key !== undefined ? { encrypt: key.key } : {}),
      ...(idleUs !== undefined ? { clusterTcp: { idleTimeoutUs: idleUs, handshakeTimeoutUs: Math.min(idleUs, 10_000_000) } } : {}),
      ...(o.haVerifyScript ? { haVerifyScript: o.haVerifyScript } : {}),
      ...(o.haNotifyScript ? { haNotifyScript: o.haNotifyScript } : {}),
      ...(o.haCheckInterval ? { ha: haTiming(o.haCheckInterval) } : {}),
      ...(o.raftHeartbeatInterval || o.raftElectionTimeout || o.raftSnapshotThreshold || o.raftTrailingLogs || o.raftSnapshotInterval
        ? { raft: raftTiming(o.raftHeartbeatInterval, o.raftElectionTimeout, o.raftSnapshotThreshold, o.raftTrailingLogs, o.raftSnapshotInterval) }
        : {}),
      log: timestamped,
      ...(o.zk !== undefined ? { zk: zkAddr(o.zk) } : {}),
    };
    let agent: Agent;
    // Loaded here, not at the top: the client commands and --version do not need the daemon.
    const { Agent } = await import('../hanode/agent.ts');
    try {
      agent = new Agent(cfg);
      await agent.start();
    } catch (err) {
      console.error(`hanode agent: ${(err as Error).message}`);
      process.exit(1);
    }
    let signals = 0;
    const onSignal = (sig: string) => {
      signals++;
      if (signals > 1) process.exit(1);
      timestamped(`==> caught ${sig}, shutting down`);
      void agent.stop().then(() => process.exit(process.exitCode ?? 0));
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    agent.onShutdown(() => setImmediate(() => process.exit(process.exitCode ?? 0)));
  });

program
  .command('keygen')
  .description('print a new cluster key (base64 of 32 random bytes) for --encrypt / --encrypt-file')
  .action(() => {
    console.log(generateKey());
  });

const httpAddr = (o: { httpAddr?: string }) => {
  const a = o.httpAddr ?? process.env.HANODE_HTTP_ADDR ?? process.env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500';
  return a.startsWith('http') ? a : `http://${a}`;
};
const client = (o: { httpAddr?: string; token?: string }) => new HanodeClient(httpAddr(o), o.token ?? process.env.HANODE_ACL_TOKEN);

function clientCommand(cmd: Command): Command {
  return cmd.option('--http-addr <addr>', 'agent HTTP address (env HANODE_HTTP_ADDR)').option('--token <token>', 'ACL token');
}

async function run(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ApiError) console.error(`Error (HTTP ${err.status}): ${err.message}`);
    else console.error(`Error: ${(err as Error).message}`);
    process.exit(1);
  }
}

clientCommand(program.command('leave').description('ask the agent to leave the cluster gracefully and shut down')).action((o) =>
  run(async () => {
    await client(o).leave();
    console.log('Graceful leave complete');
  }),
);

clientCommand(program.command('members').description('list the gossip pool')).action((o) =>
  run(async () => {
    const ms = await client(o).members();
    console.log(table([['Node', 'Address', 'Status', 'Type', 'DC'], ...ms.map((m) => [m.Name, `${m.Addr}:${m.Port}`, memberStatus(m.Status), 'server', m.Tags.dc ?? ''])]));
  }),
);

shardCommands(program); // hanode shard, hanode shard-client (src/hanode/shard/)

const kv = program.command('kv').description('read and write the KV store');
clientCommand(kv.command('get <key>').description('print a value')).action((key: string, o) =>
  run(async () => {
    const v = await client(o).kvGet(key);
    if (v === undefined) {
      console.error(`Error! No key exists at: ${key}`);
      process.exit(1);
    }
    process.stdout.write(v + '\n');
  }),
);
clientCommand(kv.command('put <key> [value]').description('write a value').option('--flags <n>', 'uint64 flags')).action((key: string, value: string | undefined, o) =>
  run(async () => {
    await client(o).kvPut(key, value ?? '', o.flags);
    console.log(`Success! Data written to: ${key}`);
  }),
);
clientCommand(kv.command('del <key>').description('delete a key').option('--recurse', 'delete every key with this prefix')).action((key: string, o) =>
  run(async () => {
    await client(o).kvDelete(key, o.recurse === true);
    console.log(`Success! Deleted key${o.recurse ? 's under' : ''}: ${key}`);
  }),
);

const operator = program.command('operator').description('cluster operations');
const raftCmd = operator.command('raft').description('Raft peers');
clientCommand(raftCmd.command('list-peers').description('list the Raft configuration')).action((o) =>
  run(async () => {
    const c = await client(o).raftConfiguration();
    console.log(table([['Node', 'ID', 'Address', 'State', 'Voter'], ...c.Servers.map((s) => [s.Node, s.ID, s.Address, s.Leader ? 'leader' : 'follower', String(s.Voter)])]));
  }),
);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander already printed its one-line message; --help, `help` and --version exit 0,
  // every other parse problem is a usage error (exit 2, like hasim).
  if (!(e instanceof CommanderError)) throw e;
  process.exit(e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || (e.code === 'commander.help' && e.exitCode === 0) ? 0 : 2);
}
