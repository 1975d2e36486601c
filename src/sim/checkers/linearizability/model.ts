/**
 * The register model the checker searches over, one register per key:
 * read / write / cas / delete, with "absent" as the initial state.
 *
 * Values are interned to small integers (0 = absent / null) so a search state is one
 * number and a step is two comparisons.
 */
import type { Operation } from '../../history.ts';

export const READ = 0;
export const WRITE = 1;
export const CAS = 2;
export const DELETE = 3;
export type OpKind = typeof READ | typeof WRITE | typeof CAS | typeof DELETE;

/** The interned value of null / a missing key. */
export const ABSENT = 0;

/** One operation in search form. */
export interface SearchOp {
  readonly kind: OpKind;
  /** read: the value read; write: the value written; cas: the expected value. */
  readonly a: number;
  /** cas: the new value (unused otherwise). */
  readonly b: number;
  readonly call: number;
  /** Infinity when indeterminate (info). */
  readonly ret: number;
  /** true for ok operations: they must be linearized; info ones may be, or not at all. */
  readonly det: boolean;
  /** The history operation it came from. */
  readonly source: Operation;
  /** Set by counterexample shrinking: a cas whose expected value is no longer checked. */
  readonly relaxed?: boolean;
}

/** Interns values by their JSON form (so 1 and "1" differ, and arrays compare by content). */
export class ValueTable {
  private readonly ids = new Map<string, number>();
  private readonly values: unknown[] = [null];

  id(v: unknown): number {
    if (v === null || v === undefined) return ABSENT;
    const k = typeof v === 'string' ? `s${v}` : `j${JSON.stringify(v)}`;
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(k, id);
      this.values.push(v);
    }
    return id;
  }

  value(id: number): unknown {
    return this.values[id];
  }

  size(): number {
    return this.values.length;
  }
}

/** Applies op to state: the new state, or -1 when op cannot take effect in this state. */
export function step(state: number, op: SearchOp): number {
  switch (op.kind) {
    case READ:
      return state === op.a ? state : -1;
    case WRITE:
      return op.a;
    case CAS:
      return state === op.a ? op.b : -1;
    case DELETE:
      return ABSENT;
  }
}

/** The value an op leaves behind when it takes effect (undefined for reads). */
export function produced(op: SearchOp): number | undefined {
  switch (op.kind) {
    case READ:
      return undefined;
    case WRITE:
      return op.a;
    case CAS:
      return op.b;
    case DELETE:
      return ABSENT;
  }
}

/** The value an op needs to find (undefined for writes and deletes). */
export function consumed(op: SearchOp): number | undefined {
  return op.kind === READ || op.kind === CAS ? op.a : undefined;
}

export class ModelError extends Error {}

/**
 * Converts one history operation to search form; null when it constrains nothing
 * (failed ops did not happen; info reads change nothing and returned nothing).
 */
export function toSearchOp(op: Operation, values: ValueTable): SearchOp | null {
  if (op.status === 'fail') return null;
  const det = op.status === 'ok';
  const base = { call: op.invokeTime, ret: det ? op.completeTime : Infinity, det, source: op };
  switch (op.f) {
    case 'read':
      if (!det) return null;
      return { kind: READ, a: values.id(op.output), b: 0, ...base };
    case 'write':
      return { kind: WRITE, a: values.id(op.input), b: 0, ...base };
    case 'delete':
      return { kind: DELETE, a: ABSENT, b: 0, ...base };
    case 'cas': {
      if (!Array.isArray(op.input) || op.input.length !== 2) throw new ModelError(`cas op ${op.id} needs value [expected, new]`);
      return { kind: CAS, a: values.id(op.input[0]), b: values.id(op.input[1]), ...base };
    }
    default:
      throw new ModelError(`register model has no operation '${op.f}' (op ${op.id})`);
  }
}

/**
 * Drops info ops whose effect no determinate op could ever observe: an info write (or cas,
 * or delete) of a value no ok read returned and no ok cas expected. If such an op took
 * effect, every op until the next write had to be a write or a delete, so removing it from
 * any valid linearization leaves a valid one; dropping it loses no verdict and saves the
 * search from trying it at every point (an info op never returns, so it stays a candidate).
 */
export function pruneUnobservable(ops: readonly SearchOp[]): SearchOp[] {
  // Worklist closure: a kept info op's needed value is observed too (an info cas [n, m]
  // whose m a read saw keeps the info write of n alive). Each op is kept at most once, so
  // the work is linear in the number of ops.
  const keep = ops.map((o) => o.det);
  const infoByProduct = new Map<number, number[]>();
  ops.forEach((o, i) => {
    if (o.det) return;
    const p = produced(o)!;
    const list = infoByProduct.get(p);
    if (list) list.push(i);
    else infoByProduct.set(p, [i]);
  });
  const observed = new Set<number>();
  const work: number[] = [];
  const observe = (v: number | undefined): void => {
    if (v === undefined || observed.has(v)) return;
    observed.add(v);
    work.push(v);
  };
  ops.forEach((o) => {
    if (o.det) observe(consumed(o));
  });
  while (work.length > 0) {
    const v = work.pop()!;
    for (const i of infoByProduct.get(v) ?? []) {
      if (keep[i]) continue;
      keep[i] = true;
      observe(consumed(ops[i]!));
    }
  }
  return ops.filter((_, i) => keep[i]);
}
