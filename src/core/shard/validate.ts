/** Shape of the sharded store's messages (service 'shard', wire-schema.ts). */
import { arr, bool, int, isPlainObject, lit, nat, nodeId, nullable, num, obj, opt, record, str, tuple, union, type Check, type Validator } from '../wire-schema.ts';

const MAX_NODES = 10_000;
const epoch = tuple(nat, nat);
const group = str(1024);
const key = str(64 * 1024);
const value = str(16 * 1024 * 1024);
const ids = arr(nodeId, MAX_NODES);
const groupConfig = obj({ group, epoch, primary: opt(nodeId), standbys: ids, syncing: ids, unavailable: bool, lastInSync: ids });
const ringState = obj({ rev: epoch, version: nat, groups: arr(group, MAX_NODES), adding: nullable(group), done: arr(group, MAX_NODES), primaries: record(nodeId, MAX_NODES) });
const entries: Check = arr(tuple(key, value), 10_000_000);

export const validateShardMessage: Validator = union('shard', {
  'shard.put': obj({ req: int, group, key, value, migrate: opt(bool) }),
  'shard.get': obj({ req: int, group, key }),
  'shard.put.ok': obj({ req: int, seq: nat }),
  'shard.get.ok': obj({ req: int, value: nullable(value), seq: nat }),
  'shard.err': obj({ req: int, error: lit('not-primary', 'unavailable', 'busy', 'wrong-group'), primary: opt(nodeId) }),
  'shard.repl': obj({ epoch, seq: nat, key, value }),
  'shard.repl.ack': obj({ epoch, seq: nat }),
  'shard.sync.req': obj({ epoch }),
  'shard.sync.snap': obj({ epoch, seq: nat, entries }),
  'shard.hb': obj({ group, config: nullable(groupConfig), applied: nat, rejoin: bool, ring: nullable(ringState), sentAtUs: num }),
  'shard.hb.ack': obj({ group, sentAtUs: num, epoch }),
  'shard.synced': obj({ group, node: nodeId, epoch }),
  'shard.config': obj({ config: groupConfig }),
  'shard.ring': obj({ ring: ringState }),
  'shard.migrated': obj({ group, version: nat }),
  'shard.route.req': (v) => isPlainObject(v),
  'shard.route': obj({ configs: arr(groupConfig, MAX_NODES), master: nodeId, ring: nullable(ringState) }),
});
