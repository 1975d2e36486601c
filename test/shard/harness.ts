/**
 * A sharded store in the simulator: 3 shard servers, data groups of data nodes, one client
 * node, the FakeRegistry for election. A workload puts unique keys and records which were
 * acknowledged, so tests can check that none is lost.
 */
import { ms, sec, type Micros, type NodeId } from '../../src/core/env.ts';
import { DataNode, ShardClient, ShardServer, TreeRegistry, type Registry } from '../../src/core/shard/index.ts';
import { RaftNode } from '../../src/core/raft/index.ts';
import { CoordStore, type StoreCommand, type StoreResult } from '../../src/core/store/index.ts';
import { CoordNode } from '../../src/core/coord/index.ts';
import { ZkClientHost } from '../../src/core/coord/tree/index.ts';
import { World } from '../../src/sim/index.ts';
import { FakeRegistry } from './fake-registry.ts';

export const SERVERS = ['s1', 's2', 's3'];
/** A group whose nodes exist but stay down until a test brings them up (rebalancing). */
export const LATE_GROUPS: Record<string, NodeId[]> = { g3: ['d3a', 'd3b'], g4: ['d4a', 'd4b'] };
export const GROUPS: Record<string, NodeId[]> = { g1: ['d1a', 'd1b', 'd1c'], g2: ['d2a', 'd2b'] };

export interface ShardCluster {
  world: World;
  registry: FakeRegistry;
  acked: Map<string, string>;
  failedPuts: number;
  master(): ShardServer | undefined;
  data(n: NodeId): DataNode | undefined;
  client(): ShardClient | undefined;
  /** Puts `k<i>` every `everyUs` from `from` to `until`. */
  workload(from: Micros, until: Micros, everyUs: Micros): void;
  primaryOf(group: string): NodeId | undefined;
}

/** The coordination ensemble (Raft + tree) when registry = 'tree'. */
export const COORD = ['z1', 'z2', 'z3'];

/**
 * registry 'fake': FakeRegistry (sessions expire sessionTtlUs after a crash). 'tree': the real
 * ZooKeeper-style tree on a 3-node Raft ensemble, with ZooKeeper sessions of sessionTtlUs.
 */
export function shardCluster(seed: number, sessionTtlUs: Micros = sec(4), registryKind: 'fake' | 'tree' = 'fake', late = false, wrap: (r: Registry) => Registry = (r) => r): ShardCluster {
  const tree = registryKind === 'tree';
  const lateNodes = late ? Object.values(LATE_GROUPS).flat() : [];
  const world = new World({
    seed,
    topology: { regions: [{ name: 'r', dcs: [
      { name: 'dc1', nodes: [...SERVERS, 'c1', ...(tree ? COORD : [])] },
      { name: 'dc2', nodes: [...GROUPS.g1!, ...GROUPS.g2!, ...lateNodes] },
    ] }] },
  });
  const registry = new FakeRegistry(world, sessionTtlUs);
  const groupOf = new Map(Object.entries({ ...GROUPS, ...LATE_GROUPS }).flatMap(([g, ns]) => ns.map((n) => [n, g] as const)));
  world.setup((ctx) => {
    if (COORD.includes(ctx.id)) {
      const store = new CoordStore();
      const raft = new RaftNode<StoreCommand, StoreResult>(ctx.env('raft'), store, { voters: COORD });
      const coord = new CoordNode({ coord: ctx.env('coord'), zk: ctx.env('zk'), rpc: ctx.env('coordrpc') }, raft, store);
      return { raft, coord, start() { raft.start(); coord.start(); } };
    }
    const env = ctx.env('shard');
    if (SERVERS.includes(ctx.id)) {
      let reg: Registry;
      if (tree) {
        const host = new ZkClientHost(ctx.env('zk'));
        reg = new TreeRegistry(() => host.client(COORD, { sessionTimeoutUs: sessionTtlUs }));
      } else reg = registry.client(env, ctx.restarts);
      return new ShardServer(env, wrap(reg));
    }
    if (ctx.id === 'c1') {
      const c = new ShardClient(env, SERVERS);
      return { c, start: () => c.refreshRoutes() };
    }
    return new DataNode(env, groupOf.get(ctx.id)!, SERVERS);
  });
  world.start();
  // Late nodes are down from the start (their boot heartbeat is dropped with them).
  for (const n of lateNodes) world.inject({ kind: 'crash', node: n });
  const cluster: ShardCluster = {
    world,
    registry,
    acked: new Map(),
    failedPuts: 0,
    master: () => SERVERS.map((s) => world.app<ShardServer>(s)).find((s) => s?.isMaster()),
    data: (n) => world.app<DataNode>(n),
    client: () => world.app<{ c: ShardClient }>('c1')?.c,
    primaryOf: (g) => cluster.master()?.configs().find((c) => c.group === g)?.primary,
    workload(from, until, everyUs) {
      let i = 0;
      const tick = () => {
        if (world.now() > until) return;
        const c = cluster.client();
        const k = `k${i}`;
        const v = `v${i}`;
        i++;
        c?.put(k, v, (r) => {
          if (r.ok) cluster.acked.set(k, v);
          else cluster.failedPuts++;
        });
        world.after(everyUs, tick);
      };
      world.at(from, tick);
    },
  };
  return cluster;
}

/** Acknowledged keys missing from (or wrong on) the current primary of their group. */
export function lostWrites(c: ShardCluster): string[] {
  const client = c.client()!;
  const lost: string[] = [];
  for (const [k, v] of c.acked) {
    const g = client.groupOf(k)!;
    const p = c.primaryOf(g);
    const val = p ? c.data(p)?.read(k) : undefined;
    if (val !== v) lost.push(`${k}@${g}:${p}=${val}`);
  }
  return lost;
}

export const SETTLE = sec(12);
export const WRITE_EVERY = ms(20);
