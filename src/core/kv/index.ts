/** Public surface of the replicated KV map: the store, its state machine, commands and reads. */
export type { KvEntry, KvReader } from './types.ts';
export { KvStore, KV_MAX_KEYS, type PutOptions, type KvStoreSnapshot } from './store.ts';
export {
  KV_MAX_KEY_CHARS,
  KV_MAX_RANGE,
  KV_MAX_TXN_OPS,
  KV_MAX_VALUE_CHARS,
  type CasExpect,
  type KvCommand,
  type KvCommandResult,
  type KvCompare,
  type KvRead,
  type KvReadResult,
  type TxnOp,
  type TxnOpResult,
} from './commands.ts';
export { KvStateMachine, executeRead, validateCommand, validateRead } from './state-machine.ts';
export { casMatches, compareHolds, applyTxnOp } from './txn.ts';
