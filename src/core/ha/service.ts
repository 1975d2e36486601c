/**
 * The failover service of one node: checks every target, gossips its results, keeps the
 * gossip DB and its scavenger, and — on the Raft leader only — runs the quorum decider and
 * writes events through Raft. Every node runs the notification action when it applies an
 * event. Built at boot and on every restart; the only thing it persists is its boot counter
 * (so its results stay ordered across restarts) and the last event index it notified.
 */
import { assert, type Env, type NodeId, type Timer } from '../env.ts';
import type { ProposeResult } from '../raft/api.ts';
import { CheckScheduler } from './check-scheduler.ts';
import type { HaApplyResult, HaCommand } from './commands.ts';
import { haConfig, type HaConfig } from './config.ts';
import { GossipDb } from './gossip-db.ts';
import type { NotificationAction } from './notify.ts';
import { HeartbeatObservers, type ObserverView } from './observers.ts';
import type { Probe } from './probe.ts';
import { QuorumDecider, type Proposal } from './quorum.ts';
import type { HaStateMachine } from './state.ts';
import type { ResultTransport } from './transport.ts';
import type { CheckResult, FailoverGroup, HaEvent, Health, TargetConfig, TargetKey } from './types.ts';

/** The part of a Replicator (src/core/raft/api.ts) the service uses; the store's replicator fits. */
export interface HaReplicator {
  propose(command: HaCommand, done: (r: ProposeResult<unknown>) => void): void;
  isLeader(): boolean;
}

export interface HaServiceDeps {
  /** This node's replica of the HA state (applied by Raft through the store). */
  readonly state: HaStateMachine;
  readonly replicator: HaReplicator;
  readonly probe: Probe;
  readonly transport: ResultTransport;
  /** Live/known observers; default: HeartbeatObservers over `observers`. */
  readonly observerView?: ObserverView;
  /** The configured observers (needed when observerView is not given). */
  readonly observers?: readonly NodeId[];
  readonly notify?: NotificationAction;
  readonly config?: Partial<HaConfig>;
}

export interface HaStatus {
  readonly node: NodeId;
  readonly leader: boolean;
  readonly targets: readonly (TargetConfig & { readonly health: Health; readonly reported: Health | null })[];
  readonly groups: readonly FailoverGroup[];
  readonly events: readonly HaEvent[];
  readonly gossip: readonly (CheckResult & { readonly ageUs: number })[];
  readonly live: readonly NodeId[];
  readonly known: readonly NodeId[];
  readonly counters: Readonly<Record<string, number>>;
}

const BOOT_KEY = 'ha.boot';
const NOTIFIED_KEY = 'ha.notifiedIndex';

export class HaService {
  readonly config: HaConfig;
  readonly db: GossipDb;
  private readonly scheduler: CheckScheduler;
  private readonly decider: QuorumDecider;
  private readonly view: ObserverView;
  private readonly inFlight = new Set<TargetKey>();
  /** One slot per periodic task; undefined only between push and the first arm(). */
  private readonly timers: (Timer | undefined)[] = [];
  private unsubscribe: (() => void) | undefined;
  private boot = 0;
  private seq = 0;
  private seenRevision = -1;
  private notifiedIndex = 0;
  private running = false;
  /** Counters for status pages and tests. */
  readonly counters = { checks: 0, published: 0, merged: 0, proposals: 0, scavenged: 0, notified: 0 };

  constructor(
    private readonly env: Env,
    private readonly deps: HaServiceDeps,
  ) {
    this.config = haConfig(deps.config);
    this.db = new GossipDb(this.config.maxTargets * 256);
    this.decider = new QuorumDecider(this.config.confirmEvals, this.config.staleAfterUs);
    this.scheduler = new CheckScheduler(env, deps.probe, this.config, (t, reported, raw) => this.onCheck(t, reported, raw));
    if (deps.observerView) {
      this.view = deps.observerView;
    } else {
      assert(deps.observers && deps.observers.length > 0, 'ha service: observers or observerView required');
      this.view = new HeartbeatObservers(env, deps.observers, this.db, this.config.staleAfterUs);
    }
    deps.transport.onResults((rs) => this.onGossip(rs));
  }

  start(): void {
    assert(!this.running, 'ha service: started twice');
    this.running = true;
    const st = this.env.storage;
    this.boot = (st.load<number>(BOOT_KEY) ?? 0) + 1;
    st.save(BOOT_KEY, this.boot);
    st.sync(); // a reused boot number would let old results shadow new ones
    this.notifiedIndex = st.load<number>(NOTIFIED_KEY) ?? 0;
    this.unsubscribe = this.deps.state.subscribe((cmd, result, ctx) => this.onApplied(cmd, result, ctx.index));
    this.syncTargets();
    this.every(this.config.evalIntervalUs, () => this.evaluate());
    this.every(this.config.scavengeIntervalUs, () => this.scavenge());
  }

  stop(): void {
    this.running = false;
    this.scheduler.stop();
    for (const t of this.timers) t?.cancel();
    this.timers.length = 0;
    this.unsubscribe?.();
  }

  /** This node's own debounced view of a target. */
  reported(key: TargetKey): Health | undefined {
    return this.scheduler.reported(key);
  }

  observers(): ObserverView {
    return this.view;
  }

  /**
   * A plain snapshot for status pages (the seed's /status, /detectordata and /gossipstatus):
   * the replicated state, this node's own debounced results, and its gossip DB.
   */
  status(): HaStatus {
    const now = this.env.now();
    return {
      node: this.env.self,
      leader: this.deps.replicator.isLeader(),
      targets: this.deps.state.targets().map((t) => ({ ...t, health: this.deps.state.health(t.key)!, reported: this.scheduler.reported(t.key) ?? null })),
      groups: this.deps.state.groups(),
      events: this.deps.state.events().slice(-20),
      gossip: this.db.dump().map((s) => ({ ...s.result, ageUs: now - s.receivedAtUs })),
      live: [...this.view.live()].sort(),
      known: [...this.view.known()].sort(),
      counters: { ...this.counters },
    };
  }

  private every(periodUs: number, fn: () => void): void {
    const idx = this.timers.length;
    const arm = (): void => {
      this.timers[idx] = this.env.after(periodUs, () => {
        if (!this.running) return;
        fn();
        arm();
      });
    };
    this.timers.push(undefined);
    arm();
  }

  private syncTargets(): void {
    const rev = this.deps.state.revision();
    if (rev === this.seenRevision) return;
    this.seenRevision = rev;
    this.scheduler.setTargets(this.deps.state.targets());
  }

  private onCheck(t: TargetConfig, reported: Health, raw: Health): void {
    this.counters.checks++;
    const prev = this.db.get(t.key, this.env.self)?.result.status;
    const r: CheckResult = { target: t.key, observer: this.env.self, status: reported, boot: this.boot, seq: ++this.seq, checkedAtUs: this.env.now() };
    this.db.merge(r, this.env.now());
    if (prev !== reported) this.env.trace('ha.observe', { target: t.key, status: reported, raw });
    this.deps.transport.publish([r]);
    this.counters.published++;
  }

  private onGossip(rs: readonly CheckResult[]): void {
    if (!this.running) return;
    const known = this.view.known();
    for (const r of rs) {
      // Results about unknown targets or from unknown observers are the scavenger's business; do not let them in.
      if (r.observer === this.env.self || !known.has(r.observer) || this.deps.state.target(r.target) === undefined) continue;
      if (this.db.merge(r, this.env.now()) === 'new') this.counters.merged++;
    }
  }

  private evaluate(): void {
    this.syncTargets();
    if (!this.deps.replicator.isLeader()) {
      this.decider.reset();
      return;
    }
    const proposals = this.decider.evaluate(this.deps.state.healthAll(), this.db, this.view.live(), this.view.known(), this.env.now());
    for (const p of proposals) this.propose(p);
  }

  private propose(p: Proposal): void {
    if (this.inFlight.has(p.key)) return; // one proposal per target at a time
    this.inFlight.add(p.key);
    this.counters.proposals++;
    this.env.trace('ha.propose', { target: p.key, from: p.from, to: p.to, agree: p.to === 'down' ? p.tally.down : p.tally.up, live: p.tally.live, known: p.tally.known });
    const cmd: HaCommand = {
      type: 'ha.event', key: p.key, from: p.from, to: p.to, decidedBy: this.env.self, decidedAtUs: this.env.now(),
      agree: p.to === 'down' ? p.tally.down : p.tally.up, live: p.tally.live, known: p.tally.known,
    };
    this.deps.replicator.propose(cmd, () => {
      // Whatever the outcome, the next evaluation looks again; the state machine drops duplicates.
      this.inFlight.delete(p.key);
    });
  }

  private scavenge(): void {
    const known = this.view.known();
    const n = this.db.scavenge((k) => this.deps.state.target(k) !== undefined, (o) => known.has(o));
    this.counters.scavenged += n;
    if (n > 0) this.env.trace('ha.scavenge', { dropped: n });
  }

  private onApplied(cmd: HaCommand, result: HaApplyResult, index: number): void {
    if (cmd.type === 'ha.target.put' || cmd.type === 'ha.target.delete') this.syncTargets();
    if (cmd.type === 'ha.target.delete' && result.ok) this.deps.transport.forget?.(cmd.key);
    if (!result.ok) return;
    for (const c of result.activeChanges) this.env.trace('ha.active', { group: c.group, from: c.from, to: c.to, index });
    const ev = result.event;
    if (!ev) return;
    this.env.trace('ha.event', { target: ev.key, from: ev.from, to: ev.to, id: ev.id, agree: ev.agree, live: ev.live, known: ev.known });
    if (index <= this.notifiedIndex || !this.deps.notify) return; // replayed after a restart: already notified
    const value = this.deps.state.target(ev.key)?.value ?? '';
    this.deps.notify.notify({
      role: this.deps.replicator.isLeader() ? 'leader' : 'follower',
      key: ev.key, value, state: ev.to, eventId: ev.id, activeChanges: result.activeChanges,
    });
    this.counters.notified++;
    this.notifiedIndex = index;
    this.env.storage.save(NOTIFIED_KEY, index); // not synced: a crash may repeat a notification (at least once)
  }
}

export type { HaApplyResult };
