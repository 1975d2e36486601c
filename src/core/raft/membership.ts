/**
 * Cluster membership: voters, learners (non-voters that receive the log) and which learners the
 * leader promotes once they catch up.
 *
 * Two kinds of change (conf-change.ts): single-server changes (dissertation §4.1, §4.2), each
 * differing from the last in one voter; and joint consensus (paper §6, dissertation §4.3) for
 * replacing several voters at once. While joint (C_old,new), `voters` are C_new's and `outgoing`
 * C_old's, and every decision needs a majority of each (quorumIndex / voteResult below).
 */
import type { NodeId } from '../env.ts';
import { testMutant } from '../test-mutants.ts';

export interface Membership {
  /** Sorted, distinct. While joint: the voters of C_new. */
  readonly voters: readonly NodeId[];
  /** Sorted, distinct, disjoint from voters and outgoing. */
  readonly learners: readonly NodeId[];
  /** Learners the leader promotes to voters once caught up (subset of learners, sorted). */
  readonly promoting: readonly NodeId[];
  /**
   * Only in a joint membership C_old,new: the voters of C_old (sorted, distinct, non-empty). Absent
   * (not undefined) otherwise, so a plain membership is stored and hashed as before joint consensus.
   */
  readonly outgoing?: readonly NodeId[];
}

export const EMPTY_MEMBERSHIP: Membership = { voters: [], learners: [], promoting: [] };

export function makeMembership(
  voters: readonly NodeId[],
  learners: readonly NodeId[] = [],
  promoting: readonly NodeId[] = [],
  outgoing?: readonly NodeId[],
): Membership {
  const m = { voters: [...voters].sort(), learners: [...learners].sort(), promoting: [...promoting].sort() };
  return outgoing === undefined ? m : { ...m, outgoing: [...outgoing].sort() };
}

/** A joint membership C_old,new (paper §6). */
export function isJoint(m: Membership): boolean {
  return m.outgoing !== undefined;
}

/** Voters of C_old and C_new together (just the voters when not joint), sorted. */
export function allVoters(m: Membership): NodeId[] {
  if (m.outgoing === undefined) return [...m.voters];
  return [...new Set([...m.voters, ...m.outgoing])].sort();
}

/** A voter of C_new or (while joint) of C_old: it votes, campaigns and counts. */
export function isVoter(m: Membership, id: NodeId): boolean {
  return m.voters.includes(id) || (m.outgoing?.includes(id) ?? false);
}

export function isLearner(m: Membership, id: NodeId): boolean {
  return m.learners.includes(id);
}

export function isMember(m: Membership, id: NodeId): boolean {
  return isVoter(m, id) || isLearner(m, id);
}

/** Every member except `self`: whom a leader replicates to (while joint: C_old and C_new). */
export function peersOf(m: Membership, self: NodeId): NodeId[] {
  return [...allVoters(m), ...m.learners].filter((id) => id !== self);
}

/** Well-formed: sorted, distinct, disjoint, promoting ⊆ learners; outgoing, if present, non-empty. */
export function validMembership(m: Membership): boolean {
  const sortedDistinct = (xs: readonly string[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);
  const out = m.outgoing;
  return (
    sortedDistinct(m.voters) &&
    sortedDistinct(m.learners) &&
    sortedDistinct(m.promoting) &&
    m.learners.every((l) => !m.voters.includes(l)) &&
    m.promoting.every((p) => m.learners.includes(p)) &&
    (out === undefined || (out.length > 0 && sortedDistinct(out) && m.learners.every((l) => !out.includes(l))))
  );
}

/** Nodes whose voting status differs between a and b: a single-server change changes at most one. */
export function votingDiff(a: Membership, b: Membership): NodeId[] {
  const av = allVoters(a);
  const bv = allVoters(b);
  const out: NodeId[] = [];
  for (const v of av) if (!bv.includes(v)) out.push(v);
  for (const v of bv) if (!av.includes(v)) out.push(v);
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
  // Called on every heartbeat answer and append ack: an insertion sort (descending) into a
  // reused scratch array instead of map + sort, which allocated two arrays and a comparator call per step.
  const n = counted.length;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  const values = scratch;
  for (let i = 0; i < n; i++) {
    const v = valueOf(counted[i]!);
    let j = i;
    for (; j > 0 && values[j - 1]! < v; j--) values[j] = values[j - 1]!;
    values[j] = v;
  }
  return values[Math.floor(voters.length / 2)]!;
}

/** majorityIndex's work space (its values are numbers: indexes and round counters). */
let scratch = new Float64Array(16);

/**
 * The highest value (a match index, an acked heartbeat round) that a quorum of the voters has
 * reached; `valueOf` gives each voter's value. While joint, a quorum is a majority of C_old AND a
 * majority of C_new (paper §6: "Agreement (for elections and entry commitment) requires separate
 * majorities from both the old and new configurations"), so the lower of the two.
 * `newOnly` is the test-only jointCommitNewOnly mutation: C_old is not asked.
 */
export function quorumIndex(m: Membership, valueOf: (id: NodeId) => number, newOnly = false): number {
  const counted = testMutant('learnerInQuorum') ? [...m.voters, ...m.learners] : m.voters; // TEST ONLY: learners counted
  const incoming = majorityIndex(m.voters, counted, valueOf);
  if (m.outgoing === undefined || newOnly) return incoming;
  return Math.min(incoming, majorityIndex(m.outgoing, m.outgoing, valueOf));
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** The outcome among `voters` of yes (true), no (false) and unknown (undefined) answers. */
function majorityVote(voters: readonly NodeId[], vote: (id: NodeId) => boolean | undefined): VoteResult {
  if (voters.length === 0) return 'lost'; // no voters, no quorum (a node that joins later starts so)
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
 * cluster"): won once a majority said yes, lost once so many said no that a majority is out of
 * reach. While joint, won only if won in both C_old and C_new, lost if lost in either (etcd's
 * JointConfig.VoteResult). `newOnly` is the test-only jointVoteNewOnly mutation.
 */
export function voteResult(m: Membership, vote: (id: NodeId) => boolean | undefined, newOnly = false): VoteResult {
  const incoming = majorityVote(m.voters, vote);
  if (m.outgoing === undefined || newOnly) return incoming;
  const outgoing = majorityVote(m.outgoing, vote);
  if (incoming === 'won' && outgoing === 'won') return 'won';
  if (incoming === 'lost' || outgoing === 'lost') return 'lost';
  return 'pending';
}

export function describeMembership(m: Membership): string {
  const joint = m.outgoing === undefined ? '' : ` outgoing=${m.outgoing.join(',')}`;
  return `voters=${m.voters.join(',')}${joint}${m.learners.length ? ` learners=${m.learners.join(',')}` : ''}`;
}
