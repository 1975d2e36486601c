/**
 * Remembers which application broadcasts (origin, seq) were already delivered, so a
 * broadcast that reaches a node by several gossip paths is handed to the app once.
 * Per origin: the highest seq seen and a window of recent seqs below it; anything older
 * than the window counts as seen (a bound: memory is O(origins × 2 window)).
 */
import type { NodeId } from '../env.ts';

const WINDOW = 1024;

interface OriginSeen {
  max: number;
  readonly recent: Set<number>;
}

export class UserDedup {
  private readonly byOrigin = new Map<NodeId, OriginSeen>();

  /** true the first time (origin, seq) is offered. */
  firstTime(origin: NodeId, seq: number): boolean {
    let o = this.byOrigin.get(origin);
    if (o === undefined) {
      o = { max: seq, recent: new Set([seq]) };
      this.byOrigin.set(origin, o);
      return true;
    }
    if (seq <= o.max - WINDOW) return false;
    if (o.recent.has(seq)) return false;
    o.recent.add(seq);
    if (seq > o.max) {
      o.max = seq;
      // Seqs at or below max - WINDOW are never looked up again (the test above answers for
      // them), so they are dropped in one sweep once they make up half the set: O(1)
      // amortised per seq, rather than a sweep over the whole window on every new one.
      if (o.recent.size > 2 * WINDOW) {
        for (const s of o.recent) if (s <= o.max - WINDOW) o.recent.delete(s);
      }
    }
    return true;
  }

  forget(origin: NodeId): void {
    this.byOrigin.delete(origin);
  }
}
