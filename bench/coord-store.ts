/**
 * Apply throughput of the composite store (wall clock, one core): how many commands per
 * second each service's state machine applies, and snapshot / restore cost.
 * Run: node bin/run-ts.js bench/coord-store.ts [n]
 */
import { sec } from '../src/core/env.ts';
import { CoordStore, type StoreCommand } from '../src/core/store/index.ts';

const N = Number(process.argv[2] ?? 50_000);

function timeIt(name: string, setup: (s: CoordStore, apply: (c: StoreCommand) => unknown) => (i: number, apply: (c: StoreCommand) => unknown) => void) {
  const store = new CoordStore();
  let index = 0;
  const apply = (c: StoreCommand) => store.apply(c, { index: ++index, term: 1 });
  const step = setup(store, apply);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) step(i, apply);
  const ns = Number(process.hrtime.bigint() - t0);
  return { name, opsPerSec: Math.round((N / ns) * 1e9), store };
}

const rows = [
  timeIt('kv put', () => (i, apply) => apply({ type: 'kv', cmd: { type: 'put', key: `k/${i % 5000}`, value: 'v' } })),
  timeIt('kv.acquire + kv.release', (_s, apply) => {
    apply({ type: 'catalog.register', node: 'n', checks: [{ checkId: 'serfHealth', status: 'passing' }] });
    const r = apply({ type: 'session.create', input: { node: 'n', lockDelayUs: 0 } }) as { session: { id: string } };
    const sid = r.session.id;
    return (i, a) => {
      a({ type: 'kv.acquire', key: `lock/${i % 100}`, value: '', session: sid });
      a({ type: 'kv.release', key: `lock/${i % 100}`, session: sid });
    };
  }),
  timeIt('lease grant + 2 puts + expire', () => (i, apply) => {
    const r = apply({ type: 'lease.grant', ttlUs: sec(10) }) as { lease: { id: string } };
    apply({ type: 'lease.put', key: `svc/${i}/a`, value: 'x', lease: r.lease.id });
    apply({ type: 'lease.put', key: `svc/${i}/b`, value: 'x', lease: r.lease.id });
    apply({ type: 'lease.expire', id: r.lease.id });
  }),
  timeIt('zk create seq + delete', (_s, apply) => {
    const r = apply({ type: 'zk.session.create', timeoutUs: sec(10) }) as { session: string };
    apply({ type: 'zk.op', session: r.session, op: { op: 'create', path: '/q', data: '', mode: 'persistent' } });
    return (_i, a) => {
      const c = a({ type: 'zk.op', session: r.session, op: { op: 'create', path: '/q/n-', data: 'x', mode: 'persistent_sequential' } }) as { result: { value: { path: string } } };
      a({ type: 'zk.op', session: r.session, op: { op: 'delete', path: c.result.value.path, version: -1 } });
    };
  }),
  timeIt('check.update (flip)', (_s, apply) => {
    apply({ type: 'catalog.register', node: 'n', service: { id: 'web', service: 'web' }, checks: [{ checkId: 'c', serviceId: 'web' }] });
    return (i, a) => a({ type: 'check.update', node: 'n', checkId: 'c', status: i % 2 ? 'passing' : 'warning', output: '' });
  }),
];
console.log(`coord store apply throughput, ${N} iterations each (wall clock)`);
console.log(['workload'.padEnd(32), 'iterations/s'].join('\t'));
for (const r of rows) console.log([r.name.padEnd(32), String(r.opsPerSec)].join('\t'));

const big = rows[0]!.store;
const t0 = process.hrtime.bigint();
const snap = structuredClone(big.snapshot());
const t1 = process.hrtime.bigint();
new CoordStore().restore(snap);
const t2 = process.hrtime.bigint();
console.log(`snapshot of ${big.kv.size()} keys: ${(Number(t1 - t0) / 1e6).toFixed(1)} ms (with clone), restore: ${(Number(t2 - t1) / 1e6).toFixed(1)} ms`);
