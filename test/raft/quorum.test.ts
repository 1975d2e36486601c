/** The quorum rules (membership.ts) and joint-change planning (conf-change.ts) as pure functions. */
import { describe, expect, it } from 'vitest';
import { makeMembership, quorumIndex, voteResult } from '../../src/core/raft/membership.ts';
import { enterJoint, leaveJoint, singleServerRefusal } from '../../src/core/raft/conf-change.ts';

const joint = makeMembership(['a', 'd', 'e'], [], [], ['a', 'b', 'c']);

describe('quorum rules', () => {
  it('a plain membership: the majority value, and votes won or lost by a majority', () => {
    const m = makeMembership(['a', 'b', 'c']);
    expect(quorumIndex(m, (id) => ({ a: 9, b: 5, c: 1 })[id]!)).toBe(5);
    expect(voteResult(m, (id) => (id === 'a' ? true : undefined))).toBe('pending');
    expect(voteResult(m, (id) => id !== 'c')).toBe('won');
    expect(voteResult(m, (id) => id === 'a')).toBe('lost');
  });

  it('joint: the lower of the two majorities; C_new alone only with the test-only switch', () => {
    const match: Record<string, number> = { a: 9, b: 2, c: 2, d: 9, e: 9 };
    expect(quorumIndex(joint, (id) => match[id]!)).toBe(2);
    expect(quorumIndex(joint, (id) => match[id]!, true)).toBe(9);
  });

  it('joint: won only in both, lost if lost in either', () => {
    const yes = (ids: string) => (id: string) => (ids.includes(id) ? true : undefined);
    expect(voteResult(joint, yes('ade'))).toBe('pending');
    expect(voteResult(joint, yes('ab'))).toBe('pending');
    expect(voteResult(joint, yes('abd'))).toBe('won');
    expect(voteResult(joint, (id) => (id === 'b' || id === 'c' ? false : true))).toBe('lost');
    expect(voteResult(joint, yes('ade'), true)).toBe('won');
  });
});

describe('joint-change planning', () => {
  const gate = { current: makeMembership(['a', 'b', 'c'], ['d']), commit: 5, pendingConfigIndex: 5, transferring: false };

  it('enters C_old,new, learners that become voters leave the learners, and leaving gives C_new', () => {
    const p = enterJoint(gate, ['a', 'd', 'e']);
    expect(p).toEqual({ ok: true, next: makeMembership(['a', 'd', 'e'], [], [], ['a', 'b', 'c']) });
    if (p.ok) expect(leaveJoint(p.next)).toEqual(makeMembership(['a', 'd', 'e']));
  });

  it('refuses while joint, before the last change committed, an empty or unchanged voter set', () => {
    expect(enterJoint({ ...gate, current: joint }, ['a', 'b'])).toMatchObject({ ok: false, reason: expect.stringMatching(/joint/) });
    expect(enterJoint({ ...gate, commit: 4 }, ['a', 'b'])).toMatchObject({ ok: false, reason: expect.stringMatching(/not committed/) });
    expect(enterJoint(gate, [])).toMatchObject({ ok: false });
    expect(enterJoint(gate, ['c', 'b', 'a'])).toMatchObject({ ok: false, reason: expect.stringMatching(/already/) });
    expect(singleServerRefusal({ ...gate, current: joint }, makeMembership(['a', 'd']))).toMatch(/joint/);
  });
});
