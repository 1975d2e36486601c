/** Helpers shared by the recipes: sequential child names sort by their 10-digit suffix. */

export function sequenceOf(name: string): number {
  return Number.parseInt(name.slice(-10), 10);
}

/** Children with the given prefix, in sequence order. */
export function sortedByPrefix(children: readonly string[], prefix: string): string[] {
  return children.filter((c) => c.startsWith(prefix) && /^\d{10}$/.test(c.slice(-10))).sort((a, b) => sequenceOf(a) - sequenceOf(b));
}
