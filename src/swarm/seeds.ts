/** Which seeds a swarm runs: `--swarm N` (seeds base .. base+N-1) or `--seeds A..B` (inclusive). */

/** Upper bound on a swarm: a million runs is already days of work on two cores. */
export const MAX_SWARM = 1_000_000;

export function parseSeedRange(text: string): number[] | undefined {
  const m = /^(\d+)\.\.(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (b < a || b - a + 1 > MAX_SWARM || b > 2 ** 32 - 1) return undefined;
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

export function swarmSeeds(count: number, base: number): number[] {
  return Array.from({ length: count }, (_, i) => base + i);
}
