/**
 * TEST ONLY: the process-wide set of planted bugs ("mutants") in force, for the mutation
 * harness (bench/mutate.ts, catalogue in bench/mutants/catalogue.ts). Each name switches off one
 * rule in one core through a single guarded branch marked `TEST ONLY` at the rule. The Raft
 * mutations of src/core/raft/mutations.ts may be named here too (node.ts ORs this set into its
 * per-config set). Empty in every real use: only the simulator fills it, from the HASIM_MUTANTS
 * environment variable (src/scenario/test-mutants-env.ts), before a run. A core never reads the
 * environment itself; the set is fixed for a whole run, so runs stay deterministic.
 */

import type { RaftMutation } from './raft/mutations.ts';

export const CORE_MUTANTS = [
  /** Raft §9.6: grant pre-votes without the candidate-log up-to-date check. */
  'preVoteWithoutLogCheck',
  /** Raft (etcd CheckQuorum): a cut-off leader never steps down and followers never refuse votes within a lease; lease reads stay on. */
  'noCheckQuorum',
  /** Raft §4.2.1: learners (non-voters) counted when finding the index a quorum has reached. */
  'learnerInQuorum',
  /** Raft §7: a follower installing a snapshot drops the entries after it even when its log agrees at the snapshot point. */
  'snapshotOverNewerEntries',
  /** Raft leader lease (dissertation §6.4.1): the lease runs 3× its duration, outliving the followers' election timeout. */
  'leaseOutlivesTtl',
  /** Coordination leases (etcd-style): the expiry deadline set at grant is 3× the TTL. */
  'coordLeaseOutlivesTtl',
  /** Consul sessions: a released lock can be taken again at once (no lock-delay). */
  'lockNoDelay',
  /** SWIM §4.2: a member never refutes a suspicion of itself. */
  'swimNoRefute',
  /** Consul sessions: the leader invalidates a session TTL (not 2 x TTL) after the last renewal. */
  'sessionTtlOnce',
  /** Server node (issue 14): a restart forgets the peers it knew, so a node restarted without --join has no one to rejoin through. */
  'forgetKnownPeers',
  /** HA quorum: a majority of the live observers (not of the known ones) suffices, so a cut-off minority decides. */
  'haMinorityQuorum',
] as const;

export type CoreMutant = (typeof CORE_MUTANTS)[number];

const active = new Set<string>();

/**
 * Whether the (test-only) mutant `name` is in force; false in every real use. Typed, so a
 * misspelled name at a guard is a compile error rather than a mutant that can never fire.
 */
export function testMutant(name: CoreMutant | RaftMutation): boolean {
  return active.has(name);
}

/** TEST ONLY: replaces the set of mutants in force (the simulator calls this before a run). */
export function setTestMutants(names: readonly string[]): void {
  active.clear();
  for (const n of names) active.add(n);
}
