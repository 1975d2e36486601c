/**
 * Seeded random streams. Every consumer (a node's service, the network of one sender, the
 * nemesis, a workload) draws from its own named stream derived from (seed, name), so adding
 * a node or a fault does not reshuffle the draws of everything else.
 */
import seedrandom from 'seedrandom';
import type { Random } from '../core/env.ts';

class SeededRandom implements Random {
  // Alea (Baagoe): fast, small state, good statistical quality for simulation (seedrandom docs).
  // seedrandom seeds it (its Mash hash of the seed string); the draws run here on plain fields,
  // the same arithmetic as seedrandom's alea.js step, so the sequence is the same number for
  // number, without a closure call and its state object on every draw (the simulator draws a
  // few per message).
  /** s0, s1, s2, c: raw doubles (object fields would hold boxed numbers, re-boxed on every store). */
  private readonly st = new Float64Array(4);

  constructor(seed: string) {
    const st = seedrandom.alea(seed, { state: true }).state();
    this.st[0] = st.s0;
    this.st[1] = st.s1;
    this.st[2] = st.s2;
    this.st[3] = st.c;
  }

  /** One Alea step: the next draw in [0, 1). */
  next(): number {
    const st = this.st;
    const t = 2091639 * st[0]! + st[3]! * 2.3283064365386963e-10; // 2^-32
    st[0] = st[1]!;
    st[1] = st[2]!;
    const c = t | 0;
    st[3] = c;
    return (st[2] = t - c);
  }

  private prng(): number {
    return this.next();
  }

  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  between(lo: number, hi: number): number {
    return lo + Math.floor(this.prng() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.prng() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty array');
    return items[Math.floor(this.prng() * items.length)]!;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

/** The stream named `name` under `seed`. Same (seed, name) ⇒ same sequence. */
export function randomStream(seed: number | string, name: string): Random {
  return new SeededRandom(`${seed}\u0000${name}`);
}

/** A standard normal sample (Box–Muller). */
export function gaussian(random: Random): number {
  let u = random.next();
  while (u <= Number.MIN_VALUE) u = random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
