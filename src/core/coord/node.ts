/**
 * CoordNode: everything a Raft server node runs beside its CoordStore — the forwarding
 * proposer, the leader drivers, the blocking hub, the tree server, the RPC server and
 * (optionally) the node-run health probes. One object to build per node incarnation:
 *
 *   const store = new CoordStore();
 *   const raft = new RaftNode(ctx.env('raft'), store, { voters });
 *   const coord = new CoordNode({ coord: ctx.env('coord'), zk: ctx.env('zk'), rpc: ctx.env('coordrpc') }, raft, store);
 *   return { raft, coord, start() { raft.start(); coord.start(); } };
 */
import type { Env, Micros } from '../env.ts';
import type { Replicator } from '../raft/api.ts';
import type { CoordStore } from '../store/coord-store.ts';
import type { StoreCommand, StoreResult } from '../store/commands.ts';
import { StoreProposer, type Proposer, type ProposerOptions } from '../store/proposer.ts';
import { BlockingHub } from './blocking.ts';
import { CatalogDriver } from './catalog-driver.ts';
import type { Probe } from './checks.ts';
import { LeaseDriver } from './lease-driver.ts';
import { ProbeRunner } from './probe-runner.ts';
import { CoordRpcServer } from './rpc-server.ts';
import { SessionDriver } from './session-driver.ts';
import { TreeDriver } from './tree/tree-driver.ts';
import { TreeServer, type TreeServerOptions } from './tree/tree-server.ts';

export interface CoordEnvs {
  /** Proposal forwarding between servers. */
  readonly coord: Env;
  /** ZooKeeper-style client protocol and server-to-server session touches. */
  readonly zk?: Env;
  /** Consul / etcd style RPC from clients. */
  readonly rpc?: Env;
}

export interface CoordNodeOptions {
  readonly probe?: Probe;
  /** The catalog node name whose checks this node runs (default: the Raft node id). */
  readonly catalogNode?: string;
  readonly proposer?: ProposerOptions;
  /**
   * A proposer built by the caller on this node's coord channel (a server whose log carries
   * more than the store: src/core/node/assembly.ts); default: a StoreProposer of its own.
   */
  readonly sharedProposer?: Proposer;
  readonly tree?: TreeServerOptions;
  readonly leasePromoteExtendUs?: Micros;
  readonly containerCheckUs?: Micros;
}

export class CoordNode {
  readonly proposer: Proposer;
  readonly leases: LeaseDriver;
  readonly sessions: SessionDriver;
  readonly catalog: CatalogDriver;
  readonly treeDriver: TreeDriver;
  readonly hub: BlockingHub;
  readonly treeServer: TreeServer | undefined;
  readonly rpc: CoordRpcServer | undefined;
  readonly probes: ProbeRunner | undefined;

  constructor(
    envs: CoordEnvs,
    readonly raft: Replicator<StoreCommand, StoreResult>,
    readonly store: CoordStore,
    opts: CoordNodeOptions = {},
  ) {
    const env = envs.coord;
    this.proposer = opts.sharedProposer ?? new StoreProposer(env, raft, opts.proposer);
    this.leases = new LeaseDriver(env, raft, store, opts.leasePromoteExtendUs);
    this.sessions = new SessionDriver(env, raft, store);
    this.catalog = new CatalogDriver(env, raft, store);
    this.treeDriver = new TreeDriver(env, raft, store, opts.containerCheckUs);
    this.hub = new BlockingHub(env, store);
    this.treeServer = envs.zk ? new TreeServer(envs.zk, raft, store, this.proposer, this.treeDriver, opts.tree) : undefined;
    this.rpc = envs.rpc ? new CoordRpcServer(envs.rpc, raft, store, this.proposer, this.sessions, this.leases, this.hub) : undefined;
    this.probes = opts.probe ? new ProbeRunner(env, store, this.proposer, opts.probe, opts.catalogNode) : undefined;
    // One role listener fans out to every driver.
    raft.onRoleChange(() => this.syncRole());
    // Lifecycle events worth seeing on a timeline, traced once (by the leader) per entry.
    store.onApply((e) => {
      if (!raft.isLeader()) return;
      for (const fx of e.effects) {
        if (fx.kind === 'session.removed') env.trace('coord.session.removed', { id: fx.id, reason: fx.reason, index: e.index });
        else if (fx.kind === 'lease.removed') env.trace('coord.lease.removed', { id: fx.id, index: e.index });
        else if (fx.kind === 'zk.session.removed') env.trace('coord.zk-session.removed', { id: fx.id, index: e.index });
        else if (fx.kind === 'check.updated' && e.command.type === 'check.update') {
          env.trace('coord.check', { node: fx.node, checkId: fx.checkId, status: fx.status, index: e.index });
        }
      }
    });
  }

  start(): void {
    this.syncRole();
    this.treeServer?.start();
    this.probes?.start();
  }

  stop(): void {
    this.treeServer?.stop();
    this.probes?.stop();
    for (const d of [this.leases, this.sessions, this.catalog, this.treeDriver]) d.setLeader(false);
  }

  private syncRole(): void {
    const leader = this.raft.isLeader();
    for (const d of [this.leases, this.sessions, this.catalog, this.treeDriver]) d.setLeader(leader);
    this.treeServer?.onRoleChange();
  }
}
