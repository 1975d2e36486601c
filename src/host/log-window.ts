/**
 * The live records of a Storage log, in memory, at absolute indices first()..last() (the
 * Storage contract in src/core/env.ts). MemoryStorage keeps only this; FileStorage keeps it as
 * the readable copy of what its segment files hold.
 */
import { assert } from '../core/env.ts';

export class LogWindow {
  private records: unknown[] = [];

  constructor(private firstIndex = 1) {
    assert(Number.isInteger(firstIndex) && firstIndex >= 1, () => `log first index ${firstIndex} < 1`);
  }

  first(): number {
    return this.firstIndex;
  }

  last(): number {
    return this.firstIndex + this.records.length - 1;
  }

  get size(): number {
    return this.records.length;
  }

  get<T = unknown>(i: number): T {
    assert(Number.isInteger(i) && i >= this.firstIndex && i <= this.last(), () => `storage.get(${i}) outside [${this.firstIndex}, ${this.last()}]`);
    return this.records[i - this.firstIndex] as T;
  }

  slice<T = unknown>(from: number, toExclusive: number): T[] {
    assert(
      from >= this.firstIndex && toExclusive <= this.last() + 1 && from <= toExclusive,
      () => `storage.slice(${from}, ${toExclusive}) outside [${this.firstIndex}, ${this.last() + 1}]`,
    );
    return this.records.slice(from - this.firstIndex, toExclusive - this.firstIndex) as T[];
  }

  push(record: unknown): void {
    this.records.push(record);
  }

  /** Drops every record with index >= i (i in [first(), last() + 1]); returns them. */
  truncateFrom(i: number): unknown[] {
    assert(i >= this.firstIndex && i <= this.last() + 1, () => `truncateFrom(${i}) outside [${this.firstIndex}, ${this.last() + 1}]`);
    return this.records.splice(i - this.firstIndex);
  }

  /** Drops every record with index <= i (i may pass last(): the log empties); returns them. */
  compactTo(i: number): unknown[] {
    if (i < this.firstIndex) return [];
    const removed = this.records.splice(0, Math.min(i - this.firstIndex + 1, this.records.length));
    this.firstIndex = i + 1;
    return removed;
  }

  // Undo, for a crash that loses what was not synced (MemoryStorage).

  /** Drops the last `count` records. */
  dropLast(count: number): void {
    assert(count >= 0 && count <= this.records.length, () => `dropLast(${count}) of ${this.records.length}`);
    this.records.length -= count;
  }

  /** Puts back records a truncateFrom removed. */
  restoreTail(removed: readonly unknown[]): void {
    for (const r of removed) this.records.push(r);
  }

  /** Puts back records a compactTo removed, and the first index it had. */
  restorePrefix(oldFirst: number, removed: readonly unknown[]): void {
    this.records.unshift(...removed);
    this.firstIndex = oldFirst;
  }
}
