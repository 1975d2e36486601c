/**
 * Reporting every error of a scenario file, not only the first: independent parts (each
 * top-level section, each fault, each expectation) are validated one by one, a failing part
 * is recorded and skipped, and at the end all errors are thrown together in file order.
 */
import { ScenarioError } from './errors.ts';

/** Several errors of one file, sorted by line and column; message: one line per error. */
export class ScenarioErrors extends ScenarioError {
  constructor(readonly errors: readonly ScenarioError[]) {
    const first = errors[0]!;
    super(first.file, first.line, first.col, first.path, first.expected);
    this.message = errors.map((e) => e.message).join('\n');
    this.name = 'ScenarioErrors';
  }
}

/** Runs `fn`; a ScenarioError is recorded in `errors` (undefined returned), anything else is rethrown. */
export function collect<T>(errors: ScenarioError[] | undefined, fn: () => T): T | undefined {
  if (!errors) return fn();
  try {
    return fn();
  } catch (e) {
    if (e instanceof ScenarioErrors) errors.push(...e.errors);
    else if (e instanceof ScenarioError) errors.push(e);
    else throw e;
    return undefined;
  }
}

/** Maps `fn` over `items`, recording each item's error and keeping the items that validated. */
export function collectEach<A, T>(errors: ScenarioError[] | undefined, items: readonly A[], fn: (item: A, i: number) => T): T[] {
  const out: T[] = [];
  items.forEach((item, i) => {
    const r = collect(errors, () => ({ v: fn(item, i) }));
    if (r) out.push(r.v);
  });
  return out;
}

/** Throws the recorded errors (one alone as itself, several as ScenarioErrors in file order). */
export function throwCollected(errors: readonly ScenarioError[]): void {
  if (errors.length === 0) return;
  const sorted = errors.map((e, i) => ({ e, i })).sort((a, b) => a.e.line - b.e.line || a.e.col - b.e.col || a.i - b.i).map((x) => x.e);
  // The same problem seen twice (e.g. a section checked from two places) is reported once.
  const unique = sorted.filter((e, i) => i === 0 || e.message !== sorted[i - 1]!.message);
  throw unique.length === 1 ? unique[0]! : new ScenarioErrors(unique);
}
