/**
 * Public surface of the linearizability checker for KV client histories (src/sim/history.ts):
 * a register per key (read / write / cas / delete, absent initially), checked key by key
 * (P-compositionality), each by a sound O(n log n) pre-check for simple anomalies
 * (quick-check.ts) and then the exact Wing & Gong / Lowe search with memoisation
 * (search.ts). Failures come with a shrunk witness (minimize.ts). Speed: bench/linearizability.ts.
 */
export {
  checkLinearizability,
  describeLinearizability,
  type Counterexample,
  type KeyVerdict,
  type LinearizabilityOptions,
  type LinearizabilityResult,
} from './check.ts';
export { searchRegister, DEFAULT_SEARCH_OPTIONS, type SearchOptions, type SearchResult } from './search.ts';
export { ValueTable, toSearchOp, pruneUnobservable, ModelError, type SearchOp } from './model.ts';
export { linearizableHistory, corruptRead, staleRead, type GenOptions } from './synthetic.ts';
