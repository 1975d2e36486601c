/**
 * Sessions and locks, Consul style, on the composite store applied directly (pure state
 * machine: no Raft, no clock; `atUs` plays the leader's clock).
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { CoordStore, type StoreCommand, type StoreResult } from '../../src/core/store/index.ts';

function harness() {
  const store = new CoordStore();
  let index = 0;
  const apply = (cmd: StoreCommand): StoreResult => store.apply(cmd, { index: ++index, term: 1 });
  const register = (node: string) =>
    apply({ type: 'catalog.register', node, address: '10.0.0.1', checks: [{ checkId: 'serfHealth', status: 'passing' }] });
  const session = (node: string, extra: Partial<Extract<StoreCommand, { type: 'session.create' }>['input']> = {}, atUs = 0): string => {
    const r = apply({ type: 'session.create', input: { node, ...extra }, atUs });
    if (!r.ok || r.type !== 'session.create') throw new Error(`session.create failed: ${JSON.stringify(r)}`);
    return r.session.id;
  };
  const acquire = (key: string, s: string, atUs: number, value = 'v') => {
    const r = apply({ type: 'kv.acquire', key, value, session: s, atUs });
    if (r.type !== 'kv.acquire' || !r.ok) throw new Error(`acquire failed: ${JSON.stringify(r)}`);
    return r;
  };
  return { store, apply, register, session, acquire };
}

describe('Consul sessions', () => {
  it('needs a registered node and a non-critical bound check', () => {
    const h = harness();
    expect(h.apply({ type: 'session.create', input: { node: 'n1' } })).toMatchObject({ ok: false, error: 'Missing node registration' });
    h.apply({ type: 'catalog.register', node: 'n1', checks: [{ checkId: 'serfHealth' }] }); // starts critical
    expect(h.apply({ type: 'session.create', input: { node: 'n1' } })).toMatchObject({ ok: false, error: "Check 'serfHealth' is in critical state" });
    h.apply({ type: 'check.update', node: 'n1', checkId: 'serfHealth', status: 'passing', output: '' });
    expect(h.apply({ type: 'session.create', input: { node: 'n1' } })).toMatchObject({ ok: true });
  });

  it('accepts TTLs from 10 s to 24 h, defaults LockDelay to 15 s and caps it at 60 s', () => {
    const h = harness();
    h.register('n1');
    expect(h.apply({ type: 'session.create', input: { node: 'n1', ttlUs: sec(9) } }).ok).toBe(false);
    expect(h.apply({ type: 'session.create', input: { node: 'n1', ttlUs: sec(24 * 3600 + 1) } }).ok).toBe(false);
    const id = h.session('n1', { ttlUs: sec(10) });
    expect(h.store.sessions.get(id)).toMatchObject({ ttlUs: sec(10), lockDelayUs: sec(15), behavior: 'release', checks: ['serfHealth'] });
    const capped = h.session('n1', { lockDelayUs: sec(600) });
    expect(h.store.sessions.get(capped)!.lockDelayUs).toBe(sec(60));
  });

  it('session ids are derived from the Raft index: deterministic and unique', () => {
    const a = harness();
    const b = harness();
    for (const h of [a, b]) h.register('n1');
    const ida = [a.session('n1'), a.session('n1')];
    const idb = [b.session('n1'), b.session('n1')];
    expect(ida).toEqual(idb);
    expect(new Set(ida).size).toBe(2);
  });
});

describe('KV acquire / release', () => {
  it('LockIndex counts acquisitions and is the fencing token', () => {
    const h = harness();
    h.register('n1');
    const s1 = h.session('n1', { lockDelayUs: 0 });
    const s2 = h.session('n1', { lockDelayUs: 0 });
    const a = h.acquire('svc/leader', s1, 0);
    expect(a).toMatchObject({ acquired: true, entry: { lockIndex: 1, session: s1 } });
    // Another session cannot take it.
    expect(h.acquire('svc/leader', s2, 0)).toMatchObject({ acquired: false });
    // The holder re-acquiring updates the value, not LockIndex.
    expect(h.acquire('svc/leader', s1, 0, 'v2')).toMatchObject({ acquired: true, entry: { lockIndex: 1, value: 'v2' } });
    // A non-holder cannot release.
    expect(h.apply({ type: 'kv.release', key: 'svc/leader', session: s2 })).toMatchObject({ released: false });
    expect(h.apply({ type: 'kv.release', key: 'svc/leader', session: s1 })).toMatchObject({ released: true, entry: { lockIndex: 1 } });
    expect(h.store.kv.get('svc/leader')!.session).toBeUndefined();
    expect(h.acquire('svc/leader', s2, 0)).toMatchObject({ acquired: true, entry: { lockIndex: 2, session: s2 } });
  });

  it('an invalidated session releases its locks, and lock-delay blocks re-acquisition until it passes', () => {
    const h = harness();
    h.register('n1');
    const s1 = h.session('n1', { lockDelayUs: sec(15) });
    const s2 = h.session('n1');
    h.acquire('k', s1, sec(1));
    h.apply({ type: 'session.invalidate', id: s1, reason: 'ttl expired', atUs: sec(2) });
    expect(h.store.kv.get('k')!.session).toBeUndefined();
    expect(h.store.kv.get('k')!.lockIndex).toBe(1);
    expect(h.acquire('k', s2, sec(16.9))).toMatchObject({ acquired: false });
    expect(h.acquire('k', s2, sec(17))).toMatchObject({ acquired: true, entry: { lockIndex: 2 } });
  });

  it('behavior delete removes the held keys', () => {
    const h = harness();
    h.register('n1');
    const s = h.session('n1', { behavior: 'delete' });
    h.acquire('a', s, 0);
    h.acquire('b', s, 0);
    h.apply({ type: 'session.destroy', id: s });
    expect(h.store.kv.get('a')).toBeUndefined();
    expect(h.store.kv.get('b')).toBeUndefined();
  });

  it('a session dies when its bound check goes critical or its node is deregistered', () => {
    const h = harness();
    h.register('n1');
    h.register('n2');
    const s1 = h.session('n1', { lockDelayUs: 0 });
    const s2 = h.session('n2', { lockDelayUs: 0 });
    h.acquire('x', s1, 0);
    h.apply({ type: 'check.update', node: 'n1', checkId: 'serfHealth', status: 'warning', output: '' });
    expect(h.store.sessions.get(s1)).toBeDefined(); // warning does not kill
    h.apply({ type: 'check.update', node: 'n1', checkId: 'serfHealth', status: 'critical', output: 'down' });
    expect(h.store.sessions.get(s1)).toBeUndefined();
    expect(h.store.kv.get('x')!.session).toBeUndefined();
    h.apply({ type: 'catalog.deregister', node: 'n2' });
    expect(h.store.sessions.get(s2)).toBeUndefined();
  });

  it('acquire with an unknown session is refused', () => {
    const h = harness();
    expect(h.apply({ type: 'kv.acquire', key: 'k', value: '', session: 'nope' })).toMatchObject({ ok: false, error: 'invalid session' });
  });

  it('snapshot and restore keep locks, sessions and lock delays', () => {
    const h = harness();
    h.register('n1');
    const s1 = h.session('n1');
    const s2 = h.session('n1');
    h.acquire('k', s1, sec(1));
    h.acquire('held', s2, sec(1));
    h.apply({ type: 'session.destroy', id: s1, atUs: sec(2) });
    const copy = new CoordStore();
    copy.restore(structuredClone(h.store.snapshot()));
    expect(copy.snapshot()).toEqual(h.store.snapshot());
    expect(copy.keysHeldBy(s2)).toEqual(['held']);
    expect(copy.sessions.lockDelayUntil('k')).toBe(sec(17));
  });
});
