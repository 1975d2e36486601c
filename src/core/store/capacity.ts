/**
 * The KV key bound for the coordination store's own KV commands (kv/capacity.ts has the rule
 * and the plain `kv` commands): a lock acquire, a lease-bound put or a Consul txn that would
 * create keys past it is refused with an error before anything changes, on every replica alike.
 */
import { kvFullError } from '../kv/capacity.ts';
import type { KvStore } from '../kv/index.ts';
import type { StoreCommand } from './commands.ts';

/** Verbs of a Consul txn that may create their key. */
const CREATING_VERBS = new Set(['set', 'cas', 'lock']);

export function storeKvFullError(cmd: StoreCommand, kv: KvStore): string | null {
  switch (cmd.type) {
    case 'kv.acquire':
    case 'lease.put':
      return kvFullError(kv.get(cmd.key) === undefined ? 1 : 0, kv);
    case 'kv.txn': {
      const created = new Set(cmd.ops.filter((o) => CREATING_VERBS.has(o.verb) && kv.get(o.key) === undefined).map((o) => o.key));
      return kvFullError(created.size, kv);
    }
    default:
      return null; // plain `kv` commands: KvStateMachine checks them
  }
}
