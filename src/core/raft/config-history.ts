/**
 * Which membership is in force at each log index. A node uses the latest membership in its log,
 * committed or not (dissertation §4.1), so truncating the log can revert it; compaction folds the
 * old ones into the base (the membership stored with the snapshot).
 */
import { assert } from '../env.ts';
import type { Membership } from './membership.ts';

interface At {
  readonly index: number;
  readonly membership: Membership;
}

export class ConfigHistory {
  private base: At;
  /** Config entries after base.index, ascending by index. Bounded by the log's length. */
  private entries: At[] = [];

  constructor(base: Membership, baseIndex: number) {
    this.base = { index: baseIndex, membership: base };
  }

  current(): Membership {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1]!.membership : this.base.membership;
  }

  /** Index of the entry that set the current membership (base index if none). */
  currentIndex(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1]!.index : this.base.index;
  }

  at(index: number): Membership {
    let m = this.base.membership;
    for (const e of this.entries) {
      if (e.index > index) break;
      m = e.membership;
    }
    return m;
  }

  added(index: number, membership: Membership): void {
    assert(index > this.currentIndex(), () => `config entry ${index} not after ${this.currentIndex()}`);
    this.entries.push({ index, membership });
  }

  /** The log was truncated from `index` on. */
  truncatedFrom(index: number): void {
    while (this.entries.length > 0 && this.entries[this.entries.length - 1]!.index >= index) this.entries.pop();
  }

  /** Everything up to `index` is now summarised by a snapshot. */
  compactedTo(index: number, membership?: Membership): void {
    if (index <= this.base.index) return;
    this.base = { index, membership: membership ?? this.at(index) };
    this.entries = this.entries.filter((e) => e.index > index);
  }

  /** A snapshot replaced the log. */
  reset(membership: Membership, index: number): void {
    this.base = { index, membership };
    this.entries = [];
  }
}
