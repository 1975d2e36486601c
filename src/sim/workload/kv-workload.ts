/**
 * The KV client workload (the sim's tests and the scenario `kv:` module both run this one):
 * K client nodes each run a KvClient core and one Jepsen-style process at a time (closed loop,
 * an exponential think time drawn from the rate after each op), issuing reads / writes / cas /
 * deletes on a few keys at a target total rate, and recording every invoke and completion
 * (true virtual time) in a HistoryRecorder for the linearizability checker.
 *
 * The client cores are either installed here (install(), one world.setup per client node) or
 * built by someone else (the scenario runner builds every node's app once) and found through
 * `clientOf`. A client whose node crashed with an op open closes it as info and continues under
 * a fresh process number (Jepsen's rule, which the history contract asserts).
 *
 * Every random choice comes from world.rng('workload'), so a seed reproduces the history.
 * Written values are unique ("v<n>"), which keeps the checker's counterexamples honest and
 * its search small.
 */
import { assert, sec, type Micros, type NodeId, type Random } from '../../core/env.ts';
import { KvClient, type KvClientConfig, type KvOutcome } from '../../core/kvclient/index.ts';
import { KV_SERVICE } from '../../core/kvserver/index.ts';
import { HistoryRecorder } from '../history.ts';
import type { World } from '../world.ts';
import { writesQuiet } from './write-quiet.ts';
import { keyChooser, type KeyDistSpec } from './key-dist.ts';

/** Operation names, as the history (docs/formats.md) and a scenario's `mix:` spell them. */
export const KV_OPS = ['read', 'write', 'cas', 'delete'] as const;
export type KvOpName = (typeof KV_OPS)[number];

/** Relative weight of each operation. */
export type OpMix = Readonly<Record<KvOpName, number>>;

/**
 * The part of the simulator's World a workload uses; the scenario runner's WorldPort has it.
 * `setup` is needed only by install().
 */
export type WorkloadWorld = Pick<World, 'now' | 'at' | 'after' | 'app' | 'rng'> & Partial<Pick<World, 'setup'>>;

export interface KvWorkloadOptions {
  /** Client nodes (in the world's topology, not running anything else). */
  readonly clients: readonly NodeId[];
  /** The KV server nodes the clients talk to. */
  readonly servers: readonly NodeId[];
  /** Number of keys: "k0" .. "k<n-1>". */
  readonly keys: number;
  readonly keyDist?: KeyDistSpec;
  /** Target operations per virtual second over all clients (each waits an exponential think time after each op). */
  readonly ratePerSec: number;
  /** Relative weights; an operation left out keeps its default: read 0.5, write 0.3, cas 0.15, delete 0.05. */
  readonly mix?: Partial<OpMix>;
  /** No op is invoked before this / at or after this (true time). */
  readonly startAt?: Micros;
  readonly until: Micros;
  /** Overrides of the client core's config (servers come from above); for install() only. */
  readonly client?: Partial<KvClientConfig>;
  /**
   * The client core of a client node, when someone else builds it (then install() is not
   * called); undefined while the node is down. Default: the `client` of the app install() set up.
   */
  readonly clientOf?: (node: NodeId) => WorkloadKvClient | undefined;
  /** Hard bound on invoked ops (default 1,000,000). */
  readonly maxOps?: number;
}

export const DEFAULT_MIX: OpMix = { read: 0.5, write: 0.3, cas: 0.15, delete: 0.05 };

export interface KvWorkloadStats {
  invoked: number;
  ok: number;
  fail: number;
  info: number;
  /** Ops closed by the workload (ok + fail + info; not those finish() closes at the end). */
  completed: number;
  /** Ops the system answered: ok, or a definite no (a CAS mismatch). Timeouts and errors are not. */
  answered: number;
}

/**
 * What the workload asks of a client core: KvClient, or the Consul-API client of
 * src/scenario/modules/kv-api.ts. Only a read's value is used; writes only by their outcome.
 */
export interface WorkloadKvClient {
  get(key: string, done: (o: KvOutcome<{ readonly value: string } | null>) => void): void;
  put(key: string, value: string, done: (o: KvOutcome<unknown>) => void): void;
  delete(key: string, done: (o: KvOutcome<unknown>) => void): void;
  cas(key: string, expect: { readonly value: string | null }, value: string, done: (o: KvOutcome<unknown>) => void): void;
}

interface ClientApp {
  readonly client: KvClient;
}

interface Slot {
  readonly node: NodeId;
  process: number;
  /** The client core the open op was issued on: a different one means the client node restarted. */
  openOn: WorkloadKvClient | undefined;
}

/** How often a slot checks for a client restart that swallowed its open op. */
const WATCHDOG_US = sec(1);

export class KvWorkload {
  readonly history = new HistoryRecorder();
  readonly stats: KvWorkloadStats = { invoked: 0, ok: 0, fail: 0, info: 0, completed: 0, answered: 0 };
  private readonly random: Random;
  private readonly pickKey: () => number;
  /** The operations with a weight > 0, and their weights. */
  private readonly ops: readonly (readonly [KvOpName, number])[];
  private readonly mixTotal: number;
  private readonly slots: Slot[];
  private readonly lastSeen = new Map<string, string | null>();
  private nextValue = 1;
  private nextProcess: number;
  private readonly maxOps: number;
  private readonly clientOf: (node: NodeId) => WorkloadKvClient | undefined;

  constructor(
    private readonly world: WorkloadWorld,
    private readonly opts: KvWorkloadOptions,
  ) {
    assert(opts.clients.length > 0 && opts.servers.length > 0, 'workload needs clients and servers');
    assert(opts.ratePerSec > 0, 'rate must be > 0');
    this.random = world.rng('workload');
    this.pickKey = keyChooser(opts.keys, opts.keyDist ?? { kind: 'uniform' }, this.random);
    const mix: OpMix = { ...DEFAULT_MIX, ...opts.mix };
    assert(KV_OPS.every((f) => mix[f] >= 0), 'op weights must be >= 0');
    this.ops = KV_OPS.filter((f) => mix[f] > 0).map((f) => [f, mix[f]] as const);
    this.mixTotal = this.ops.reduce((sum, [, w]) => sum + w, 0);
    assert(this.mixTotal > 0, 'op mix is empty');
    this.slots = opts.clients.map((node, i) => ({ node, process: i, openOn: undefined }));
    this.nextProcess = opts.clients.length;
    this.maxOps = opts.maxOps ?? 1_000_000;
    this.clientOf = opts.clientOf ?? ((node) => world.app<ClientApp>(node)?.client);
  }

  /** Sets up the client cores on the client nodes (call before world.start()); not with clientOf. */
  install(): void {
    assert(this.opts.clientOf === undefined, 'install() builds the client cores that clientOf finds elsewhere');
    const setup = this.world.setup?.bind(this.world);
    assert(setup !== undefined, 'install() needs a world that can set up nodes');
    // Client i starts at servers[i mod n] (the list rotated), so first attempts spread over the
    // cluster as real clients behind a load balancer would; redirects then find the leader.
    const n = this.opts.servers.length;
    this.opts.clients.forEach((node, i) => {
      const servers = this.opts.servers.map((_, j) => this.opts.servers[(i + j) % n]!);
      const cfg = { ...this.opts.client, servers };
      setup<ClientApp>((ctx) => ({ client: new KvClient(ctx.env(KV_SERVICE), cfg) }), [node]);
    });
  }

  /** Schedules every client's first op (call after world.start()). */
  start(): void {
    const from = Math.max(this.opts.startAt ?? 0, this.world.now());
    for (const slot of this.slots) {
      this.world.at(from + this.thinkTime(), () => this.issue(slot));
      this.world.at(from + WATCHDOG_US, () => this.watchdog(slot));
    }
  }

  /** Closes every still-open op as info (call when the run ends, before checking). */
  finish(): void {
    this.history.closeAll(this.world.now());
  }

  private thinkTime(): Micros {
    const meanUs = (this.opts.clients.length / this.opts.ratePerSec) * 1e6;
    return Math.max(1, Math.round(-Math.log(1 - this.random.next()) * meanUs));
  }

  /** An operation drawn from the mix (never one of weight 0, whatever the rounding). */
  private pickOp(): KvOpName {
    let r = this.random.next() * this.mixTotal;
    for (const [f, w] of this.ops) {
      if (r < w) return f;
      r -= w;
    }
    return this.ops[this.ops.length - 1]![0];
  }

  private scheduleNext(slot: Slot): void {
    const t = this.world.now() + this.thinkTime();
    if (t < this.opts.until) this.world.at(t, () => this.issue(slot));
  }

  private issue(slot: Slot): void {
    if (this.world.now() >= this.opts.until || this.stats.invoked >= this.maxOps) return;
    assert(!this.history.isOpen(slot.process), 'a process issued while its op was open');
    const client = this.clientOf(slot.node);
    if (!client) {
      this.scheduleNext(slot); // client node down: try again later
      return;
    }
    const key = `k${this.pickKey()}`;
    const process = slot.process;
    slot.openOn = client;
    this.stats.invoked++;
    const drawn = this.pickOp();
    const f = drawn !== 'read' && writesQuiet(this.world) ? 'read' : drawn; // a write-idle window (./write-quiet.ts)
    const done = (type: 'ok' | 'fail' | 'info', value?: unknown, answered = type === 'ok'): void => {
      if (slot.process !== process || !this.history.isOpen(process)) return; // the watchdog closed it already
      this.history.complete(process, type, this.world.now(), value);
      this.count(type, answered);
      if (type === 'info') slot.process = this.nextProcess++;
      slot.openOn = undefined;
      this.scheduleNext(slot);
    };
    if (f === 'read') {
      this.history.invoke(process, 'read', key, null, this.world.now());
      client.get(key, (o) => {
        if (o.type === 'ok') {
          const v = o.result ? o.result.value : null;
          this.lastSeen.set(key, v);
          done('ok', v);
        } else done(o.type);
      });
    } else if (f === 'write') {
      const v = `v${this.nextValue++}`;
      this.history.invoke(process, 'write', key, v, this.world.now());
      client.put(key, v, (o) => {
        if (o.type === 'ok') this.lastSeen.set(key, v);
        done(o.type);
      });
    } else if (f === 'cas') {
      const expected = this.lastSeen.get(key) ?? null;
      const v = `v${this.nextValue++}`;
      this.history.invoke(process, 'cas', key, [expected, v], this.world.now());
      client.cas(key, { value: expected }, v, (o) => {
        if (o.type === 'ok') this.lastSeen.set(key, v);
        // A mismatch is a definite "no": the system answered.
        done(o.type, undefined, o.type === 'ok' || (o.type === 'fail' && o.error === 'cas-mismatch'));
      });
    } else {
      this.history.invoke(process, 'delete', key, null, this.world.now());
      client.delete(key, (o) => {
        if (o.type === 'ok') this.lastSeen.set(key, null);
        done(o.type);
      });
    }
  }

  private count(type: 'ok' | 'fail' | 'info', answered: boolean): void {
    this.stats[type]++;
    this.stats.completed++;
    if (answered) this.stats.answered++;
  }

  /** A client node that crashed (or restarted) with an op open never answers it: close it as info. */
  private watchdog(slot: Slot): void {
    if (this.history.isOpen(slot.process) && slot.openOn !== undefined && this.clientOf(slot.node) !== slot.openOn) {
      this.history.complete(slot.process, 'info', this.world.now());
      this.count('info', false);
      slot.process = this.nextProcess++;
      slot.openOn = undefined;
      this.scheduleNext(slot);
    }
    if (this.world.now() < this.opts.until + sec(60)) this.world.after(WATCHDOG_US, () => this.watchdog(slot));
  }
}
