/**
 * In-memory Storage with crash semantics.
 *
 * Reads see every mutation. `sync()` makes them durable. On `crash()`, the mutations made
 * since the last sync survive only as a prefix (writes reach the disk in order), chosen from
 * the node's disk random stream; the last surviving append may be torn, and a torn record is
 * detected and cut on recovery (as the real file storage does with its checksums), never
 * replayed. Without a crash this is simply a memory store (hanode --dev uses it).
 *
 * Crash recovery rolls back through an undo log of the unsynced mutations, so a sync is O(1)
 * and a crash costs only what was not synced.
 */
import type { Random, Storage } from '../core/env.ts';
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

export class MemoryStorage implements Storage {
  private readonly log = new LogWindow();
  private readonly state = new Map<string, unknown>();
  private undo: Undo[] = [];
  /** Bound on the undo log: past it we refuse to keep buffering silently (a core forgot to sync). */
  static readonly UNSYNCED_LIMIT = 1_000_000;

  load<T = unknown>(key: string): T | undefined {
    return this.state.get(key) as T | undefined;
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
    const removed = this.log.truncateFrom(i);
    if (removed.length > 0) this.record({ op: 'truncate', from: i, removed });
  }

  compactTo(i: number): void {
    if (i < this.log.first()) return;
    const oldFirst = this.log.first();
    const removed = this.log.compactTo(i);
    this.record({ op: 'compact', oldFirst, removed });
  }

  sync(): void {
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
    this.undo = [];
    return { unsynced, lost, torn };
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
