/**
 * A real node: runs cores in this process on the wall clock, UDP, TCP and real storage,
 * the way the simulator's World runs them on virtual ones. `setup(ctx => app)` takes the
 * same factory as World.setup, with the same NodeContext; each service's Env routes
 * datagram sends over UDP and reliable sends over TCP, tagged with the service name, and
 * the receiving host hands them to that service's handler.
 *
 * Incarnations: restart() stops the app, cancels every timer it set and builds a new one
 * from the same storage (restarts + 1); Envs of the old incarnation become inert, exactly
 * as in the simulator.
 *
 * A core that throws (a failed assert) is a bug: by default the error is rethrown, which
 * crashes the process (fail fast, TigerBeetle style); tests pass onError to observe it.
 */
import { randomBytes } from 'node:crypto';
import type { Env, Message, Micros, NodeId, SendOptions, Storage, Timer, TraceFields } from '../core/env.ts';
import { assert } from '../core/env.ts';
import { validateWire } from '../core/wire-validators.ts';
import type { NodeContext, TraceEvent } from '../host/context.ts';
import { MemoryStorage } from '../host/memory-storage.ts';
import { randomStream } from '../host/random.ts';
import { RealClock, type Clock } from './clock.ts';
import { decodeEnvelope, encodeEnvelope } from './envelope.ts';
import type { RecoveryReport } from './file-storage.ts';
import { GuardedStorage } from './guarded-storage.ts';
import { PeerBook, type PeerAddress } from './peer-book.ts';
import { AuthChannel } from './auth-channel.ts';
import { Keyring } from './seal.ts';
import { TcpTransport, type TcpTransportOptions } from './tcp-transport.ts';
import { UdpTransport } from './udp-transport.ts';

export interface RealHostOptions {
  readonly id: NodeId;
  readonly dc?: string;
  readonly region?: string;
  /** Address to bind both sockets to. Default 127.0.0.1. */
  readonly host?: string;
  /** Host others should use to reach us (in `address`); default `host`. Needed when binding 0.0.0.0. */
  readonly advertiseHost?: string;
  /** 0 (default) picks an ephemeral port; read it from `address` after start(). */
  readonly udpPort?: number;
  readonly tcpPort?: number;
  /**
   * Shared cluster key (32 bytes or base64), or several for rotation (primary first): seals
   * every packet and frame with AES-256-GCM (Keyring in seal.ts).
   */
  readonly key?: Uint8Array | string | readonly (Uint8Array | string)[];
  /** Initial peers; more can be set at runtime on `host.peers`. */
  readonly peers?: PeerBook | Record<NodeId, PeerAddress>;
  /** Storage of each service. Default: MemoryStorage (the --dev mode: nothing on disk). */
  readonly storage?: (service: string) => Storage;
  /** Seed of the services' random streams. Default: 128 random bits. */
  readonly seed?: number | string;
  readonly onTrace?: (ev: TraceEvent) => void;
  /** A core threw (where: 'timer', 'message', 'start', ...). Default: rethrow (crash). */
  readonly onError?: (err: unknown, where: string) => void;
  readonly tcp?: Omit<TcpTransportOptions, 'host' | 'port' | 'keyring' | 'auth'>;
  readonly clock?: Clock;
}

export interface RealHostStats {
  sent: number;
  delivered: number;
  /** Sends to a node missing from the peer book. */
  droppedUnknownPeer: number;
  /** Packets or frames that did not decode to an envelope. */
  droppedMalformed: number;
  /** Messages for a service with no handler (not running here, or not yet registered). */
  droppedNoHandler: number;
  /** Messages arriving while the app is stopped or the host is closing. */
  droppedDown: number;
  /** Messages refused by their service's wire schema (src/core/wire-validators.ts). */
  droppedInvalid: number;
  /** Messages from a node id that is not in the peer book (not a known member). */
  droppedUnknownSender: number;
  /** Messages addressed to another node (a capture replayed here). */
  droppedMisaddressed: number;
}

/**
 * Services that take messages from nodes not yet in the peer book: the membership protocols
 * themselves (the hello exchange introduces a joiner; SWIM is how members learn of each
 * other). With a cluster key their senders are key holders all the same.
 */
const OPEN_SERVICES: ReadonlySet<string> = new Set(['hello', 'swim']);

interface AppLike {
  start?(): void;
  stop?(): void;
}

/** Bound on timers one incarnation may have pending; a core that leaks timers is a bug. */
const MAX_PENDING_TIMERS = 1_000_000;

export class RealHost<A = unknown> {
  readonly id: NodeId;
  readonly peers: PeerBook;
  readonly stats: RealHostStats = { sent: 0, delivered: 0, droppedUnknownPeer: 0, droppedMalformed: 0, droppedNoHandler: 0, droppedDown: 0, droppedInvalid: 0, droppedUnknownSender: 0, droppedMisaddressed: 0 };
  readonly udp: UdpTransport;
  readonly tcp: TcpTransport;
  /** The authenticated channel of both transports (with a key): drop counters. */
  readonly auth: AuthChannel | undefined;

  private readonly clock: Clock;
  private readonly seed: number | string;
  private readonly storages = new Map<string, Storage>();
  private factory: ((ctx: NodeContext) => A) | undefined;
  private current: A | undefined;
  private restarts = 0;
  private epoch = 0;
  private up = false;
  private closed = false;
  private bound: PeerAddress | undefined;
  private readonly handlers = new Map<string, (from: NodeId, msg: Message) => void>();
  private readonly envs = new Map<string, Env>();
  private readonly timers = new Set<Timer>();
  private readonly unsubscribePeers: () => void;

  constructor(private readonly opts: RealHostOptions) {
    this.id = opts.id;
    this.clock = opts.clock ?? new RealClock();
    this.seed = opts.seed ?? randomBytes(16).toString('hex');
    this.peers = opts.peers instanceof PeerBook ? opts.peers : new PeerBook(opts.peers);
    const auth = opts.key === undefined ? undefined : new AuthChannel(Keyring.from(opts.key));
    this.auth = auth;
    const host = opts.host ?? '127.0.0.1';
    this.udp = new UdpTransport({ host, port: opts.udpPort ?? 0, ...(auth ? { auth } : {}) });
    this.tcp = new TcpTransport({ ...opts.tcp, host, port: opts.tcpPort ?? 0, ...(auth ? { auth } : {}) });
    this.udp.onPacket((p) => this.receive(p));
    this.tcp.onFrame((p) => this.receive(p));
    // A peer that moved or left: its connection goes nowhere useful.
    this.unsubscribePeers = this.peers.onChange((peer) => this.tcp.dropPeer(peer));
  }

  /** The factory, as World.setup: called at start and at every restart. */
  setup(factory: (ctx: NodeContext) => A): this {
    this.factory = factory;
    return this;
  }

  /** Where this host listens (after start()); give it to the other hosts' peer books. */
  get address(): PeerAddress {
    assert(this.bound !== undefined, 'RealHost.address read before start()');
    return this.bound;
  }

  /** The running app, undefined while stopped. */
  app(): A | undefined {
    return this.up ? this.current : undefined;
  }

  now(): Micros {
    return this.clock.now();
  }

  /** Binds both sockets, then boots the app. */
  async start(): Promise<void> {
    assert(this.bound === undefined && !this.closed, 'RealHost.start() called twice');
    const [udpPort, tcpPort] = await Promise.all([this.udp.start(), this.tcp.start()]);
    this.bound = { host: this.opts.advertiseHost ?? this.opts.host ?? '127.0.0.1', udpPort, tcpPort };
    this.boot();
  }

  /** Stops the app cleanly and builds a fresh one from storage (a process restart, in-process). */
  restart(): void {
    assert(this.bound !== undefined && !this.closed, 'RealHost.restart() on a host that is not running');
    this.halt(true);
    this.restarts++;
    this.boot();
  }

  /** Stops the app (clean stop()), cancels its timers, closes the sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.halt(true);
    this.unsubscribePeers();
    await Promise.all([this.udp.close(), this.tcp.close()]);
  }

  private boot(): void {
    assert(this.factory !== undefined, 'RealHost.setup(factory) must be called before start()');
    this.epoch++;
    this.up = true;
    this.handlers.clear();
    this.envs.clear();
    const ctx: NodeContext = {
      id: this.id,
      dc: this.opts.dc ?? 'dc1',
      region: this.opts.region ?? 'region1',
      restarts: this.restarts,
      env: (service) => this.envOf(service),
    };
    this.emit(this.restarts === 0 ? 'node.boot' : 'node.restart', undefined, { restarts: this.restarts });
    this.guard('setup', () => {
      this.current = this.factory!(ctx);
    });
    const app = this.current as AppLike | undefined;
    if (app && typeof app.start === 'function') this.guard('start', () => app.start!());
  }

  private halt(clean: boolean): void {
    if (!this.up) return;
    const app = this.current as AppLike | undefined;
    if (clean && app && typeof app.stop === 'function') this.guard('stop', () => app.stop!());
    this.up = false;
    this.epoch++; // every Env and timer of the old incarnation is now inert
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.handlers.clear();
    this.current = undefined;
  }

  private storageOf(service: string): Storage {
    let s = this.storages.get(service);
    if (s === undefined) {
      s = this.opts.storage ? this.opts.storage(service) : new MemoryStorage();
      this.storages.set(service, s);
      // A FileStorage reports what its recovery cut; make that visible in the trace.
      const recovery = (s as { recovery?: RecoveryReport }).recovery;
      for (const c of recovery?.cuts ?? []) {
        this.emit('storage.cut', service, { file: c.file, offset: c.offset, bytesCut: c.bytesCut, reason: c.reason, tail: c.tail });
      }
    }
    return s;
  }

  private envOf(service: string): Env {
    const existing = this.envs.get(service);
    if (existing) return existing;
    const epoch = this.epoch;
    const live = (): boolean => this.epoch === epoch && this.up;
    const env: Env = {
      self: this.id,
      service,
      now: () => this.clock.now(),
      after: (delay: Micros, fn: () => void): Timer => {
        assert(delay >= 0, () => `after(${delay}): negative delay`);
        if (!live()) return { cancel() {} };
        assert(this.timers.size < MAX_PENDING_TIMERS, 'more than 1,000,000 pending timers: a core leaks timers');
        const t: Timer = this.clock.after(delay, () => {
          this.timers.delete(t);
          if (live()) this.guard('timer', fn);
        });
        this.timers.add(t);
        return {
          cancel: () => {
            t.cancel();
            this.timers.delete(t);
          },
        };
      },
      send: (to: NodeId, msg: Message, opts?: SendOptions): void => {
        if (live()) this.send(service, to, msg, opts?.reliable === true);
      },
      onMessage: (handler) => {
        if (live()) this.handlers.set(service, handler);
      },
      storage: new GuardedStorage(this.storageOf(service), (done) => () => {
        if (live()) this.guard('storage', done);
      }),
      random: randomStream(this.seed, `node/${this.id}/${service}/${this.restarts}`),
      trace: (kind: string, fields?: TraceFields): void => {
        if (live()) this.emit(kind, service, fields);
      },
    };
    this.envs.set(service, env);
    return env;
  }

  private send(service: string, to: NodeId, msg: Message, reliable: boolean): void {
    const bytes = encodeEnvelope({ from: this.id, service, msg, to });
    this.stats.sent++;
    if (to === this.id) {
      // Loopback without sockets, still asynchronous like every delivery.
      setImmediate(() => this.receive(bytes));
      return;
    }
    const addr = this.peers.get(to);
    if (addr === undefined) {
      this.stats.droppedUnknownPeer++;
      return;
    }
    if (reliable) this.tcp.send(to, addr.host, addr.tcpPort, bytes);
    else this.udp.send(addr.host, addr.udpPort, bytes);
  }

  private receive(bytes: Buffer): void {
    const env = decodeEnvelope(bytes);
    if (env === null) {
      this.stats.droppedMalformed++;
      return;
    }
    if (!this.up || this.closed) {
      this.stats.droppedDown++;
      return;
    }
    // A hello goes to a provisional id (the seed's address), the one message not sent by name.
    if (env.to !== undefined && env.to !== this.id && env.service !== 'hello') {
      this.stats.droppedMisaddressed++;
      return;
    }
    if (env.from !== this.id && !OPEN_SERVICES.has(env.service) && this.peers.get(env.from) === undefined) {
      this.stats.droppedUnknownSender++; // not a member we know: its claims are not for our cores
      return;
    }
    const handler = this.handlers.get(env.service);
    if (handler === undefined) {
      this.stats.droppedNoHandler++;
      return;
    }
    if (validateWire(env.service, env.msg) !== null) {
      this.stats.droppedInvalid++; // untrusted input never reaches a core unchecked
      return;
    }
    this.stats.delivered++;
    this.guard('message', () => handler(env.from, env.msg));
  }

  private emit(kind: string, svc: string | undefined, fields?: TraceFields | Record<string, unknown>): void {
    const sink = this.opts.onTrace;
    if (!sink) return;
    const base = { t: this.clock.now(), kind, node: this.id };
    sink(svc === undefined ? { ...base, ...fields } : { ...base, svc, ...fields });
  }

  private guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (this.opts.onError) this.opts.onError(err, where);
      else throw err;
    }
  }
}
