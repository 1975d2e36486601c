/**
 * The composite store never throws on what the network may bring, a refused command changes
 * nothing, and two replicas fed the same entries end in the same state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { CoordStore, type StoreCommand } from '../../src/core/store/index.ts';

const key = fc.constantFrom('a', 'b', 'svc/x', 'svc/y');
const PREFIXES = ['', 'a', 'svc/', 'svc/x', 'zzz'];
const sessionRef = fc.nat(3);
const leaseRef = fc.nat(3);

/** Well-formed commands over a small universe (ids resolved against what exists). */
const cmdArb = fc.oneof(
  fc.record({ t: fc.constant('put'), key, value: fc.string({ maxLength: 3 }) }),
  fc.record({ t: fc.constant('del'), key }),
  fc.record({ t: fc.constant('register'), node: fc.constantFrom('n1', 'n2'), status: fc.constantFrom('passing', 'warning', 'critical') }),
  fc.record({ t: fc.constant('session'), node: fc.constantFrom('n1', 'n2'), delay: fc.constantFrom(0, sec(5)), behavior: fc.constantFrom('release', 'delete') }),
  fc.record({ t: fc.constant('destroy'), s: sessionRef }),
  fc.record({ t: fc.constant('acquire'), key, s: sessionRef }),
  fc.record({ t: fc.constant('release'), key, s: sessionRef }),
  fc.record({ t: fc.constant('grant'), ttl: fc.integer({ min: 1, max: sec(30) }) }),
  fc.record({ t: fc.constant('lput'), key, l: leaseRef }),
  fc.record({ t: fc.constant('expire'), l: leaseRef }),
  fc.record({ t: fc.constant('junk'), v: fc.anything() }),
);

type Spec = typeof cmdArb extends fc.Arbitrary<infer T> ? T : never;

function replay(specs: Spec[], clockStepUs: number) {
  const store = new CoordStore();
  const sessions: string[] = [];
  const leases: string[] = [];
  let index = 0;
  let now = 0;
  const prefixIdx = new Map<string, number>();
  for (const sp of specs) {
    now += clockStepUs;
    let cmd: StoreCommand;
    switch (sp.t) {
      case 'put': cmd = { type: 'kv', cmd: { type: 'put', key: sp.key, value: sp.value } }; break;
      case 'del': cmd = { type: 'kv', cmd: { type: 'delete', key: sp.key } }; break;
      case 'register': cmd = { type: 'catalog.register', node: sp.node, checks: [{ checkId: 'serfHealth', status: sp.status as 'passing' }] }; break;
      case 'session': cmd = { type: 'session.create', input: { node: sp.node, lockDelayUs: sp.delay, behavior: sp.behavior as 'release' } }; break;
      case 'destroy': cmd = { type: 'session.destroy', id: sessions[sp.s] ?? 'none' }; break;
      case 'acquire': cmd = { type: 'kv.acquire', key: sp.key, value: 'v', session: sessions[sp.s] ?? 'none' }; break;
      case 'release': cmd = { type: 'kv.release', key: sp.key, session: sessions[sp.s] ?? 'none' }; break;
      case 'grant': cmd = { type: 'lease.grant', ttlUs: sp.ttl }; break;
      case 'lput': cmd = { type: 'lease.put', key: sp.key, value: 'l', lease: leases[sp.l] ?? 'none' }; break;
      case 'expire': cmd = { type: 'lease.expire', id: leases[sp.l] ?? 'none' }; break;
      default: cmd = sp.v as StoreCommand;
    }
    const before = JSON.stringify({ ...store.snapshot(), appliedIndex: 0, clockUs: 0 });
    const stamped = cmd !== null && typeof cmd === 'object' && !Array.isArray(cmd) ? { ...cmd, atUs: now } : cmd;
    const r = store.apply(stamped as StoreCommand, { index: ++index, term: 1 });
    if (!r.ok) expect(JSON.stringify({ ...store.snapshot(), appliedIndex: 0, clockUs: 0 })).toBe(before);
    if (r.ok && r.type === 'session.create') sessions.push(r.session.id);
    if (r.ok && r.type === 'lease.grant') leases.push(r.lease.id);
    // A prefix's index never goes back (deletions count, through tombstones).
    for (const p of PREFIXES) {
      const idx = store.kvIndex(p);
      expect(idx).toBeGreaterThanOrEqual(prefixIdx.get(p) ?? 0);
      prefixIdx.set(p, idx);
    }
    store.checkInvariants();
    // Invariants across services, after every entry.
    for (const e of store.kv.range('')) {
      if (e.session !== undefined) expect(store.sessions.get(e.session)).toBeDefined();
      if (e.lease !== undefined) expect(store.leases.has(e.lease)).toBe(true);
    }
  }
  return store;
}

describe('composite store properties', () => {
  it('never throws, refused commands change nothing, locks and leases only point at live sessions and leases', () => {
    fc.assert(fc.property(fc.array(cmdArb, { maxLength: 80 }), (specs) => void replay(specs, 1_000_000)), { numRuns: 300 });
  });

  it('two replicas applying the same entries reach the same state, and snapshot/restore is exact', () => {
    fc.assert(
      fc.property(fc.array(cmdArb.filter((c) => c.t !== 'junk'), { maxLength: 80 }), fc.integer({ min: 0, max: sec(3) }), (specs, step) => {
        const a = replay(specs, step);
        const b = replay(specs, step);
        expect(b.snapshot()).toEqual(a.snapshot());
        const c = new CoordStore();
        c.restore(structuredClone(a.snapshot()));
        expect(c.snapshot()).toEqual(a.snapshot());
      }),
      { numRuns: 200 },
    );
  });
});
