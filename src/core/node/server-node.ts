/**
 * ServerNode: the pure composition of one server's cores — Raft over the replicated
 * CoordStore, the store proposer (followers forward writes to the leader), the leader
 * drivers (session TTLs, check TTLs, leases, tree sessions), the blocking-query hub, SWIM
 * membership, the hello exchange and the leader's reconciler. Built from `env(service)`
 * exactly as World.setup and RealHost.setup hand it, so the same node runs in the
 * simulator and in hanode. No I/O here: the host owns sockets, disk and clock.
 */
import { assert, type Env, type NodeId } from '../env.ts';
import { CoordNode, type BlockingHub, type SessionDriver } from '../coord/index.ts';
import { RaftNode, type RaftRole, type Replicator } from '../raft/index.ts';
import { CoordStore, type StoreCommand, type StoreCommandBody, type StoreResult } from '../store/index.ts';
import type { Proposer, ProposeOutcome } from '../store/proposer.ts';
import { SwimNode, type MemberInfo, type SwimEvent } from '../swim/index.ts';
import { BOOTSTRAPPED_KEY, MAX_VOTERS_META_CHARS, ROLE_KEY, ROLE_SERVER, VOTERS_KEY, VOTERS_META_KEY, type ServerNodeOptions } from './config.ts';
import { HelloExchange, isProvisionalId, type AddressCard } from './hello.ts';
import { KnownPeers } from './known-peers.ts';
import { Reconciler } from './reconcile.ts';
import { appendRecoveryMembership } from './recover.ts';
import { DEFAULT_HA_CONFIG, HaService, HaStateMachine, SwimObservers, SwimTransport, type HaCommand } from '../ha/index.ts';
import type { NodeMachine, NodeCommand, NodeResult } from './machine.ts';
import { ServerCore } from './assembly.ts';
import { testMutant } from '../test-mutants.ts';

export interface NodeEnvs {
  readonly id: NodeId;
  env(service: string): Env;
}

type Raft = RaftNode<NodeCommand, NodeResult>;

/** Bound on peers whose last Raft contact is remembered (far above any server count we run). */
const MAX_HEARD_PEERS = 1024;

export class ServerNode {
  readonly id: NodeId;
  /** The replicated core (store + HA state on one log, replicator, CoordNode), as the simulator assembles it too. */
  readonly core: ServerCore;
  readonly store: CoordStore;
  readonly haState: HaStateMachine;
  readonly machine: NodeMachine;
  readonly ha: HaService | undefined;
  readonly replicator: Replicator<StoreCommand, StoreResult>;
  /** The coordination services beside the store: proposer, leader drivers, blocking hub, node-run probes. */
  readonly coord: CoordNode;
  readonly swim: SwimNode;
  readonly hello: HelloExchange;
  private readonly reconciler: Reconciler;
  private readonly knownPeers: KnownPeers;
  private raftNode: Raft | undefined;
  private readonly raftEnv: Env;
  private readonly nodeEnv: Env;
  private readonly coordEnv: Env;
  private readonly card: AddressCard;
  private readonly cardListeners: ((node: NodeId, card: AddressCard) => void)[] = [];
  private running = false;
  /** Local time of the last message from (or as) a leader, for X-Consul-LastContact. */
  private lastLeaderContactUs = 0;
  /** Local time of the last Raft message from each peer (the leader's view feeds autopilot's LastContact). */
  private readonly lastHeardUs = new Map<NodeId, number>();

  constructor(
    ctx: NodeEnvs,
    private readonly opts: ServerNodeOptions = {},
  ) {
    this.id = ctx.id;
    this.card = opts.card ?? {};
    const raftEnv = ctx.env('raft');
    // Watch Raft's deliveries to know when the leader was last heard (X-Consul-LastContact).
    this.raftEnv = {
      ...raftEnv,
      self: raftEnv.self,
      service: raftEnv.service,
      storage: raftEnv.storage,
      random: raftEnv.random,
      now: () => raftEnv.now(),
      after: (d, fn) => raftEnv.after(d, fn),
      send: (to, msg, o) => raftEnv.send(to, msg, o),
      trace: (k, f) => raftEnv.trace(k, f),
      onMessage: (handler) =>
        raftEnv.onMessage((from, msg) => {
          if (from === this.replicator.leader()) this.lastLeaderContactUs = raftEnv.now();
          if (this.lastHeardUs.has(from) || this.lastHeardUs.size < MAX_HEARD_PEERS) this.lastHeardUs.set(from, raftEnv.now());
          handler(from, msg);
        }),
    };
    this.nodeEnv = ctx.env('node');
    this.knownPeers = new KnownPeers(this.nodeEnv.storage);
    this.coordEnv = ctx.env('coord');
    this.core = new ServerCore({ coord: this.coordEnv, ...(opts.zk ? { zk: ctx.env('zk') } : {}) }, opts.checkProbe ? { checkProbe: opts.checkProbe } : {});
    ({ store: this.store, haState: this.haState, machine: this.machine, replicator: this.replicator, coord: this.coord } = this.core);
    // Peers known before a restart are SWIM seeds: joined at start and retried while not alive
    // (Serf rejoins the members of its snapshot), so no --join is needed to come back.
    const remembered = testMutant('forgetKnownPeers') ? [] /* TEST ONLY: the issue-14 bug back */ : this.knownPeers.ids().filter((p) => p !== this.id && !(opts.swim?.seeds ?? []).includes(p));
    this.swim = new SwimNode(ctx.env('swim'), {
      ...opts.swim,
      seeds: [...(opts.swim?.seeds ?? []), ...remembered],
      meta: { ...(opts.swim?.meta ?? {}), ...this.card, [ROLE_KEY]: ROLE_SERVER },
    });
    this.hello = new HelloExchange(
      ctx.env('hello'),
      () => this.card,
      (node, card) => this.learnCard(node, card),
      (_provisional, node) => this.swim.join([node]),
    );
    this.reconciler = new Reconciler(
      this.coordEnv,
      this.replicator,
      () => this.raftNode,
      this.store,
      {
        members: () => this.swim.members().filter((m) => !isProvisionalId(m.node)),
        isServer: (m) => m.meta[ROLE_KEY] === ROLE_SERVER,
        addressOf: (m) => m.meta.host ?? m.node,
      },
      (cmd, done) => this.proposer.propose(cmd, (r) => done(r.ok)),
    );
    if (opts.ha) {
      const haEnv = ctx.env('ha');
      this.ha = new HaService(haEnv, {
        state: this.haState,
        // HA commands share the log with the store's; the leader proposes them (followers never do).
        replicator: { propose: (cmd, done) => this.proposeHa(cmd, done), isLeader: () => this.replicator.isLeader() },
        probe: opts.ha.probe,
        // Results ride SWIM: piggybacked broadcasts plus push-pull anti-entropy (the seeds' gossip DB).
        transport: new SwimTransport(this.swim, opts.ha.config?.maxTargets ?? DEFAULT_HA_CONFIG.maxTargets),
        // Every Raft voter observes; a dead voter stays known until it leaves (see SwimObservers).
        observerView: new SwimObservers(this.swim, this.id, () => true, () => this.raftNode?.membership().voters ?? []),
        ...(opts.ha.notify ? { notify: opts.ha.notify } : {}),
        ...(opts.ha.config ? { config: opts.ha.config } : {}),
      });
    }
    this.replicator.onRoleChange((role, _term, leader) => this.onRole(role, leader));
    this.swim.on((ev) => this.onMember(ev));
  }

  start(): void {
    assert(!this.running, 'server node started twice');
    this.running = true;
    // The host learns the remembered addresses before SWIM sends its first join.
    for (const [node, card] of this.knownPeers.entries()) if (node !== this.id) for (const l of this.cardListeners) l(node, card);
    this.swim.start();
    this.coord.start();
    this.maybeBootstrap();
    this.ha?.start();
    if (this.opts.join && this.opts.join.length > 0) this.hello.greet(this.opts.join);
  }

  stop(): void {
    this.running = false;
    this.hello.stop();
    this.reconciler.stop();
    this.ha?.stop();
    this.coord.stop();
    this.raftNode?.stop();
    this.swim.stop();
  }

  /** Graceful leave: gossip "left" (the leader then removes this server from Raft). */
  leave(done: () => void): void {
    this.swim.leave(done);
  }

  get proposer(): Proposer {
    return this.coord.proposer;
  }
  get hub(): BlockingHub {
    return this.coord.hub;
  }
  get sessions(): SessionDriver {
    return this.coord.sessions;
  }

  raft(): Raft | undefined {
    return this.raftNode;
  }

  /** Proposes from any node (followers forward to the leader). */
  propose(cmd: StoreCommandBody, done: (r: ProposeOutcome) => void): void {
    this.proposer.propose(cmd, done);
  }

  /** Proposes an 'ha.*' command from any node (followers forward through the store proposer). */
  proposeHa(cmd: HaCommand, done: (r: import('../raft/api.ts').ProposeResult<unknown>) => void): void {
    // The log's proposer stamps and forwards; the NodeMachine routes 'ha.*' to the HA state.
    this.core.proposer.propose(cmd, done);
  }

  /** A peer's address card arrived (hello or SWIM meta): the host adds it to its peer book. */
  onCard(listener: (node: NodeId, card: AddressCard) => void): void {
    assert(this.cardListeners.length < 16, 'too many card listeners');
    this.cardListeners.push(listener);
  }

  members(): MemberInfo[] {
    return this.swim.members().filter((m) => !isProvisionalId(m.node));
  }

  /** Address card of a node as gossiped (undefined when unknown). */
  cardOf(node: NodeId): AddressCard | undefined {
    if (node === this.id) return this.card;
    return this.swim.member(node)?.meta ?? this.knownPeers.card(node);
  }

  /** µs since the last contact with a leader; 0 on the leader. */
  lastContactUs(): number {
    if (this.replicator.isLeader()) return 0;
    return Math.max(0, this.raftEnv.now() - this.lastLeaderContactUs);
  }

  /** µs since a Raft message last arrived from `peer`; undefined when none ever did. */
  sinceHeardFromUs(peer: NodeId): number | undefined {
    const at = this.lastHeardUs.get(peer);
    return at === undefined ? undefined : Math.max(0, this.raftEnv.now() - at);
  }

  private learnCard(node: NodeId, card: AddressCard): void {
    if (isProvisionalId(node) || node === this.id) return;
    this.knownPeers.remember(node, card);
    for (const l of this.cardListeners) l(node, card);
  }

  private onMember(ev: SwimEvent): void {
    if (ev.kind === 'join' || ev.kind === 'update' || ev.kind === 'alive') this.learnCard(ev.member.node, ev.member.meta);
    this.reconciler.poke();
    if (!this.raftNode) this.maybeBootstrap();
  }

  private onRole(role: RaftRole, leader: NodeId | undefined): void {
    const isLeader = role === 'leader';
    assert(!isLeader || leader === this.id, () => `leader role but leader is ${String(leader)}`);
    if (leader !== undefined) this.lastLeaderContactUs = this.raftEnv.now();
    // (CoordNode follows the role itself.)
    this.reconciler.setLeader(isLeader);
  }

  /** Builds the Raft node once its voters are known (stored, given, or bootstrap_expect met). */
  private maybeBootstrap(): void {
    if (this.raftNode || !this.running) return;
    const nodeStorage = this.nodeEnv.storage;
    let voters = nodeStorage.load<NodeId[]>(VOTERS_KEY);
    const rs = this.raftEnv.storage;
    const raftHasState = rs.last() > 0 || rs.first() > 1 || rs.load('hs') !== undefined;
    const recover = this.opts.recoverVoters;
    if (recover !== undefined && recover.length > 0) {
      voters = [...recover].sort();
      const at = appendRecoveryMembership(rs, voters);
      nodeStorage.save(VOTERS_KEY, voters);
      nodeStorage.sync();
      this.nodeEnv.trace('node.recover-membership', { voters: voters.join(','), index: at });
    }
    if (voters === undefined && !raftHasState) {
      if (this.opts.voters && this.opts.voters.length > 0) voters = [...this.opts.voters].sort();
      else if (this.opts.bootstrapExpect !== undefined && this.opts.bootstrapExpect > 0) {
        const alive = this.members().filter((m) => m.status === 'alive' && m.meta[ROLE_KEY] === ROLE_SERVER && m.node !== this.id);
        const advertised = alive.map((m) => m.meta[VOTERS_META_KEY]).find((v) => v !== undefined && v !== '');
        const running = alive.some((m) => m.meta[BOOTSTRAPPED_KEY] === '1');
        if (advertised !== undefined && advertised.split(',').includes(this.id)) {
          // Another server already bootstrapped with a set that includes us: adopt exactly it.
          voters = advertised.split(',');
          this.nodeEnv.trace('node.bootstrap', { voters: advertised, adopted: true });
        } else if (advertised !== undefined || running) {
          // A cluster runs without us: start without voters; its leader adds us.
          this.nodeEnv.trace('node.join-existing', {});
        } else {
          const servers = [this.id, ...alive.map((m) => m.node)].sort();
          if (servers.length < this.opts.bootstrapExpect) return;
          const chosen = servers.slice(0, this.opts.bootstrapExpect);
          // Not among the N chosen: join the cluster they form, as a joiner would.
          if (chosen.includes(this.id)) {
            voters = chosen;
            this.nodeEnv.trace('node.bootstrap', { voters: voters.join(',') });
          }
        }
      }
      if (voters !== undefined) {
        // Durable before Raft acts on it: a restart must come back with the same voters.
        nodeStorage.save(VOTERS_KEY, voters);
        nodeStorage.sync();
      }
    }
    assert(voters === undefined || (voters.length > 0 && new Set(voters).size === voters.length), () => `bad bootstrap voters ${String(voters)}`);
    const raft: Raft = this.core.attachRaft(this.raftEnv, { ...this.opts.raft, voters: voters ?? [] });
    this.raftNode = raft;
    raft.start();
    const list = voters?.join(',');
    if (list !== undefined && list.length <= MAX_VOTERS_META_CHARS) this.swim.setMeta({ ...this.swim.localMeta(), [VOTERS_META_KEY]: list });
    else if (voters !== undefined || raftHasState) this.swim.setMeta({ ...this.swim.localMeta(), [BOOTSTRAPPED_KEY]: '1' });
  }
}
