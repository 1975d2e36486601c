/**
 * The one interface every protocol core runs on.
 *
 * Cores under src/core are sans-I/O and deterministic: everything they need from the
 * outside world arrives through an `Env`. The simulator (src/sim) implements it with
 * virtual time, a faulty virtual network and a crashable virtual disk; src/net-real
 * implements it with the wall clock, UDP/TCP sockets and files. The same seed, scenario
 * and build therefore give a byte-identical trace.
 *
 * Time unit: integer MICROSECONDS everywhere (`Micros`). Microseconds let the simulator
 * model sub-millisecond same-DC latency while an hour of virtual time (3.6e9 µs) stays
 * far inside Number.MAX_SAFE_INTEGER.
 */

export type NodeId = string;

/** Integer microseconds of (node-local) time. */
export type Micros = number;

export const US_PER_MS = 1_000;
export const US_PER_SEC = 1_000_000;

/** Milliseconds → Micros. */
export function ms(n: number): Micros {
  return Math.round(n * US_PER_MS);
}

/** Seconds → Micros. */
export function sec(n: number): Micros {
  return Math.round(n * US_PER_SEC);
}

/** A message: a plain, msgpack-serialisable object with a `type` discriminant. */
export interface Message {
  readonly type: string;
}

/** A pending timer; cancelling it guarantees its callback never runs. */
export interface Timer {
  cancel(): void;
}

export interface SendOptions {
  /**
   * true: the stream channel (TCP in hanode). FIFO per link, and not subject to the
   * network's random loss, duplication or reordering; but partitions, crashes and loss bursts
   * still break the connection, losing what was in flight, and a later send goes out on a new
   * one without the receiver being told. A protocol that must notice such a gap numbers its
   * messages. false (default): the datagram channel (UDP in hanode), subject to every fault.
   */
  readonly reliable?: boolean;
}

/** Seeded randomness. Each node and each service gets its own independent stream. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  between(lo: number, hi: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[];
}

/**
 * Durable storage of one service on one node.
 *
 * Every mutation is volatile until `sync()` returns. A crash may lose any suffix of the
 * mutations made since the last sync (the simulator does, with a configured probability,
 * and may tear the last record). Reads always see every mutation made so far, synced or not.
 *
 * The log holds records at consecutive absolute indices `first() .. last()`.
 * An empty log has `last() === first() - 1`; a fresh one has first() = 1, last() = 0.
 */
export interface Storage {
  /** A small named value (hard state, snapshot metadata, ...); undefined when absent. */
  load<T = unknown>(key: string): T | undefined;
  save(key: string, value: unknown): void;
  remove(key: string): void;

  /** Index of the first record held (after compaction it is > 1). */
  first(): number;
  /** Index of the last record held; first() - 1 when empty. */
  last(): number;
  /** The record at index i; throws if first() <= i <= last() does not hold. */
  get<T = unknown>(i: number): T;
  /** Records [from, toExclusive); both within [first(), last() + 1]. */
  slice<T = unknown>(from: number, toExclusive: number): T[];
  /** Appends records at last() + 1, last() + 2, ... */
  append(records: readonly unknown[]): void;
  /** Drops every record with index >= i (i in [first(), last() + 1]). */
  truncateFrom(i: number): void;
  /**
   * Drops every record with index <= i. i may exceed last() (after installing a snapshot):
   * the log becomes empty with first() = i + 1.
   */
  compactTo(i: number): void;

  /** Makes every mutation so far durable (fsync in hanode). */
  sync(): void;

  /**
   * Optional asynchronous durability point (etcd raft's AsyncStorageWrites; Raft dissertation
   * §10.2.1): starts making every mutation made so far durable and returns at once; `done` runs
   * later, from the host's own event loop (never inside this call), once they are. Completions
   * run in the order of the calls. Until `done` runs those mutations are unsynced ones: a crash
   * may lose them, so nothing that depends on them may be acknowledged before. A sync() in
   * between covers them too. Without it, a core falls back to sync().
   */
  syncAsync?(done: () => void): void;

  /**
   * Optional: what this storage found damaged when it was opened (undefined: nothing). A core
   * that can tell lost acknowledged data from a torn unsynced tail uses it to recover safely
   * (src/core/raft/recovery.ts). Torn unsynced tails are not damage: they were never synced.
   */
  damage?(): StorageDamage | undefined;
}

/**
 * Damage found at open (docs/storage-faults.md). The log records from `cutFrom` on failed their
 * checksum (or could not be read) and were cut: the log now ends at cutFrom - 1.
 */
export interface StorageDamage {
  /** First log index cut for damage (records cutFrom..cutTo were synced once, maybe acknowledged). */
  readonly cutFrom?: number;
  /** Last log index held before the cut, when the storage can tell (FileStorage cannot read past damage). */
  readonly cutTo?: number;
  /** Named values (state files) that were lost or unreadable. */
  readonly lostKeys?: readonly string[];
  /** Everything was lost: the node comes back empty under the same id (a wiped data dir). */
  readonly wiped?: boolean;
  /** The data was replaced by an older copy (a restored backup): it may lack what was acknowledged since. */
  readonly stale?: boolean;
  /** The whole log is gone while named values remain (a deleted log directory): how far it reached is unknown. */
  readonly lostLog?: boolean;
}

/** Scalar fields of a trace event; keep them small, they are hashed. */
export type TraceFields = Record<string, string | number | boolean | null | undefined>;

/**
 * What a core sees of the world. One Env per (node, service): it has its own message
 * channel, storage namespace, random stream and trace label.
 */
export interface Env {
  /** This node. */
  readonly self: NodeId;
  /** Name of the service this env belongs to ("raft", "swim", ...). */
  readonly service: string;

  /** Node-local time; may be skewed and drift relative to other nodes. */
  now(): Micros;
  /** Runs fn once after `delay` of node-local time (delay >= 0). */
  after(delay: Micros, fn: () => void): Timer;

  /** Sends msg to the same service on node `to`. Fire and forget; it may be lost. */
  send(to: NodeId, msg: Message, opts?: SendOptions): void;
  /** Registers the delivery handler of this service (one per service; a later call replaces it). */
  onMessage(handler: (from: NodeId, msg: Message) => void): void;

  readonly storage: Storage;
  readonly random: Random;

  /** Records an event worth seeing (role change, suspicion, failover...) in the trace. */
  trace(kind: string, fields?: TraceFields): void;
}

/**
 * A core that a host (simulated or real node) can run. The host builds it from an Env at
 * start and again on every restart (volatile state is gone; Storage holds what was synced).
 */
export interface Core {
  /** Called once after construction, when the node boots. */
  start?(): void;
  /** Called when the host shuts the node down cleanly (not on a crash). */
  stop?(): void;
}

/** Thrown by `assert`: a broken invariant is a bug, and the simulator stops the run on it. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/** TigerBeetle-style assertion: state the invariant where it must hold. */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new InvariantError(typeof message === 'function' ? message() : message);
  }
}
