/**
 * Test harness: a simulated cluster of Raft servers, each running a CoordStore and a
 * CoordNode, plus client nodes (ZooKeeper-style clients and Consul-style RPC clients).
 */
import { assert, ms, sec, type Micros, type NodeId } from '../../src/core/env.ts';
import { RaftNode, type RaftConfig } from '../../src/core/raft/index.ts';
import { CoordStore } from '../../src/core/store/index.ts';
import { CoordNode, CoordRpcClient, type CoordNodeOptions, type Probe } from '../../src/core/coord/index.ts';
import { ZkClientHost } from '../../src/core/coord/tree/index.ts';
import type { StoreCommand, StoreResult } from '../../src/core/store/index.ts';
import { World, type DiskSpec, type NetworkSpec, type LatencySpec } from '../../src/sim/index.ts';

export interface ServerApp {
  readonly raft: RaftNode<StoreCommand, StoreResult>;
  readonly store: CoordStore;
  readonly coord: CoordNode;
  start(): void;
}

export interface ClientApp {
  readonly zk: ZkClientHost;
  readonly rpc: CoordRpcClient;
  start(): void;
}

export interface CoordClusterOptions {
  readonly seed: number | string;
  readonly servers?: readonly NodeId[];
  readonly clients?: readonly NodeId[];
  /** More nodes in the client DC, with no app: the test sets them up (before start). */
  readonly others?: readonly NodeId[];
  readonly raft?: Partial<RaftConfig>;
  readonly network?: NetworkSpec;
  readonly disk?: DiskSpec;
  readonly latency?: Partial<LatencySpec>;
  readonly coord?: CoordNodeOptions;
  /** Probe per server node (for node-run checks). */
  readonly probe?: (id: NodeId) => Probe;
  readonly recordTrace?: boolean;
  /** Sees every server's store (each incarnation) as it is made: a LockHistory watches it. */
  readonly watchStore?: (store: CoordStore) => void;
  /** Round-trip every message through msgpack (default true: catches non-serialisable messages). */
  readonly checkMessages?: boolean;
}

export class CoordCluster {
  readonly world: World;
  readonly servers: readonly NodeId[];
  readonly clients: readonly NodeId[];

  constructor(opts: CoordClusterOptions) {
    this.servers = opts.servers ?? ['n1', 'n2', 'n3'];
    this.clients = opts.clients ?? ['c1'];
    this.world = new World({
      seed: opts.seed,
      topology: {
        regions: [
          {
            name: 'eu',
            dcs: [
              { name: 'eu-1', nodes: [...this.servers] },
              { name: 'eu-c', nodes: [...this.clients, ...(opts.others ?? [])] },
            ],
          },
        ],
      },
      latency: opts.latency ?? { sameDc: { kind: 'uniform', min: ms(0.2), max: ms(1) }, sameRegion: { kind: 'uniform', min: ms(0.5), max: ms(2) } },
      network: opts.network ?? {},
      disk: opts.disk ?? {},
      recordTrace: opts.recordTrace ?? false,
      checkMessages: opts.checkMessages ?? true,
    });
    const servers = this.servers;
    this.world.setup<ServerApp>((ctx) => {
      const store = new CoordStore();
      opts.watchStore?.(store);
      const raft = new RaftNode<StoreCommand, StoreResult>(ctx.env('raft'), store, { ...opts.raft, voters: servers });
      const coord = new CoordNode(
        { coord: ctx.env('coord'), zk: ctx.env('zk'), rpc: ctx.env('coordrpc') },
        raft,
        store,
        { ...opts.coord, ...(opts.probe ? { probe: opts.probe(ctx.id) } : {}) },
      );
      return {
        raft,
        store,
        coord,
        start() {
          raft.start();
          coord.start();
        },
      };
    }, [...this.servers]);
    this.world.setup<ClientApp>((ctx) => {
      const zk = new ZkClientHost(ctx.env('zk'));
      const rpc = new CoordRpcClient(ctx.env('coordrpc'), servers);
      return { zk, rpc, start() {} };
    }, [...this.clients]);
  }

  start(): this {
    this.world.start();
    return this;
  }

  server(id: NodeId): ServerApp {
    const a = this.world.app<ServerApp>(id);
    if (!a) throw new Error(`${id} is down`);
    return a;
  }

  client(id: NodeId): ClientApp {
    const a = this.world.app<ClientApp>(id);
    if (!a) throw new Error(`${id} is down`);
    return a;
  }

  leader(): ServerApp | undefined {
    let best: ServerApp | undefined;
    for (const id of this.servers) {
      if (!this.world.isUp(id)) continue;
      const a = this.world.app<ServerApp>(id)!;
      if (a.raft.isLeader() && (!best || a.raft.term() > best.raft.term())) best = a;
    }
    return best;
  }

  waitLeader(limitUs: Micros = sec(10)): ServerApp {
    const ok = this.world.runUntil(() => this.leader() !== undefined, this.world.now() + limitUs);
    if (!ok) throw new Error('no leader');
    return this.leader()!;
  }

  /** Proposes through the current leader and runs until the outcome is known. */
  propose(cmd: Parameters<CoordNode['proposer']['propose']>[0], limitUs: Micros = sec(10)): StoreResult {
    const l = this.waitLeader(limitUs);
    let out: StoreResult | string | undefined;
    l.coord.proposer.propose(cmd, (r) => (out = r.ok ? r.result : r.error));
    this.world.runUntil(() => out !== undefined, this.world.now() + limitUs);
    if (out === undefined || typeof out === 'string') throw new Error(`propose ${cmd.type} failed: ${out}`);
    return out;
  }

  /** Every live server's store agrees on the state once applied to the same index. */
  storesOf(): CoordStore[] {
    return this.servers.filter((id) => this.world.isUp(id)).map((id) => this.server(id).store);
  }
}

/**
 * A 3-server cluster with a leader and two tree clients (c1, c2) connected, session timeout
 * 6 s: the starting point of the tree tests.
 */
export function connectedTreePair(seed: number, coord?: CoordClusterOptions['coord']) {
  const c = new CoordCluster({ seed, clients: ['c1', 'c2'], ...(coord ? { coord } : {}) }).start();
  c.waitLeader();
  const servers = ['n1', 'n2', 'n3'];
  const a = c.client('c1').zk.client(servers, { sessionTimeoutUs: sec(6) });
  const b = c.client('c2').zk.client(servers, { sessionTimeoutUs: sec(6) });
  c.world.runUntil(() => a.state() === 'connected' && b.state() === 'connected', c.world.now() + sec(10));
  assert(a.state() === 'connected' && b.state() === 'connected', 'tree clients c1, c2 connected within 10 s');
  return { c, a, b, w: c.world };
}
