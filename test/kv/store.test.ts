import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KvStateMachine, KvStore, type KvCommand, type KvCommandResult } from '../../src/core/kv/index.ts';

describe('KvStore', () => {
  it('tracks createIndex, modifyIndex, version and the revision', () => {
    const s = new KvStore();
    s.put('a', '1', 3);
    const e = s.put('a', '2', 5);
    expect(e).toMatchObject({ key: 'a', value: '2', createIndex: 3, modifyIndex: 5, version: 2, flags: '0', lockIndex: 0 });
    expect(s.revision()).toBe(5);
    expect(s.delete('a', 7)?.value).toBe('2');
    expect(s.get('a')).toBeUndefined();
    expect(s.revision()).toBe(7);
    expect(s.put('a', '3', 9)).toMatchObject({ createIndex: 9, version: 1 });
  });

  it('keeps session and lockIndex across puts unless told (Consul KVSet), sets flags each put', () => {
    const s = new KvStore();
    s.put('lock', 'x', 1, { session: 's1', lockIndex: 1, flags: '42', lease: 'l1' });
    expect(s.put('lock', 'y', 2)).toMatchObject({ session: 's1', lockIndex: 1, flags: '0' });
    expect(s.get('lock')!.lease).toBeUndefined();
    expect(s.put('lock', 'z', 3, { session: null })).not.toHaveProperty('session');
  });

  it('ranges by prefix in key order; deletePrefix removes exactly them', () => {
    const s = new KvStore();
    for (const [i, k] of ['b/2', 'a', 'b/1', 'b', 'c', 'b/10'].entries()) s.put(k, k, i + 1);
    expect(s.keys('b/')).toEqual(['b/1', 'b/10', 'b/2']);
    expect(s.keys()).toEqual(['a', 'b', 'b/1', 'b/10', 'b/2', 'c']);
    expect(s.range('b/', 2).map((e) => e.key)).toEqual(['b/1', 'b/10']);
    expect(s.deletePrefix('b/', 10).map((e) => e.key)).toEqual(['b/1', 'b/10', 'b/2']);
    expect(s.keys()).toEqual(['a', 'b', 'c']);
    s.checkOrder();
  });

  it('refuses an index that goes back (Raft applies in order)', () => {
    const s = new KvStore();
    s.put('a', '1', 5);
    expect(() => s.put('b', '1', 4)).toThrow(/goes back/);
    expect(() => s.put('b', '1', 5)).not.toThrow(); // same index: ops of one transaction
  });

  it('cas and txn are store methods too (for composed stores)', () => {
    const s = new KvStore();
    expect(s.cas('l', { modifyIndex: 0 }, 'a', 1, { session: 's1', lockIndex: 1 })).toMatchObject({ succeeded: true, entry: { session: 's1', lockIndex: 1 } });
    expect(s.cas('l', { modifyIndex: 0 }, 'b', 2)).toMatchObject({ succeeded: false, entry: { value: 'a' } });
    expect(s.revision()).toBe(1);
    const t = s.txn([{ key: 'l', target: 'lockIndex', op: '==', value: 1 }], [{ op: 'put', key: 'm', value: 'x' }, { op: 'delete', key: 'l' }], [], 3);
    expect(t.succeeded).toBe(true);
    expect(s.keys()).toEqual(['m']);
    expect(s.get('m')!.modifyIndex).toBe(3);
  });

  it('snapshot / restore round-trips', () => {
    const s = new KvStore();
    s.put('x', '1', 1, { session: 's', lockIndex: 2 });
    s.put('y', '2', 2);
    const t = new KvStore();
    t.restore(JSON.parse(JSON.stringify(s.snapshot())));
    expect(t.snapshot()).toEqual(s.snapshot());
    expect(t.revision()).toBe(2);
    t.checkOrder();
  });
});

describe('KvStateMachine', () => {
  const apply = (sm: KvStateMachine, cmds: KvCommand[], start = 1): KvCommandResult[] => cmds.map((c, i) => sm.apply(c, { index: start + i, term: 1 }));

  it('cas by value and by modifyIndex (0 = absent)', () => {
    const sm = new KvStateMachine();
    const [a, b, c, d] = apply(sm, [
      { type: 'cas', key: 'k', expect: { modifyIndex: 0 }, value: 'v1' },
      { type: 'cas', key: 'k', expect: { value: 'nope' }, value: 'v2' },
      { type: 'cas', key: 'k', expect: { value: 'v1' }, value: 'v3' },
      { type: 'cas', key: 'k', expect: { modifyIndex: 3 }, value: 'v4' },
    ]);
    expect(a).toMatchObject({ type: 'cas', succeeded: true, revision: 1 });
    expect(b).toMatchObject({ type: 'cas', succeeded: false, revision: 1, entry: { value: 'v1' } });
    expect(c).toMatchObject({ succeeded: true, revision: 3 });
    expect(d).toMatchObject({ succeeded: true, revision: 4, entry: { value: 'v4', createIndex: 1, version: 3 } });
  });

  it('txn: compares pick the branch, all ops share the index', () => {
    const sm = new KvStateMachine();
    apply(sm, [{ type: 'put', key: 'a', value: '1' }]);
    const [r] = apply(sm, [{
      type: 'txn',
      compare: [{ key: 'a', target: 'value', op: '==', value: '1' }, { key: 'b', target: 'version', op: '==', value: 0 }],
      success: [{ op: 'put', key: 'b', value: '2' }, { op: 'delete', key: 'a' }, { op: 'get', key: 'b' }],
      failure: [{ op: 'get', key: 'a' }],
    }], 2);
    expect(r).toMatchObject({ type: 'txn', succeeded: true, revision: 2 });
    expect((r as unknown as { results: unknown[] }).results[2]).toMatchObject({ op: 'get', entry: { value: '2', modifyIndex: 2 } });
    const [r2] = apply(sm, [{ type: 'txn', compare: [{ key: 'a', target: 'modifyIndex', op: '>', value: 0 }], success: [], failure: [{ op: 'range', prefix: '' }] }], 3);
    expect(r2).toMatchObject({ succeeded: false, revision: 2, results: [{ op: 'range', entries: [{ key: 'b' }] }] });
  });

  it('turns malformed commands into error results without changing state', () => {
    const sm = new KvStateMachine();
    const bad = [
      { type: 'put', key: 'a', value: 7 },
      { type: 'cas', key: 'a', value: 'x' },
      { type: 'txn', compare: [], success: new Array(200).fill({ op: 'get', key: 'a' }), failure: [] },
      { type: 'nope' },
    ] as unknown as KvCommand[];
    for (const [i, c] of bad.entries()) expect(sm.apply(c, { index: i + 1, term: 1 })).toMatchObject({ type: 'error', revision: 0 });
    expect(sm.store.size()).toBe(0);
  });

  it('property: matches a plain Map model and survives snapshot/restore at any point', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd/1', 'd/2');
    const val = fc.constantFrom('x', 'y', 'z');
    const cmd: fc.Arbitrary<KvCommand> = fc.oneof(
      fc.record({ type: fc.constant('put' as const), key, value: val }),
      fc.record({ type: fc.constant('delete' as const), key }),
      fc.record({ type: fc.constant('delete-prefix' as const), prefix: fc.constantFrom('d/', 'a', 'zz') }),
      fc.record({ type: fc.constant('cas' as const), key, expect: fc.record({ value: fc.option(val, { nil: null }) }), value: val }),
    );
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 60 }), fc.nat(60), (cmds, snapAt) => {
        let sm = new KvStateMachine();
        const model = new Map<string, string>();
        cmds.forEach((c, i) => {
          if (i === snapAt) {
            const copy = new KvStateMachine();
            copy.restore(JSON.parse(JSON.stringify(sm.snapshot())));
            sm = copy;
          }
          sm.apply(c, { index: i + 1, term: 1 });
          if (c.type === 'put') model.set(c.key, c.value);
          else if (c.type === 'delete') model.delete(c.key);
          else if (c.type === 'delete-prefix') {
            for (const k of [...model.keys()]) if (k.startsWith(c.prefix)) model.delete(k);
          }
          else if (c.type === 'cas' && 'value' in c.expect && (model.get(c.key) ?? null) === c.expect.value) model.set(c.key, c.value);
        });
        expect(Object.fromEntries(sm.store.range('').map((e) => [e.key, e.value]))).toEqual(Object.fromEntries([...model].sort()));
        sm.store.checkOrder();
      }),
      { numRuns: 300 },
    );
  });
});
