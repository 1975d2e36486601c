/**
 * In-memory Storage with crash semantics.
 *
 * Reads see every mutation. `sync()` makes them durable. On `crash()`, the mutations made
 * since the last sync survive only as a prefix (writes reach the disk in order), chosen from
 * the node's disk random stream; the last surviving append may be torn, and a torn record is
 * detected and cut on recovery (as the real file storage does with its checksums), never
 * replayed. Without a crash this is simply a memory store (hanode --dev uses it).
 *
 * Storage faults at rest (docs/storage-faults.md; after TigerBeetle's VOPR storage faults and
 * Alagappan et al., FAST'18): `rot` changes a record's bytes (its checksum no longer matches),
 * `loseKey` loses a state file, `wipe` empties everything, `backup` / `restore` put back an
 * older copy. A running process keeps reading its own in-memory copy, as FileStorage does; the
 * damage is found when the storage is next opened (`reopen`, at the node's restart), where
 * the log is cut at the first damaged record exactly as FileStorage cuts at the first bad
 * checksum, and `damage()` reports what was found.
 *
 * Crash recovery rolls back through an undo log of the unsynced mutations, so a sync is O(1)
 * and a crash costs only what was not synced.
 */
import type { NodeId, Random, Storage, StorageDamage } from '../core/env.ts';
import { assert } from '../core/env.ts';
import { LogWindow } from './log-window.ts';

type Undo =
  | { readonly op: 'append'; readonly count: number }
  | { readonly op: 'truncate'; readonly from: number; readonly removed: unknown[] }
  | { readonly op: 'compact'; readonly oldFirst: number; readonly removed: unknown[] }
  | { readonly op: 'state'; readonly key: string; readonly had: boolean; readonly previous: unknown };

export interface CrashOutcome {
  /** Mutations that were not synced at the crash. */
  readonly unsynced: number;
  /** Of those, how many were lost. */
  readonly lost: number;
  /** Whether a torn record was cut from the log tail. */
  readonly torn: boolean;
}

/**
 * A sync the simulated disk refused (a `disk-full` fault: ENOSPC / EIO on fsync). The world stops
 * the node's process where it stands, as a server must on a failed fsync (PostgreSQL's
 * "fsyncgate" lesson: a retried fsync may report success for data that never reached the disk):
 * nothing the failed sync covered is acknowledged, and a restart recovers from what is durable.
 */
export class DiskWriteError extends Error {
  constructor(
    readonly node: NodeId,
    readonly service: string,
  ) {
    super(`${node}/${service}: fsync failed (no space left on device); the process stops rather than acknowledge`);
    this.name = 'DiskWriteError';
  }
}

/** A copy of a storage's content (a backup of its data dir). */
export interface StorageBackup {
  readonly first: number;
  readonly records: readonly unknown[];
  readonly state: ReadonlyMap<string, unknown>;
}

export class MemoryStorage implements Storage {
  private log = new LogWindow();
  private readonly state = new Map<string, unknown>();
  private undo: Undo[] = [];
  /** Mutations settled (synced, or decided by a crash) over this storage's life: undo[k] is mutation settled + k. */
  private settled = 0;
  /** Log indices whose bytes rotted at rest, found at the next reopen. */
  private readonly rotten = new Set<number>();
  /** State keys lost at rest, found at the next reopen. */
  private readonly lost = new Set<string>();
  private pendingWipe = false;
  private pendingStale = false;
  private found: StorageDamage | undefined;
  /** Set while a disk-full fault holds: every sync with something to write fails. */
  failSyncs: { readonly node: NodeId; readonly service: string } | null = null;
  /** Bound on the undo log: past it we refuse to keep buffering silently (a core forgot to sync). */
  static readonly UNSYNCED_LIMIT = 1_000_000;

  load<T = unknown>(key: string): T | undefined {
    return this.state.get(key) as T | undefined;
  }

  /**
   * What `load(key)` returns once every unsynced mutation is lost: the value the disk holds
   * durably (the state before the first unsynced change of `key`). For checkers (the simulator's
   * vote-durability check), never for cores.
   */
  durableLoad<T = unknown>(key: string): T | undefined {
    for (const u of this.undo) if (u.op === 'state' && u.key === key) return (u.had ? u.previous : undefined) as T | undefined;
    return this.load<T>(key);
  }

  save(key: string, value: unknown): void {
    this.record({ op: 'state', key, had: this.state.has(key), previous: this.state.get(key) });
    // A copy, so a core that later mutates its own object cannot change what is "on disk".
    this.state.set(key, structuredClone(value));
  }

  remove(key: string): void {
    if (!this.state.has(key)) return;
    this.record({ op: 'state', key, had: true, previous: this.state.get(key) });
    this.state.delete(key);
  }

  first(): number {
    return this.log.first();
  }

  last(): number {
    return this.log.last();
  }

  get<T = unknown>(i: number): T {
    return this.log.get<T>(i);
  }

  slice<T = unknown>(from: number, toExclusive: number): T[] {
    return this.log.slice<T>(from, toExclusive);
  }

  append(records: readonly unknown[]): void {
    if (records.length === 0) return;
    this.record({ op: 'append', count: records.length });
    for (const r of records) this.log.push(r);
  }

  truncateFrom(i: number): void {
    for (const r of this.rotten) if (r >= i) this.rotten.delete(r); // rewritten records are new bytes
    const removed = this.log.truncateFrom(i);
    if (removed.length > 0) this.record({ op: 'truncate', from: i, removed });
  }

  compactTo(i: number): void {
    if (i < this.log.first()) return;
    const oldFirst = this.log.first();
    for (const r of this.rotten) if (r <= i) this.rotten.delete(r);
    const removed = this.log.compactTo(i);
    this.record({ op: 'compact', oldFirst, removed });
  }

  sync(): void {
    if (this.failSyncs !== null && this.undo.length > 0) throw new DiskWriteError(this.failSyncs.node, this.failSyncs.service);
    const wrote = this.undo.length > 0;
    this.settle();
    if (wrote) this.onBlockingSync?.();
  }

  /** Told after each sync() that wrote something (the simulator blocks the node: src/sim/blocking-sync.ts). */
  onBlockingSync: (() => void) | undefined = undefined;

  /**
   * Storage.syncAsync, when the host gives one (the simulator does: src/sim/disk-sync.ts, after a
   * modelled disk latency). Unset here: a plain MemoryStorage (tests, hanode --dev) syncs at once.
   */
  syncAsync?: (done: () => void) => void;

  /** A point covering every mutation so far, for markDurable once an asynchronous sync of them completes. */
  syncPoint(): number {
    return this.settled + this.undo.length;
  }

  /** The asynchronous sync started at `point` completed: the mutations made before it are durable. */
  markDurable(point: number): void {
    const n = point - this.settled;
    if (n <= 0) return; // a sync() or a crash settled them already
    if (this.failSyncs !== null) throw new DiskWriteError(this.failSyncs.node, this.failSyncs.service);
    assert(n <= this.undo.length, () => `durable point ${point} beyond the mutations made (${this.syncPoint()})`);
    this.undo.splice(0, n);
    this.settled = point;
  }

  /** Every mutation so far is settled (durable, or lost to a crash): none is pending any more. */
  private settle(): void {
    this.settled += this.undo.length;
    this.undo = [];
  }

  /** Number of mutations not yet synced. */
  unsyncedCount(): number {
    return this.undo.length;
  }

  /**
   * Applies a crash: with probability `lossP` a random suffix of the unsynced mutations is
   * lost; with probability `tornP` (given a loss) the last surviving append loses its last
   * record, as a torn write cut on recovery.
   */
  crash(random: Random, lossP: number, tornP: number): CrashOutcome {
    const unsynced = this.undo.length;
    let keep = unsynced;
    if (unsynced > 0 && random.chance(lossP)) keep = random.int(unsynced + 1);
    const lost = unsynced - keep;
    for (let k = unsynced - 1; k >= keep; k--) this.rollback(this.undo[k]!);
    let torn = false;
    if (lost > 0 && keep > 0 && random.chance(tornP)) {
      const lastKept = this.undo[keep - 1]!;
      if (lastKept.op === 'append' && this.log.size > 0) {
        this.log.dropLast(1);
        torn = true;
      }
    }
    this.settle();
    return { unsynced, lost, torn };
  }

  // ---- storage faults at rest (found at the next reopen) -----------------------------------

  /** What the last reopen found damaged (Storage.damage). */
  damage(): StorageDamage | undefined {
    return this.found;
  }

  /** Bit rot: the bytes of records [from, from + count) change; false when none is held. */
  rot(from: number, count = 1): boolean {
    let any = false;
    for (let i = Math.max(from, this.first()); i < from + count && i <= this.last(); i++) {
      this.rotten.add(i);
      any = true;
    }
    return any;
  }

  /** A state file is lost (deleted, or unreadable); false when there is no such key. */
  loseKey(key: string): boolean {
    if (!this.state.has(key)) return false;
    this.lost.add(key);
    return true;
  }

  /** The whole data dir is gone: log and state, synced or not. */
  wipe(): void {
    this.log = new LogWindow();
    this.state.clear();
    this.settle();
    this.rotten.clear();
    this.lost.clear();
    this.pendingWipe = true;
  }

  /** A copy of what is held now (a backup of the data dir, page cache included). */
  backup(): StorageBackup {
    return { first: this.log.first(), records: this.log.slice(this.log.first(), this.log.last() + 1), state: new Map(this.state) };
  }

  /** Replaces everything by an older copy. */
  restore(b: StorageBackup): void {
    this.log = new LogWindow(b.first);
    for (const r of b.records) this.log.push(r);
    this.state.clear();
    for (const [k, v] of b.state) this.state.set(k, v);
    this.settle();
    this.rotten.clear();
    this.lost.clear();
    this.pendingStale = true;
  }

  /**
   * Opening the storage at a (re)start: damage at rest is found now. The log is cut at the first
   * rotten record (what follows it cannot be trusted to be in order either), lost keys go.
   * Returns what was found (also kept for damage()); undefined when nothing was.
   */
  reopen(): StorageDamage | undefined {
    assert(this.undo.length === 0, 'a storage is reopened only after a crash settled its unsynced writes');
    let cutFrom: number | undefined;
    for (const r of this.rotten) if (r >= this.first() && r <= this.last() && (cutFrom === undefined || r < cutFrom)) cutFrom = r;
    const cutTo = this.last();
    if (cutFrom !== undefined) this.log.truncateFrom(cutFrom);
    const lostKeys = [...this.lost].filter((k) => this.state.delete(k)).sort();
    const d: StorageDamage = {
      ...(cutFrom !== undefined ? { cutFrom, cutTo } : {}),
      ...(lostKeys.length > 0 ? { lostKeys } : {}),
      ...(this.pendingWipe ? { wiped: true } : {}),
      ...(this.pendingStale ? { stale: true } : {}),
    };
    this.rotten.clear();
    this.lost.clear();
    this.pendingWipe = false;
    this.pendingStale = false;
    this.found = Object.keys(d).length > 0 ? d : undefined;
    return this.found;
  }

  private record(u: Undo): void {
    assert(this.undo.length < MemoryStorage.UNSYNCED_LIMIT, 'more than 1,000,000 unsynced storage mutations: a core never calls sync()');
    this.undo.push(u);
  }

  private rollback(u: Undo): void {
    switch (u.op) {
      case 'append':
        this.log.dropLast(u.count);
        break;
      case 'truncate':
        this.log.restoreTail(u.removed);
        break;
      case 'compact':
        this.log.restorePrefix(u.oldFirst, u.removed);
        break;
      case 'state':
        if (u.had) this.state.set(u.key, u.previous);
        else this.state.delete(u.key);
        break;
    }
  }
}
