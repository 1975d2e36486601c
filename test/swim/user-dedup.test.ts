/**
 * UserDedup against its specification, an unbounded model: (origin, seq) is new iff it was not
 * offered before and seq > (highest seq of that origin so far) - WINDOW (1024, src/core/swim/user-dedup.ts).
 * Long runs (several windows), duplicates, reordering within and beyond the window.
 */
import { describe, expect, it } from 'vitest';
import { UserDedup } from '../../src/core/swim/user-dedup.ts';
import { randomStream } from '../../src/host/random.ts';

const WINDOW = 1024;

class Model {
  private readonly seen = new Map<string, { max: number; all: Set<number> }>();
  firstTime(origin: string, seq: number): boolean {
    const o = this.seen.get(origin);
    if (o === undefined) {
      this.seen.set(origin, { max: seq, all: new Set([seq]) });
      return true;
    }
    if (seq <= o.max - WINDOW || o.all.has(seq)) return false;
    o.all.add(seq);
    o.max = Math.max(o.max, seq);
    return true;
  }
}

describe('UserDedup', () => {
  for (const seed of [1, 2, 3]) {
    it(`answers as the unbounded model over ${8 * WINDOW} offers (seed ${seed})`, () => {
      const rnd = randomStream(seed, 'user-dedup');
      const d = new UserDedup();
      const m = new Model();
      const next = { a: 1, b: 1 };
      let fresh = 0;
      for (let i = 0; i < 8 * WINDOW * 2; i++) {
        const origin = rnd.chance(0.5) ? 'a' : 'b';
        // Mostly new seqs, some repeats of recent ones, some far behind the window's edge.
        const r = rnd.next();
        const seq = r < 0.6 ? next[origin]++ : r < 0.9 ? Math.max(1, next[origin] - 1 - rnd.int(WINDOW + 64)) : Math.max(1, next[origin] - rnd.int(4 * WINDOW));
        const want = m.firstTime(origin, seq);
        expect(d.firstTime(origin, seq), `${origin}/${seq} at offer ${i}`).toBe(want);
        if (want) fresh++;
      }
      expect(fresh).toBeGreaterThan(8 * WINDOW);
    });
  }
});
