/** Public surface of the linearizability checker (register per key, P-compositional WGL search). */
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
