/**
 * Compare-and-set and etcd-style transactions over a KvStore (through TxnTarget): the comparisons, and one
 * branch of operations applied at a single index.
 */
import { KV_MAX_RANGE, type CasExpect, type KvCompare, type TxnOp, type TxnOpResult } from './commands.ts';
import type { KvEntry, TxnTarget } from './types.ts';

/** Whether a CAS expectation holds for the key's current entry. */
export function casMatches(cur: KvEntry | undefined, expect: CasExpect): boolean {
  if ('modifyIndex' in expect) return expect.modifyIndex === 0 ? cur === undefined : cur?.modifyIndex === expect.modifyIndex;
  return expect.value === null ? cur === undefined : cur?.value === expect.value;
}

/** Whether one etcd-style comparison holds for the key's current entry. */
export function compareHolds(cur: KvEntry | undefined, c: KvCompare): boolean {
  let actual: string | number | null;
  switch (c.target) {
    case 'value':
      actual = cur ? cur.value : null;
      break;
    case 'version':
      actual = cur ? cur.version : 0;
      break;
    case 'createIndex':
      actual = cur ? cur.createIndex : 0;
      break;
    case 'modifyIndex':
      actual = cur ? cur.modifyIndex : 0;
      break;
    case 'lockIndex':
      actual = cur ? cur.lockIndex : 0;
      break;
  }
  switch (c.op) {
    case '==':
      return actual === c.value;
    case '!=':
      return actual !== c.value;
    case '<':
      return actual !== null && c.value !== null && actual < c.value;
    case '>':
      return actual !== null && c.value !== null && actual > c.value;
  }
}

/** Applies one transaction operation at `index`. */
export function applyTxnOp(store: TxnTarget, op: TxnOp, index: number): TxnOpResult {
  switch (op.op) {
    case 'get':
      return { op: 'get', entry: store.get(op.key) ?? null };
    case 'range':
      return { op: 'range', entries: store.range(op.prefix, Math.min(op.limit ?? KV_MAX_RANGE, KV_MAX_RANGE)) };
    case 'put': {
      const prev = store.get(op.key) ?? null;
      const entry = store.put(op.key, op.value, index, op.flags !== undefined ? { flags: op.flags } : {});
      return { op: 'put', entry, prev };
    }
    case 'delete':
      return { op: 'delete', prev: store.delete(op.key, index) ?? null };
    case 'delete-prefix':
      return { op: 'delete-prefix', deleted: store.deletePrefix(op.prefix, index).length };
  }
}

