/**
 * The Raft log over the Env's Storage.
 *
 * Storage holds entries at first()..last(). Entries up to `base.index` were compacted away; their
 * last term is kept (`base`) so the consistency check of AppendEntries still works at the boundary.
 * A snapshot (`snap`) always covers at least up to base.index (we compact only behind snapshots).
 *
 * Storage keys: 'base' {index, term}; the log records are Entry objects (with their own index, so
 * every read checks it is the record it should be).
 */
import { assert, type Storage } from '../env.ts';
import type { Entry } from './entry.ts';

export interface LogPoint {
  readonly index: number;
  readonly term: number;
}

const BASE_KEY = 'base';

export class RaftLog {
  private base: LogPoint;
  /** Highest index made durable by sync() or a completed syncAsync(). Entries above may be lost by a crash. */
  private durable: number;
  /**
   * The asynchronous syncs in flight, oldest first: each makes entries up to `upTo` durable when
   * it completes. A truncation after a request lowers its `upTo` (the entries it covered are gone,
   * and their replacements were written after it).
   */
  private readonly inflight: { upTo: number }[] = [];

  constructor(private readonly storage: Storage) {
    this.base = storage.load<LogPoint>(BASE_KEY) ?? { index: 0, term: 0 };
    // Finish a compaction interrupted by a crash: 'base' is saved before compactTo (same sync batch).
    if (this.base.index > storage.first() - 1) {
      storage.compactTo(this.base.index);
      storage.sync();
    }
    assert(storage.first() - 1 === this.base.index, () => `log base ${this.base.index} != first-1 ${storage.first() - 1}`);
    this.durable = storage.last();
    this.checkTail();
  }

  /** Pair assertion: entries read back are consecutive with non-decreasing terms (checks the tail only, bounded). */
  private checkTail(): void {
    const from = Math.max(this.first(), this.last() - 8);
    let prevTerm = this.term(from - 1) ?? 0;
    for (let i = from; i <= this.last(); i++) {
      const e = this.entry(i);
      assert(e.term >= prevTerm, () => `log terms decrease at ${i}: ${prevTerm} > ${e.term}`);
      prevTerm = e.term;
    }
  }

  first(): number {
    return this.storage.first();
  }
  last(): number {
    return this.storage.last();
  }
  baseIndex(): number {
    return this.base.index;
  }
  lastTerm(): number {
    return this.term(this.last())!;
  }
  durableIndex(): number {
    return this.durable;
  }

  /** Term of entry i; 0 for i = 0; undefined when compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.base.index) return this.base.term;
    if (i < this.base.index || i > this.last()) return undefined;
    return this.entry(i).term;
  }

  entry(i: number): Entry {
    const e = this.storage.get<Entry>(i);
    assert(e.index === i, () => `storage record ${i} holds entry ${e.index}`);
    return e;
  }

  /** Entries [from, toExclusive), at most maxCount of them. */
  slice(from: number, toExclusive: number, maxCount: number): Entry[] {
    const to = Math.min(toExclusive, from + maxCount, this.last() + 1);
    if (to <= from) return [];
    assert(from >= this.first(), () => `slice from ${from} below first ${this.first()}`);
    return this.storage.slice<Entry>(from, to);
  }

  /** Appends entries that continue the log exactly. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    let prev = this.last();
    let prevTerm = this.lastTerm();
    for (const e of entries) {
      assert(e.index === prev + 1, () => `append: entry ${e.index} does not follow ${prev}`);
      assert(e.term >= prevTerm, () => `append: term ${e.term} after ${prevTerm} at ${e.index}`);
      prev = e.index;
      prevTerm = e.term;
    }
    this.storage.append(entries);
  }

  /** Drops entries >= i. `commit` is the caller's commit index: committed entries are never dropped. */
  truncateFrom(i: number, commit: number): void {
    assert(i > commit, () => `truncating committed entry ${i} (commit ${commit})`);
    assert(i > this.base.index, () => `truncate ${i} at or below the compacted base ${this.base.index}`);
    assert(i <= this.last() + 1, () => `truncate ${i} beyond last ${this.last()} + 1`);
    this.storage.truncateFrom(i);
    this.durable = Math.min(this.durable, i - 1);
    for (const r of this.inflight) r.upTo = Math.min(r.upTo, i - 1);
  }

  /** Drops entries <= i (i <= last), remembering term(i). */
  compactTo(i: number): void {
    if (i <= this.base.index) return;
    const t = this.term(i);
    assert(t !== undefined, () => `compact to ${i}: term unknown`);
    this.base = { index: i, term: t };
    this.storage.save(BASE_KEY, this.base);
    this.storage.compactTo(i);
    // Durable later when the storage can (its asynchronous durability point): until then a crash
    // keeps more of the log, never less, and the base is saved before the compaction point (the
    // constructor finishes a compaction the crash interrupted). Nothing waits for it.
    if (this.storage.syncAsync !== undefined) this.storage.syncAsync(() => {});
    else this.storage.sync();
  }

  /** Replaces the whole log by an empty one after `snap` (installing a snapshot that does not match). */
  resetTo(snap: LogPoint): void {
    if (this.last() >= this.first()) this.storage.truncateFrom(this.first());
    this.base = { index: snap.index, term: snap.term };
    this.storage.save(BASE_KEY, this.base);
    this.storage.compactTo(snap.index);
    this.storage.sync();
    this.durable = snap.index;
    for (const r of this.inflight) r.upTo = Math.min(r.upTo, snap.index);
    assert(this.last() === snap.index, 'reset log ends at the snapshot');
    assert(this.first() === snap.index + 1, 'reset log is empty after the snapshot');
  }

  sync(): void {
    this.storage.sync();
    this.durable = this.last();
  }

  /**
   * Starts making the whole log durable without waiting (Storage.syncAsync); `done` runs once it
   * is, with durableIndex() moved up. A storage without syncAsync is synced now, and `done` runs
   * on the next turn through `later` (the Env's timer): never inside this call either way.
   */
  syncAsync(later: (fn: () => void) => void, done: () => void): void {
    const storage = this.storage;
    if (storage.syncAsync === undefined) {
      this.sync();
      later(done);
      return;
    }
    const req = { upTo: this.last() };
    this.inflight.push(req);
    storage.syncAsync(() => {
      assert(this.inflight[0] === req, 'asynchronous syncs complete in the order they were made');
      this.inflight.shift();
      assert(req.upTo <= this.last(), () => `durable ${req.upTo} beyond last ${this.last()}`);
      if (req.upTo > this.durable) this.durable = req.upTo;
      done();
    });
  }

  /** First index of the run of entries with term term(i), searching back at most `maxSteps`. */
  firstIndexOfTerm(i: number, maxSteps: number): number {
    const t = this.term(i);
    let j = i;
    let steps = 0;
    while (j - 1 > this.base.index && steps < maxSteps && this.term(j - 1) === t) {
      j--;
      steps++;
    }
    return j;
  }

  /** Last index holding term t at or below i, or undefined (binary search: terms are monotone). */
  lastIndexOfTerm(t: number, atOrBelow: number): number | undefined {
    let lo = this.first();
    let hi = Math.min(atOrBelow, this.last());
    let found: number | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const tm = this.term(mid)!;
      if (tm <= t) {
        if (tm === t) found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
