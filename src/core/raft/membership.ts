/**
 * Cluster membership: voters, learners (non-voters that receive the log) and which learners the
 * leader promotes once they catch up. Changes are single-server (dissertation §4.1, §4.2): each new
 * membership differs from the last in one node, and a leader proposes one only after an entry of
 * its own term committed (the fix for the single-server change bug, raft-dev 2015).
 */
import type { NodeId } from '../env.ts';
import { testMutant } from '../test-mutants.ts';

export interface Membership {
  /** Sorted, distinct. */
  readonly voters: readonly NodeId[];
  /** Sorted, distinct, disjoint from voters. */
  readonly learners: readonly NodeId[];
  /** Learners the leader promotes to voters once caught up (subset of learners, sorted). */
  readonly promoting: readonly NodeId[];
}

export const EMPTY_MEMBERSHIP: Membership = { voters: [], learners: [], promoting: [] };

export function makeMembership(voters: readonly NodeId[], learners: readonly NodeId[] = [], promoting: readonly NodeId[] = []): Membership {
  return { voters: [...voters].sort(), learners: [...learners].sort(), promoting: [...promoting].sort() };
}

export function isVoter(m: Membership, id: NodeId): boolean {
  return m.voters.includes(id);
}

export function isLearner(m: Membership, id: NodeId): boolean {
  return m.learners.includes(id);
}

export function isMember(m: Membership, id: NodeId): boolean {
  return isVoter(m, id) || isLearner(m, id);
}

/** Every member except `self`: whom a leader replicates to. */
export function peersOf(m: Membership, self: NodeId): NodeId[] {
  return [...m.voters, ...m.learners].filter((id) => id !== self);
}

/** Majority size of the voters. */
export function quorumSize(m: Membership): number {
  return Math.floor(m.voters.length / 2) + 1;
}

/** Well-formed: sorted, distinct, disjoint, promoting ⊆ learners. */
export function validMembership(m: Membership): boolean {
  const sortedDistinct = (xs: readonly string[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);
  return (
    sortedDistinct(m.voters) &&
    sortedDistinct(m.learners) &&
    sortedDistinct(m.promoting) &&
    m.learners.every((l) => !m.voters.includes(l)) &&
    m.promoting.every((p) => m.learners.includes(p))
  );
}

/** Nodes whose voting status differs between a and b: a single-server change changes at most one. */
export function votingDiff(a: Membership, b: Membership): NodeId[] {
  const out: NodeId[] = [];
  for (const v of a.voters) if (!b.voters.includes(v)) out.push(v);
  for (const v of b.voters) if (!a.voters.includes(v)) out.push(v);
  return out;
}

/**
 * The quorum rules: the one place that decides what a quorum of the voters has reached. Commitment
 * and read-index / lease rounds use `quorumIndex`; elections (votes and pre-votes) and CheckQuorum
 * use `voteResult`. Nothing else counts voters.
 */

/** The nth largest value among `voters` (n = their majority): the highest value a majority has reached. */
function majorityIndex(voters: readonly NodeId[], counted: readonly NodeId[], valueOf: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const values = counted.map(valueOf).sort((x, y) => y - x);
  return values[Math.floor(voters.length / 2)]!;
}

/**
 * The highest value (a match index, an acked heartbeat round) that a quorum of the voters has
 * reached; `valueOf` gives each voter's value.
 */
export function quorumIndex(m: Membership, valueOf: (id: NodeId) => number): number {
  const counted = testMutant('learnerInQuorum') ? [...m.voters, ...m.learners] : m.voters; // TEST ONLY: learners counted
  return majorityIndex(m.voters, counted, valueOf);
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** The outcome among `voters` of yes (true), no (false) and unknown (undefined) answers. */
function majorityVote(voters: readonly NodeId[], vote: (id: NodeId) => boolean | undefined): VoteResult {
  if (voters.length === 0) return 'won'; // an empty set agrees to anything (etcd's MajorityConfig.VoteResult)
  const q = Math.floor(voters.length / 2) + 1;
  let yes = 0;
  let no = 0;
  for (const v of voters) {
    const x = vote(v);
    if (x === true) yes++;
    else if (x === false) no++;
  }
  if (yes >= q) return 'won';
  if (no > voters.length - q) return 'lost';
  return 'pending';
}

/**
 * A vote among the voters (paper §5.2: "votes from a majority of the servers in the full
 * cluster"): won once a majority said yes, lost once so many said no that a majority is out of reach.
 */
export function voteResult(m: Membership, vote: (id: NodeId) => boolean | undefined): VoteResult {
  return majorityVote(m.voters, vote);
}

export function describeMembership(m: Membership): string {
  return `voters=${m.voters.join(',')}${m.learners.length ? ` learners=${m.learners.join(',')}` : ''}`;
}
