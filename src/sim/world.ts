/**
 * The simulated world: one event queue ordered by (virtual time, sequence), the nodes and
 * the services they run, the faulty network, crashable disks, skewed clocks, and the trace.
 *
 * Everything that happens is an event popped from the queue; nothing else decides order.
 * Time is true (global) virtual time in integer microseconds; each node sees it through its
 * own clock.
 */
import { createRequire } from 'node:module';
import type { Env, Message, Micros, NodeId, Random, SendOptions, Storage, Timer, TraceFields } from '../core/env.ts';
import { SimulationError } from './errors.ts';
import { EventQueue, type QueuedEvent } from './event-queue.ts';
import { applyFault, type FaultTarget } from './faults.ts';
import { DiskWriteError, MemoryStorage } from '../host/memory-storage.ts';
import { armAsyncSync, DEFAULT_SYNC_LATENCY_US } from './disk-sync.ts';
import { blockOnSync } from './blocking-sync.ts';
import { Network } from './network.ts';
import { startNemesis } from './nemesis.ts';
import { Forger } from './forge.ts';
import { validateWire } from '../core/wire-validators.ts';
import { NodeClock } from './node-clock.ts';
import { randomStream } from '../host/random.ts';
import { Topology } from './topology.ts';
import { lanTopology, type LanNames } from './lan.ts';
import type { PendingEvent } from './pending-event.ts';
import { hashEvent, NetKind, TraceHasher } from './trace.ts';
import type { DiskSpec, Fault, FaultKind, NemesisSpec, ScheduledFault, WorldOptions } from './types.ts';
import type { NodeContext, NodeFactory, TraceEvent } from '../host/context.ts';

const enum EvKind {
  Timer = 0,
  Deliver = 1,
  World = 2,
}

/**
 * One queued event. Timers and world callbacks are their own Timer handle, so each is a new
 * object; deliveries (most events) never escape the world, so their records are reused
 * (World.spare): the hot path allocates nothing per message.
 */
class SimEvent implements QueuedEvent, Timer {
  time = 0;
  seq = 0;
  cancelled = false;
  inHeap = false;
  /** Reliable deliveries: the generation of the link's connection the message was sent on. */
  gen = 0;
  /** Injected raw (World.injectRaw): hostile input that must meet the service's wire schema. */
  untrusted = false;
  constructor(
    private readonly queue: EventQueue<SimEvent>,
    public kind: EvKind,
    public node: number,
    public epoch: number,
    public fn: (() => void) | null,
    public from: number,
    public svc: string,
    public msg: Message | null,
    public reliable: boolean,
  ) {}

  cancel(): void {
    this.queue.cancel(this);
  }
}


interface AppLike {
  start?(): void;
  stop?(): void;
}

class SimNode {
  up = false;
  paused = false;
  /** Bumped at every crash and restart: events of an older incarnation are void. */
  epoch = 0;
  restarts = 0;
  app: unknown = undefined;
  factory: NodeFactory | undefined;
  slowExtra = 0;
  readonly clock = new NodeClock();
  readonly handlers = new Map<string, (from: NodeId, msg: Message) => void>();
  readonly envs = new Map<string, Env>();
  readonly storages = new Map<string, MemoryStorage>();
  held: SimEvent[] = [];
  /** Inside a blocking sync until this true time (src/sim/blocking-sync.ts); 0: not. */
  syncBusyUntil = 0;
  constructor(
    readonly id: NodeId,
    readonly index: number,
    readonly dc: string,
    readonly region: string,
  ) {}
}

export interface WorldStats {
  /** Events popped and run (timers, deliveries, world callbacks). */
  events: number;
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  timers: number;
  /** Deliveries refused by their service's wire schema (src/core/wire-validators.ts). */
  invalid: number;
}

export class World implements FaultTarget {
  readonly topology: Topology;
  readonly network: Network;
  readonly seed: number | string;
  readonly stats: WorldStats = { events: 0, sent: 0, delivered: 0, dropped: 0, duplicated: 0, timers: 0, invalid: 0 };
  private readonly queue = new EventQueue<SimEvent>();
  /** Delivery records done with, for reuse (see SimEvent). */
  private readonly spare: SimEvent[] = [];
  private readonly nodes: SimNode[];
  private readonly netRandom: Random[];
  private readonly diskRandom: Random[];
  private readonly disk: Required<DiskSpec>;
  private readonly hasher = new TraceHasher();
  private readonly recorded: TraceEvent[] | null;
  private readonly listeners: ((ev: TraceEvent) => void)[] = [];
  private readonly faultCount = new Map<string, number>();
  private readonly lastReliable = new Map<number, Micros>();
  /**
   * Generation of each directed link's stream connection. A reliable message that is lost
   * breaks its connection (as a TCP reset would): every message still in flight on it is lost
   * with it, never delivered out of the broken stream. The next send opens a new connection,
   * and the receiver is not told: a protocol that must notice a gap numbers its messages (as
   * the tree protocol does), exactly as it must over hanode's reconnecting TCP transport.
   */
  private readonly linkGen = new Map<number, number>();
  private readonly checkMessages: boolean;
  private forgeState: Forger | undefined;
  private readonly taps: ((to: NodeId, from: NodeId, svc: string, msg: Message, reliable: boolean) => void)[] = [];
  private nowUs: Micros = 0;
  private started = false;
  private nextFaultId = 1;

  /** A world of one region and one DC holding `ids` (src/sim/lan.ts); other options as for new World. */
  static lan(ids: readonly NodeId[], seed: number | string, options: Omit<WorldOptions, 'seed' | 'topology'> & LanNames = {}): World {
    const { region, dc, ...rest } = options;
    return new World({ ...rest, seed, topology: lanTopology(ids, { region, dc }) });
  }

  constructor(readonly options: WorldOptions) {
    this.seed = options.seed;
    this.topology = new Topology(options.topology);
    this.network = new Network(this.topology, options.latency, options.network);
    this.nodes = this.topology.nodes.map(
      (id, i) => new SimNode(id, i, this.topology.dcOf(id), this.topology.regionOf(id)),
    );
    this.netRandom = this.topology.nodes.map((id) => randomStream(this.seed, `net/${id}`));
    this.diskRandom = this.topology.nodes.map((id) => randomStream(this.seed, `disk/${id}`));
    // Defaults: a crash loses unsynced writes half the time and tears the tail a fifth of
    // those times: aggressive on purpose, a simulator exists to find the bugs that rarely fire.
    this.disk = {
      unsyncedLoss: options.disk?.unsyncedLoss ?? 0.5,
      tornWrite: options.disk?.tornWrite ?? 0.2,
      syncLatencyUs: options.disk?.syncLatencyUs ?? DEFAULT_SYNC_LATENCY_US,
      blockingSyncLatencyUs: options.disk?.blockingSyncLatencyUs ?? 0,
    };
    this.recorded = options.recordTrace ? [] : null;
    this.checkMessages = options.checkMessages ?? false;
  }

  // ---- building and running -------------------------------------------------------------

  /** Sets the factory that builds the app of `nodes` (default: every node) at boot and on restart. */
  setup<A>(factory: NodeFactory<A>, nodes?: readonly NodeId[]): void {
    for (const id of nodes ?? this.topology.nodes) this.nodes[this.topology.index(id)]!.factory = factory as NodeFactory;
  }

  /** Boots every node that has a factory, at the current time (0 for a fresh world). */
  start(): void {
    if (this.started) throw new Error('world already started');
    this.started = true;
    // Build every app first, then start them: a message sent at t = 0 must find its peer up.
    const booted = this.nodes.filter((n) => n.factory);
    for (const node of booted) this.boot(node, false);
    for (const node of booted) this.startApp(node);
  }

  now(): Micros {
    return this.nowUs;
  }

  /** Runs every event with time <= until; afterwards now() === until. */
  run(until: Micros): void {
    for (let ev = this.queue.popDue(until); ev !== undefined; ev = this.queue.popDue(until)) this.dispatch(ev);
    if (until > this.nowUs) this.nowUs = until;
  }

  runFor(duration: Micros): void {
    this.run(this.nowUs + duration);
  }

  /** Runs one event; false when the queue is empty. */
  step(): boolean {
    const ev = this.queue.pop();
    if (!ev) return false;
    this.dispatch(ev);
    return true;
  }

  /** Time of the next pending event, if any. */
  nextEventTime(): Micros | undefined {
    return this.queue.peekTime();
  }

  /** What the next pending event is, left queued (src/sim/pending-event.ts). */
  peekEvent(): PendingEvent | undefined {
    const ev = this.queue.peek();
    if (!ev) return undefined;
    const node = this.nodes[ev.node]?.id;
    if (ev.kind === EvKind.Deliver && node !== undefined && ev.msg) {
      return { kind: 'deliver', t: ev.time, node, from: this.nodes[ev.from]?.id ?? '?', svc: ev.svc, type: wireType(ev.msg) };
    }
    if (ev.kind === EvKind.Timer && node !== undefined) return { kind: 'timer', t: ev.time, node, ...(ev.svc ? { svc: ev.svc } : {}) };
    return { kind: 'world', t: ev.time };
  }

  /** Runs events until pred() holds (checked after each event) or time would pass `limit`. */
  runUntil(pred: () => boolean, limit: Micros): boolean {
    if (pred()) return true;
    for (;;) {
      const t = this.queue.peekTime();
      if (t === undefined || t > limit) break;
      this.dispatch(this.queue.pop()!);
      if (pred()) return true;
    }
    if (limit > this.nowUs) this.nowUs = limit;
    return pred();
  }

  /** A world-level callback at true time t (>= now). */
  at(t: Micros, fn: () => void): Timer {
    return this.atTime(t, fn);
  }

  after(delay: Micros, fn: () => void): Timer {
    return this.atTime(this.nowUs + Math.max(0, Math.round(delay)), fn);
  }

  /** An independent seeded stream for sim-side actors (clients, workloads, nemesis). */
  rng(stream: string): Random {
    return randomStream(this.seed, `world/${stream}`);
  }

  // ---- inspection ------------------------------------------------------------------------

  app<A = unknown>(id: NodeId): A | undefined {
    const n = this.node(id);
    return n.up ? (n.app as A) : undefined;
  }

  isUp(id: NodeId): boolean {
    return this.node(id).up;
  }

  isPaused(id: NodeId): boolean {
    return this.node(id).paused;
  }

  localTime(id: NodeId): Micros {
    return this.node(id).clock.local(this.nowUs);
  }

  clockOf(id: NodeId): { skew: Micros; drift: number } {
    const c = this.node(id).clock;
    return { skew: c.skew, drift: c.drift };
  }

  /** The storage of a service on a node (created empty on first use). */
  storage(id: NodeId, service: string): MemoryStorage {
    return this.storageOf(this.node(id), service);
  }

  /** Subscribes to every core trace event and fault event; returns an unsubscribe function. */
  on(listener: (ev: TraceEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  traceHash(): string {
    return this.hasher.hex();
  }

  /** Every trace event, network ones included, when the world records its trace. */
  traceEvents(): readonly TraceEvent[] {
    if (!this.recorded) throw new Error('this world does not record its trace (recordTrace: false)');
    return this.recorded;
  }

  faultCounts(): Record<string, number> {
    return Object.fromEntries(this.faultCount);
  }

  // ---- faults ----------------------------------------------------------------------------

  /** Injects a fault now. */
  inject(fault: Fault): void {
    applyFault(this, fault);
  }

  /** Schedules faults at absolute true times. */
  schedule(faults: readonly ScheduledFault[]): void {
    for (const f of faults) this.atTime(f.at, () => this.inject(f.fault));
  }

  /** Starts a random fault generator drawing from the seed's 'nemesis' stream. */
  nemesis(spec: NemesisSpec): void {
    if ((spec.kinds?.forge ?? 0) > 0) this.forger(); // capture traffic from the start, for replays
    startNemesis(this, spec, this.rng('nemesis'));
  }

  /** The forge nemesis of this world (src/sim/forge.ts), made on first use. */
  forger(): Forger {
    this.forgeState ??= new Forger(this, this.rng('forge'));
    return this.forgeState;
  }

  forge(ratePerSec: number, untilUs: Micros): void {
    this.forger().start(ratePerSec, untilUs);
  }

  /**
   * Raw delivery (the forge nemesis, fuzz tests): `msg` is any value, bypassing the types, and
   * still meets the receiving service's wire schema at delivery. A sender outside the
   * topology is dropped here and counted: in hanode that is the authenticated channel's and
   * the peer book's job (src/net-real/auth-channel.ts).
   */
  injectRaw(to: NodeId, from: NodeId, svc: string, msg: unknown, delayUs: Micros = 0): boolean {
    if (!this.topology.has(from) || !this.topology.has(to)) {
      this.stats.invalid++;
      return false;
    }
    this.pushDelivery(this.nowUs + Math.max(0, delayUs), this.topology.index(to), this.nodes[this.topology.index(to)]!.epoch, this.topology.index(from), svc, msg as Message, false, 0, true);
    return true;
  }

  /** Services with a handler on a node now (where forged messages can land). */
  servicesOf(id: NodeId): string[] {
    return [...this.nodes[this.topology.index(id)]!.handlers.keys()];
  }

  /** Hears every delivery just before its handler runs (the forge nemesis captures replays here). */
  tapDeliveries(fn: (to: NodeId, from: NodeId, svc: string, msg: Message, reliable: boolean) => void): void {
    this.taps.push(fn);
  }

  // FaultTarget: the primitives faults are made of.

  newFaultId(): number {
    return this.nextFaultId++;
  }

  countFault(kind: FaultKind): void {
    this.faultCount.set(kind, (this.faultCount.get(kind) ?? 0) + 1);
  }

  emit(kind: string, fields: Record<string, unknown>, node?: NodeId): void {
    const ev: TraceEvent = node === undefined ? { t: this.nowUs, kind, ...fields } : { t: this.nowUs, kind, node, ...fields };
    this.publish(ev);
  }

  crash(id: NodeId): boolean {
    const node = this.node(id);
    if (!node.up) return false;
    node.up = false;
    node.paused = false;
    node.held = [];
    node.syncBusyUntil = 0;
    node.epoch++;
    node.app = undefined;
    node.handlers.clear();
    node.envs.clear();
    for (const [svc, st] of node.storages) {
      const out = st.crash(this.diskRandom[node.index]!, this.disk.unsyncedLoss, this.disk.tornWrite);
      if (out.unsynced > 0) this.emit('disk.crash', { svc, unsynced: out.unsynced, lost: out.lost, torn: out.torn }, id);
    }
    return true;
  }

  /** Every storage of a node, by service (storage faults act on them). */
  disks(id: NodeId): ReadonlyMap<string, MemoryStorage> {
    return this.node(id).storages;
  }

  restart(id: NodeId): void {
    const node = this.node(id);
    if (node.up) this.crash(id);
    if (!node.factory) throw new Error(`node ${id} has no app to restart`);
    node.restarts++;
    this.boot(node, true);
  }

  pause(id: NodeId): boolean {
    const node = this.node(id);
    if (!node.up || node.paused) return false;
    node.paused = true;
    return true;
  }

  resume(id: NodeId): boolean {
    const node = this.node(id);
    if (!node.paused) return false;
    node.paused = false;
    if (node.syncBusyUntil > 0) return true; // inside a blocking sync: its end releases the held events
    this.releaseHeld(node);
    return true;
  }

  private releaseHeld(node: SimNode): void {
    const held = node.held;
    node.held = [];
    // Held timers and deliveries all fall due at once, in their original order.
    for (const ev of held) {
      if (ev.cancelled) continue;
      ev.time = this.nowUs;
      this.queue.push(ev);
    }
  }

  setClock(id: NodeId, skew: Micros, drift: number): void {
    this.node(id).clock.set(this.nowUs, skew, drift);
  }

  setSlow(id: NodeId, extra: Micros): void {
    this.node(id).slowExtra = extra;
  }

  atTime(t: Micros, fn: () => void): Timer {
    const ev = new SimEvent(this.queue, EvKind.World, -1, 0, fn, -1, '', null, false);
    ev.time = Math.max(t, this.nowUs);
    return this.queue.push(ev);
  }

  // ---- internals ---------------------------------------------------------------------------

  private node(id: NodeId): SimNode {
    return this.nodes[this.topology.index(id)]!;
  }

  private storageOf(node: SimNode, service: string): MemoryStorage {
    let st = node.storages.get(service);
    if (!st) {
      st = new MemoryStorage();
      node.storages.set(service, st);
    }
    return st;
  }

  private boot(node: SimNode, andStart: boolean): void {
    node.up = true;
    node.paused = false;
    node.syncBusyUntil = 0;
    node.epoch++;
    node.handlers.clear();
    node.envs.clear();
    const ctx: NodeContext = {
      id: node.id,
      dc: node.dc,
      region: node.region,
      restarts: node.restarts,
      env: (service) => this.envOf(node, service),
    };
    this.emit(node.restarts === 0 ? 'node.boot' : 'node.restart', { restarts: node.restarts }, node.id);
    // Opening the disk finds damage done at rest (storage faults); nothing to say otherwise.
    for (const [svc, st] of node.storages) {
      const d = st.reopen();
      if (d) this.emit('disk.damage', { svc, ...d, ...(d.lostKeys ? { lostKeys: d.lostKeys.join(',') } : {}) }, node.id);
    }
    try {
      node.app = node.factory!(ctx);
    } catch (err) {
      if (this.stoppedByDisk(err)) return;
      throw new SimulationError(this.nowUs, node.id, undefined, err);
    }
    if (andStart) this.startApp(node);
  }

  private startApp(node: SimNode): void {
    const app = node.app as AppLike | undefined;
    if (!node.up || !app || typeof app.start !== 'function') return;
    try {
      app.start();
    } catch (err) {
      if (this.stoppedByDisk(err)) return;
      throw new SimulationError(this.nowUs, node.id, undefined, err);
    }
  }

  private envOf(node: SimNode, service: string): Env {
    let env = node.envs.get(service);
    if (env) return env;
    const world = this;
    const epoch = node.epoch;
    const random = randomStream(this.seed, `node/${node.id}/${service}/${node.restarts}`);
    const disk = this.storageOf(node, service);
    armAsyncSync(disk, this.disk.syncLatencyUs, (delay, fn) => world.nodeTimer(node, epoch, delay, fn));
    const block = this.disk.blockingSyncLatencyUs;
    disk.onBlockingSync = block > 0 ? () => node.up && blockOnSync(node, block, () => world.nowUs, (t, fn) => world.atTime(t, fn), () => node.paused || world.releaseHeld(node)) : undefined;
    const storage: Storage = disk;
    env = {
      self: node.id,
      service,
      now: () => node.clock.local(world.nowUs),
      after(delay: Micros, fn: () => void): Timer {
        return world.nodeTimer(node, epoch, delay, fn);
      },
      send(to: NodeId, msg: Message, opts?: SendOptions): void {
        if (node.epoch !== epoch) return; // a stale env of a crashed incarnation is inert
        const reliable = opts?.reliable === true;
        if (node.paused || node.syncBusyUntil > 0) {
          // A paused process sends nothing: a send made from outside its own events (a
          // workload calling into a client core) leaves when the node resumes.
          const held = new SimEvent(world.queue, EvKind.World, -1, 0, () => node.epoch === epoch && world.send(node, to, service, msg, reliable), -1, '', null, false);
          node.held.push(held);
          return;
        }
        world.send(node, to, service, msg, reliable);
      },
      onMessage(handler) {
        if (node.epoch === epoch) node.handlers.set(service, handler);
      },
      storage,
      random,
      trace(kind: string, fields?: TraceFields): void {
        if (node.epoch !== epoch) return;
        world.publish({ t: world.nowUs, kind, node: node.id, svc: service, ...fields });
      },
    };
    node.envs.set(service, env);
    return env;
  }

  private nodeTimer(node: SimNode, epoch: number, delay: Micros, fn: () => void): Timer {
    const ev = new SimEvent(this.queue, EvKind.Timer, node.index, epoch, fn, -1, '', null, false);
    ev.time = this.nowUs + node.clock.trueDelay(Math.max(0, Math.round(delay)));
    if (node.epoch !== epoch) {
      ev.cancelled = true; // scheduled by a dead incarnation: never fires
      return ev;
    }
    return this.queue.push(ev);
  }

  private send(from: SimNode, toId: NodeId, svc: string, msg: Message, reliable: boolean): void {
    this.stats.sent++;
    const to = this.topology.index(toId);
    if (this.checkMessages) msg = wireRoundTrip(msg);
    const a = from.index;
    const key = a * this.nodes.length + to;
    const gen = reliable ? (this.linkGen.get(key) ?? 0) : 0;
    if (this.network.isCut(a, to)) return this.droppedOn(key, gen, reliable, a, to, svc, msg, 'cut');
    const rnd = this.netRandom[a]!;
    const lossP = this.network.lossP(a, to, reliable);
    if (lossP > 0 && rnd.next() < lossP) return this.droppedOn(key, gen, reliable, a, to, svc, msg, 'loss');
    let delay = this.network.latency(a, to, rnd) + this.network.extraDelay(a, to) + this.nodes[to]!.slowExtra;
    if (!reliable) {
      const rp = this.network.reorderP();
      if (rp > 0 && rnd.next() < rp) delay += rnd.int(this.network.reorderWindow() + 1);
    }
    let t = this.nowUs + delay;
    if (reliable) {
      // A stream channel is FIFO per link: never deliver before an earlier message.
      const last = this.lastReliable.get(key);
      if (last !== undefined && t < last) t = last;
      this.lastReliable.set(key, t);
    }
    const target = this.nodes[to]!;
    this.pushDelivery(t, to, target.epoch, a, svc, msg, reliable, gen);
    if (!reliable) {
      const dp = this.network.duplicateP();
      if (dp > 0 && rnd.next() < dp) {
        this.stats.duplicated++;
        this.hashNet(NetKind.Duplicate, a, to, svc, msg);
        this.pushDelivery(this.nowUs + this.network.latency(a, to, rnd), to, target.epoch, a, svc, msg, false);
      }
    }
  }

  private pushDelivery(t: Micros, to: number, epoch: number, from: number, svc: string, msg: Message, reliable: boolean, gen = 0, untrusted = false): void {
    let ev = this.spare.pop();
    if (ev === undefined) ev = new SimEvent(this.queue, EvKind.Deliver, to, epoch, null, from, svc, msg, reliable);
    else {
      ev.cancelled = false;
      ev.node = to;
      ev.epoch = epoch;
      ev.from = from;
      ev.svc = svc;
      ev.msg = msg;
      ev.reliable = reliable;
    }
    ev.time = t;
    ev.gen = gen;
    ev.untrusted = untrusted;
    this.queue.push(ev);
  }

  /** A drop; a reliable one also breaks the link's current connection. */
  private droppedOn(key: number, gen: number, reliable: boolean, a: number, b: number, svc: string, msg: Message, why: string): void {
    if (reliable && (this.linkGen.get(key) ?? 0) === gen) this.linkGen.set(key, gen + 1);
    this.dropped(a, b, svc, msg, why);
  }

  private dropped(a: number, b: number, svc: string, msg: Message, why: string): void {
    this.stats.dropped++;
    this.hashNet(NetKind.Drop, a, b, svc, msg);
    if (this.recorded) {
      this.recorded.push({ t: this.nowUs, kind: 'net.drop', from: this.nodes[a]!.id, to: this.nodes[b]!.id, svc, type: wireType(msg), why });
    }
  }

  private hashNet(kind: NetKind, a: number, b: number, svc: string, msg: Message): void {
    const h = this.hasher;
    h.int(kind);
    h.int(this.nowUs);
    h.int(a);
    h.int(b);
    h.str(svc);
    h.str(wireType(msg));
  }

  private dispatch(ev: SimEvent): void {
    this.nowUs = ev.time;
    this.stats.events++;
    switch (ev.kind) {
      case EvKind.World:
        return this.guard(undefined, undefined, ev.fn!);
      case EvKind.Timer: {
        const node = this.nodes[ev.node]!;
        if (node.epoch !== ev.epoch || !node.up) return;
        if (node.paused || node.syncBusyUntil > 0) {
          node.held.push(ev);
          return;
        }
        this.stats.timers++;
        const h = this.hasher;
        h.int(NetKind.Timer);
        h.int(ev.time);
        h.int(ev.node);
        return this.guard(node, undefined, ev.fn!);
      }
      case EvKind.Deliver: {
        const node = this.nodes[ev.node]!;
        const msg = ev.msg!;
        const key = ev.from * this.nodes.length + ev.node;
        if (!node.up) return this.droppedOn(key, ev.gen, ev.reliable, ev.from, ev.node, ev.svc, msg, 'down');
        if (ev.reliable) {
          // A stream connection does not survive the receiver's restart, nor an earlier loss on it.
          // (The connection is already broken: dropping does not break the next one.)
          if (node.epoch !== ev.epoch || ev.gen !== (this.linkGen.get(key) ?? 0)) {
            return this.dropped(ev.from, ev.node, ev.svc, msg, 'reset');
          }
        }
        // Packets in flight when a cut appears are lost with it.
        if (this.network.isCut(ev.from, ev.node)) return this.droppedOn(key, ev.gen, ev.reliable, ev.from, ev.node, ev.svc, msg, 'cut');
        if (node.paused || node.syncBusyUntil > 0) {
          node.held.push(ev);
          return;
        }
        const handler = node.handlers.get(ev.svc);
        if (!handler) return this.dropped(ev.from, ev.node, ev.svc, msg, 'no-service');
        // Untrusted input stops at the boundary, as in RealHost: counted, never delivered. What
        // the simulated cores send is typed and honest, so the schema walk (O(message) on every
        // delivery of the hot loop) runs only for injected input, or for all with checkMessages.
        if ((ev.untrusted || this.checkMessages) && validateWire(ev.svc, msg) !== null) {
          this.stats.invalid++;
          return this.dropped(ev.from, ev.node, ev.svc, msg, 'invalid');
        }
        this.stats.delivered++;
        this.hashNet(NetKind.Deliver, ev.from, ev.node, ev.svc, msg);
        if (this.recorded) {
          this.recorded.push({ t: this.nowUs, kind: 'net.deliver', from: this.nodes[ev.from]!.id, to: node.id, svc: ev.svc, type: wireType(msg) });
        }
        const fromId = this.nodes[ev.from]!.id;
        for (const tap of this.taps) tap(node.id, fromId, ev.svc, msg, ev.reliable);
        try {
          handler(fromId, msg);
        } catch (err) {
          if (this.stoppedByDisk(err)) return;
          throw new SimulationError(this.nowUs, node.id, ev.svc, err);
        }
        // Delivered: the record is free for the next message (a dropped or held one is left
        // to the garbage collector; drops are rare and a held one is still in use).
        ev.msg = null;
        this.spare.push(ev);
        return;
      }
    }
  }

  private guard(node: SimNode | undefined, svc: string | undefined, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (this.stoppedByDisk(err)) return;
      if (err instanceof SimulationError) throw err;
      throw new SimulationError(this.nowUs, node?.id, svc, err);
    }
  }

  /**
   * A sync a disk-full fault refused (DiskWriteError, possibly wrapped by an inner event) stops
   * that node's process where it stands, as a failed fsync must: not a bug, not the run's end.
   */
  private stoppedByDisk(err: unknown): boolean {
    const e = err instanceof SimulationError ? err.cause : err;
    if (!(e instanceof DiskWriteError)) return false;
    this.emit('disk.write-failed', { svc: e.service }, e.node);
    this.crash(e.node);
    return true;
  }

  private publish(ev: TraceEvent): void {
    hashEvent(this.hasher, ev);
    if (this.recorded) this.recorded.push(ev);
    for (const l of this.listeners) l(ev);
  }
}

/** A message's type for traces and hashes; raw (forged) deliveries may lack one. */
function wireType(msg: Message): string {
  const t = (msg as { type?: unknown } | null)?.type;
  return typeof t === 'string' ? t : '(malformed)';
}

let msgpack: { pack(v: unknown): Buffer; unpack(b: Buffer): unknown } | undefined;

/**
 * A message as the peer would decode it (checkMessages). msgpackr is loaded on first use: it
 * brings a native addon, start-up time that runs without checkMessages never need.
 */
function wireRoundTrip(msg: Message): Message {
  msgpack ??= createRequire(import.meta.url)('msgpackr') as NonNullable<typeof msgpack>;
  return msgpack.unpack(msgpack.pack(msg)) as Message;
}
