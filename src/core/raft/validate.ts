/**
 * Shape of every Raft message as it arrives from a peer (wire-schema.ts). Besides field types
 * it checks what the receiving node otherwise asserts about a well-formed append (entries
 * consecutive from prevIndex + 1, none from a future term) and that a membership is well
 * formed, so a malformed message is dropped at the boundary instead of tripping an assert.
 */
import { any, arr, bool, bytes, int, nat, nodeId, obj, opt, str, tagged, union, type Check, type Validator } from '../wire-schema.ts';
import { validMembership, type Membership } from './membership.ts';

/** Entries in one append: far above what a leader sends in a batch (etcd's MaxInflight × batch). */
const MAX_ENTRIES = 100_000;
/** Members of one configuration (ours: a cluster is tens of servers). */
const MAX_MEMBERS = 10_000;

const ids = arr(nodeId, MAX_MEMBERS);
const membershipShape = obj({ voters: ids, learners: ids, promoting: ids, outgoing: opt(ids) });
export const isMembership: Check = (v) => membershipShape(v) && validMembership(v as Membership);

const entry = tagged('kind', {
  noop: obj({ index: nat, term: nat }),
  cmd: obj({ index: nat, term: nat, data: any, client: opt(str(1024)), seq: opt(nat) }),
  config: obj({ index: nat, term: nat, membership: isMembership }),
});

const appendShape = obj({ term: nat, prevIndex: nat, prevTerm: nat, entries: arr(entry, MAX_ENTRIES), commit: nat });
const append: Check = (v) => {
  if (!appendShape(v)) return false;
  const m = v as { term: number; prevIndex: number; entries: readonly { index: number; term: number }[] };
  return m.entries.every((e, k) => e.index === m.prevIndex + 1 + k && e.term <= m.term);
};

export const validateRaftMessage: Validator = union('raft', {
  'raft.prevote': obj({ term: nat, lastIndex: nat, lastTerm: nat }),
  'raft.prevote.resp': obj({ term: nat, granted: bool }),
  'raft.vote': obj({ term: nat, lastIndex: nat, lastTerm: nat, transfer: bool }),
  'raft.vote.resp': obj({ term: nat, granted: bool }),
  'raft.append': append,
  'raft.append.resp': obj({ term: nat, success: bool, matchIndex: nat, rejectIndex: int, conflictTerm: nat, conflictIndex: nat }),
  'raft.heartbeat': obj({ term: nat, commit: nat, round: nat }),
  'raft.heartbeat.resp': obj({ term: nat, round: nat }),
  'raft.snapshot': obj({ term: nat, index: nat, snapTerm: nat, membership: isMembership, offset: nat, data: bytes(Number.MAX_SAFE_INTEGER), done: bool }),
  'raft.snapshot.resp': obj({ term: nat, index: nat, nextOffset: int, done: bool }),
  'raft.read-index': obj({ term: nat, id: int }),
  'raft.read-index.resp': obj({ term: nat, id: int, index: int }),
  'raft.timeout-now': obj({ term: nat }),
});

