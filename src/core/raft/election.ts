/**
 * The election rules as pure functions (paper §5.2, §5.4.1; dissertation §9.6 for pre-votes):
 * whether a server grants a vote, and whether a campaign is won or lost. RaftNode's election code
 * (becomePreCandidate / becomeCandidate / onVoteRequest) applies them to its state. While the
 * membership is joint, a campaign needs a majority of C_old and of C_new (membership.ts voteResult).
 * `newOnly` is the test-only jointVoteNewOnly mutation.
 */
import type { NodeId } from '../env.ts';
import { voteResult, type Membership } from './membership.ts';
import type { PreVoteReq, VoteReq } from './messages.ts';

/** What a voter knows when it decides. */
export interface VoterView {
  readonly term: number;
  readonly votedFor: NodeId | undefined;
  readonly leader: NodeId | undefined;
  readonly lastIndex: number;
  readonly lastTerm: number;
}

/**
 * §5.4.1: "If the logs have last entries with different terms, then the log with the later term is
 * more up-to-date. If the logs end with the same term, then whichever log is longer is more up-to-date."
 */
export function atLeastAsUpToDate(candLastTerm: number, candLastIndex: number, lastTerm: number, lastIndex: number): boolean {
  return candLastTerm > lastTerm || (candLastTerm === lastTerm && candLastIndex >= lastIndex);
}

/**
 * Whether `me` grants `from` its (pre-)vote. §5.2: one vote per term, first come first served (the
 * same candidate asking again hears yes again); a follower that knows a leader of this term votes
 * for nobody else. A pre-vote for a later term is hypothetical and binds nothing (§9.6).
 * `skipLogCheck` is the test-only voteWithoutLogCheck mutation.
 */
export function grantsVote(me: VoterView, from: NodeId, m: PreVoteReq | VoteReq, skipLogCheck: boolean): boolean {
  const pre = m.type === 'raft.prevote';
  const canVote = me.votedFor === from || (me.votedFor === undefined && me.leader === undefined) || (pre && m.term > me.term);
  const upToDate = atLeastAsUpToDate(m.lastTerm, m.lastIndex, me.lastTerm, me.lastIndex) || skipLogCheck;
  return canVote && upToDate;
}

/** §5.2: "A candidate wins an election if it receives votes from a majority of the servers in the full cluster". */
export function campaignWon(votes: ReadonlyMap<NodeId, boolean>, m: Membership, newOnly = false): boolean {
  return voteResult(m, (id) => votes.get(id), newOnly) === 'won';
}

/** So many voters refused that a majority can no longer be reached. */
export function campaignLost(votes: ReadonlyMap<NodeId, boolean>, m: Membership, newOnly = false): boolean {
  return voteResult(m, (id) => votes.get(id), newOnly) === 'lost';
}
