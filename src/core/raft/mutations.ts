/**
 * TEST ONLY: switches that each break one rule of the Raft paper (Ongaro & Ousterhout 2014,
 * Figure 2 and §5–§8; dissertation §6.4), so a test can show that the test (or checker) guarding
 * the rule notices when it is broken. Every one of them breaks safety: never set them outside tests.
 * RaftConfig.mutations (config.ts) holds the set in force; a scenario's `raft: mutations: [...]` sets it for
 * swarms (also test-only).
 */

export const RAFT_MUTATIONS = [
  /** §5.4.1: grant votes without checking the candidate's log is at least as up-to-date. */
  'voteWithoutLogCheck',
  /** Figure 2 "persistent state ... updated on stable storage before responding": term and vote are not saved. */
  'skipVotePersist',
  /** Figure 2 AppendEntries rule 3: keep an existing entry that conflicts with a new one. */
  'keepConflictingEntries',
  /** Figure 2 AppendEntries rule 5: commit up to leaderCommit, not min(leaderCommit, last new entry). */
  'commitBeyondVerified',
  /** §5.4.2: commit entries of earlier terms by counting replicas (Figure 8). */
  'commitOldTerms',
  /** §8: no blank no-op entry at the start of a term (old-term entries wait for a client write). */
  'noElectionNoop',
  /** Figure 2 / §5.1: act on a request with a stale term instead of rejecting it. */
  'acceptStaleTerm',
  /** Figure 2 AppendEntries rule 2: accept entries whose prevLogTerm does not match. */
  'skipConsistencyCheck',
  /** §8 / dissertation §6.4 step 1: serve a read index before an entry of the leader's term committed. */
  'readBeforeTermCommit',
  /**
   * Figure 2 / dissertation §10.2.1: acknowledge appended entries before their (asynchronous) write
   * is durable, and let the leader count its own entries before its write is.
   */
  'ackBeforeDurable',
  /**
   * Protocol-aware recovery (recovery.ts; Alagappan et al., FAST'18): ignore storage damage found
   * at start, so a node that lost entries it acknowledged votes and serves as if it had them.
   */
  'noStorageRecovery',
  /** §6 joint consensus: while joint, commit (and confirm reads) on a majority of C_new alone. */
  'jointCommitNewOnly',
  /** §6 joint consensus: while joint, win an election (and pass CheckQuorum) on a majority of C_new alone. */
  'jointVoteNewOnly',
  /** §6: the leader never appends C_new once C_old,new committed (the cluster stays joint). */
  'noJointAutoLeave',
  /** §6 / dissertation §4.2.2: a leader outside C_new keeps leading after C_new committed. */
  'jointLeaderStays',
  /** One change at a time: accept a new membership change while a joint one is in progress. */
  'concurrentConfigChange',
] as const;

export type RaftMutation = (typeof RAFT_MUTATIONS)[number];

export function isRaftMutation(s: string): s is RaftMutation {
  return (RAFT_MUTATIONS as readonly string[]).includes(s);
}

/** Whether the (test-only) mutation `m` is on. */
export function mutated(mutations: ReadonlySet<RaftMutation> | undefined, m: RaftMutation): boolean {
  return mutations !== undefined && mutations.has(m);
}
