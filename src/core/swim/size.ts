/**
 * A rough msgpack-size estimate of an application payload, so user broadcasts can be packed
 * into a datagram budget without encoding them on every send. Bounded in depth and in
 * elements visited (a deep or huge value is simply estimated as too big).
 */
const MAX_DEPTH = 8;
const MAX_VISITS = 4096;

export function estimateBytes(value: unknown): number {
  const budget = { visits: 0 };
  return estimate(value, 0, budget);
}

function estimate(v: unknown, depth: number, budget: { visits: number }): number {
  if (++budget.visits > MAX_VISITS || depth > MAX_DEPTH) return 1 << 20;
  switch (typeof v) {
    case 'string':
      return v.length + 2;
    case 'number':
      return 9;
    case 'boolean':
      return 1;
    case 'undefined':
      return 1;
    case 'object': {
      if (v === null) return 1;
      if (v instanceof Uint8Array) return v.byteLength + 5;
      let size = 3;
      if (Array.isArray(v)) {
        for (const x of v) size += estimate(x, depth + 1, budget);
        return size;
      }
      for (const k in v as Record<string, unknown>) size += k.length + 2 + estimate((v as Record<string, unknown>)[k], depth + 1, budget);
      return size;
    }
    default:
      return 1 << 20; // functions, symbols, bigints: not serialisable here
  }
}
