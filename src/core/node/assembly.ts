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
import { RaftNode, type RaftConfig, type Replicator } from '../raft/index.ts';
import { CoordStore, StoreProposer, type Proposer, type StoreCommand, type StoreResult } from '../store/index.ts';
import { DeferredReplicator } from './deferred-replicator.ts';
import { NodeMachine, storeResultOf, type NodeCommand, type NodeCommandBody, type NodeResult } from './machine.ts';
import { replicatorView } from './replicator-view.ts';

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
  /** The node's whole log (store and 'ha.*' commands); the Raft node arrives later. */
  readonly log = new DeferredReplicator<NodeCommand, NodeResult>();
  /** The store's view of the log: store commands in, the store's results out. */
  readonly replicator: Replicator<StoreCommand, StoreResult> = replicatorView(this.log, (cmd: StoreCommand): NodeCommand => cmd, storeResultOf);
  /** Proposes any of the log's commands from any server (followers forward on the coord channel). */
  readonly proposer: StoreProposer<NodeCommandBody, NodeResult>;
  readonly coord: CoordNode;
  private raftNode: ServerRaft | undefined;
  private readonly raftListeners: ((raft: ServerRaft) => void)[] = [];

  constructor(envs: CoordEnvs, opts: ServerCoreOptions = {}) {
    this.proposer = new StoreProposer<NodeCommandBody, NodeResult>(envs.coord, this.log);
    const storeProposer: Proposer = {
      propose: (cmd, done) => this.proposer.propose(cmd, (r) => done(r.ok ? { ...r, result: storeResultOf(r.result) } : r)),
    };
    this.coord = new CoordNode(envs, this.replicator, this.store, {
      sharedProposer: storeProposer,
      ...(opts.checkProbe ? { probe: opts.checkProbe } : {}),
      ...(opts.tree ? { tree: opts.tree } : {}),
    });
  }

  /** Builds the Raft node over the NodeMachine and hands it to the drivers (once). */
  attachRaft(env: Env, config: Partial<RaftConfig>): ServerRaft {
    const raft: ServerRaft = new RaftNode<NodeCommand, NodeResult>(env, this.machine, config);
    this.raftNode = raft;
    this.log.attach(raft);
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
}
