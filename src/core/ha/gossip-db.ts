/**
 * The per-node "gossip DB": the latest result of every observer about every target, with
 * the local time it arrived (freshness is judged on this node's clock only, never by
 * comparing clocks of different nodes).
 *
 * Merge rule: per (target, observer) the result with the greater (boot, seq) wins; an equal
 * one only refreshes the arrival time (a republished result proves the observer is alive).
 */
import { assert, type Micros, type NodeId } from '../env.ts';
import type { CheckResult, TargetKey } from './types.ts';

export interface StoredResult {
  readonly result: CheckResult;
  /** Local time this node last received (or produced) this version. */
  readonly receivedAtUs: Micros;
}

export type MergeOutcome = 'new' | 'refreshed' | 'stale';

export function newerThan(a: CheckResult, b: CheckResult): boolean {
  return a.boot !== b.boot ? a.boot > b.boot : a.seq > b.seq;
}

export class GossipDb {
  private readonly byTarget = new Map<TargetKey, Map<NodeId, StoredResult>>();

  /** `maxEntries` bounds memory: targets x observers. */
  constructor(private readonly maxEntries: number) {
    assert(maxEntries >= 1, 'gossip db: maxEntries >= 1');
  }

  merge(r: CheckResult, nowUs: Micros): MergeOutcome {
    let row = this.byTarget.get(r.target);
    const cur = row?.get(r.observer);
    if (cur && newerThan(cur.result, r)) return 'stale';
    if (cur && !newerThan(r, cur.result)) {
      // Same version again. It must be the same content: an observer never reuses (boot, seq).
      assert(cur.result.status === r.status, () => `gossip db: ${r.observer} reused (${r.boot},${r.seq}) for ${r.target}`);
      row!.set(r.observer, { result: cur.result, receivedAtUs: Math.max(cur.receivedAtUs, nowUs) });
      return 'refreshed';
    }
    if (!cur && this.size() >= this.maxEntries) return 'stale'; // full: drop newcomers, keep what we track
    if (!row) {
      row = new Map();
      this.byTarget.set(r.target, row);
    }
    row.set(r.observer, { result: r, receivedAtUs: nowUs });
    return 'new';
  }

  get(target: TargetKey, observer: NodeId): StoredResult | undefined {
    return this.byTarget.get(target)?.get(observer);
  }

  /** Results about one target, observers in sorted order (deterministic iteration). */
  results(target: TargetKey): StoredResult[] {
    const row = this.byTarget.get(target);
    if (!row) return [];
    return [...row.keys()].sort().map((o) => row.get(o)!);
  }

  targets(): TargetKey[] {
    return [...this.byTarget.keys()].sort();
  }

  /** Every observer with at least one result received at or after `sinceUs`. */
  observersSeenSince(sinceUs: Micros): NodeId[] {
    const seen = new Set<NodeId>();
    for (const row of this.byTarget.values()) {
      for (const [o, s] of row) if (s.receivedAtUs >= sinceUs) seen.add(o);
    }
    return [...seen].sort();
  }

  size(): number {
    let n = 0;
    for (const row of this.byTarget.values()) n += row.size;
    return n;
  }

  /**
   * The scavenger: drops results of targets no longer configured and of observers that
   * departed. Returns how many results were dropped.
   */
  scavenge(isTarget: (k: TargetKey) => boolean, isObserver: (o: NodeId) => boolean): number {
    let dropped = 0;
    for (const [target, row] of [...this.byTarget]) {
      if (!isTarget(target)) {
        dropped += row.size;
        this.byTarget.delete(target);
        continue;
      }
      for (const o of [...row.keys()]) {
        if (!isObserver(o)) {
          row.delete(o);
          dropped++;
        }
      }
      if (row.size === 0) this.byTarget.delete(target);
    }
    return dropped;
  }

  /** A plain copy (for status pages / debugging). */
  dump(): StoredResult[] {
    return this.targets().flatMap((t) => this.results(t));
  }
}
