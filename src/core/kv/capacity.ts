/**
 * The key bound (KvStore.maxKeys, KV_MAX_KEYS) as a refusal instead of a crash: a command that
 * would create keys past it is answered with an error and changes nothing. Decided from the
 * replicated state alone, so every replica refuses the same entry, and a poison entry in the
 * log can never take the cluster down on apply (issue 15, point 3).
 */
import type { KvCommand } from './commands.ts';
import type { KvStore } from './store.ts';

/** Keys `cmd` may create that do not exist yet (for a transaction: the larger of its branches). */
export function newKeysOf(cmd: KvCommand, kv: Pick<KvStore, 'get'>): number {
  switch (cmd.type) {
    case 'put':
    case 'cas':
      return kv.get(cmd.key) === undefined ? 1 : 0;
    case 'txn': {
      const created = (ops: typeof cmd.success) => new Set(ops.filter((o) => o.op === 'put' && kv.get(o.key) === undefined).map((o) => (o as { key: string }).key)).size;
      return Math.max(created(cmd.success), created(cmd.failure));
    }
    default:
      return 0;
  }
}

/** The refusal for creating `created` more keys, or null when they fit. */
export function kvFullError(created: number, kv: Pick<KvStore, 'size' | 'maxKeys'>): string | null {
  return created > 0 && kv.size() + created > kv.maxKeys ? `kv store full (${kv.maxKeys} keys)` : null;
}
