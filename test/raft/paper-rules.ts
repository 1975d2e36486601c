/**
 * The rules of the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable Consensus
 * Algorithm", 2014: Figure 2, §5.1–§5.4, §6, §8), one step-level check each, on the StepHarness.
 * Each rule is titled with the paper's sentence and, where one exists, names the test-only
 * mutation (src/core/raft/mutations.ts) that breaks exactly that rule: paper.test.ts runs every
 * rule as written, and again with its mutation on, where the rule's own expectations must fail.
 */
import { expect } from 'vitest';
import type { NodeId } from '../../src/core/env.ts';
import type { RaftMutation } from '../../src/core/raft/index.ts';
import type { Entry } from '../../src/core/raft/entry.ts';
import type { AppendReq, AppendResp, HeartbeatReq, HeartbeatResp, VoteReq, VoteResp } from '../../src/core/raft/messages.ts';
import type { ReadResult } from '../../src/core/raft/api.ts';
import { StepHarness } from './step-harness.ts';

export interface PaperRule {
  readonly title: string;
  /** The mutation that switches this rule off, if any. */
  readonly mutation?: RaftMutation;
  /** Runs the check with the given mutations on every node; throws (an expect failure) if the rule is broken. */
  readonly run: (mutations: readonly RaftMutation[]) => void;
}

/**
 * Runs `rule` with its own mutation on and returns what it threw: a rule's test is trusted only
 * when its expectations fail (an AssertionError, not a crash inside the core) with the rule broken.
 */
export function failureWithMutation(rule: PaperRule): unknown {
  try {
    rule.run(rule.mutation === undefined ? [] : [rule.mutation]);
  } catch (e) {
    return e;
  }
  return undefined;
}

const N3 = ['n1', 'n2', 'n3'];
const N5 = ['n1', 'n2', 'n3', 'n4', 'n5'];

export const cmd = (index: number, term: number, data = `x${index}`): Entry => ({ index, term, kind: 'cmd', data });
export const append = (term: number, prevIndex: number, prevTerm: number, entries: readonly Entry[], commit = 0): AppendReq => ({
  type: 'raft.append',
  term,
  prevIndex,
  prevTerm,
  entries,
  commit,
});
export const voteReq = (term: number, lastIndex: number, lastTerm: number): VoteReq => ({ type: 'raft.vote', term, lastIndex, lastTerm, transfer: false });
export const voteResp = (term: number, granted: boolean): VoteResp => ({ type: 'raft.vote.resp', term, granted });
export const ack = (term: number, matchIndex: number): AppendResp => ({
  type: 'raft.append.resp',
  term,
  success: true,
  matchIndex,
  rejectIndex: 0,
  conflictTerm: 0,
  conflictIndex: 0,
});
export const heartbeatResp = (term: number, round: number): HeartbeatResp => ({ type: 'raft.heartbeat.resp', term, round });

/** Makes `id` (the only harness node of its cluster) leader with granted votes from `grantors`. */
export function electWith(h: StepHarness, id: NodeId, grantors: readonly NodeId[]): void {
  h.timeout(id);
  h.drain({ from: id, type: 'raft.vote' });
  const term = h.node(id).term();
  for (const g of grantors) h.deliver(id, g, voteResp(term, true));
  expect(h.node(id).isLeader()).toBe(true);
}

/** The only append.resp `from` sent to `to` since the last drain. */
function oneAppendResp(h: StepHarness, from: NodeId, to: NodeId): AppendResp {
  const out = h.drain({ from, to, type: 'raft.append.resp' });
  expect(out).toHaveLength(1);
  return out[0]!.msg as AppendResp;
}

function oneVoteResp(h: StepHarness, from: NodeId, to: NodeId): VoteResp {
  const out = h.drain({ from, to, type: 'raft.vote.resp' });
  expect(out).toHaveLength(1);
  return out[0]!.msg as VoteResp;
}

export const PAPER_RULES: readonly PaperRule[] = [
  {
    title: '§5.1: "If a server receives a request with a stale term number, it rejects the request."',
    mutation: 'acceptStaleTerm',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, term: 3, mutations });
      h.deliver('n1', 'n2', append(2, 1, 1, [cmd(2, 2)]));
      const r = oneAppendResp(h, 'n1', 'n2');
      expect(r.success).toBe(false);
      expect(r.term).toBe(3);
      expect(h.node('n1').lastIndex()).toBe(1);
    },
  },
  {
    title: '§5.1: "If a candidate or leader discovers that its term is out of date, it immediately reverts to follower state."',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, mutations });
      electWith(h, 'n1', ['n2']);
      h.deliver('n1', 'n3', { type: 'raft.append.resp', term: 7, success: false, matchIndex: 0, rejectIndex: -1, conflictTerm: 0, conflictIndex: 0 });
      expect(h.node('n1').role()).toBe('follower');
      expect(h.node('n1').term()).toBe(7);
      const c = new StepHarness();
      c.add('n1', { voters: N3, mutations });
      c.timeout('n1');
      expect(c.node('n1').role()).toBe('candidate');
      c.deliver('n1', 'n2', voteResp(9, false));
      expect(c.node('n1').role()).toBe('follower');
      expect(c.node('n1').term()).toBe(9);
    },
  },
  {
    title: '§5.2: "To begin an election, a follower increments its current term and transitions to candidate state. It then votes for itself and issues RequestVote RPCs in parallel to each of the other servers"',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, log: [1, 1], mutations });
      h.timeout('n1');
      const r = h.node('n1');
      expect(r.role()).toBe('candidate');
      expect(r.term()).toBe(2);
      expect(r.status().votedFor).toBe('n1');
      const reqs = h.drain({ from: 'n1', type: 'raft.vote' });
      expect(reqs.map((s) => s.to).sort()).toEqual(['n2', 'n3']);
      for (const s of reqs) expect(s.msg).toMatchObject({ term: 2, lastIndex: 2, lastTerm: 1 });
    },
  },
  {
    title: '§5.2: "Each server will vote for at most one candidate in a given term, on a first-come-first-served basis"',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, mutations });
      h.deliver('n1', 'n2', voteReq(2, 1, 1));
      expect(oneVoteResp(h, 'n1', 'n2').granted).toBe(true);
      h.deliver('n1', 'n3', voteReq(2, 1, 1));
      expect(oneVoteResp(h, 'n1', 'n3').granted).toBe(false);
      // The same candidate asking again (a lost answer) hears the same answer.
      h.deliver('n1', 'n2', voteReq(2, 1, 1));
      expect(oneVoteResp(h, 'n1', 'n2').granted).toBe(true);
    },
  },
  {
    title: 'Figure 2, persistent state: "currentTerm, votedFor ... (Updated on stable storage before responding to RPCs)"',
    mutation: 'skipVotePersist',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, mutations });
      h.deliver('n1', 'n2', voteReq(2, 1, 1));
      const out = h.drain({ from: 'n1', type: 'raft.vote.resp' });
      expect(out).toHaveLength(1);
      expect((out[0]!.msg as VoteResp).granted).toBe(true);
      expect(out[0]!.unsynced).toBe(0);
      // A crash right after the answer left: the vote must survive it.
      h.restart('n1');
      expect(h.node('n1').term()).toBe(2);
      h.deliver('n1', 'n3', voteReq(2, 1, 1));
      expect(oneVoteResp(h, 'n1', 'n3').granted).toBe(false);
    },
  },
  {
    title: '§5.2: "A candidate wins an election if it receives votes from a majority of the servers in the full cluster ... It then sends heartbeat messages to all of the other servers"',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N5, mutations });
      h.timeout('n1');
      h.drain();
      const term = h.node('n1').term();
      h.deliver('n1', 'n2', voteResp(term, true));
      expect(h.node('n1').role()).toBe('candidate'); // 2 of 5
      h.deliver('n1', 'n3', voteResp(term, true));
      expect(h.node('n1').role()).toBe('leader'); // 3 of 5
      const out = h.drain({ from: 'n1', type: 'raft.append' });
      expect(out.map((s) => s.to).sort()).toEqual(['n2', 'n3', 'n4', 'n5']);
      for (const s of out) expect(s.msg.term).toBe(term);
    },
  },
  {
    title: '§5.2: "If the leader\'s term ... is at least as large as the candidate\'s current term, then the candidate recognizes the leader as legitimate and returns to follower state. If the term in the RPC is smaller ..., then the candidate rejects the RPC and continues in candidate state."',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, mutations });
      h.timeout('n1');
      const term = h.node('n1').term();
      h.deliver('n1', 'n3', append(term - 1, 1, 1, []));
      expect(oneAppendResp(h, 'n1', 'n3').success).toBe(false);
      expect(h.node('n1').role()).toBe('candidate');
      h.deliver('n1', 'n2', append(term, 1, 1, []));
      expect(h.node('n1').role()).toBe('follower');
      expect(h.node('n1').leader()).toBe('n2');
      expect(oneAppendResp(h, 'n1', 'n2').success).toBe(true);
    },
  },
  {
    title: '§5.2: "Raft uses randomized election timeouts ... chosen randomly from a fixed interval (e.g., 150–300ms)"',
    run(mutations) {
      const waited = new Set<number>();
      for (let seed = 1; seed <= 8; seed++) {
        const h = new StepHarness(seed);
        h.add('n1', { voters: N3, mutations, config: { electionTimeoutMinUs: 150_000, electionTimeoutMaxUs: 300_000, heartbeatIntervalUs: 50_000 } });
        h.timeout('n1');
        expect(h.now()).toBeGreaterThanOrEqual(150_000);
        expect(h.now()).toBeLessThanOrEqual(300_000);
        waited.add(h.now());
      }
      expect(waited.size).toBeGreaterThan(4);
    },
  },
  {
    title: '§5.2: "each candidate will time out and start a new election by incrementing its term and initiating another round of RequestVote RPCs"',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, mutations });
      h.timeout('n1');
      expect(h.node('n1').term()).toBe(2);
      h.deliver('n1', 'n2', voteResp(2, false)); // a split vote: one refusal, one silence
      h.drain();
      h.timeout('n1');
      expect(h.node('n1').role()).toBe('candidate');
      expect(h.node('n1').term()).toBe(3);
      expect(h.drain({ from: 'n1', type: 'raft.vote' }).map((s) => s.msg.term)).toEqual([3, 3]);
    },
  },
  {
    title: 'dissertation §9.6 (PreVote): a pre-candidate "does not increment its term" until it learns it could win',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, mutations, config: { preVote: true } });
      h.timeout('n1');
      const r = h.node('n1');
      expect(r.role()).toBe('pre-candidate');
      expect(r.term()).toBe(1);
      const reqs = h.drain({ from: 'n1', type: 'raft.prevote' });
      expect(reqs.map((s) => s.msg.term)).toEqual([2, 2]);
      h.deliver('n1', 'n2', { type: 'raft.prevote.resp', term: 2, granted: true });
      expect(r.role()).toBe('candidate');
      expect(r.term()).toBe(2);
    },
  },
  {
    title: '§5.5: "if a follower receives an AppendEntries request that includes log entries already present in its log, it ignores those entries in the new request"',
    run(mutations) {
      const h = new StepHarness();
      h.add('n2', { voters: N3, mutations });
      const req = append(2, 1, 1, [cmd(2, 2), cmd(3, 2)]);
      h.deliver('n2', 'n1', req);
      h.deliver('n2', 'n1', append(2, 3, 2, [cmd(4, 2)]));
      h.deliver('n2', 'n1', req); // a duplicate of the first: must not cut entry 4
      expect(h.terms('n2')).toEqual([1, 2, 2, 2]);
      const resps = h.drain({ from: 'n2', type: 'raft.append.resp' }).map((s) => s.msg as AppendResp);
      expect(resps.map((r) => r.success)).toEqual([true, true, true]);
    },
  },
  {
    title: '§5.3: the leader "includes that index in future AppendEntries RPCs (including heartbeats) ... Once a follower learns that a log entry is committed, it applies the entry to its local state machine (in log order)."',
    run(mutations) {
      const h = new StepHarness();
      h.add('n2', { voters: N3, mutations });
      h.deliver('n2', 'n1', append(2, 1, 1, [cmd(2, 2, 'a'), cmd(3, 2, 'b'), cmd(4, 2, 'c')], 0));
      expect(h.sms.get('n2')!.items).toEqual([]);
      h.deliver('n2', 'n1', { type: 'raft.heartbeat', term: 2, commit: 3, round: 1 });
      expect(h.node('n2').commitIndex()).toBe(3);
      expect(h.sms.get('n2')!.items).toEqual(['a', 'b']);
      h.deliver('n2', 'n1', append(2, 4, 2, [], 4));
      expect(h.sms.get('n2')!.items).toEqual(['a', 'b', 'c']);
    },
  },
  {
    title: '§6 / dissertation §4.1: "a server always uses the latest configuration in its log, regardless of whether the entry is committed"',
    run(mutations) {
      const h = new StepHarness();
      h.add('n2', { voters: N3, mutations });
      const next = { voters: ['n1', 'n2', 'n3', 'n4'], learners: [], promoting: [] };
      h.deliver('n2', 'n1', append(2, 1, 1, [{ index: 2, term: 2, kind: 'config', membership: next }], 0));
      expect(h.node('n2').commitIndex()).toBe(0);
      expect(h.node('n2').membership().voters).toEqual(['n1', 'n2', 'n3', 'n4']);
      // And an uncommitted configuration that a new leader cuts away is forgotten with it.
      h.deliver('n2', 'n3', append(3, 1, 1, [cmd(2, 3)], 0));
      expect(h.node('n2').membership().voters).toEqual(N3);
    },
  },
  {
    title: '§5.3: "If the follower does not find an entry in its log with the same index and term, then it refuses the new entries."',
    mutation: 'skipConsistencyCheck',
    run(mutations) {
      const h = new StepHarness();
      h.add('n2', { voters: N3, log: [1, 1], term: 2, mutations });
      h.deliver('n2', 'n1', append(3, 2, 2, [cmd(3, 3)]));
      const r = oneAppendResp(h, 'n2', 'n1');
      expect(r.success).toBe(false);
      expect(h.node('n2').lastIndex()).toBe(2);
      // Missing prevIndex altogether: refused too.
      h.deliver('n2', 'n1', append(3, 5, 3, [cmd(6, 3)]));
      expect(oneAppendResp(h, 'n2', 'n1').success).toBe(false);
      expect(h.terms('n2')).toEqual([1, 1]);
    },
  },
  {
    title: 'Figure 2, AppendEntries 3: "If an existing entry conflicts with a new one (same index but different terms), delete the existing entry and all that follow it"',
    mutation: 'keepConflictingEntries',
    run(mutations) {
      const h = new StepHarness();
      h.add('n2', { voters: N3, log: [1, 1, 1], mutations });
      h.deliver('n2', 'n1', append(2, 1, 1, [cmd(2, 2, 'new')]));
      expect(oneAppendResp(h, 'n2', 'n1')).toMatchObject({ success: true, matchIndex: 2 });
      expect(h.terms('n2')).toEqual([1, 2]);
      expect(h.node('n2').entryAt(2)).toMatchObject({ data: 'new' });
    },
  },
  {
    title: 'Figure 2, AppendEntries 5: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry)"',
    mutation: 'commitBeyondVerified',
    run(mutations) {
      const h = new StepHarness();
      // Entries 2..4 are an old leader's, never committed; the new leader has only verified index 1.
      h.add('n2', { voters: N3, log: [1, 1, 1, 1], mutations });
      h.deliver('n2', 'n1', append(2, 1, 1, [], 3));
      expect(oneAppendResp(h, 'n2', 'n1').success).toBe(true);
      expect(h.node('n2').commitIndex()).toBe(1);
      h.deliver('n2', 'n1', append(2, 1, 1, [cmd(2, 2)], 3));
      expect(h.node('n2').commitIndex()).toBe(2);
    },
  },
  {
    title: '§5.3: "After a rejection, the leader decrements nextIndex and retries the AppendEntries RPC. Eventually nextIndex will reach a point where the leader and follower logs match."',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, log: [1, 2, 2, 2], term: 3, mutations });
      h.add('n2', { voters: N3, log: [1, 1, 1], term: 3, mutations });
      h.add('n3', { voters: N3, log: [1, 2, 2, 2], term: 3, mutations });
      h.elect('n1');
      const first = h.drain({ from: 'n1', to: 'n2', type: 'raft.append' });
      expect(first.length).toBeGreaterThan(0);
      const firstPrev = (first[0]!.msg as AppendReq).prevIndex;
      h.deliverAll(first);
      const rej = h.drain({ from: 'n2', to: 'n1', type: 'raft.append.resp' });
      expect((rej[0]!.msg as AppendResp).success).toBe(false);
      h.deliverAll(rej);
      const retry = h.drain({ from: 'n1', to: 'n2', type: 'raft.append' });
      expect(retry.length).toBeGreaterThan(0);
      expect((retry[0]!.msg as AppendReq).prevIndex).toBeLessThan(firstPrev);
      h.deliverAll(retry);
      h.exchange();
      expect(h.terms('n2')).toEqual(h.terms('n1'));
      expect(h.terms('n2')).toEqual([1, 2, 2, 2, 4]);
    },
  },
  {
    title: '§5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the candidate"',
    mutation: 'voteWithoutLogCheck',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, log: [1, 2, 2], mutations });
      h.deliver('n1', 'n2', voteReq(3, 9, 1)); // a longer log with an older last term
      expect(oneVoteResp(h, 'n1', 'n2').granted).toBe(false);
      h.deliver('n1', 'n3', voteReq(4, 2, 2)); // same last term, shorter
      expect(oneVoteResp(h, 'n1', 'n3').granted).toBe(false);
      h.deliver('n1', 'n2', voteReq(5, 3, 2)); // as up-to-date
      expect(oneVoteResp(h, 'n1', 'n2').granted).toBe(true);
    },
  },
  {
    title: '§5.4.2: "Raft never commits log entries from previous terms by counting replicas. Only log entries from the leader\'s current term are committed by counting replicas"',
    mutation: 'commitOldTerms',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, log: [1, 2], term: 3, mutations });
      electWith(h, 'n1', ['n2']);
      const r = h.node('n1');
      const term = r.term();
      expect(r.lastIndex()).toBe(3); // entry 2 of term 2, the no-op of term 4 at 3
      h.deliver('n1', 'n2', ack(term, 2));
      expect(r.commitIndex()).toBeLessThan(2); // replicated on a majority, but of an earlier term
      h.deliver('n1', 'n2', ack(term, 3));
      expect(r.commitIndex()).toBe(3); // this term's entry commits, and with it entry 2
    },
  },
  {
    title: '§8: "Raft handles this by having each leader commit a blank no-op entry into the log at the start of its term."',
    mutation: 'noElectionNoop',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, log: [1, 1], mutations });
      electWith(h, 'n1', ['n2']);
      const r = h.node('n1');
      expect(r.lastIndex()).toBe(3);
      expect(r.entryAt(3)).toMatchObject({ kind: 'noop', term: r.term() });
      // The leader's first appends carry it.
      const out = h.drain({ from: 'n1', to: 'n2', type: 'raft.append' });
      expect(out.some((s) => (s.msg as AppendReq).entries.some((e) => e.kind === 'noop'))).toBe(true);
    },
  },
  {
    title: '§8: a read-only request waits until "the leader ... commit[s] a blank no-op entry" of its term, then "exchange[s] heartbeat messages with a majority" (dissertation §6.4 steps 1–3)',
    mutation: 'readBeforeTermCommit',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, log: [1, 1], mutations });
      electWith(h, 'n1', ['n2']);
      const r = h.node('n1');
      const term = r.term();
      h.drain();
      let result: ReadResult | undefined;
      r.readBarrier((x) => (result = x));
      h.runDue();
      for (const s of h.drain({ from: 'n1', type: 'raft.heartbeat' })) h.deliver('n1', s.to, heartbeatResp(term, (s.msg as HeartbeatReq).round));
      expect(result).toBeUndefined(); // leadership confirmed, but this term's no-op is not committed
      h.deliver('n1', 'n2', ack(term, 3));
      expect(r.commitIndex()).toBe(3);
      for (const s of h.drain({ from: 'n1', type: 'raft.heartbeat' })) h.deliver('n1', s.to, heartbeatResp(term, (s.msg as HeartbeatReq).round));
      expect(result).toEqual({ ok: true, index: 3 });
    },
  },
  {
    title: 'Figure 2, AppendEntries receiver: entries are on stable storage "before responding to RPCs"',
    mutation: 'ackBeforeDurable',
    run(mutations) {
      const h = new StepHarness();
      h.add('n2', { voters: N3, mutations });
      // The first ack of a term syncs at once (its acked mark, recovery.ts); later ones wait for
      // their asynchronous write (durability.ts).
      h.deliver('n2', 'n1', append(2, 1, 1, [cmd(2, 2)]));
      expect(h.drain({ from: 'n2', type: 'raft.append.resp' })).toHaveLength(1);
      h.deliver('n2', 'n1', append(2, 2, 2, [cmd(3, 2)]));
      const out = h.drain({ from: 'n2', type: 'raft.append.resp' });
      expect(out).toHaveLength(1);
      expect(out[0]!.msg).toMatchObject({ success: true, matchIndex: 3 });
      expect(out[0]!.unsynced).toBe(0);
      h.restart('n2');
      expect(h.node('n2').lastIndex()).toBe(3);
    },
  },
  {
    title: '§5.3: "A log entry is committed once the leader that created the entry has replicated it on a majority of the servers ... the leader applies the entry to its state machine and returns the result of that execution to the client."',
    run(mutations) {
      const h = new StepHarness();
      for (const id of N3) h.add(id, { voters: N3, mutations });
      const l = h.elect('n1');
      h.exchange();
      let result: unknown;
      l.propose('hello', (r) => (result = r));
      h.runDue();
      expect(result).toBeUndefined();
      expect(h.sms.get('n1')!.items).toEqual([]);
      const out = h.drain({ from: 'n1', to: 'n2', type: 'raft.append' });
      h.drain({ from: 'n1', to: 'n3' }); // n3 is unreachable: n1 and n2 are a majority
      h.deliverAll(out);
      h.deliverAll(h.drain({ from: 'n2', to: 'n1' }));
      expect(result).toMatchObject({ ok: true, index: 3, result: 1 });
      expect(h.sms.get('n1')!.items).toEqual(['hello']);
    },
  },
  {
    title: '§6: "the leader steps down (returns to follower state) once it has committed the C_new log entry" when it is not part of C_new',
    run(mutations) {
      const h = new StepHarness();
      for (const id of N3) h.add(id, { voters: N3, mutations });
      const l = h.elect('n1');
      h.exchange();
      let done: unknown;
      l.removeServer('n1', (r) => (done = r));
      h.runDue();
      expect(l.isLeader()).toBe(true); // still leading C_new until it commits
      h.exchange();
      expect(done).toMatchObject({ ok: true });
      expect(l.role()).toBe('follower');
      expect(h.node('n2').membership().voters).toEqual(['n2', 'n3']);
    },
  },
  {
    title: '§6: "if a server receives a RequestVote RPC within the minimum election timeout of hearing from a current leader, it does not update its term or grant its vote"',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: N3, mutations, config: { checkQuorum: true } });
      h.deliver('n1', 'n2', append(2, 1, 1, []));
      h.drain();
      h.deliver('n1', 'n3', voteReq(3, 9, 2));
      expect(h.drain({ from: 'n1', type: 'raft.vote.resp' })).toHaveLength(0);
      expect(h.node('n1').term()).toBe(2);
      h.advance(h.node('n1').config.electionTimeoutMinUs);
      h.drain();
      h.deliver('n1', 'n3', voteReq(3, 9, 2));
      expect(h.node('n1').term()).toBe(3);
      expect(oneVoteResp(h, 'n1', 'n3').granted).toBe(true);
    },
  },
];
