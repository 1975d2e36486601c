/**
 * The hanode agent: one RealHost (UDP for SWIM, TCP for Raft, files or memory for storage)
 * running the composed ServerNode, plus the HTTP API. Everything protocol-related is in
 * src/core; this file only wires sockets, disk, signals and addresses.
 */
import { ms, sec } from '../core/env.ts';
import { provisionalId, type AddressCard, ServerNode } from '../core/node/index.ts';
import type { RaftConfig } from '../core/raft/index.ts';
import type { HaApplyResult, HaConfig } from '../core/ha/index.ts';
import { TargetProbe } from './ha/probes.ts';
import { AgentCheckProbe } from './check-probe.ts';
import { ScriptNotifier } from './ha/notify.ts';
import { haRoutes } from './routes/ha.ts';
import { DataDir, RealHost } from '../net-real/index.ts';
import type { Storage } from '../core/env.ts';
import { createApi } from './api.ts';
import type { HttpServer } from './http/server.ts';
import { splitHostPort } from './http/server.ts';
import { NodeBackend } from './node-backend.ts';
import { metricsReply, type Metric } from './routes/metrics.ts';
import { readPeersJson, retirePeersJson } from './peers-json.ts';
import { clusterAuthMetrics } from './cluster-metrics.ts';
import type { ScriptPolicy } from './script-policy.ts';
import { LoopMonitor } from './loop-monitor.ts';
import { DEFAULT_MAX_CONNS_PER_CLIENT } from './http/conn-limit.ts';
import { describeAcl, type AclConfig, type AclDefaultPolicy } from './http/acl.ts';
import { ZkGateway } from './zk/server.ts';
import { describeCut } from './storage-damage-log.ts';
import { describeDiskFailure, EXIT_IO_ERROR, guardStorage, isDiskError, StorageFailedError } from './storage-failure.ts';
import { raftReplicationMetrics } from './raft-replication-metrics.ts';

export interface AgentConfig {
  readonly node: string;
  /** undefined: in memory (--dev). */
  readonly dataDir?: string;
  /** Address for the UDP and TCP sockets (and advertised to peers). */
  readonly bind: string;
  readonly httpHost: string;
  /** 0: ephemeral. */
  readonly httpPort: number;
  /** TCP port for Raft (and every reliable send). 0: ephemeral. */
  readonly raftPort: number;
  /** UDP port for SWIM (and every datagram send). 0: ephemeral. */
  readonly serfPort: number;
  readonly bootstrapExpect?: number;
  /** Seeds as HOST:SERFPORT. */
  readonly join?: readonly string[];
  /** One node that elects itself at once (--dev). */
  readonly dev?: boolean;
  readonly datacenter?: string;
  /** Management token (reads and writes). Never logged. */
  readonly aclToken?: string;
  /** Read-only token. Never logged. */
  readonly aclReadToken?: string;
  /** Requests without a known token: Consul's acl.default_policy; default allow with dev, deny otherwise. */
  readonly aclDefaultPolicy?: AclDefaultPolicy;
  /** --enable-script-checks / --enable-local-script-checks (src/hanode/script-policy.ts); default: no scripts from the API. */
  readonly enableScriptChecks?: boolean;
  readonly enableLocalScriptChecks?: boolean;
  /** Concurrent HTTP connections per client IP (Consul's http_max_conns_per_client, 200); 0: no bound. */
  readonly httpMaxConnsPerClient?: number;
  /** Gossip / Raft key (32 bytes base64): AES-256-GCM on every packet and frame. */
  readonly encrypt?: string;
  /** Inbound Raft connection limits (src/net-real/tcp-transport.ts defaults otherwise). */
  readonly clusterTcp?: { readonly idleTimeoutUs?: number; readonly handshakeTimeoutUs?: number };
  readonly raft?: Partial<Omit<RaftConfig, 'voters'>>;
  /** Failover service: default verification script (prints UP or DOWN), notification script, check period. */
  readonly haVerifyScript?: string;
  readonly haNotifyScript?: string;
  readonly ha?: Partial<HaConfig>;
  readonly log?: (line: string) => void;
  /** ZooKeeper client protocol listener as HOST:PORT (port 0: ephemeral); absent: off. */
  readonly zk?: string;
}

export interface AgentAddresses {
  readonly http: string;
  readonly raft: string;
  readonly serf: string;
  readonly zk?: string;
}

/**
 * Raft timings for real servers: hashicorp/raft's DefaultConfig (HeartbeatTimeout =
 * ElectionTimeout = 1000 ms), which Consul uses with raft_multiplier = 1, randomised over
 * [1000, 2000) ms as hashicorp/raft randomises its timeouts, and a heartbeat every 200 ms
 * (a fifth of the timeout; hashicorp/raft heartbeats at HeartbeatTimeout/10 while idle). The
 * Raft paper's 150-300 ms (§9.3) made a loaded test machine (GC pauses, CPU starvation)
 * hold spurious elections; a failover still takes one to a few seconds.
 */
export const AGENT_RAFT_DEFAULTS: Partial<RaftConfig> = {
  electionTimeoutMinUs: ms(1000),
  electionTimeoutMaxUs: ms(2000),
  heartbeatIntervalUs: ms(200),
  // Consul's raft_snapshot_threshold since 1.1.0 (8192 before) and raft_snapshot_interval (30 s:
  // agent/consul/config.go DefaultConfig; hashicorp/raft checks at a random time within twice
  // that): a snapshot serialises and writes the whole store (megabytes with 10,000 keys) on every
  // server, so at thousands of writes a second the threshold alone meant one every few seconds.
  snapshotThresholdEntries: 16384,
  snapshotIntervalUs: sec(30),
  // The log is held in memory here (FileStorage), not in BoltDB as in Consul: snapshot anyway past
  // 4 x the threshold (~60 MB of entries at about 1 KB each), well under etcd's 100,000-entry
  // --snapshot-count.
  snapshotMaxEntries: 4 * 16384,
};

/**
 * --dev: one voter, nothing to wait for. The election still runs (pre-vote, vote for itself),
 * so short timeouts make the node writable within tens of milliseconds — "ready at once".
 * Consul's -dev likewise runs Raft with its fastest timings (raft_multiplier 1).
 */
export const DEV_RAFT_DEFAULTS: Partial<RaftConfig> = {
  electionTimeoutMinUs: ms(30),
  electionTimeoutMaxUs: ms(60),
  heartbeatIntervalUs: ms(10),
};

/** Bound on waiting for the dev node to lead before reporting ready. */
const DEV_READY_TIMEOUT_MS = 5_000;

export class Agent {
  readonly host: RealHost<ServerNode>;
  private http: HttpServer | undefined;
  private zk: ZkGateway | undefined;
  private dataDir: DataDir | undefined;
  private readonly guarded = new Map<string, Storage>();
  /** The disk error that stopped this agent (storage-failure.ts). */
  private diskFailure: NodeJS.ErrnoException | undefined;
  private addrs: AgentAddresses | undefined;
  private stopping: Promise<void> | undefined;
  private readonly log: (line: string) => void;
  private readonly startedAt = Date.now();
  private readonly shutdownListeners: (() => void)[] = [];
  private readonly loop = new LoopMonitor();

  constructor(readonly config: AgentConfig) {
    this.log = config.log ?? ((l) => console.log(l));
    if (config.dataDir !== undefined && process.env.HANODE_TEST_ACK_WITHOUT_FSYNC !== '1') this.dataDir = DataDir.open(config.dataDir); // TEST ONLY '1' (the broken variant of test/real-run/nemesis.test.ts): state in memory, writes acknowledged that no fsync ever made durable
    const dd = this.dataDir;
    this.host = new RealHost<ServerNode>({
      id: config.node,
      dc: config.datacenter ?? 'dc1',
      host: config.bind,
      udpPort: config.serfPort,
      tcpPort: config.raftPort,
      ...(config.encrypt !== undefined ? { key: config.encrypt } : {}),
      ...(config.clusterTcp ? { tcp: config.clusterTcp } : {}),
      ...(dd ? { storage: (service: string) => this.guardedStorage(service, dd) } : {}),
      onError: (err, where) => {
        if (this.diskFailure !== undefined && (err instanceof StorageFailedError || isDiskError(err))) return; // said once; stopping
        // A broken invariant is a bug: say where, then stop (fail fast, like the simulator).
        this.log(`[ERR] core threw in ${where}: ${(err as Error)?.stack ?? String(err)}`);
        process.exitCode = 70;
        void this.stop();
      },
    });
  }

  /** The data dir's storage for `service`, wrapped so a disk error stops the agent cleanly (storage-failure.ts). */
  private guardedStorage(service: string, dd: DataDir): Storage {
    let g = this.guarded.get(service);
    if (g === undefined) {
      g = guardStorage(service, dd.storage(service), (err) => this.diskFailed(service, err));
      this.guarded.set(service, g);
    }
    return g;
  }

  /** The disk refused a write or fsync: say so once, acknowledge nothing more, stop with EX_IOERR. */
  private diskFailed(service: string, err: NodeJS.ErrnoException): void {
    if (this.diskFailure !== undefined) return;
    this.diskFailure = err;
    this.log(describeDiskFailure(service, err));
    process.exitCode = EXIT_IO_ERROR;
    void this.stop();
  }

  get addresses(): AgentAddresses {
    if (!this.addrs) throw new Error('agent not started');
    return this.addrs;
  }

  node(): ServerNode {
    const n = this.host.app();
    if (!n) throw new Error('node is not running');
    return n;
  }

  onShutdown(fn: () => void): void {
    this.shutdownListeners.push(fn);
  }

  async start(): Promise<AgentAddresses> {
    const c = this.config;
    this.loop.start();
    for (const s of this.dataDir ? ['raft', 'node'] : []) {
      const rec = this.dataDir!.storage(s).recovery;
      for (const cut of rec.cuts) this.log(describeCut(s, cut, rec.last, this.dataDir!.storage(s).load<{ index?: number }>('ack')?.index));
      if (this.dataDir!.storage(s).damage()?.lostLog) this.log(`[ERROR] storage ${s}: the log directory is gone but its state is not; the node repairs its log from its peers before it votes again`);
    }
    // The HTTP listener first: its port goes into the address card peers learn.
    const backend = new NodeBackend(() => this.node(), c.node, c.datacenter ?? 'dc1', c.bind, () => this.leave());
    const scripts: ScriptPolicy = { enableScriptChecks: c.enableScriptChecks === true, enableLocalScriptChecks: c.enableLocalScriptChecks === true };
    const acl: AclConfig = {
      defaultPolicy: c.aclDefaultPolicy ?? (c.dev ? 'allow' : 'deny'),
      ...(c.aclToken !== undefined ? { managementToken: c.aclToken } : {}),
      ...(c.aclReadToken !== undefined ? { readToken: c.aclReadToken } : {}),
    };
    this.http = createApi({
      backend,
      scripts,
      acl,
      maxConnsPerClient: c.httpMaxConnsPerClient ?? DEFAULT_MAX_CONNS_PER_CLIENT,
      log: this.log,
      leave: () => this.leave(),
      self: () => this.self(),
      metrics: (req) => metricsReply(req, this.metrics()),
      extraRoutes: (ctx) =>
        haRoutes(ctx, () => {
          const node = this.host.app();
          if (!node?.ha) return undefined;
          return {
            state: node.haState,
            service: node.ha,
            self: c.node,
            propose: (cmd) =>
              new Promise((resolve) =>
                node.proposeHa(cmd, (r) =>
                  resolve(r.ok ? { ok: true, result: r.result as HaApplyResult } : { ok: false, reason: r.error === 'rejected' ? r.reason : r.error === 'not-leader' ? 'No cluster leader' : 'leadership lost while committing log' }),
                ),
              ),
          };
        }),
    });
    const notifier = new ScriptNotifier(c.haNotifyScript, this.log, scripts);
    const refusedTargets = new Set<string>();
    const probe = new TargetProbe(c.haVerifyScript, scripts, (key) => {
      if (refusedTargets.size < 1000 && !refusedTargets.has(key)) {
        refusedTargets.add(key);
        this.log(`[WARN] ha: target ${key} has a check script, not run: scripts are disabled on this agent (reported DOWN)`);
      }
    }, c.bind === '0.0.0.0' || c.bind === '::' ? undefined : c.bind);
    const httpAddr = await this.http.listen(c.httpHost, c.httpPort);
    const httpHostPort = `${c.httpHost}:${httpAddr.port}`;
    const join = (c.join ?? []).map((a) => {
      const [h, p] = splitHostPort(a);
      if (!h || !Number.isInteger(p) || p <= 0) throw new Error(`bad --join address ${JSON.stringify(a)} (want HOST:PORT)`);
      return { id: provisionalId(h, p), host: h, port: p };
    });
    for (const j of join) this.host.peers.set(j.id, { host: j.host, udpPort: j.port, tcpPort: j.port });
    // Outage recovery: a peers.json resets the Raft membership on this (first) boot only.
    let recoverVoters = c.dataDir !== undefined ? readPeersJson(c.dataDir) : undefined;
    if (recoverVoters) this.log(`[WARN] raft/peers.json found: recovering the Raft membership to ${recoverVoters.join(', ')}`);
    this.host.setup(
      (ctx) => {
        // The factory runs after the sockets bound (RealHost.start binds, then boots), so the
        // card carries the real ports even when they were ephemeral.
        const bound = this.host.address;
        const card: AddressCard = { host: bound.host, udp: String(bound.udpPort), tcp: String(bound.tcpPort), http: httpHostPort };
        const node = new ServerNode(ctx, {
          raft: { ...(c.dev ? DEV_RAFT_DEFAULTS : AGENT_RAFT_DEFAULTS), ...c.raft },
          // memberlist DefaultLANConfig timings (Consul's default for the LAN pool).
          swim: { profile: 'lan' },
          ...(c.dev ? { voters: [c.node] } : {}),
          ...(c.bootstrapExpect !== undefined ? { bootstrapExpect: c.bootstrapExpect } : {}),
          card,
          join: join.map((j) => j.id),
          ...(recoverVoters ? { recoverVoters } : {}),
          ha: { probe, notify: notifier, ...(c.ha ? { config: c.ha } : {}) },
          checkProbe: new AgentCheckProbe(scripts),
          ...(c.zk !== undefined ? { zk: true } : {}),
        });
        recoverVoters = undefined;
        node.onCard((id, peer) => {
          const udp = Number(peer.udp);
          const tcp = Number(peer.tcp);
          if (typeof peer.host === 'string' && udp > 0 && tcp > 0) this.host.peers.set(id, { host: peer.host, udpPort: udp, tcpPort: tcp });
        });
        node.replicator.onRoleChange((role, term, leader) => this.log(`[INFO] raft: ${role} term=${term} leader=${leader ?? '(none)'}`));
        node.swim.on((ev) => this.log(`[INFO] serf: ${ev.kind} ${ev.member.node}`));
        return node;
      },
    );
    await this.host.start();
    const bound = this.host.address;
    if (c.dataDir !== undefined && readPeersJson(c.dataDir) !== undefined) retirePeersJson(c.dataDir);
    if (c.dev) {
      // Ready means writable: wait (bounded) for the single voter to lead.
      const deadline = Date.now() + DEV_READY_TIMEOUT_MS;
      while (!this.host.app()?.replicator.isLeader() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    }
    const zkAddr = c.zk !== undefined ? await this.startZk(c.zk, acl) : undefined;
    this.addrs = { http: httpHostPort, raft: `${bound.host}:${bound.tcpPort}`, serf: `${bound.host}:${bound.udpPort}`, ...(zkAddr ? { zk: zkAddr } : {}) };
    this.log(`==> hanode agent running: node=${c.node} dc=${c.datacenter ?? 'dc1'} ${c.dev ? 'mode=dev (in memory)' : `data-dir=${c.dataDir}`}`);
    this.log(`    HTTP: http://${this.addrs.http}  Raft (TCP): ${this.addrs.raft}  Serf (UDP): ${this.addrs.serf}${c.encrypt ? '  gossip+raft encrypted' : ''}`);
    this.log(`    ${describeAcl(acl)}`);
    if (acl.defaultPolicy === 'deny' && acl.managementToken === undefined) this.log('[WARN] acl: default policy deny and no management token: every write is refused (give --acl-token-file or HANODE_ACL_TOKEN)');
    if (zkAddr) this.log(`    ZooKeeper: ${zkAddr}`);
    if (c.bootstrapExpect) this.log(`    waiting for ${c.bootstrapExpect} servers to bootstrap`);
    return this.addrs;
  }

  /** Graceful leave: gossip "left", then shut down. */
  async leave(): Promise<void> {
    const n = this.host.app();
    if (n) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5000);
        n.leave(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    setImmediate(() => void this.stop());
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = (async () => {
        this.log('==> hanode agent shutting down');
        this.loop.stop();
        await this.http?.close();
        await this.zk?.close();
        await this.host.close();
        this.dataDir?.close();
        for (const l of this.shutdownListeners) l();
      })();
    }
    return this.stopping;
  }

  private async startZk(addr: string, acl: AclConfig): Promise<string> {
    const [h, p] = splitHostPort(addr);
    if (!h || !Number.isInteger(p) || p < 0) throw new Error(`bad --zk address ${JSON.stringify(addr)} (want HOST:PORT)`);
    this.zk = new ZkGateway({
      treeServer: () => this.host.app()?.coord.treeServer,
      status: () => {
        const n = this.host.app();
        return n ? { mode: n.replicator.isLeader() ? 'leader' : 'follower', zxid: n.store.appliedIndex(), nodeCount: n.store.tree.size() } : undefined;
      },
      acl,
      // Cluster-wide secrets, so any server can check a password its peer derived.
      ...(this.config.encrypt !== undefined || this.config.aclToken !== undefined ? { secret: `${this.config.encrypt ?? ''}/${this.config.aclToken ?? ''}` } : {}),
      log: this.log,
      onCoreError: (err) => {
        this.log(`[ERR] core threw in zk: ${(err as Error)?.stack ?? String(err)}`);
        process.exitCode = 70;
        void this.stop();
      },
    });
    const a = await this.zk.listen(h, p);
    return `${a.host}:${a.port}`;
  }

  private self(): unknown {
    const c = this.config;
    const n = this.host.app();
    return {
      Config: { Datacenter: c.datacenter ?? 'dc1', NodeName: c.node, NodeID: '', Server: true, Revision: '', Version: '0.1.0-hanode' },
      Member: { Name: c.node, Addr: this.addrs?.serf.split(':')[0] ?? '', Port: Number(this.addrs?.serf.split(':')[1] ?? 0), Tags: { role: 'consul' }, Status: 1 },
      Stats: { raft: { state: n?.replicator.role() ?? 'none', term: String(n?.replicator.term() ?? 0), commit_index: String(n?.replicator.commitIndex() ?? 0), applied_index: String(n?.replicator.appliedIndex() ?? 0) } },
    };
  }

  private metrics(): Metric[] {
    const n = this.host.app();
    const out: Metric[] = [];
    const g = (name: string, help: string, value: number, labels?: Readonly<Record<string, string>>) => out.push({ name, help, type: 'gauge', value, ...(labels ? { labels } : {}) });
    const k = (name: string, help: string, value: number, labels?: Readonly<Record<string, string>>) => out.push({ name, help, type: 'counter', value, ...(labels ? { labels } : {}) });
    g('hanode.uptime_seconds', 'Seconds since the agent started.', (Date.now() - this.startedAt) / 1000);
    g('hanode.runtime.event_loop_delay_max_ms', 'Longest event-loop stall since start (ms); compare with the election timeout.', this.loop.maxMs());
    g('hanode.runtime.event_loop_delay_recent_max_ms', 'Longest event-loop stall in the last 1-2 s (ms).', this.loop.recentMaxMs());
    if (n) {
      const s = new NodeBackend(() => n, this.config.node, '', '', async () => {}).stats();
      g('hanode.raft.term', 'Current Raft term.', s.raftTerm!);
      g('hanode.raft.commit_index', 'Raft commit index.', s.raftCommitIndex!);
      g('hanode.raft.applied_index', 'Raft applied index.', s.raftAppliedIndex!);
      g('hanode.raft.last_index', 'Raft last log index.', s.raftLastIndex!);
      g('hanode.raft.is_leader', '1 when this node is the Raft leader.', s.raftIsLeader!);
      g('hanode.serf.members', 'Members known to SWIM.', s.swimMembers!);
      g('hanode.serf.alive', 'Members SWIM sees alive.', s.swimAlive!);
      g('hanode.http.blocking_queries', 'Parked blocking queries.', s.blockingParked!);
      g('hanode.kv.keys', 'Keys in the KV store.', s.kvKeys!);
      g('hanode.session.count', 'Live sessions.', s.sessions!);
      raftReplicationMetrics(n.raft(), g, k);
    }
    const hs = this.host.stats;
    k('hanode.net.sent', 'Messages sent by every service.', hs.sent);
    k('hanode.net.delivered', 'Messages delivered to a service.', hs.delivered);
    k('hanode.net.dropped_malformed', 'Packets or frames that did not decode.', hs.droppedMalformed);
    k('hanode.net.dropped_invalid', 'Messages refused by their service\'s wire schema.', hs.droppedInvalid);
    k('hanode.net.udp_dropped_bad_auth', 'Datagrams that failed authentication (wrong or missing key).', this.host.udp.stats.droppedBadAuth);
    clusterAuthMetrics(this.host, k, g);
    if (this.zk) {
      k('hanode.zk.connections', 'ZooKeeper client connections accepted.', this.zk.counters.connections);
      k('hanode.zk.bad_frames', 'ZooKeeper connections closed on a malformed frame.', this.zk.counters.badFrames);
      g('hanode.zk.open_connections', 'Open ZooKeeper client connections.', this.zk.openConnections());
    }
    if (this.http) {
      const h = this.http.counters;
      k('hanode.http.requests', 'HTTP requests served.', h.requests);
      k('hanode.http.errors_4xx', 'HTTP 4xx answers.', h.errors4xx);
      k('hanode.http.errors_5xx', 'HTTP 5xx answers.', h.errors5xx);
      k('hanode.http.forwarded', 'Requests forwarded to the leader.', h.forwarded);
    }
    return out;
  }
}
