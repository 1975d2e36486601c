/**
 * Public surface of the Raft core.
 *
 *   const raft = new RaftNode(env, stateMachine, { voters: ['n1', 'n2', 'n3'] }); // voters: [] to join later
 *   raft.start();
 *   raft.propose(cmd, (r) => ..., { client, seq });   // Replicator (api.ts); dedup makes retries apply once
 *   raft.readBarrier((r) => r.ok && readLocalState()); // ReadIndex (default) | lease | stale; followerReads opt-in
 *   raft.addServer(id, done) / addLearner / promote / removeServer / changeMembership / transferLeadership
 *   raft.status(); raft.membership(); raft.addObserver({...}) // inspection, TUI, safety checker
 *
 * Storage layout (Env storage of the service): 'hs' {term, vote}, 'snap' {index, term, membership,
 * data}, 'base' {index, term} of the last compacted entry, and the log records (Entry).
 */
export type { ProposeResult, ReadResult, RaftRole, Replicator } from './api.ts';
export { DEFAULT_RAFT_CONFIG, resolveConfig, type RaftConfig, type ReadMode } from './config.ts';
export { RAFT_MUTATIONS, isRaftMutation, type RaftMutation } from './mutations.ts';
export type { Entry, EntryKind } from './entry.ts';
export {
  EMPTY_MEMBERSHIP,
  makeMembership,
  isVoter,
  isLearner,
  isMember,
  isJoint,
  allVoters,
  describeMembership,
  type Membership,
} from './membership.ts';
export type { RaftMessage } from './messages.ts';
export { isRaftMessage } from './messages.ts';
export {
  RaftNode,
  type RaftObserver,
  type RaftStatus,
  type PeerStatus,
  type ChangeResult,
  type TransferResult,
} from './node.ts';
