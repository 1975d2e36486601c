// Raft on a disk that lies (src/core/raft/recovery.ts, docs/storage-faults.md): a node that lost
// entries it acknowledged (bit rot cut its log, a wiped data dir, a restored stale copy, a lost
// hard state file) must not vote until a leader repaired it, or a committed entry can vanish.
// Each story runs twice: with protocol-aware recovery (safe), and with it switched off (the
// safety checker must see the loss: the tests can fail).
import { describe, expect, it } from 'vitest';
import { ms, sec, type Env, type NodeId } from '../../src/core/env.ts';
import { ACK_KEY, ACK_SAVE_STEP, RECOVERING_KEY, StorageRecovery } from '../../src/core/raft/recovery.ts';
import type { Fault } from '../../src/sim/index.ts';
import { MemoryStorage } from '../../src/host/memory-storage.ts';
import { Cluster } from './cluster.ts';

type Damage = (node: NodeId) => Fault;

const corruptMid: Damage = (node) => ({ kind: 'corrupt', node, where: 'mid', records: 2, for: sec(1) });
const wipe: Damage = (node) => ({ kind: 'wipe', node, for: sec(1) });
const loseHardState: Damage = (node) => ({ kind: 'corrupt', node, where: 'state', for: sec(1) });

/**
 * Leader L and follower F1 commit 20 writes while F2 is cut off; then F1's disk loses them (the
 * damage), L crashes and F2 comes back. F1 + F2 are a majority: if F1 votes, they elect a leader
 * without the committed writes. Later L returns.
 */
function story(damage: Damage | 'stale', recovery: boolean, seed = 3) {
  const c = new Cluster({ seed, voters: ['a', 'b', 'c'], throwOnViolation: false, raft: recovery ? {} : { mutations: new Set(['noStorageRecovery'] as const) } }).start();
  const l0 = c.waitStableLeader(sec(5));
  expect(l0).toBeDefined();
  const [L, F1, F2] = [l0!.id(), ...c.ids.filter((id) => id !== l0!.id())] as [NodeId, NodeId, NodeId];
  for (let i = 0; i < 5; i++) expect(c.write(`early${i}`, sec(2))).toBeDefined();
  c.world.runFor(ms(200));
  const staleAt = c.world.now() + sec(2);
  // The copy is taken now; at staleAt F1 restarts from it, then L crashes.
  if (damage === 'stale') c.world.inject({ kind: 'restore-stale', node: F1, for: sec(2) });
  c.world.inject({ kind: 'isolate', target: F2 });
  const committed: string[] = [];
  for (let i = 0; i < 20; i++) {
    const idx = c.write(`w${i}`, sec(2));
    expect(idx, `write w${i}`).toBeDefined();
    committed.push(`w${i}`);
  }
  const lDown = () => {
    c.world.inject({ kind: 'crash', node: L });
    c.world.inject({ kind: 'heal' });
  };
  if (damage === 'stale') {
    expect(c.world.now()).toBeLessThan(staleAt);
    c.world.at(staleAt, lDown);
    c.world.run(staleAt);
  } else {
    c.world.inject(damage(F1));
    lDown();
  }
  c.world.runFor(sec(4));
  const leaderWhileLDown = c.leader()?.id();
  const recoveringWhileLDown = c.world.isUp(F1) ? c.raft(F1).recovering() : undefined;
  c.world.inject({ kind: 'restart', node: L });
  const final = c.waitStableLeader(sec(10));
  c.world.runFor(sec(2));
  return { c, L, F1, F2, committed, leaderWhileLDown, recoveringWhileLDown, final };
}

describe.each([
  ['mid-log bit rot', corruptMid, true],
  ['a wiped data dir', wipe, true],
  // Its log is whole: what it lost is its vote (it could vote twice in a term), not entries, so
  // this story shows no loss without recovery; it must still recover without an assert.
  ['a lost hard state file', loseHardState, false],
  ['a restored stale copy', 'stale' as const, true],
])('a follower that lost acknowledged entries to %s', (_name, damage, losesEntries) => {
  it('does not vote until repaired: no committed write is lost, and it is repaired once a leader with the log returns', () => {
    const { c, F1, committed, leaderWhileLDown, recoveringWhileLDown, final } = story(damage, true);
    expect(c.checker.violations).toEqual([]);
    expect(recoveringWhileLDown).toBe(true);
    expect(leaderWhileLDown).toBeUndefined(); // F2 alone is no majority: unavailable, not wrong
    expect(final).toBeDefined();
    c.world.runUntil(() => !c.raft(F1).recovering(), c.world.now() + sec(10));
    expect(c.raft(F1).recovering()).toBe(false);
    for (const id of c.ids) {
      c.world.runUntil(() => committed.every((v) => c.app(id)!.sm.items.includes(v)), c.world.now() + sec(5));
      expect(c.app(id)!.sm.items, id).toEqual(expect.arrayContaining(committed));
    }
    c.checkLogs();
    expect(c.checker.violations).toEqual([]);
  });

  it.runIf(losesEntries)('without recovery (the mutation) the checker sees a committed entry lost', () => {
    const { c, leaderWhileLDown } = story(damage, false);
    expect(leaderWhileLDown).toBeDefined();
    expect(c.checker.violations.join('\n')).toMatch(/committed|leader|lost|completeness/i);
  });
});

describe('after the repair', () => {
  it('the repaired node votes again: with the old leader gone, the other two elect a leader with every write', () => {
    const { c, L, committed } = story(corruptMid, true, 5);
    const F = c.ids.filter((id) => id !== L);
    c.world.runUntil(() => F.every((id) => !c.raft(id).recovering()), c.world.now() + sec(10));
    c.world.inject({ kind: 'crash', node: c.leader()!.id() });
    const l = c.waitStableLeader(sec(10));
    expect(l).toBeDefined();
    expect(c.write('after', sec(3))).toBeDefined();
    expect(l!.entryAt(l!.lastIndex())).toBeDefined();
    expect(c.app(l!.id())!.sm.items).toEqual(expect.arrayContaining(committed));
    expect(c.checker.violations).toEqual([]);
  });

  it('a crash during recovery does not end it (the recovering state is persisted)', () => {
    const c = new Cluster({ seed: 9, voters: ['a', 'b', 'c'], throwOnViolation: false }).start();
    const l = c.waitStableLeader(sec(5))!;
    const [f, g] = c.ids.filter((id) => id !== l.id()) as [NodeId, NodeId];
    for (let i = 0; i < 10; i++) c.write(`v${i}`, sec(2));
    c.world.inject({ kind: 'crash', node: l.id() });
    c.world.inject({ kind: 'crash', node: g }); // nobody can repair f for now
    c.world.inject({ kind: 'corrupt', node: f, where: 'mid', for: ms(300) });
    c.world.runFor(sec(1));
    expect(c.raft(f).recovering()).toBe(true);
    c.world.inject({ kind: 'crash', node: f, for: ms(300) });
    c.world.runFor(sec(1));
    expect(c.world.storage(f, 'raft').damage()).toBeUndefined(); // this open found nothing new
    expect(c.raft(f).recovering()).toBe(true);
    // g holds everything f acknowledged: f votes for it, and g repairs f.
    c.world.inject({ kind: 'restart', node: g });
    expect(c.waitStableLeader(sec(5))?.id()).toBe(g);
    c.world.runUntil(() => !c.raft(f).recovering(), c.world.now() + sec(5));
    expect(c.raft(f).recovering()).toBe(false);
    expect(c.checker.violations).toEqual([]);
  });
});

describe('StorageRecovery on its own', () => {
  function open(ack: number, fill: number, rot: number | undefined, enabled = true) {
    const st = new MemoryStorage();
    st.append(Array.from({ length: fill }, (_, k) => ({ index: k + 1, term: 1, kind: 'noop' })));
    st.save(ACK_KEY, { index: ack, term: 1 });
    st.sync();
    if (rot !== undefined) st.rot(rot);
    st.reopen();
    const traces: string[] = [];
    const env = { storage: st, trace: (k: string) => traces.push(k) } as unknown as Env;
    return { rec: new StorageRecovery(env, enabled), st, traces };
  }

  it('rot the disk reports recovers up to what the log held, even above the saved mark (it is a lower bound)', () => {
    const { rec, st, traces } = open(3, 10, 9);
    expect(rec.recovering()).toBe(true);
    expect(st.load(RECOVERING_KEY)).toEqual({ reason: 'damage', mustReach: 10 });
    expect(traces).toEqual(['raft.disk-damage', 'raft.recovering']);
  });

  it('a torn tail the disk does not report (a crash mid-write), within the mark, needs no recovery', () => {
    const st = new MemoryStorage();
    st.append([1, 2, 3].map((index) => ({ index, term: 1, kind: 'noop' })));
    st.save(ACK_KEY, { index: 3, term: 1 });
    st.sync();
    const rec = new StorageRecovery({ storage: st, trace: () => {} } as unknown as Env, true);
    rec.checkHeld(3, 0, 1, true, false);
    expect(rec.recovering()).toBe(false);
  });

  it('a cut at or below the mark recovers until a verified append of the current term reaches the mark and the commit', () => {
    const { rec, st } = open(8, 10, 8);
    expect(rec.recovering()).toBe(true);
    expect(st.load(RECOVERING_KEY)).toEqual({ reason: 'damage', mustReach: 10 });
    expect(rec.verified(9, 1, 1, 5, 9)).toBe(false); // short of what the log held, in the mark's term
    expect(rec.verified(9, 1, 2, 5, 9)).toBe(false); // no entry of the leader's term yet
    expect(rec.verified(9, 2, 2, 10, 9)).toBe(false); // behind the leader's commit
    expect(rec.verified(7, 2, 2, 5, 7)).toBe(true); // a later-term leader's entry implies it all
    expect(rec.recovering()).toBe(false);
    expect(st.load(RECOVERING_KEY)).toBeUndefined();
  });

  it('the mark never trails an ack and drops with a truncation of uncommitted entries', () => {
    const { rec, st } = open(3, 4, undefined);
    rec.willAck(2, 1);
    expect(st.load(ACK_KEY)).toEqual({ index: 3, term: 1 });
    rec.willAck(3 + ACK_SAVE_STEP - 1, 1); // within a step: not worth a state-file write
    expect(st.load(ACK_KEY)).toEqual({ index: 3, term: 1 });
    rec.willAck(3 + ACK_SAVE_STEP, 1); // a whole step: saved, so the mark never trails an ack by a step
    expect(st.load(ACK_KEY)).toEqual({ index: 3 + ACK_SAVE_STEP, term: 1 });
    rec.willAck(3 + ACK_SAVE_STEP + 4, 2); // a new term is saved at once
    expect(st.load(ACK_KEY)).toEqual({ index: 3 + ACK_SAVE_STEP + 4, term: 2 });
    rec.truncated(3 + ACK_SAVE_STEP + 2);
    expect(st.load(ACK_KEY)).toEqual({ index: 3 + ACK_SAVE_STEP + 1, term: 2 });
    rec.truncated(3 + ACK_SAVE_STEP + 3);
    expect(st.load(ACK_KEY)).toEqual({ index: 3 + ACK_SAVE_STEP + 1, term: 2 });
  });

  it('a recovering node votes only for a log that provably holds what it acknowledged', () => {
    const { rec } = open(8, 10, 5); // held up to 10, acked (at least) up to 8, in term 1
    expect(rec.recovering()).toBe(true);
    expect(rec.mayVoteFor(9, 1)).toBe(false);
    expect(rec.mayVoteFor(10, 1)).toBe(true);
    expect(rec.mayVoteFor(3, 2)).toBe(true); // a later term's leader held every entry committed before
    expect(rec.mayVoteFor(100, 0)).toBe(false);
    const amnesic = open(0, 0, undefined);
    expect(amnesic.rec.mayVoteFor(1, 1)).toBe(true); // not recovering: the normal rules decide
  });

  it('switched off (the test-only mutation), damage is ignored', () => {
    const { rec } = open(8, 10, 2, false);
    expect(rec.recovering()).toBe(false);
  });
});

describe('losses the disk does not report', () => {
  /** A storage that cannot report damage (like a FileStorage whose files an operator deleted). */
  function silent(st: MemoryStorage): MemoryStorage {
    return Object.assign(Object.create(st) as MemoryStorage, { damage: () => undefined });
  }

  it('acknowledged entries missing from log and snapshot (a deleted segment) start recovery', () => {
    const st = new MemoryStorage();
    st.append([1, 2, 3].map((index) => ({ index, term: 1, kind: 'noop' })));
    st.save(ACK_KEY, { index: 9, term: 1 });
    st.sync();
    const env = { storage: silent(st), trace: () => {} } as unknown as Env;
    const rec = new StorageRecovery(env, true);
    expect(rec.recovering()).toBe(false);
    rec.checkHeld(3, 0, 1, true, false);
    expect(rec.recovering()).toBe(true);
    expect(st.load(RECOVERING_KEY)).toEqual({ reason: 'lost-log', mustReach: 9 });
    expect(rec.mayVoteFor(8, 1)).toBe(false);
  });

  it('the only voter has nobody to be repaired by: it goes on (what it lost is lost), and says so', () => {
    const st = new MemoryStorage();
    st.save(ACK_KEY, { index: 9, term: 1 });
    const traces: string[] = [];
    const rec = new StorageRecovery({ storage: silent(st), trace: (k: string) => traces.push(k) } as unknown as Env, true);
    rec.checkHeld(3, 0, 1, true, true);
    expect(rec.recovering()).toBe(false);
    expect(traces).toContain('raft.recovery-impossible');
  });

  it('a missing hard state file beside a log of term > 0 is a lost one: no vote until repaired', () => {
    const st = new MemoryStorage();
    const env = { storage: silent(st), trace: () => {} } as unknown as Env;
    const rec = new StorageRecovery(env, true);
    rec.checkHeld(0, 0, 0, false, false); // a fresh node: nothing lost
    expect(rec.recovering()).toBe(false);
    rec.checkHeld(5, 0, 2, false, false);
    expect([rec.recovering(), rec.lostHardState(), rec.mayVoteFor(100, 9)]).toEqual([true, true, false]);
  });
});

describe('the mark in its own term', () => {
  it('a leader of the mark\'s term must bring the node to the mark', () => {
    const st = new MemoryStorage();
    st.append(Array.from({ length: 10 }, (_, k) => ({ index: k + 1, term: 3, kind: 'noop' })));
    st.save(ACK_KEY, { index: 10, term: 3 });
    st.sync();
    st.rot(6);
    st.reopen();
    const rec = new StorageRecovery({ storage: st, trace: () => {} } as unknown as Env, true);
    expect(rec.verified(8, 3, 3, 8, 8)).toBe(false);
    expect(rec.verified(10, 3, 3, 8, 10)).toBe(true);
  });
});

describe('a deleted log directory (FileStorage reports lostLog)', () => {
  it('is amnesia: no vote at all until a leader repaired the log', () => {
    const st = new MemoryStorage();
    st.save(ACK_KEY, { index: 4, term: 1 });
    const env = { storage: Object.assign(Object.create(st) as MemoryStorage, { damage: () => ({ lostLog: true }) }), trace: () => {} } as unknown as Env;
    const rec = new StorageRecovery(env, true);
    expect(rec.recovering()).toBe(true);
    expect(st.load(RECOVERING_KEY)).toEqual({ reason: 'lost-log', mustReach: null });
    expect(rec.mayVoteFor(1000, 9)).toBe(false);
  });
});
