/**
 * KvStateMachine: applies KvCommand entries committed by Raft to a KvStore.
 *
 * A thin layer: validation, CAS, transactions. Client (id, seq) dedup is Raft's job
 * (Replicator.propose), so a command reaching `apply` is applied exactly as given.
 * Malformed commands become an `error` result and change nothing: throwing here would
 * stop every replica at the same entry.
 */
import { assert } from '../env.ts';
import type { ApplyContext, StateMachine } from '../sm.ts';
import {
  KV_MAX_KEY_CHARS,
  KV_MAX_RANGE,
  KV_MAX_TXN_OPS,
  KV_MAX_VALUE_CHARS,
  type KvCommand,
  type KvCommandResult,
  type KvCompare,
  type KvRead,
  type KvReadResult,
  type TxnOp,
} from './commands.ts';
import { KvStore, type KvStoreSnapshot } from './store.ts';
import type { KvReader } from './types.ts';
import { kvFullError, newKeysOf } from './capacity.ts';

export class KvStateMachine implements StateMachine<KvCommand, KvCommandResult> {
  /** The store; read it directly after a read barrier. Composed stores may share it. */
  readonly store: KvStore;

  constructor(store: KvStore = new KvStore()) {
    this.store = store;
  }

  apply(cmd: KvCommand, ctx: ApplyContext): KvCommandResult {
    const before = this.store.revision();
    assert(ctx.index > before, () => `apply index ${ctx.index} <= revision ${before}`);
    const invalid = validateCommand(cmd);
    if (invalid !== null) return { type: 'error', revision: before, reason: invalid };
    const full = kvFullError(newKeysOf(cmd, this.store), this.store);
    if (full !== null) return { type: 'error', revision: before, reason: full };
    const result = applyValid(this.store, cmd, ctx.index);
    // Revision moves only when something changed, and then to exactly this entry's index.
    const after = this.store.revision();
    assert(after === before || after === ctx.index, () => `revision ${after} is neither ${before} nor ${ctx.index}`);
    return result;
  }

  snapshot(): KvStoreSnapshot {
    return this.store.snapshot();
  }

  restore(snapshot: unknown): void {
    this.store.restore(snapshot as KvStoreSnapshot);
  }
}

function applyValid(store: KvStore, cmd: KvCommand, index: number): KvCommandResult {
  switch (cmd.type) {
    case 'put': {
      const prev = store.get(cmd.key) ?? null;
      const entry = store.put(cmd.key, cmd.value, index, cmd.flags !== undefined ? { flags: cmd.flags } : {});
      return { type: 'put', revision: store.revision(), entry, prev };
    }
    case 'delete': {
      const prev = store.delete(cmd.key, index) ?? null;
      return { type: 'delete', revision: store.revision(), prev };
    }
    case 'delete-prefix': {
      const deleted = store.deletePrefix(cmd.prefix, index).length;
      return { type: 'delete-prefix', revision: store.revision(), deleted };
    }
    case 'cas': {
      const r = store.cas(cmd.key, cmd.expect, cmd.value, index);
      return { type: 'cas', revision: store.revision(), succeeded: r.succeeded, entry: r.entry };
    }
    case 'txn': {
      const r = store.txn(cmd.compare, cmd.success, cmd.failure, index);
      return { type: 'txn', revision: store.revision(), succeeded: r.succeeded, results: r.results };
    }
  }
}

/** Serves a read against a store (after the caller's read barrier). */
export function executeRead(store: KvReader, read: KvRead): KvReadResult {
  if (read.type === 'get') return { type: 'get', revision: store.revision(), entry: store.get(read.key) ?? null };
  const limit = Math.min(read.limit ?? KV_MAX_RANGE, KV_MAX_RANGE);
  const entries = store.range(read.prefix);
  return { type: 'range', revision: store.revision(), entries: entries.length > limit ? entries.slice(0, limit) : entries };
}

// ---- validation: the same checks run on the server before proposing and in apply ----

function keyError(key: unknown): string | null {
  if (typeof key !== 'string') return 'key must be a string';
  if (key.length > KV_MAX_KEY_CHARS) return `key longer than ${KV_MAX_KEY_CHARS}`;
  return null;
}

function valueError(value: unknown): string | null {
  if (typeof value !== 'string') return 'value must be a string';
  if (value.length > KV_MAX_VALUE_CHARS) return `value longer than ${KV_MAX_VALUE_CHARS}`;
  return null;
}

function flagsError(flags: unknown): string | null {
  if (flags === undefined) return null;
  return typeof flags === 'string' && /^[0-9]{1,20}$/.test(flags) ? null : 'flags must be a decimal string';
}

function txnOpError(op: TxnOp): string | null {
  switch (op?.op) {
    case 'get':
    case 'delete':
      return keyError(op.key);
    case 'range':
    case 'delete-prefix':
      return keyError(op.prefix);
    case 'put':
      return keyError(op.key) ?? valueError(op.value) ?? flagsError(op.flags);
    default:
      return 'unknown txn op';
  }
}

function compareError(c: KvCompare): string | null {
  const k = keyError(c?.key);
  if (k) return k;
  if (!['==', '!=', '<', '>'].includes(c.op)) return 'bad compare op';
  if (c.target === 'value') return c.value === null || typeof c.value === 'string' ? null : 'value compare needs a string or null';
  if (['version', 'createIndex', 'modifyIndex', 'lockIndex'].includes(c.target)) {
    return typeof c.value === 'number' ? null : `${c.target} compare needs a number`;
  }
  return 'bad compare target';
}

/** null when the command is well formed, else the reason. Untrusted input: every field is checked. */
export function validateCommand(input: unknown): string | null {
  if (input === null || typeof input !== 'object') return 'command must be an object';
  // A view for reading the fields; each one read below is checked before it is trusted.
  const cmd = input as KvCommand;
  switch (cmd.type) {
    case 'put':
      return keyError(cmd.key) ?? valueError(cmd.value) ?? flagsError(cmd.flags);
    case 'delete':
      return keyError(cmd.key);
    case 'delete-prefix':
      return keyError(cmd.prefix);
    case 'cas': {
      const e = cmd.expect as Partial<{ value: unknown; modifyIndex: unknown }> | undefined;
      if (!e || typeof e !== 'object') return 'cas needs expect';
      if ('modifyIndex' in e) {
        if (!Number.isInteger(e.modifyIndex) || (e.modifyIndex as number) < 0) return 'expect.modifyIndex must be >= 0';
      } else if (!('value' in e) || (e.value !== null && typeof e.value !== 'string')) {
        return 'expect.value must be a string or null';
      }
      return keyError(cmd.key) ?? valueError(cmd.value);
    }
    case 'txn': {
      if (!Array.isArray(cmd.compare) || !Array.isArray(cmd.success) || !Array.isArray(cmd.failure)) return 'txn needs arrays';
      if (cmd.compare.length + Math.max(cmd.success.length, cmd.failure.length) > KV_MAX_TXN_OPS) {
        return `txn larger than ${KV_MAX_TXN_OPS} ops`;
      }
      for (const c of cmd.compare) {
        const err = compareError(c);
        if (err) return err;
      }
      for (const op of [...cmd.success, ...cmd.failure]) {
        const err = txnOpError(op);
        if (err) return err;
      }
      return null;
    }
    default:
      return `unknown command type ${(cmd as { type?: unknown }).type as string}`;
  }
}

/** null when the read is well formed, else the reason. */
export function validateRead(read: KvRead): string | null {
  if (read === null || typeof read !== 'object') return 'read must be an object';
  if (read.type === 'get') return keyError(read.key);
  if (read.type === 'range') return keyError(read.prefix);
  return 'unknown read type';
}
