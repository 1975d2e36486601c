/**
 * The mutant catalogue: known consensus and coordination bugs, each planted by a test-only
 * switch (never in force in real use):
 *  - `raft`: a Raft paper rule switched off in src/core/raft/mutations.ts (RaftConfig.mutations);
 *  - `core`: a one-line guarded branch marked `TEST ONLY` in a core, named in src/core/test-mutants.ts.
 * The harness (mutate.ts) turns both on through HASIM_MUTANTS, which the simulator reads before
 * each run (src/scenario/test-mutants-env.ts). `scenarios` are the library scenarios the harness
 * runs against the mutant by default (`--all` runs every scenario against every mutant).
 */

export interface Mutant {
  readonly name: string;
  readonly kind: 'raft' | 'core';
  /** The rule it breaks, with its source. */
  readonly rule: string;
  /** Where the switch sits. */
  readonly where: string;
  /** Scenarios (paths under scenarios/) run against it by default. */
  readonly scenarios: readonly string[];
  /** The switches it turns on together (HASIM_MUTANTS), when not just `name` (a bug made of two rules broken at once). */
  readonly switches?: readonly string[];
  /**
   * Set when the mutant is argued equivalent to the original for what the scenarios judge
   * (safety), or unreachable by the assembled system's message flows: the reason, in one line
   * (docs/mutants.md argues it in full). Mutation testing counts these apart from the kill ratio.
   */
  readonly equivalent?: string;
}

/** The HASIM_MUTANTS value that plants `m`. */
export function switchesOf(m: Mutant): string {
  return (m.switches ?? [m.name]).join(',');
}

/**
 * Each mutant runs against the one or two scenarios that reach it best (matrix time on a shared
 * 2-core machine); `--all` runs the whole library.
 */
const RAFT_CORE = ['raft-partitions.yaml', 'stress/raft5-kv-nemesis.yaml'];
/** Crashes timed at persistence and replication points (src/sim/crash-points.ts). */
const CRASH_POINTS = 'raft-crash-points.yaml';
/** The paper's Figure 8 schedule, played by a directed nemesis (src/scenario/modules/raft-figure8.ts). */
const FIGURE8 = 'raft-figure8.yaml';

export const CATALOGUE: readonly Mutant[] = [
  // ---- the nine of issue 16 (and two more Raft rules), src/core/raft/mutations.ts
  { name: 'voteWithoutLogCheck', kind: 'raft', rule: 'Raft §5.4.1: vote only for a candidate whose log is at least as up-to-date', where: 'raft/election.ts grantsVote', scenarios: ['stress/raft5-kv-nemesis.yaml'] },
  { name: 'skipVotePersist', kind: 'raft', rule: 'Raft Fig. 2: currentTerm/votedFor on stable storage before responding', where: 'raft/node.ts', scenarios: ['raft-partitions.yaml'] },
  { name: 'keepConflictingEntries', kind: 'raft', rule: 'Raft Fig. 2 AppendEntries rule 3: delete a conflicting entry and all that follow', where: 'raft/node.ts onAppend', scenarios: ['stress/raft5-kv-nemesis.yaml'] },
  { name: 'commitBeyondVerified', kind: 'raft', rule: 'Raft Fig. 2 AppendEntries rule 5: commit = min(leaderCommit, index of last new entry)', where: 'raft/node.ts onAppend', scenarios: [CRASH_POINTS], equivalent: "unreachable: heartbeats carry min(match, commit) (raft/node.ts broadcastHeartbeat); appends carry the full commit (raft/replication.ts nextAppend), but after any rejection the leader's next probe never starts below the divergence point (replication.ts conflictStart, nextAfterRejection; progress.ts rejected), so its first accepted append conflicts at its first entry and truncates the older suffix before the commit moves (node.ts onAppend); docs/mutants.md gives the lines. The node-level checker test fires on crafted messages" },
  { name: 'commitOldTerms', kind: 'raft', rule: 'Raft §5.4.2 / Fig. 8: never commit an earlier term\'s entry by counting replicas', where: 'raft/node.ts advanceCommit', scenarios: [FIGURE8] },
  { name: 'figure8', kind: 'raft', rule: 'Raft §5.4.2 Fig. 8 with §8: commitOldTerms and noElectionNoop together (the figure as drawn: no entry of the new term beside the old one)', where: 'raft/node.ts advanceCommit, becomeLeader', scenarios: [FIGURE8], switches: ['commitOldTerms', 'noElectionNoop'] },
  { name: 'jointCommitNewOnly', kind: 'raft', rule: 'Raft §6: while joint, commit needs a majority of C_old and of C_new', where: 'raft/membership.ts quorumIndex', scenarios: ['stress/raft-joint-move3.yaml', 'stress/raft-joint-replace2.yaml'] },
  { name: 'jointVoteNewOnly', kind: 'raft', rule: 'Raft §6: while joint, an election needs a majority of C_old and of C_new', where: 'raft/membership.ts voteResult', scenarios: ['stress/raft-joint-move3.yaml', 'stress/raft-joint-replace2.yaml'] },
  { name: 'noJointAutoLeave', kind: 'raft', rule: 'Raft §6: once C_old,new commits the leader appends C_new', where: 'raft/node.ts maybeLeaveJoint', scenarios: ['stress/raft-joint-move3.yaml'] },
  { name: 'noElectionNoop', kind: 'raft', rule: 'Raft §8: a new leader commits a blank no-op entry at the start of its term', where: 'raft/node.ts becomeLeader', scenarios: [FIGURE8], equivalent: "safety: the commit rule of §5.4.2 does not depend on the no-op; without it reads and old-term entries wait for a client write (liveness, test/raft/election-noop-liveness.test.ts)" },
  { name: 'acceptStaleTerm', kind: 'raft', rule: 'Raft Fig. 2 / §5.1: reject a request with a stale term', where: 'raft/node.ts', scenarios: ['kv-stale-term.yaml'] },
  { name: 'skipConsistencyCheck', kind: 'raft', rule: 'Raft Fig. 2 AppendEntries rule 2: reply false if the log has no entry at prevLogIndex with prevLogTerm', where: 'raft/node.ts onAppend', scenarios: ['stress/raft5-kv-nemesis.yaml'] },
  { name: 'readBeforeTermCommit', kind: 'raft', rule: 'Raft §8 / dissertation §6.4 step 1: no read index before an entry of the leader\'s term committed', where: 'raft/read-path.ts', scenarios: ['kv-stale-commit.yaml'] },
  { name: 'ackBeforeDurable', kind: 'raft', rule: 'Raft Fig. 2 / dissertation §10.2.1: acknowledge entries (and count the leader itself) only once their write is durable', where: 'raft/node.ts, raft/durability.ts', scenarios: [CRASH_POINTS, 'stress/storage-nemesis.yaml'] },
  { name: 'noStorageRecovery', kind: 'raft', rule: 'Protocol-aware recovery (Alagappan et al., FAST\'18): a node that lost acknowledged entries must not vote as if it had them', where: 'raft/recovery.ts', scenarios: ['stress/storage-nemesis.yaml'] },
  // ---- switches in src/core/test-mutants.ts
  { name: 'preVoteWithoutLogCheck', kind: 'core', rule: 'Raft dissertation §9.6: a pre-vote applies the same log check as a vote', where: 'raft/node.ts onVoteRequest', scenarios: ['stress/raft5-kv-nemesis.yaml'] },
  { name: 'noCheckQuorum', kind: 'core', rule: 'etcd CheckQuorum (with lease reads on): a leader that hears from no quorum steps down; followers refuse votes within a lease', where: 'raft/node.ts onQuorumCheck, inLease', scenarios: ['kv-vote-in-lease.yaml'] },
  { name: 'learnerInQuorum', kind: 'core', rule: 'Raft dissertation §4.2.1: learners (non-voting members) do not count towards the commit majority', where: 'raft/membership.ts quorumValue', scenarios: [CRASH_POINTS] },
  { name: 'snapshotOverNewerEntries', kind: 'core', rule: 'Raft §7: if the log has the snapshot\'s last entry, retain the entries following it', where: 'raft/node.ts installSnapshot', scenarios: ['raft-snapshot-late.yaml'] },
  { name: 'leaseOutlivesTtl', kind: 'core', rule: 'Raft leader lease (dissertation §6.4.1): the lease ends before followers may elect another leader', where: 'raft/lease.ts extend', scenarios: ['kv-stale-leader.yaml'] },
  { name: 'coordLeaseOutlivesTtl', kind: 'core', rule: 'etcd leases: a lease expires within its TTL (plus a leader change)', where: 'coord/lease-driver.ts', scenarios: ['lease-expiry.yaml', 'stress/lease-stale-leader.yaml'] },
  { name: 'lockNoDelay', kind: 'core', rule: 'Consul sessions: a lock released by an invalidated session waits LockDelay (15 s) before anyone takes it', where: 'coord/sessions.ts delayKey', scenarios: ['lock-under-partition.yaml', 'stress/lock-stale-release.yaml'] },
  { name: 'swimNoRefute', kind: 'core', rule: 'SWIM §4.2 (memberlist): a member suspected at its incarnation refutes with a higher one', where: 'swim/node.ts suspectNode', scenarios: ['stress/swim-nemesis.yaml'] },
  { name: 'sessionTtlOnce', kind: 'core', rule: "Consul sessions: the leader invalidates a session 2 x TTL after the last renewal (session_ttl.go)", where: 'coord/session-driver.ts arm', scenarios: ['lease-expiry.yaml', 'lock-under-partition.yaml'] },
  { name: 'forgetKnownPeers', kind: 'core', rule: 'Serf snapshot (issue 14): a server restarted without --join rejoins through the peers it remembers', where: 'node/server-node.ts remembered seeds', scenarios: ['restart-without-join.yaml'] },
  { name: 'haMinorityQuorum', kind: 'core', rule: 'HA quorum: DOWN needs a majority of every known observer, so a cut-off minority cannot fail a target over', where: 'ha/quorum.ts quorumSize', scenarios: ['ha-hidden-observers.yaml'] },
];
