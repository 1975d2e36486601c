/** Public surface of the composite replicated store. */
export { CoordStore, type CoordStoreSnapshot } from './coord-store.ts';
export type { StoreCommand, StoreCommandBody, StoreCommandType, StoreResult } from './commands.ts';
export { TOPICS, type AppliedEntry, type ApplyListener, type RestoreListener, type StoreEffect, type Topic } from './effects.ts';
export { StoreProposer, type ProposeOutcome, type Proposer, type ProposerOptions } from './proposer.ts';
export { validateStoreCommand } from './validate.ts';
export {
  KV_TXN_VERBS,
  kvTxnOpsError,
  type KvTxnError,
  type KvTxnOp,
  type KvTxnResultEntry,
  type KvTxnVerb,
} from './kv-txn.ts';
