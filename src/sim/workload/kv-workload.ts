/**
 * A sim-side KV workload: K client nodes each run a KvClient core and one Jepsen-style process
 * at a time, issuing reads / writes / cas / deletes on a few keys at a target total rate, and
 * recording every invoke and completion (true virtual time) in a HistoryRecorder for the
 * linearizability checker.
 *
 * Every random choice comes from world.rng('workload'), so a seed reproduces the history.
 * Written values are unique ("v<n>"), which keeps the checker's counterexamples honest and
 * its search small.
 */
import { assert, sec, type Micros, type NodeId } from '../../core/env.ts';
import type { Random } from '../../core/env.ts';
import { KvClient, type KvClientConfig, type KvOutcome } from '../../core/kvclient/index.ts';
import { KV_SERVICE } from '../../core/kvserver/index.ts';
import type { KvEntry } from '../../core/kv/index.ts';
import { HistoryRecorder } from '../history.ts';
import type { World } from '../world.ts';
import { keyChooser, type KeyDistSpec } from './key-dist.ts';

export interface OpMix {
  readonly read: number;
  readonly write: number;
  readonly cas: number;
  readonly delete: number;
}

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
  /** Relative weights; default read 0.5, write 0.3, cas 0.15, delete 0.05. */
  readonly mix?: Partial<OpMix>;
  /** No op is invoked before this / at or after this (true time). */
  readonly startAt?: Micros;
  readonly until: Micros;
  /** Overrides of the client core's config (servers come from above). */
  readonly client?: Partial<KvClientConfig>;
  /** Hard bound on invoked ops (default 1,000,000). */
  readonly maxOps?: number;
}

export const DEFAULT_MIX: OpMix = { read: 0.5, write: 0.3, cas: 0.15, delete: 0.05 };

export interface KvWorkloadStats {
  invoked: number;
  ok: number;
  fail: number;
  info: number;
}

interface ClientApp {
  readonly client: KvClient;
}

interface Slot {
  readonly node: NodeId;
  process: number;
  /** The app the open op was issued on: a different one means the client node restarted. */
  app: ClientApp | undefined;
}

/** How often a slot checks for a client restart that swallowed its open op. */
const WATCHDOG_US = sec(1);

export class KvWorkload {
  readonly history = new HistoryRecorder();
  readonly stats: KvWorkloadStats = { invoked: 0, ok: 0, fail: 0, info: 0 };
  private readonly random: Random;
  private readonly pickKey: () => number;
  private readonly mix: OpMix;
  private readonly mixTotal: number;
  private readonly slots: Slot[];
  private readonly lastSeen = new Map<string, string | null>();
  private nextValue = 1;
  private nextProcess: number;
  private readonly maxOps: number;

  constructor(
    private readonly world: World,
    private readonly opts: KvWorkloadOptions,
  ) {
    assert(opts.clients.length > 0 && opts.servers.length > 0, 'workload needs clients and servers');
    assert(opts.ratePerSec > 0, 'rate must be > 0');
    this.random = world.rng('workload');
    this.pickKey = keyChooser(opts.keys, opts.keyDist ?? { kind: 'uniform' }, this.random);
    this.mix = { ...DEFAULT_MIX, ...opts.mix };
    this.mixTotal = this.mix.read + this.mix.write + this.mix.cas + this.mix.delete;
    assert(this.mixTotal > 0, 'op mix is empty');
    this.slots = opts.clients.map((node, i) => ({ node, process: i, app: undefined }));
    this.nextProcess = opts.clients.length;
    this.maxOps = opts.maxOps ?? 1_000_000;
  }

  /** Sets up the client cores on the client nodes (call before world.start()). */
  install(): void {
    // Client i starts at servers[i mod n] (the list rotated), so first attempts spread over the
    // cluster as real clients behind a load balancer would; redirects then find the leader.
    const n = this.opts.servers.length;
    this.opts.clients.forEach((node, i) => {
      const servers = this.opts.servers.map((_, j) => this.opts.servers[(i + j) % n]!);
      const cfg = { ...this.opts.client, servers };
      this.world.setup<ClientApp>((ctx) => ({ client: new KvClient(ctx.env(KV_SERVICE), cfg) }), [node]);
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

  private scheduleNext(slot: Slot): void {
    const t = this.world.now() + this.thinkTime();
    if (t < this.opts.until) this.world.at(t, () => this.issue(slot));
  }

  private issue(slot: Slot): void {
    if (this.world.now() >= this.opts.until || this.stats.invoked >= this.maxOps) return;
    assert(!this.history.isOpen(slot.process), 'a process issued while its op was open');
    const app = this.world.app<ClientApp>(slot.node);
    if (!app) {
      this.scheduleNext(slot); // client node down: try again later
      return;
    }
    const key = `k${this.pickKey()}`;
    const process = slot.process;
    slot.app = app;
    this.stats.invoked++;
    let r = this.random.next() * this.mixTotal;
    const done = (type: 'ok' | 'fail' | 'info', value?: unknown): void => {
      if (slot.process !== process || !this.history.isOpen(process)) return; // the watchdog closed it already
      this.history.complete(process, type, this.world.now(), value);
      this.stats[type]++;
      if (type === 'info') slot.process = this.nextProcess++;
      slot.app = undefined;
      this.scheduleNext(slot);
    };
    if ((r -= this.mix.read) < 0) {
      this.history.invoke(process, 'read', key, null, this.world.now());
      app.client.get(key, (o: KvOutcome<KvEntry | null>) => {
        if (o.type === 'ok') {
          const v = o.result ? o.result.value : null;
          this.lastSeen.set(key, v);
          done('ok', v);
        } else done(o.type);
      });
    } else if ((r -= this.mix.write) < 0) {
      const v = `v${this.nextValue++}`;
      this.history.invoke(process, 'write', key, v, this.world.now());
      app.client.put(key, v, (o) => {
        if (o.type === 'ok') this.lastSeen.set(key, v);
        done(o.type);
      });
    } else if ((r -= this.mix.cas) < 0) {
      const expected = this.lastSeen.get(key) ?? null;
      const v = `v${this.nextValue++}`;
      this.history.invoke(process, 'cas', key, [expected, v], this.world.now());
      app.client.cas(key, { value: expected }, v, (o) => {
        if (o.type === 'ok') this.lastSeen.set(key, v);
        done(o.type);
      });
    } else {
      this.history.invoke(process, 'delete', key, null, this.world.now());
      app.client.delete(key, (o) => {
        if (o.type === 'ok') this.lastSeen.set(key, null);
        done(o.type);
      });
    }
  }

  /** A client node that crashed (or restarted) with an op open never answers it: close it as info. */
  private watchdog(slot: Slot): void {
    if (this.history.isOpen(slot.process) && slot.app !== undefined && this.world.app<ClientApp>(slot.node) !== slot.app) {
      this.history.complete(slot.process, 'info', this.world.now());
      this.stats.info++;
      slot.process = this.nextProcess++;
      slot.app = undefined;
      this.scheduleNext(slot);
    }
    if (this.world.now() < this.opts.until + sec(60)) this.world.after(WATCHDOG_US, () => this.watchdog(slot));
  }
}
