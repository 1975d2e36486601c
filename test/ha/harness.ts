/**
 * Builds an HA cluster in the simulator: every node runs HaService with the scripted
 * targets' probe, direct fan-out gossip and the FakeRaft sequencer, and one failover group
 * per listed group. Shared by the HA simulation tests and bench/ha-failover.ts.
 */
import { ms, sec, type Micros, type NodeId } from '../../src/core/env.ts';
import {
  DirectFanout, HaService, HaStateMachine, RecordingNotifier, detectionBoundUs, haConfig, type HaConfig, type DetectionBound,
} from '../../src/core/ha/index.ts';
import { SwimTransport, SwimObservers, type HaCommand, type HaApplyResult, type HaReplicator } from '../../src/core/ha/index.ts';
import { RaftNode } from '../../src/core/raft/index.ts';
import { SwimNode, LAN } from '../../src/core/swim/index.ts';
import { World, type WorldOptions } from '../../src/sim/index.ts';
import { SimTargets, type SimTargetSpec } from '../../src/sim/targets.ts';
import { FailoverChecker } from '../../src/sim/checkers/failover.ts';
import { FakeRaft } from './fake-raft.ts';

export interface HaApp {
  ha: HaService;
  raft?: RaftNode<HaCommand, HaApplyResult>;
  swim?: SwimNode;
  sm: HaStateMachine;
  notes: RecordingNotifier;
  start(): void;
}

export interface HaClusterOptions {
  readonly world: WorldOptions;
  readonly targets: readonly SimTargetSpec[];
  readonly groups?: readonly { name: string; targets: string[] }[];
  readonly config?: Partial<HaConfig>;
  readonly commitUs?: Micros;
  /**
   * 'fake': FakeRaft sequencer + direct fan-out (fast, no election). 'raft-swim': the real
   * RaftNode replicating the HA state machine and SWIM gossip + membership.
   */
  readonly stack?: 'fake' | 'raft-swim';
  /** The observers a node believes in (default: every node). Tests break the quorum with it. */
  readonly observersOf?: (node: NodeId) => NodeId[];
  /** Checker liveness mode (see FailoverCheckerOptions.liveness). */
  readonly liveness?: boolean | 'quiet';
}

/** Test timings: fast checks so a run covers many transitions in little virtual time. */
export const FAST_HA: Partial<HaConfig> = {
  checkIntervalUs: sec(1),
  checkTimeoutUs: ms(500),
  failuresBeforeDown: 3,
  successesBeforeUp: 3,
  evalIntervalUs: ms(250),
  confirmEvals: 2,
};

export interface HaCluster {
  world: World;
  targets: SimTargets;
  raft: FakeRaft;
  /** Commits an admin command (targets, groups) through whichever stack runs. */
  write(cmd: HaCommand): void;
  leader(): NodeId | undefined;
  checker: FailoverChecker;
  bound: DetectionBound;
  observers: NodeId[];
  app(n: NodeId): HaApp | undefined;
}

export function haCluster(o: HaClusterOptions): HaCluster {
  const world = new World(o.world);
  const observers = [...world.topology.nodes];
  const targets = new SimTargets(world, o.targets);
  const stack = o.stack ?? 'fake';
  const commitUs = o.commitUs ?? (stack === 'fake' ? ms(20) : ms(200));
  const raft = new FakeRaft(world, observers, commitUs);
  const cfg: HaConfig = haConfig(o.config ?? FAST_HA);
  // Gossip delay term: direct fan-out is one hop (worst default link: cross-region ~35 ms,
  // lognormal tail); SWIM needs a few gossip rounds (memberlist GossipInterval 200 ms) to reach everyone.
  const gossipUs = stack === 'fake' ? ms(150) : 4 * LAN.gossipIntervalUs + ms(150);
  const bound = detectionBoundUs(cfg, gossipUs, commitUs);
  world.setup((ctx) => {
    const env = ctx.env('ha');
    const sm = new HaStateMachine(cfg.maxTargets, cfg.maxEvents);
    const notes = new RecordingNotifier();
    const probe = targets.probe(env);
    if (stack === 'fake') {
      const replicator = raft.attach(ctx.id, sm);
      const ha = new HaService(env, {
        state: sm, replicator, probe, transport: new DirectFanout(env, () => observers),
        observers: o.observersOf ? o.observersOf(ctx.id) : observers, notify: notes, config: cfg,
      });
      return { ha, sm, notes, start: () => ha.start() } satisfies HaApp;
    }
    const swim = new SwimNode(ctx.env('swim'), { seeds: observers.filter((n) => n !== ctx.id) });
    const rn = new RaftNode<HaCommand, HaApplyResult>(ctx.env('raft'), sm, { voters: observers });
    const replicator: HaReplicator = rn;
    const ha = new HaService(env, {
      state: sm, replicator, probe, transport: new SwimTransport(swim, cfg.maxTargets),
      observerView: new SwimObservers(swim, ctx.id, () => true, () => observers), notify: notes, config: cfg,
    });
    return { ha, sm, notes, raft: rn, swim, start: () => { swim.start(); rn.start(); ha.start(); } } satisfies HaApp;
  });
  const checker = new FailoverChecker(world, targets, { observers, boundUs: bound.totalUs, liveness: o.liveness ?? true });
  world.start();
  const leader = (): NodeId | undefined =>
    stack === 'fake' ? raft.leader() : observers.find((n) => world.app<HaApp>(n)?.raft?.isLeader());
  const write = (cmd: HaCommand): void => {
    if (stack === 'fake') return raft.write(cmd);
    // Propose on the leader, retrying (bounded) until applied; runs the world meanwhile.
    for (let attempt = 0; attempt < 20; attempt++) {
      let ok = false;
      world.runUntil(() => leader() !== undefined, world.now() + sec(10));
      const l = leader();
      if (l) world.app<HaApp>(l)!.raft!.propose(cmd, (r) => { ok = r.ok; });
      if (world.runUntil(() => ok, world.now() + sec(2))) return;
    }
    throw new Error(`could not commit ${cmd.type}`);
  };
  for (const t of o.targets) write({ type: 'ha.target.put', key: t.key, value: `${t.dc}:8091` });
  for (const g of o.groups ?? []) write({ type: 'ha.group.put', name: g.name, targets: g.targets });
  return { world, targets, raft, write, leader, checker, bound, observers, app: (n) => world.app<HaApp>(n) };
}

/** Two regions, three DCs, two nodes each: the seeds' two-region / three-DC layout. */
export const TWO_REGIONS_THREE_DCS = {
  regions: [
    { name: 'eu', dcs: [{ name: 'eu-1', nodes: ['n1', 'n2'] }, { name: 'eu-2', nodes: ['n3', 'n4'] }] },
    { name: 'us', dcs: [{ name: 'us-1', nodes: ['n5', 'n6'] }] },
  ],
};

export const CB_TARGETS: SimTargetSpec[] = [
  { key: 'cb/eu-1', dc: 'eu-1' },
  { key: 'cb/eu-2', dc: 'eu-2' },
  { key: 'cb/us-1', dc: 'us-1' },
];
