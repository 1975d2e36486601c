import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { KvStateMachine, type KvCommand, type KvCommandResult } from '../../src/core/kv/index.ts';
import { KvServer, KV_SERVICE } from '../../src/core/kvserver/index.ts';
import { KvClient } from '../../src/core/kvclient/index.ts';
import { World, randomStream } from '../../src/sim/index.ts';
import { KvWorkload, keyChooser, type KvWorkloadOptions } from '../../src/sim/workload/index.ts';
import { pairOperations } from '../../src/sim/history.ts';
import { checkLinearizability } from '../../src/sim/checkers/linearizability/index.ts';
import { FakeReplicator } from './fake-replicator.ts';

/** With `external`, the clients are built as part of each client node's own app and found through clientOf (as the scenario runner does). */
function run(seed: number, opts: Partial<KvWorkloadOptions> = {}, crashClientAt?: number, external = false) {
  const world = World.lan(['n1', 'c1', 'c2', 'c3'], seed, { dc: 'dc', latency: { sameDc: { kind: 'uniform', min: ms(0.2), max: ms(1) } } });
  world.setup((ctx) => {
    const env = ctx.env(KV_SERVICE);
    const sm = new KvStateMachine();
    const raft = new FakeReplicator<KvCommand, KvCommandResult>(env, sm, ms(1));
    return { server: new KvServer(env, raft, sm.store) };
  }, ['n1']);
  const clients = ['c1', 'c2', 'c3'];
  if (external) world.setup((ctx) => ({ parts: { kv: new KvClient(ctx.env(KV_SERVICE), { servers: ['n1'] }) } }), clients);
  const clientOf = external ? (node: string) => world.app<{ parts: { kv: KvClient } }>(node)?.parts.kv : undefined;
  const w = new KvWorkload(world, { clients, servers: ['n1'], keys: 4, ratePerSec: 200, until: sec(10), ...(clientOf ? { clientOf } : {}), ...opts });
  if (!external) w.install();
  world.start();
  w.start();
  if (crashClientAt !== undefined) {
    // Crash c2 (process 1 until then) while it has an operation open.
    world.run(crashClientAt);
    expect(world.runUntil(() => w.history.isOpen(1), sec(5))).toBe(true);
    world.inject({ kind: 'crash', node: 'c2', for: sec(2) });
  }
  world.run(sec(12));
  w.finish();
  return w;
}

describe('KvWorkload', () => {
  it('is deterministic: the same seed gives the same history, another seed another', () => {
    const a = run(5).history.toJsonLines();
    expect(run(5).history.toJsonLines()).toBe(a);
    expect(run(6).history.toJsonLines()).not.toBe(a);
  });

  it('keeps the target rate, the op mix, and produces a linearizable history against one honest server', () => {
    const w = run(1);
    // 200 ops/s for 10 s, each client waiting an exponential think time after each op.
    expect(w.stats.invoked).toBeGreaterThan(1700);
    expect(w.stats.invoked).toBeLessThan(2100);
    const ops = pairOperations(w.history.events());
    const share = (f: string) => ops.filter((o) => o.f === f).length / ops.length;
    expect(share('read')).toBeGreaterThan(0.4);
    expect(share('read')).toBeLessThan(0.6);
    expect(share('cas')).toBeGreaterThan(0.1);
    expect(ops.some((o) => o.f === 'cas' && o.status === 'ok')).toBe(true);
    expect(ops.some((o) => o.f === 'cas' && o.status === 'fail')).toBe(true);
    expect(checkLinearizability(w.history.events()).valid).toBe(true);
  });

  it('a client crash with an op open closes it as info and continues under a new process', () => {
    for (const external of [false, true]) {
      const w = run(2, {}, sec(3), external);
      expect(w.stats.info).toBeGreaterThanOrEqual(1);
      const procs = new Set(w.history.events().map((e) => e.process));
      expect(procs.size).toBeGreaterThan(3);
      // The crashed client's loop went on after its restart: c2's new process issued ops.
      expect(w.history.events().some((e) => e.process >= 3 && e.type === 'invoke')).toBe(true);
      expect(checkLinearizability(w.history.events()).valid).toBe(true);
    }
  });

  it('finds client cores built elsewhere through clientOf: same rate, a linearizable history', () => {
    const w = run(1, {}, undefined, true);
    expect(w.stats.invoked).toBeGreaterThan(1700);
    expect(w.stats.invoked).toBeLessThan(2100);
    expect(checkLinearizability(w.history.events()).valid).toBe(true);
    expect(run(1, {}, undefined, true).history.toJsonLines()).toBe(w.history.toJsonLines());
  });

  it('counts completed and answered ops (a CAS mismatch is an answer) for the availability check', () => {
    const w = run(1);
    const { ok, fail, info, completed, answered } = w.stats;
    expect(completed).toBe(ok + fail + info);
    const ops = pairOperations(w.history.events());
    const mismatches = ops.filter((o) => o.f === 'cas' && o.status === 'fail').length;
    expect(mismatches).toBeGreaterThan(0);
    // Against one honest server nothing times out: every completed op was answered.
    expect(answered).toBe(ok + mismatches);
    expect(answered).toBe(completed);
  });

  it('an operation of weight 0 is never drawn; the others keep their shares', () => {
    const w = run(3, { mix: { read: 45, write: 40, cas: 15, delete: 0 } });
    const ops = pairOperations(w.history.events());
    expect(ops.some((o) => o.f === 'delete')).toBe(false);
    const share = (f: string) => ops.filter((o) => o.f === f).length / ops.length;
    expect(share('read')).toBeGreaterThan(0.35);
    expect(share('read')).toBeLessThan(0.55);
    expect(share('cas')).toBeGreaterThan(0.08);
  });

  it('zipf keys are skewed towards the first keys; uniform ones are flat', () => {
    const count = (kind: 'uniform' | 'zipf') => {
      const pick = keyChooser(10, kind === 'zipf' ? { kind, s: 0.99 } : { kind }, randomStream(3, kind));
      const c = new Array<number>(10).fill(0);
      for (let i = 0; i < 20_000; i++) c[pick()]!++;
      return c;
    };
    const z = count('zipf');
    expect(z[0]! / z[9]!).toBeGreaterThan(6); // ≈ 10^0.99
    expect(z[0]!).toBeGreaterThan(z[1]!);
    const u = count('uniform');
    expect(Math.max(...u) / Math.min(...u)).toBeLessThan(1.2);
  });
});
