/**
 * Joint consensus (paper §6; dissertation §4.3), one step-level check per rule on the StepHarness,
 * in the style of paper-rules.ts: each rule names the test-only mutation (src/core/raft/mutations.ts)
 * that breaks exactly it, and joint.test.ts shows the check fails with the mutation on.
 *
 * The cluster: n1..n3 (C_old) replaced by n1, n4, n5 (C_new) — or, where the leader must leave,
 * by n2, n3, n4. Only the node under test runs; the others' answers are delivered by hand.
 */
import { expect } from 'vitest';
import type { NodeId } from '../../src/core/env.ts';
import { makeMembership, type Membership, type RaftMutation } from '../../src/core/raft/index.ts';
import type { ChangeResult } from '../../src/core/raft/node.ts';
import type { VoteReq } from '../../src/core/raft/messages.ts';
import { ack, append, electWith, voteResp, type PaperRule } from './paper-rules.ts';
import { StepHarness } from './step-harness.ts';

const C_OLD = ['n1', 'n2', 'n3'];
const C_NEW = ['n1', 'n4', 'n5'];

/** n1 leads C_OLD in term 2 with its no-op (index 2) committed, then starts replacing the voters by `next`. */
function leaderEnteringJoint(mutations: readonly RaftMutation[], next: readonly NodeId[]) {
  const h = new StepHarness();
  h.add('n1', { voters: C_OLD, mutations });
  electWith(h, 'n1', ['n2']);
  const n1 = h.node('n1');
  const term = n1.term();
  h.drain();
  h.deliver('n1', 'n2', ack(term, 2));
  expect(n1.commitIndex()).toBe(2);
  const results: ChangeResult[] = [];
  n1.replaceVoters(next, (r) => results.push(r));
  h.runDue(); // the flush that syncs the joint entry
  h.drain();
  return { h, n1, term, results };
}

export const JOINT_RULES: readonly PaperRule[] = [
  {
    title: '§6: a joint configuration takes effect when appended, and an election in it needs a majority of C_old and of C_new',
    mutation: 'jointVoteNewOnly',
    run(mutations) {
      const h = new StepHarness();
      h.add('n1', { voters: C_OLD, mutations });
      const joint = makeMembership(C_NEW, [], [], C_OLD);
      h.deliver('n1', 'n2', append(2, 1, 1, [{ index: 2, term: 2, kind: 'config', membership: joint }], 0));
      expect(h.node('n1').membership()).toEqual(joint); // uncommitted, already in force
      h.drain();
      h.timeout('n1');
      const n1 = h.node('n1');
      const asked = h.drain({ from: 'n1', type: 'raft.vote' });
      expect(asked.map((s) => s.to).sort()).toEqual(['n2', 'n3', 'n4', 'n5']); // both configurations' voters
      expect((asked[0]!.msg as VoteReq).term).toBe(3);
      h.deliver('n1', 'n4', voteResp(3, true)); // n1 + n4: a majority of C_new, but only n1 of C_old
      expect(n1.isLeader()).toBe(false);
      h.deliver('n1', 'n2', voteResp(3, true)); // n1 + n2: now a majority of C_old too
      expect(n1.isLeader()).toBe(true);
    },
  },
  {
    title: '§6: while joint, an entry commits only once a majority of C_old and a majority of C_new store it',
    mutation: 'jointCommitNewOnly',
    run(mutations) {
      const { h, n1, term } = leaderEnteringJoint(mutations, C_NEW);
      expect(n1.membership().outgoing).toEqual(C_OLD);
      expect(n1.entryAt(3)?.kind).toBe('config');
      h.deliver('n1', 'n4', ack(term, 3)); // n1 + n4: a majority of C_new only
      expect(n1.commitIndex()).toBe(2);
      h.deliver('n1', 'n5', ack(term, 3)); // all of C_new, still only n1 of C_old
      expect(n1.commitIndex()).toBe(2);
      h.deliver('n1', 'n3', ack(term, 3)); // n1 + n3 of C_old
      expect(n1.commitIndex()).toBe(3);
    },
  },
  {
    title: '§6: once C_old,new is committed, the leader appends C_new by itself; the change is answered when C_new applies',
    mutation: 'noJointAutoLeave',
    run(mutations) {
      const { h, n1, term, results } = leaderEnteringJoint(mutations, C_NEW);
      h.deliver('n1', 'n2', ack(term, 3));
      h.deliver('n1', 'n4', ack(term, 3));
      expect(n1.commitIndex()).toBe(3);
      expect(results).toEqual([]); // entering joint is half the change
      const leave = n1.entryAt(4);
      expect(leave?.kind).toBe('config');
      const cNew = makeMembership(C_NEW);
      expect(leave?.kind === 'config' ? leave.membership : undefined).toEqual(cNew);
      expect(n1.membership()).toEqual(cNew); // in force once appended
      h.runDue();
      // C_new alone decides now: n1 + n4 commit it, n2 and n3 are not asked.
      h.deliver('n1', 'n4', ack(term, 4));
      expect(n1.commitIndex()).toBe(4);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ ok: true, index: 4, result: cNew });
    },
  },
  {
    title: '§6 / dissertation §4.2.2: a leader not in C_new leads without counting itself in C_new, and steps down once C_new commits',
    mutation: 'jointLeaderStays',
    run(mutations) {
      const next = ['n2', 'n3', 'n4'];
      const { h, n1, term } = leaderEnteringJoint(mutations, next);
      h.deliver('n1', 'n2', ack(term, 3)); // C_old: n1 + n2; C_new: n2 alone (n1 is not in it)
      expect(n1.commitIndex()).toBe(2);
      h.deliver('n1', 'n3', ack(term, 3));
      expect(n1.commitIndex()).toBe(3);
      expect(n1.membership()).toEqual(makeMembership(next)); // C_new appended at 4
      h.runDue();
      h.deliver('n1', 'n2', ack(term, 4));
      expect(n1.isLeader()).toBe(true); // C_new needs two of n2, n3, n4
      h.deliver('n1', 'n4', ack(term, 4));
      expect(n1.commitIndex()).toBe(4);
      expect(n1.isLeader()).toBe(false);
    },
  },
  {
    title: 'one change at a time: while joint, no other membership change is accepted',
    mutation: 'concurrentConfigChange',
    run(mutations) {
      const { h, n1, term } = leaderEnteringJoint(mutations, C_NEW);
      const refused = (call: (done: (r: ChangeResult) => void) => void): boolean => {
        let r: ChangeResult | undefined;
        call((x) => (r = x));
        return r !== undefined && !r.ok && r.error === 'rejected';
      };
      expect(refused((d) => n1.replaceVoters(['n1', 'n2', 'n4'], d))).toBe(true);
      expect(refused((d) => n1.addServer('n6', d))).toBe(true);
      // Committed but not yet left (the leave is appended only when the joint entry applies, so check before).
      h.deliver('n1', 'n2', ack(term, 3));
      expect(refused((d) => n1.removeServer('n3', d))).toBe(true);
      h.deliver('n1', 'n4', ack(term, 3));
      h.runDue();
      h.deliver('n1', 'n4', ack(term, 4));
      expect(n1.commitIndex()).toBe(4);
      // Left: single-server changes work again.
      let ok: ChangeResult | undefined;
      n1.addServer('n6', (r) => (ok = r));
      expect(n1.membership().learners).toEqual(['n6']);
      expect(ok).toBeUndefined();
    },
  },
];

/** A membership for callers that build joint entries by hand. */
export function jointOf(cOld: readonly NodeId[], cNew: readonly NodeId[]): Membership {
  return makeMembership(cNew, [], [], cOld);
}
