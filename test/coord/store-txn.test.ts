/**
 * Consul /v1/txn KV operations as one store command (`kv.txn`), on the composite store applied
 * directly (no Raft; `atUs` plays the leader's clock). Rules: Consul's state store txnKVS and
 * Txn.preCheck: ops run in order, every failing op is reported, any failure rolls back all.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sec } from '../../src/core/env.ts';
import { CoordStore, type KvTxnOp, type StoreCommand, type StoreResult } from '../../src/core/store/index.ts';

function harness() {
  const store = new CoordStore();
  let index = 0;
  const apply = (cmd: StoreCommand): StoreResult => store.apply(cmd, { index: ++index, term: 1 });
  apply({ type: 'catalog.register', node: 'n1', address: '10.0.0.1', checks: [{ checkId: 'serfHealth', status: 'passing' }] });
  const session = (lockDelayUs = 0, atUs = 0): string => {
    const r = apply({ type: 'session.create', input: { node: 'n1', lockDelayUs }, atUs });
    if (!r.ok || r.type !== 'session.create') throw new Error(`session.create failed: ${JSON.stringify(r)}`);
    return r.session.id;
  };
  const txn = (ops: KvTxnOp[], atUs?: number) => {
    const r = apply({ type: 'kv.txn', ops, ...(atUs !== undefined ? { atUs } : {}) });
    if (r.type !== 'kv.txn' || !r.ok) throw new Error(`kv.txn refused: ${JSON.stringify(r)}`);
    return r;
  };
  const index_ = () => index;
  return { store, apply, session, txn, index: index_ };
}

describe('kv.txn: all or nothing', () => {
  it('a failing check-session rolls back an earlier set in the same txn, and moves no index', () => {
    const h = harness();
    const s = h.session();
    h.txn([{ verb: 'set', key: 'keep', value: 'v0' }]);
    const rev = h.store.kv.revision();
    const kvIdx = h.store.indexOf('kv');
    const r = h.txn([
      { verb: 'set', key: 'a', value: '1' },
      { verb: 'set', key: 'keep', value: 'changed' },
      { verb: 'delete', key: 'keep' },
      { verb: 'check-session', key: 'keep', session: s },
    ]);
    // The delete ran first, so check-session sees no key (ops see the ones before them).
    expect(r.errors).toEqual([{ opIndex: 3, what: 'failed to check session, key "keep" doesn\'t exist' }]);
    expect(r.results).toBeNull();
    expect(h.store.kv.get('a')).toBeUndefined();
    expect(h.store.kv.get('keep')).toMatchObject({ value: 'v0', version: 1 });
    expect(h.store.kv.revision()).toBe(rev);
    expect(h.store.indexOf('kv')).toBe(kvIdx);
    expect(h.store.kvIndex('keep')).toBe(h.store.kv.get('keep')!.modifyIndex); // no tombstone left behind
    h.store.checkInvariants();
    h.store.kv.checkOrder();
  });

  it('check-session passes only for the holder, with Consul error texts', () => {
    const h = harness();
    const s1 = h.session();
    const s2 = h.session();
    h.txn([{ verb: 'lock', key: 'L', value: 'x', session: s1 }]);
    expect(h.txn([{ verb: 'check-session', key: 'L', session: s2 }]).errors).toEqual([
      { opIndex: 0, what: `failed session check for key "L", current session "${s1}" != "${s2}"` },
    ]);
    const ok = h.txn([{ verb: 'check-session', key: 'L', session: s1 }, { verb: 'set', key: 'guarded', value: 'g' }]);
    expect(ok.errors).toBeNull();
    expect(ok.results!.map((x) => [x.opIndex, x.entry.key, x.withValue])).toEqual([
      [0, 'L', false],
      [1, 'guarded', false],
    ]);
    expect(h.store.kv.get('guarded')!.value).toBe('g');
  });

  it('reports every failing op, in order, and keeps none of the others', () => {
    const h = harness();
    h.txn([{ verb: 'set', key: 'e', value: '1' }]);
    const m = h.store.kv.get('e')!.modifyIndex;
    const r = h.txn([
      { verb: 'check-not-exists', key: 'e' },
      { verb: 'set', key: 'n', value: '2' },
      { verb: 'get', key: 'missing' },
      { verb: 'check-index', key: 'e', index: m + 7 },
      { verb: 'cas', key: 'e', value: 'x', index: m + 7 },
      { verb: 'delete-cas', key: 'e', index: m + 7 },
      { verb: 'frobnicate', key: 'e' },
    ]);
    expect(r.errors).toEqual([
      { opIndex: 0, what: 'key "e" exists' },
      { opIndex: 2, what: 'key "missing" doesn\'t exist' },
      { opIndex: 3, what: `failed index check for key "e", current modify index ${m} != ${m + 7}` },
      { opIndex: 4, what: 'failed to set key "e", index is stale' },
      { opIndex: 5, what: 'failed to delete key "e", index is stale' },
      { opIndex: 6, what: 'unknown KV verb "frobnicate"' },
    ]);
    expect(h.store.kv.get('n')).toBeUndefined();
  });

  it('the pre-check (empty key, lock-delay) answers alone: nothing else is even tried', () => {
    const h = harness();
    const r = h.txn([{ verb: 'get', key: 'missing' }, { verb: 'set', key: '', value: 'x' }, { verb: 'delete-tree', key: '' }]);
    expect(r.errors).toEqual([{ opIndex: 1, what: 'Must provide key' }]);
  });
});

describe('kv.txn: lock and unlock are the store acquire / release', () => {
  it('LockIndex increments per acquisition, not per re-lock by the holder; unlock keeps it', () => {
    const h = harness();
    const s1 = h.session();
    const s2 = h.session();
    const l1 = h.txn([{ verb: 'lock', key: 'L', value: 'a', flags: '7', session: s1 }]);
    expect(l1.results![0]!.entry).toMatchObject({ key: 'L', value: 'a', flags: '7', lockIndex: 1, session: s1 });
    // The holder re-locks: value and flags from the op, LockIndex unchanged.
    h.txn([{ verb: 'lock', key: 'L', value: 'b', session: s1 }]);
    expect(h.store.kv.get('L')).toMatchObject({ value: 'b', flags: '0', lockIndex: 1, session: s1 });
    expect(h.store.keysHeldBy(s1)).toEqual(['L']);
    // Unlock by the holder: session cleared, LockIndex kept, Value/Flags from the op (Consul builds the entry from it).
    const u = h.txn([{ verb: 'unlock', key: 'L', value: 'free', session: s1 }]);
    expect(u.errors).toBeNull();
    expect(h.store.kv.get('L')).toMatchObject({ value: 'free', lockIndex: 1 });
    expect(h.store.kv.get('L')!.session).toBeUndefined();
    h.txn([{ verb: 'lock', key: 'L', session: s2 }]);
    expect(h.store.kv.get('L')).toMatchObject({ lockIndex: 2, session: s2, value: '' });
    // ?acquire= and the txn verb share one rule and one counter.
    h.apply({ type: 'kv.release', key: 'L', session: s2 });
    expect(h.apply({ type: 'kv.acquire', key: 'L', value: 'v', session: s1 })).toMatchObject({ acquired: true, entry: { lockIndex: 3 } });
    h.store.checkInvariants();
  });

  it('a lock held by another session fails the whole txn', () => {
    const h = harness();
    const s1 = h.session();
    const s2 = h.session();
    h.txn([{ verb: 'lock', key: 'L', value: 'mine', session: s1 }]);
    const r = h.txn([
      { verb: 'set', key: 'side', value: 'effect' },
      { verb: 'lock', key: 'L', value: 'theirs', session: s2 },
    ]);
    expect(r.errors).toEqual([{ opIndex: 1, what: 'failed to lock key "L", lock is already held' }]);
    expect(h.store.kv.get('side')).toBeUndefined();
    expect(h.store.kv.get('L')).toMatchObject({ value: 'mine', session: s1, lockIndex: 1 });
  });

  it('a lock rolled back by a later failure is not held and not remembered for the session', () => {
    const h = harness();
    const s1 = h.session();
    const r = h.txn([
      { verb: 'lock', key: 'L', value: 'x', session: s1 },
      { verb: 'check-session', key: 'L', session: s1 }, // sees the lock just taken
      { verb: 'check-not-exists', key: 'L' },
    ]);
    expect(r.errors).toEqual([{ opIndex: 2, what: 'key "L" exists' }]);
    expect(h.store.kv.get('L')).toBeUndefined();
    expect(h.store.keysHeldBy(s1)).toEqual([]);
    // And a committed one is released when the session goes.
    h.txn([{ verb: 'lock', key: 'M', value: 'x', session: s1 }]);
    h.apply({ type: 'session.destroy', id: s1 });
    expect(h.store.kv.get('M')!.session).toBeUndefined();
    h.store.checkInvariants();
  });

  it('lock-delay is honoured on the replicated clock', () => {
    const h = harness();
    const s1 = h.session(sec(10));
    const s2 = h.session();
    h.txn([{ verb: 'lock', key: 'L', value: 'x', session: s1 }], sec(1));
    h.apply({ type: 'session.destroy', id: s1, atUs: sec(2) }); // delay until 12 s
    const early = h.txn([{ verb: 'set', key: 'side', value: 's' }, { verb: 'lock', key: 'L', session: s2 }], sec(11.9));
    expect(early.errors).toEqual([{ opIndex: 1, what: 'failed to lock key "L" due to lock delay' }]);
    expect(h.store.kv.get('side')).toBeUndefined();
    const late = h.txn([{ verb: 'lock', key: 'L', session: s2 }], sec(12));
    expect(late.errors).toBeNull();
    expect(h.store.kv.get('L')).toMatchObject({ session: s2, lockIndex: 2 });
  });

  it('unlock: missing session, non-holder, unknown session', () => {
    const h = harness();
    const s1 = h.session();
    const s2 = h.session();
    h.txn([{ verb: 'lock', key: 'L', value: 'x', session: s1 }]);
    const notHeld = 'failed to unlock key "L", lock isn\'t held, or is held by another session';
    expect(h.txn([{ verb: 'unlock', key: 'L' }]).errors).toEqual([{ opIndex: 0, what: 'missing session' }]);
    expect(h.txn([{ verb: 'unlock', key: 'L', session: s2 }]).errors).toEqual([{ opIndex: 0, what: notHeld }]);
    expect(h.txn([{ verb: 'unlock', key: 'L', session: 'nope' }]).errors).toEqual([{ opIndex: 0, what: notHeld }]);
    expect(h.txn([{ verb: 'lock', key: 'L', session: 'nope' }]).errors).toEqual([{ opIndex: 0, what: 'invalid session "nope"' }]);
    expect(h.txn([{ verb: 'lock', key: 'L' }]).errors).toEqual([{ opIndex: 0, what: 'missing session' }]);
    expect(h.store.kv.get('L')).toMatchObject({ session: s1, value: 'x' });
  });
});

describe('kv.txn: the other verbs', () => {
  it('get / get-tree carry values; cas with index 0 creates; delete-cas on a missing key succeeds; deletes leave tombstones', () => {
    const h = harness();
    const r = h.txn([
      { verb: 'cas', key: 'd/a', value: '1', index: 0 },
      { verb: 'set', key: 'd/b', value: '2', flags: '3' },
      { verb: 'get', key: 'd/a' },
      { verb: 'get-tree', key: 'd/' },
      { verb: 'delete-cas', key: 'd/none', index: 5 },
    ]);
    expect(r.errors).toBeNull();
    expect(r.results!.map((x) => [x.opIndex, x.entry.key, x.entry.value, x.withValue])).toEqual([
      [0, 'd/a', '1', false],
      [1, 'd/b', '2', false],
      [2, 'd/a', '1', true],
      [3, 'd/a', '1', true],
      [3, 'd/b', '2', true],
    ]);
    const idx = h.index();
    expect(h.store.kv.get('d/b')).toMatchObject({ flags: '3', createIndex: idx, modifyIndex: idx });
    expect(h.txn([{ verb: 'cas', key: 'd/a', value: 'x', index: 0 }]).errors).toHaveLength(1);
    const del = h.txn([{ verb: 'delete-cas', key: 'd/a', index: idx }, { verb: 'delete-tree', key: 'd/' }]);
    expect(del.errors).toBeNull();
    expect(del.results).toEqual([]);
    expect(h.store.kv.range('d/')).toEqual([]);
    expect(h.store.kvIndex('d/')).toBe(h.index());
  });

  it('is deterministic: replicas applying the same txns end byte-identical, and a restore matches', () => {
    const run = () => {
      const h = harness();
      const s = h.session(sec(5));
      h.txn([{ verb: 'lock', key: 'x', value: '1', session: s }, { verb: 'set', key: 'y', value: '2' }], sec(1));
      h.txn([{ verb: 'set', key: 'z', value: '3' }, { verb: 'check-session', key: 'y', session: s }], sec(2));
      h.apply({ type: 'session.destroy', id: s, atUs: sec(3) });
      h.txn([{ verb: 'delete', key: 'y' }], sec(4));
      return h.store;
    };
    const a = run();
    const b = run();
    expect(JSON.stringify(a.snapshot())).toBe(JSON.stringify(b.snapshot()));
    const c = new CoordStore();
    c.restore(structuredClone(a.snapshot()));
    expect(c.snapshot()).toEqual(a.snapshot());
  });

  it('a malformed op list is refused before anything runs', () => {
    const h = harness();
    expect(h.apply({ type: 'kv.txn', ops: 'x' as never })).toMatchObject({ ok: false });
    expect(h.apply({ type: 'kv.txn', ops: [{ verb: 'set', key: 'k', flags: '-1' }] })).toMatchObject({ ok: false });
    const tooMany = Array.from({ length: 65 }, (_, i) => ({ verb: 'set', key: `k${i}` }));
    expect(h.apply({ type: 'kv.txn', ops: tooMany })).toMatchObject({ ok: false });
    expect(h.store.kv.size()).toBe(0);
  });
});

describe('kv.txn: properties', () => {
  const verbs = ['set', 'cas', 'lock', 'unlock', 'get', 'get-tree', 'check-index', 'check-session', 'check-not-exists', 'delete', 'delete-tree', 'delete-cas'];
  const opArb = fc.record({
    verb: fc.constantFrom(...verbs),
    key: fc.constantFrom('a', 'b', 'a/x', 'a/'),
    value: fc.constantFrom('', '1', '2'),
    s: fc.integer({ min: 0, max: 2 }),
    index: fc.integer({ min: 0, max: 12 }),
  });
  const stepArb = fc.oneof(
    { weight: 6, arbitrary: fc.array(opArb, { minLength: 1, maxLength: 6 }).map((ops) => ({ kind: 'txn' as const, ops })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 1 }).map((s) => ({ kind: 'destroy' as const, s })) },
  );

  it('a failed txn changes nothing, a committed one changes only at its index; invariants hold; replicas agree', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 25 }), (steps) => {
        const run = () => {
          const h = harness();
          const sessions = [h.session(sec(1)), h.session(0), 'nope'];
          let t = 0;
          for (const step of steps) {
            t += sec(0.5);
            if (step.kind === 'destroy') {
              h.apply({ type: 'session.destroy', id: sessions[step.s]!, atUs: t });
              continue;
            }
            const ops: KvTxnOp[] = step.ops.map((o) => ({ verb: o.verb, key: o.key, value: o.value, session: sessions[o.s]!, index: o.index }));
            const before = JSON.stringify(h.store.kv.snapshot());
            const held = sessions.map((s) => h.store.keysHeldBy(s).join(','));
            const r = h.txn(ops, t);
            if (r.errors !== null) {
              expect(r.results).toBeNull();
              expect(JSON.stringify(h.store.kv.snapshot())).toBe(before);
              expect(sessions.map((s) => h.store.keysHeldBy(s).join(','))).toEqual(held);
            } else {
              expect([JSON.parse(before).revision, h.index()]).toContain(h.store.kv.revision());
            }
            h.store.checkInvariants();
            h.store.kv.checkOrder();
          }
          return JSON.stringify(h.store.snapshot());
        };
        expect(run()).toBe(run());
      }),
      { numRuns: 150 },
    );
  });
});
