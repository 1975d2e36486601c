/**
 * Recovery without quorum (hashicorp/raft RecoverCluster, Consul's raft/peers.json): when
 * most servers are gone for good, an operator lists the servers that remain and every one of
 * them starts with that membership. We append a membership entry at the end of the local
 * log, in the log's last term, before Raft boots: Raft takes the latest membership in its
 * log as current, so the survivors elect among themselves; the winner's own recovery entry
 * overwrites the others' (same membership). Unsafe by nature — committed entries the lost
 * servers alone held are gone — and therefore only ever done on an operator's request.
 */
import { assert, type NodeId, type Storage } from '../env.ts';
import { makeMembership, type Entry } from '../raft/index.ts';

/** Appends the recovery membership entry; returns its index. */
export function appendRecoveryMembership(raftStorage: Storage, voters: readonly NodeId[]): number {
  assert(voters.length > 0, 'recovery needs at least one voter');
  assert(new Set(voters).size === voters.length, 'recovery voters must be distinct');
  const last = raftStorage.last();
  let term = 0;
  if (last >= raftStorage.first()) term = raftStorage.get<Entry>(last).term;
  else term = raftStorage.load<{ term: number }>('base')?.term ?? 0;
  // Raft asserts its log's last term never exceeds the stored current term.
  const hs = raftStorage.load<{ term: number; vote: NodeId | null }>('hs');
  if (hs === undefined || hs.term < term) raftStorage.save('hs', { term, vote: null });
  const entry: Entry = { index: last + 1, term, kind: 'config', membership: makeMembership(voters) };
  raftStorage.append([entry]);
  raftStorage.sync();
  assert(raftStorage.last() === last + 1, 'recovery entry not appended');
  return entry.index;
}
