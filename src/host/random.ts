/**
 * Seeded random streams. Every consumer (a node's service, the network of one sender, the
 * nemesis, a workload) draws from its own named stream derived from (seed, name), so adding
 * a node or a fault does not reshuffle the draws of everything else.
 */
import seedrandom from 'seedrandom';
import type { Random } from '../core/env.ts';

class SeededRandom implements Random {
  private readonly prng: () => number;

  constructor(seed: string) {
    // Alea: fast, small state, good statistical quality for simulation (seedrandom docs).
    this.prng = seedrandom.alea(seed);
  }

  next(): number {
    return this.prng();
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
