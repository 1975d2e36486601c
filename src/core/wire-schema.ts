/**
 * A tiny schema language for messages that arrive from the network. Everything a peer sends
 * is untrusted until one of these says it has the shape its core expects; a core then casts
 * it to its message union and may `assert` only what holds after validation.
 *
 * A check is a predicate over `unknown`. `union` turns a table of per-type checks into a
 * validator that returns null (well formed) or a short reason (dropped and counted by the
 * runtime). Every container check has a size bound, so validation itself is bounded.
 */

export type Check = (v: unknown) => boolean;
/** null: well formed; otherwise why not (for the drop counter and the trace). */
export type Validator = (msg: unknown) => string | null;

/** Longest string a check accepts unless told otherwise (ids, keys, paths): 64 KiB. */
export const MAX_STRING = 64 * 1024;
/** Longest array unless told otherwise. */
export const MAX_ARRAY = 100_000;

export const any: Check = () => true;
export const str = (max: number = MAX_STRING): Check => (v) => typeof v === 'string' && v.length <= max;
/** Bytes (msgpack bin arrives as a Uint8Array), at most max of them. */
export const bytes = (max: number): Check => (v) => v instanceof Uint8Array && v.length <= max;
/** A node id: a short non-empty string. */
export const nodeId: Check = (v) => typeof v === 'string' && v.length > 0 && v.length <= 1024;
export const bool: Check = (v) => typeof v === 'boolean';
/** A finite number (times, durations, ratios). */
export const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
/** A safe integer (may be negative: -1 sentinels). */
export const int: Check = (v) => Number.isSafeInteger(v);
/** A safe integer >= 0 (terms, indexes, sequence numbers, incarnations). */
export const nat: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
export const lit = (...values: readonly (string | number | boolean | null)[]): Check => {
  const set = new Set<unknown>(values);
  return (v) => set.has(v);
};
export const opt = (c: Check): Check => (v) => v === undefined || c(v);
export const nullable = (c: Check): Check => (v) => v === null || c(v);
export const either = (...cs: readonly Check[]): Check => (v) => cs.some((c) => c(v));
export const arr = (c: Check, max: number = MAX_ARRAY): Check => (v) => Array.isArray(v) && v.length <= max && v.every(c);
/** A fixed-length array (a tuple) of the given element checks. */
export const tuple = (...cs: readonly Check[]): Check => (v) => Array.isArray(v) && v.length === cs.length && cs.every((c, i) => c(v[i]));

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** An object with at least these fields (extra fields are ignored, as the cores ignore them). */
export const obj = (shape: Readonly<Record<string, Check>>): Check => {
  const fields = Object.entries(shape);
  return (v) => isPlainObject(v) && fields.every(([k, c]) => c(v[k]));
};

/** A string-keyed map whose values all pass `c`, with at most `maxKeys` keys. */
export const record = (c: Check, maxKeys = 10_000): Check => (v) => {
  if (!isPlainObject(v)) return false;
  let n = 0;
  for (const k in v) {
    if (++n > maxKeys || !c(v[k])) return false;
  }
  return true;
};

/** One of several shapes told apart by a discriminant field. */
export const tagged = (field: string, shapes: Readonly<Record<string, Check>>): Check => (v) => {
  if (!isPlainObject(v)) return false;
  const tag = v[field];
  return typeof tag === 'string' && Object.hasOwn(shapes, tag) && shapes[tag]!(v);
};

/** A validator of a message union: `type` picks the schema; unknown types are refused. */
export function union(name: string, shapes: Readonly<Record<string, Check>>): Validator {
  return (msg) => {
    if (!isPlainObject(msg)) return `${name}: not an object`;
    const t = msg.type;
    if (typeof t !== 'string') return `${name}: no type`;
    if (!Object.hasOwn(shapes, t)) return `${name}: unknown type ${t.slice(0, 64)}`;
    return shapes[t]!(msg) ? null : `${name}: malformed ${t}`;
  };
}

/** The first validator that knows the message's type decides (for services shared by several cores). */
export function anyOf(...validators: readonly Validator[]): Validator {
  return (msg) => {
    let first: string | null = null;
    for (const v of validators) {
      const why = v(msg);
      if (why === null) return null;
      first ??= why;
    }
    return first;
  };
}
