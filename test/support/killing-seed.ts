/**
 * A planted bug is caught when some seed fails with it and passes without it. Tests that show a
 * checker or a nemesis reaches a mutant search the first such seed in a bounded range instead of
 * pinning one: any change of the simulation's event order (a faster event loop, a new default)
 * moves which seeds fail, not whether some do.
 */

/** The first seed in 1..limit where `passesBroken` is false and `passesSound` true, or undefined. */
export function killingSeed(limit: number, passesBroken: (seed: number) => boolean, passesSound: (seed: number) => boolean): number | undefined {
  for (let seed = 1; seed <= limit; seed++) if (!passesBroken(seed) && passesSound(seed)) return seed;
  return undefined;
}
