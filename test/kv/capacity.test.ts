// The KV key bound is a refusal, not a crash (issue 15, point 3): a command that would create a
// key past it is answered with an error and changes nothing, decided from replicated state only,
// so every replica applies the same no-op and a poison entry cannot take the cluster down.
// Without src/core/kv/capacity.ts these commands hit KvStore's assert (InvariantError) on apply.
import { describe, expect, it } from 'vitest';
import { KvStateMachine, KvStore, KV_MAX_KEYS } from '../../src/core/kv/index.ts';
import { CoordStore, type StoreCommand, type StoreResult } from '../../src/core/store/index.ts';

describe('KvStateMachine at the key bound', () => {
  it('refuses a new key with an error and no change; updates and deletes still work', () => {
    const sm = new KvStateMachine(new KvStore(3));
    let index = 0;
    const apply = (cmd: Parameters<KvStateMachine['apply']>[0]) => sm.apply(cmd, { index: ++index, term: 1 });
    for (const k of ['a', 'b', 'c']) expect(apply({ type: 'put', key: k, value: '1' }).type).toBe('put');
    const rev = sm.store.revision();
    expect(apply({ type: 'put', key: 'd', value: '1' })).toEqual({ type: 'error', revision: rev, reason: 'kv store full (3 keys)' });
    expect(apply({ type: 'cas', key: 'e', expect: { value: null }, value: '1' })).toMatchObject({ type: 'error', reason: 'kv store full (3 keys)' });
    expect(apply({ type: 'txn', compare: [], success: [{ op: 'put', key: 'a', value: '2' }, { op: 'put', key: 'z', value: '2' }], failure: [] }).type).toBe('error');
    expect(sm.store.size()).toBe(3);
    expect(sm.store.get('a')!.value).toBe('1'); // the refused txn changed nothing
    expect(apply({ type: 'put', key: 'a', value: '3' }).type).toBe('put');
    expect(apply({ type: 'delete', key: 'b' }).type).toBe('delete');
    expect(apply({ type: 'put', key: 'd', value: '1' }).type).toBe('put');
  });

  it('the default bound is the documented one', () => {
    expect(new KvStore().maxKeys).toBe(KV_MAX_KEYS);
  });
});

describe('CoordStore at the key bound', () => {
  function harness() {
    const store = new CoordStore({ kvMaxKeys: 2 });
    let index = 0;
    const apply = (cmd: StoreCommand): StoreResult => store.apply(cmd, { index: ++index, term: 1 });
    apply({ type: 'catalog.register', node: 'n1', address: '10.0.0.1', checks: [{ checkId: 'serfHealth', status: 'passing' }] });
    return { store, apply };
  }

  it('refuses every command that would create a key past it, identically on two replicas', () => {
    const replicas = [harness(), harness()];
    const outcomes = replicas.map(({ store, apply }) => {
      const s = apply({ type: 'session.create', input: { node: 'n1' } });
      const session = s.ok && s.type === 'session.create' ? s.session.id : '';
      const lease = apply({ type: 'lease.grant', ttlUs: 60_000_000 });
      const leaseId = lease.ok && lease.type === 'lease.grant' ? lease.lease.id : '';
      const results = [
        apply({ type: 'kv', cmd: { type: 'put', key: 'a', value: '1' } }),
        apply({ type: 'kv', cmd: { type: 'put', key: 'b', value: '1' } }),
        apply({ type: 'kv', cmd: { type: 'put', key: 'c', value: '1' } }),
        apply({ type: 'kv.acquire', key: 'lock', value: 'x', session }),
        apply({ type: 'lease.put', key: 'leased', value: 'x', lease: leaseId }),
        apply({ type: 'kv.txn', ops: [{ verb: 'set', key: 'a', value: '2' }, { verb: 'set', key: 'new', value: '2' }] }),
        apply({ type: 'kv.acquire', key: 'a', value: 'mine', session }), // an existing key: fine
      ];
      return { results, keys: store.kv.range('').map((e) => `${e.key}=${e.value}`) };
    });
    const [one, two] = outcomes as [(typeof outcomes)[number], (typeof outcomes)[number]];
    expect(JSON.stringify(one)).toBe(JSON.stringify(two));
    const [a, b, c, lock, leased, txn, relock] = one.results;
    expect([a!.ok, b!.ok]).toEqual([true, true]);
    expect(c).toMatchObject({ type: 'kv', ok: true, result: { type: 'error', reason: 'kv store full (2 keys)' } });
    for (const r of [lock, leased, txn]) expect(r).toMatchObject({ ok: false, error: 'kv store full (2 keys)' });
    expect(relock).toMatchObject({ type: 'kv.acquire', ok: true, acquired: true });
    expect(one.keys).toEqual(['a=mine', 'b=1']);
  });
});
