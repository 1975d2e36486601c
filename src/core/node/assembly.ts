/**
 * The replicated core of one server, assembled once for both runtimes: the coordination
 * store (KV, sessions, catalog, leases, tree) and the failover state on ONE Raft log (the
 * NodeMachine), the deferred replicator the drivers and proposer see, and the CoordNode beside
 * the store. hanode's ServerNode builds its server with it, and so does every simulated Raft
 * server of a scenario (src/scenario/modules/raft.ts): what hasim judges is what hanode runs.
 *
 * The Raft node itself is attached when its voters are known (at once in the simulator, after
 * bootstrap_expect in hanode).
 */
import { assert, type Env } from '../env.ts';
import { CoordNode, type CoordEnvs } from '../coord/index.ts';
import { HaStateMachine } from '../ha/index.ts';
import type { KvCommand, KvCommandResult } from '../kv/index.ts';
import { RaftNode, type RaftConfig, type Replicator } from '../raft/index.ts';
import type { ProposeResult, ReadOptions, ReadResult } from '../raft/api.ts';
import { CoordStore, type StoreCommand, type StoreResult } from '../store/index.ts';
import { DeferredReplicator } from './deferred-replicator.ts';
import { NodeMachine, type NodeCommand, type NodeResult } from './machine.ts';

export type ServerRaft = RaftNode<NodeCommand, NodeResult>;

export interface ServerCoreOptions {
  /** Runs this node's HTTP / TCP / script service checks (Consul agent checks). */
  readonly checkProbe?: import('../coord/index.ts').Probe;
  /** Tree server options (a test-only broken variant lives there). */
  readonly tree?: import('../coord/index.ts').CoordNodeOptions['tree'];
}

export class ServerCore {
  readonly store = new CoordStore();
  readonly haState = new HaStateMachine();
  readonly machine = new NodeMachine(this.store, this.haState);
  readonly replicator = new DeferredReplicator<StoreCommand, StoreResult>();
  readonly coord: CoordNode;
  private raftNode: ServerRaft | undefined;
  private readonly raftListeners: ((raft: ServerRaft) => void)[] = [];

  constructor(envs: CoordEnvs, opts: ServerCoreOptions = {}) {
    this.coord = new CoordNode(envs, this.replicator, this.store, { ...(opts.checkProbe ? { probe: opts.checkProbe } : {}), ...(opts.tree ? { tree: opts.tree } : {}) });
  }

  /** Builds the Raft node over the NodeMachine and hands it to the drivers (once). */
  attachRaft(env: Env, config: Partial<RaftConfig>): ServerRaft {
    const raft: ServerRaft = new RaftNode<NodeCommand, NodeResult>(env, this.machine, config);
    this.raftNode = raft;
    // The store's drivers and proposer see a Replicator of store commands: they only ever propose
    // those, and the NodeMachine hands them the store's results.
    this.replicator.attach(raft as unknown as Replicator<StoreCommand, StoreResult>);
    for (const l of this.raftListeners) l(raft);
    return raft;
  }

  /** Called once the Raft node is built (before it starts): checkers attach here. */
  onRaftAttached(listener: (raft: ServerRaft) => void): void {
    assert(this.raftListeners.length < 16, 'too many raft listeners');
    this.raftListeners.push(listener);
  }

  raft(): ServerRaft | undefined {
    return this.raftNode;
  }

  /**
   * The KV commands of src/core/kv as they ride this log ({ type: 'kv', cmd }), for a KV
   * service that speaks plain KvCommands (the simulated KvServer).
   */
  kvReplicator(): Replicator<KvCommand, KvCommandResult> {
    const r = this.replicator;
    return {
      propose: (cmd: KvCommand, done: (x: ProposeResult<KvCommandResult>) => void, dedup?: { client: string; seq: number }) =>
        r.propose(
          { type: 'kv', cmd },
          (x) => {
            if (!x.ok) return done(x);
            const res = x.result;
            done({ ...x, result: res.type === 'kv' && res.ok ? res.result : { type: 'error', revision: this.store.kv.revision(), reason: 'error' in res ? res.error : 'unexpected result' } });
          },
          dedup,
        ),
      readBarrier: (done: (x: ReadResult) => void, opts?: ReadOptions) => r.readBarrier(done, opts),
      isLeader: () => r.isLeader(),
      leader: () => r.leader(),
      role: () => r.role(),
      term: () => r.term(),
      commitIndex: () => r.commitIndex(),
      appliedIndex: () => r.appliedIndex(),
      onRoleChange: (l) => r.onRoleChange(l),
    } as Replicator<KvCommand, KvCommandResult>;
  }
}
