/** Raft role states (src/core/raft/roles.ts): the legal-transition table and fresh role state. */
import { describe, expect, it } from 'vitest';
import type { RaftRole } from '../../src/core/raft/index.ts';
import { CandidateState, enterRole, FollowerState, isLegalTransition, LeaderState, LEGAL_TRANSITIONS } from '../../src/core/raft/roles.ts';
import { ack, electWith } from './paper-rules.ts';
import { StepHarness } from './step-harness.ts';

const ROLES: readonly RaftRole[] = ['follower', 'learner', 'pre-candidate', 'candidate', 'leader'];

describe('raft roles', () => {
  it('enterRole gives the role its own state for every legal transition and throws for every other one', () => {
    let legal = 0;
    for (const from of ROLES) {
      for (const to of ROLES) {
        if (isLegalTransition(from, to)) {
          legal++;
          const s = enterRole(from, to);
          expect(s.name).toBe(to);
          const kind = to === 'leader' ? LeaderState : to === 'candidate' || to === 'pre-candidate' ? CandidateState : FollowerState;
          expect(s).toBeInstanceOf(kind);
        } else {
          expect(() => enterRole(from, to), `${from} -> ${to}`).toThrow(/invalid raft role transition/);
        }
      }
    }
    expect(legal).toBe(Object.values(LEGAL_TRANSITIONS).flat().length);
  });

  it('rules out what etcd panics on: a leader never campaigns, a learner never campaigns, nobody leads without a campaign', () => {
    expect(isLegalTransition('leader', 'candidate')).toBe(false);
    expect(isLegalTransition('leader', 'pre-candidate')).toBe(false);
    expect(isLegalTransition('leader', 'leader')).toBe(false);
    expect(isLegalTransition('learner', 'candidate')).toBe(false);
    expect(isLegalTransition('learner', 'pre-candidate')).toBe(false);
    expect(isLegalTransition('follower', 'leader')).toBe(false);
    expect(isLegalTransition('pre-candidate', 'leader')).toBe(false);
  });

  it('a second leadership starts from a fresh LeaderState: nothing of the first one remains', () => {
    const h = new StepHarness();
    h.add('n1', { voters: ['n1', 'n2', 'n3'] });
    electWith(h, 'n1', ['n2']);
    const r = h.node('n1');
    h.deliver('n1', 'n2', ack(r.term(), r.lastIndex()));
    expect(r.status().peers.find((p) => p.id === 'n2')?.match).toBe(r.lastIndex());
    // Deposed by a higher term, then elected again.
    h.deliver('n1', 'n3', { type: 'raft.vote.resp', term: r.term() + 1, granted: false });
    expect(r.role()).toBe('follower');
    expect(r.status().peers).toEqual([]);
    electWith(h, 'n1', ['n3']);
    expect(r.isLeader()).toBe(true);
    // Progress starts over (match 0) and a read waits for the new term's no-op, not the old one's.
    expect(r.status().peers.map((p) => p.match)).toEqual([0, 0]);
    let read: unknown;
    r.readBarrier((x) => (read = x));
    h.runDue();
    expect(read).toBeUndefined();
  });
});
