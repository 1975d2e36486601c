/**
 * `hanode shard`: one shard process on the real host layer (RealHost: TCP/UDP sealed with the
 * cluster key, FileStorage in the data dir). It runs, on one service 'shard' (env-mux.ts):
 *  - the data node core (core/shard/data-node.ts) of its group, when given --group: its
 *    writes go to the data dir's log (checksummed records, fsync before any ack; a torn tail
 *    is cut on restart) and to the standbys before the client hears "ok";
 *  - a shard server (core/shard/server.ts), when given --master: a master candidate, elected
 *    through the tree on the hanode servers (TreeRegistry over the ZooKeeper gateway);
 *  - a routing client (core/shard/client.ts) behind the HTTP endpoint (http.ts).
 * Every process registers in the tree (directory.ts), which is how they find each other.
 */
import type { NodeId } from '../../core/env.ts';
import { DataNode, ShardClient, ShardServer, TreeRegistry } from '../../core/shard/index.ts';
import { DataDir } from '../../net-real/data-dir.ts';
import { RealHost } from '../../net-real/real-host.ts';
import { ShardDirectory } from './directory.ts';
import { EnvMux } from './env-mux.ts';
import { startShardHttp, type ShardHttp } from './http.ts';
import { ZkWireClient } from './zk-wire-client.ts';

export interface ShardNodeOptions {
  readonly name: NodeId;
  readonly group?: string;
  readonly master: boolean;
  readonly bind: string;
  /** Cluster port (TCP and UDP); 0 picks one. */
  readonly port: number;
  /** HTTP endpoint HOST:PORT; undefined: none. */
  readonly http?: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  /** The hanode servers' ZooKeeper listeners. */
  readonly coord: readonly string[];
  readonly key?: string;
  readonly token?: string;
  /**
   * Session timeout asked of the tree. 4 s: ZooKeeper's minimum (2 x tickTime of 2 s), what
   * the seed's shard servers used and what the simulated scenario uses (sessionTtl: 4s).
   */
  readonly sessionTimeoutMs: number;
  readonly log: (line: string) => void;
}

export interface ShardApp {
  readonly data: DataNode | undefined;
  readonly server: ShardServer | undefined;
  readonly client: ShardClient;
  start(): void;
  stop(): void;
}

export interface RunningShardNode {
  readonly host: RealHost<ShardApp>;
  readonly http: ShardHttp | undefined;
  readonly directory: ShardDirectory;
  stop(): Promise<void>;
}

/** Trace kinds worth a log line (role and placement changes). */
const LOGGED = new Set(['shard.master', 'shard.config', 'shard.placement', 'shard.loaded', 'shard.deposed', 'shard.rebalanced', 'shard.election.error', 'storage.cut']);

export async function startShardNode(o: ShardNodeOptions): Promise<RunningShardNode> {
  const dir = DataDir.open(o.dataDir);
  /** Master candidates known from the directory; the cores read this array on each use. */
  const masters: NodeId[] = [];
  /** The master candidate's current tree client (TreeRegistry makes a new one per session). */
  let treeClient: ZkWireClient | undefined;
  const host = new RealHost<ShardApp>({
    id: o.name,
    host: o.bind,
    udpPort: o.port,
    tcpPort: o.port,
    ...(o.key !== undefined ? { key: o.key } : {}),
    storage: (service) => dir.storage(service),
    onTrace: (ev) => {
      if (!LOGGED.has(ev.kind)) return;
      const { t: _t, kind, node: _n, svc: _s, ...rest } = ev as Record<string, unknown>;
      o.log(`${String(kind)} ${JSON.stringify(rest)}`);
    },
  });
  host.setup((ctx) => {
    const base = ctx.env('shard');
    const mux = new EnvMux(base);
    const data = o.group !== undefined ? new DataNode(mux.env(), o.group, masters) : undefined;
    const server = o.master
      ? new ShardServer(
          mux.env(),
          new TreeRegistry(
            () =>
              (treeClient = new ZkWireClient({
                servers: o.coord,
                sessionTimeoutMs: o.sessionTimeoutMs,
                ...(o.token !== undefined ? { token: o.token } : {}),
                schedule: (fn) => base.after(0, fn),
                log: o.log,
              })),
          ),
        )
      : undefined;
    const client = new ShardClient(mux.env(), masters);
    return {
      data,
      server,
      client,
      start() {
        data?.start();
        server?.start();
        client.refreshRoutes();
      },
      stop() {
        data?.stop();
        server?.stop();
      },
    };
  });
  await host.start();
  const http = o.http ? await startShardHttp({ host: o.http.host, port: o.http.port, app: () => host.app(), ...(o.token !== undefined ? { token: o.token } : {}), status: () => status() }) : undefined;
  const a = host.address;
  const directory = new ShardDirectory({
    self: o.name,
    card: { host: a.host, udp: String(a.udpPort), tcp: String(a.tcpPort), master: o.master, ...(http ? { http: http.address } : {}), ...(o.group !== undefined ? { group: o.group } : {}) },
    coord: o.coord,
    ...(o.token !== undefined ? { token: o.token } : {}),
    sessionTimeoutMs: o.sessionTimeoutMs,
    peers: host.peers,
    onMasters: (ids) => {
      masters.splice(0, masters.length, ...ids);
      o.log(`master candidates: ${ids.join(',') || '-'}`);
    },
    log: o.log,
  });
  directory.start();

  function status(): Record<string, unknown> {
    const app = host.app();
    const d = app?.data;
    return {
      name: o.name,
      group: o.group ?? null,
      primary: d?.isPrimary() ?? false,
      config: d?.config() ?? null,
      applied: d?.appliedSeq() ?? 0,
      keys: d?.keys() ?? 0,
      ring: d?.ringState() ?? null,
      master: app?.server?.isMaster() ?? false,
      masterView: app?.server ? { master: app.server.view().master ?? null, seq: app.server.view().masterSeq ?? null } : null,
      placement: app?.server?.isMaster() ? { configs: app.server.configs(), ring: app.server.ringState() } : null,
      masters: [...masters],
    };
  }

  return {
    host,
    http,
    directory,
    async stop() {
      await http?.close();
      await host.close();
      // A clean stop ends our sessions: a master's election znode goes at once, so another
      // candidate takes over without waiting out the session timeout.
      await Promise.all([directory.stop(), treeClient?.closeNow()]);
      dir.close();
    },
  };
}
