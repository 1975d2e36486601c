/** Public surface of the Raft core. */
export type { ProposeResult, ReadResult, RaftRole, Replicator } from './api.ts';
export { DEFAULT_RAFT_CONFIG, resolveConfig, type RaftConfig, type ReadMode } from './config.ts';
export type { Entry, EntryKind } from './entry.ts';
export {
  EMPTY_MEMBERSHIP,
  makeMembership,
  isVoter,
  isLearner,
  isMember,
  quorumSize,
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
