/**
 * The Consul-style catalog with health checks and blocking reads, on a simulated cluster.
 */
import { describe, expect, it } from 'vitest';
import { sec, type Micros } from '../../src/core/env.ts';
import type { CheckStatus, HealthEntry, Probe, ProbeSpec, RpcOp, RpcResult } from '../../src/core/coord/index.ts';
import type { StoreResult } from '../../src/core/store/index.ts';
import { CoordCluster } from './cluster.ts';
import { call } from './sim-helpers.ts';

/** The simulator's probe: a scripted target whose health the test sets. */
class ScriptedProbe implements Probe {
  constructor(private readonly targets: Map<string, CheckStatus>) {}
  run(spec: ProbeSpec, _timeoutUs: Micros, done: (s: CheckStatus, out: string) => void): void {
    const s = spec.kind === 'scripted' ? (this.targets.get(spec.target) ?? 'critical') : 'critical';
    done(s, `target says ${s}`);
  }
}

function setup(seed: number, targets = new Map<string, CheckStatus>()) {
  const c = new CoordCluster({ seed, clients: ['c1'], probe: () => new ScriptedProbe(targets) }).start();
  c.waitLeader();
  const rpc = c.client('c1').rpc;
  const w = c.world;
  const op = (o: RpcOp): RpcResult => call<[RpcResult]>(w, (d) => rpc.call(o, d), sec(700))[0];
  const propose = (cmd: Extract<RpcOp, { kind: 'propose' }>['cmd']): StoreResult => {
    const r = op({ kind: 'propose', cmd });
    if (!r.ok) throw new Error(`propose failed: ${JSON.stringify(r)}`);
    return r.value as StoreResult;
  };
  const health = (service: string, passingOnly = true) => {
    const r = op({ kind: 'health', service, passingOnly, consistent: true });
    if (!r.ok) throw new Error('health failed');
    return (r.value as HealthEntry[]).map((e) => e.service.id);
  };
  return { c, w, rpc, op, propose, health };
}

describe('catalog and health checks', () => {
  it('a new check starts critical; TTL checks pass, then go critical when not updated within the TTL', () => {
    const { w, propose, health } = setup(31);
    propose({
      type: 'catalog.register',
      node: 'web-a',
      address: '10.0.0.10',
      service: { id: 'web-1', service: 'web', tags: ['v1'], port: 8080, meta: { zone: 'a' } },
      checks: [{ checkId: 'web-1-ttl', serviceId: 'web-1', definition: { ttlUs: sec(10) } }],
    });
    expect(health('web', false)).toEqual(['web-1']);
    expect(health('web')).toEqual([]); // critical at birth
    propose({ type: 'check.update', node: 'web-a', checkId: 'web-1-ttl', status: 'passing', output: 'ok' });
    expect(health('web')).toEqual(['web-1']);
    w.runFor(sec(9));
    expect(health('web')).toEqual(['web-1']);
    w.runFor(sec(2));
    expect(health('web')).toEqual([]);
  });

  it('DeregisterCriticalServiceAfter removes a service whose check stays critical', () => {
    const { w, propose, health } = setup(32);
    propose({
      type: 'catalog.register',
      node: 'web-b',
      service: { id: 'web-2', service: 'web' },
      checks: [{ checkId: 'c', serviceId: 'web-2', definition: { ttlUs: sec(10), deregisterCriticalServiceAfterUs: sec(60) } }],
    });
    w.runFor(sec(59));
    expect(health('web', false)).toEqual(['web-2']);
    w.runFor(sec(2));
    expect(health('web', false)).toEqual([]);
  });

  it('node-run checks: the owning node probes the target and the catalog follows it', () => {
    const targets = new Map<string, CheckStatus>([['db', 'passing']]);
    const { w, propose, health } = setup(33, targets);
    propose({
      type: 'catalog.register',
      node: 'n2',
      service: { id: 'db-1', service: 'db', port: 5432 },
      checks: [{ checkId: 'db-probe', serviceId: 'db-1', definition: { intervalUs: sec(1), probe: { kind: 'scripted', target: 'db' } } }],
    });
    w.runFor(sec(2));
    expect(health('db')).toEqual(['db-1']);
    targets.set('db', 'critical');
    w.runFor(sec(2));
    expect(health('db')).toEqual([]);
    targets.set('db', 'passing');
    w.runFor(sec(2));
    expect(health('db')).toEqual(['db-1']);
  });
});

describe('node-run check bound', () => {
  it('a catalog with more node-run checks than the runner runs: the excess is not run, and nothing throws', () => {
    let runs = 0;
    const counting: Probe = { run: (_s, _t, done) => (runs++, done('passing', '')) };
    const c = new CoordCluster({ seed: 35, clients: ['c1'], probe: () => counting }).start();
    c.waitLeader();
    const rpc = c.client('c1').rpc;
    for (let b = 0; b < 11; b++) {
      const cmd = {
        type: 'catalog.register' as const,
        node: 'n2',
        checks: Array.from({ length: 100 }, (_, i) => ({ checkId: `p${b * 100 + i}`, definition: { intervalUs: sec(60), probe: { kind: 'scripted' as const, target: 't' } } })),
      };
      expect(call<[RpcResult]>(c.world, (d) => rpc.call({ kind: 'propose', cmd }, d), sec(700))[0].ok).toBe(true);
    }
    c.world.runFor(sec(5));
    // Each check runs once at once (then every 60 s): 1,000 of the 1,100, the runner's bound.
    expect(runs).toBe(1000);
  });
});

describe('blocking reads', () => {
  it('a read at index N waits for a change past N, and returns at the wait time otherwise', () => {
    const { w, rpc, op, propose } = setup(34);
    propose({ type: 'catalog.register', node: 'x', service: { id: 's1', service: 'api' } });
    const first = op({ kind: 'health', service: 'api', consistent: true });
    expect(first.ok).toBe(true);
    const n = (first as { index: number }).index;
    expect(n).toBeGreaterThan(0);
    // Nothing changes: returns after ~the wait (plus at most wait/16 of jitter) with the same index.
    const t0 = w.now();
    const idle = op({ kind: 'health', service: 'api', minIndex: n, waitUs: sec(5) });
    expect((idle as { index: number }).index).toBe(n);
    expect(w.now() - t0).toBeGreaterThanOrEqual(sec(5));
    expect(w.now() - t0).toBeLessThan(sec(5) + sec(5) / 16 + sec(0.1));
    // A change wakes the blocked read with a newer index.
    let woke: RpcResult | undefined;
    rpc.call({ kind: 'health', service: 'api', minIndex: n, waitUs: sec(60) }, (r) => (woke = r));
    w.runFor(sec(3));
    expect(woke).toBeUndefined();
    propose({ type: 'catalog.register', node: 'y', service: { id: 's2', service: 'api' } });
    w.runUntil(() => woke !== undefined, w.now() + sec(5));
    expect(woke!.ok).toBe(true);
    expect((woke as { index: number }).index).toBeGreaterThan(n);
    expect(((woke as { value: HealthEntry[] }).value).map((e) => e.service.id)).toEqual(['s1', 's2']);
  });
});

describe('reads over RPC', () => {
  it('session info / list, catalog services and nodes, each with the index it reflects', () => {
    const { op, propose } = setup(35);
    propose({ type: 'catalog.register', node: 'app-1', checks: [{ checkId: 'serfHealth', status: 'passing' }], service: { id: 'api-1', service: 'api', tags: ['b', 'a'] } });
    const created = propose({ type: 'session.create', input: { node: 'app-1', name: 'leader-lock', ttlUs: sec(15) } });
    if (created.type !== 'session.create' || !created.ok) throw new Error('create failed');
    const info = op({ kind: 'session.info', id: created.session.id, consistent: true });
    expect(info).toMatchObject({ ok: true, value: { name: 'leader-lock', node: 'app-1', ttlUs: sec(15), behavior: 'release' } });
    expect((info as { index: number }).index).toBeGreaterThanOrEqual(created.session.createIndex);
    expect(op({ kind: 'session.list', node: 'app-1', consistent: true })).toMatchObject({ ok: true, value: [{ id: created.session.id }] });
    expect(op({ kind: 'session.list', node: 'other', consistent: true })).toMatchObject({ ok: true, value: [] });
    expect(op({ kind: 'catalog.services', consistent: true })).toMatchObject({ ok: true, value: { api: ['a', 'b'] } });
    expect(op({ kind: 'catalog.nodes', consistent: true })).toMatchObject({ ok: true, value: [{ node: 'app-1' }] });
  });
});

describe('Consul-style leader election bound to a health check (example)', () => {
  it('when the holder node\'s check goes critical its session dies, the lock is released, and after the lock delay another client takes it', () => {
    const targets = new Map<string, CheckStatus>([['app-on-n2', 'passing']]);
    const { w, rpc, propose } = setup(36, targets);
    // n2 runs a node-level check on its app; c1's session is bound to it.
    propose({ type: 'catalog.register', node: 'n2', checks: [{ checkId: 'app', status: 'passing', definition: { intervalUs: sec(1), probe: { kind: 'scripted', target: 'app-on-n2' } } }] });
    propose({ type: 'catalog.register', node: 'n3', checks: [{ checkId: 'serfHealth', status: 'passing' }] });
    const s1 = propose({ type: 'session.create', input: { node: 'n2', checks: ['app'], lockDelayUs: sec(5), name: 'leader' } });
    const s2 = propose({ type: 'session.create', input: { node: 'n3', name: 'leader' } });
    if (s1.type !== 'session.create' || !s1.ok || s2.type !== 'session.create' || !s2.ok) throw new Error('sessions');
    const acquire = (session: string) => propose({ type: 'kv.acquire', key: 'service/web/leader', value: session, session });
    expect(acquire(s1.session.id)).toMatchObject({ acquired: true, entry: { lockIndex: 1 } });
    expect(acquire(s2.session.id)).toMatchObject({ acquired: false });
    const t0 = w.now();
    targets.set('app-on-n2', 'critical');
    // Poll like a contender would; record when it gets the lock.
    let got = -1;
    const poll = () =>
      rpc.call({ kind: 'propose', cmd: { type: 'kv.acquire', key: 'service/web/leader', value: 'n3', session: s2.session.id } }, (r) => {
        const v = r.ok ? (r.value as StoreResult) : undefined;
        if (v?.type === 'kv.acquire' && v.ok && v.acquired) got = w.now();
        else w.after(sec(0.5), poll);
      });
    poll();
    w.runUntil(() => got >= 0, w.now() + sec(30));
    expect(got).toBeGreaterThan(0);
    // The probe needs up to 1 s to notice, then the 5 s lock delay runs.
    expect(got - t0).toBeGreaterThanOrEqual(sec(5));
    expect(got - t0).toBeLessThan(sec(8));
  });
});

describe('blocking KV reads (Consul semantics: the index is the prefix\'s)', () => {
  it('a write elsewhere does not wake a prefix watch; a delete under the prefix does, with a newer index', () => {
    const { w, rpc, op, propose } = setup(37);
    propose({ type: 'kv', cmd: { type: 'put', key: 'cfg/a', value: '1' } });
    const first = op({ kind: 'kv.range', prefix: 'cfg/', consistent: true }) as { index: number };
    let woke: RpcResult | undefined;
    rpc.call({ kind: 'kv.range', prefix: 'cfg/', minIndex: first.index, waitUs: sec(60) }, (r) => (woke = r));
    propose({ type: 'kv', cmd: { type: 'put', key: 'other/x', value: '1' } });
    w.runFor(sec(2));
    expect(woke).toBeUndefined();
    propose({ type: 'kv', cmd: { type: 'delete', key: 'cfg/a' } });
    w.runUntil(() => woke !== undefined, w.now() + sec(5));
    expect(woke).toMatchObject({ ok: true, value: [] });
    expect((woke as { index: number }).index).toBeGreaterThan(first.index);
  });
});
