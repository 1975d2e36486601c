import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { KvStateMachine, type KvCommand, type KvCommandResult } from '../../src/core/kv/index.ts';
import { KvServer, KV_SERVICE } from '../../src/core/kvserver/index.ts';
import { World, randomStream } from '../../src/sim/index.ts';
import { KvWorkload, keyChooser, type KvWorkloadOptions } from '../../src/sim/workload/index.ts';
import { pairOperations } from '../../src/sim/history.ts';
import { checkLinearizability } from '../../src/sim/checkers/linearizability/index.ts';
import { FakeReplicator } from './fake-replicator.ts';

function run(seed: number, opts: Partial<KvWorkloadOptions> = {}, crashClientAt?: number) {
  const world = new World({
    seed,
    topology: { regions: [{ name: 'r', dcs: [{ name: 'dc', nodes: ['n1', 'c1', 'c2', 'c3'] }] }] },
    latency: { sameDc: { kind: 'uniform', min: ms(0.2), max: ms(1) } },
  });
  world.setup((ctx) => {
    const env = ctx.env(KV_SERVICE);
    const sm = new KvStateMachine();
    const raft = new FakeReplicator<KvCommand, KvCommandResult>(env, sm, ms(1));
    return { server: new KvServer(env, raft, sm.store) };
  }, ['n1']);
  const w = new KvWorkload(world, { clients: ['c1', 'c2', 'c3'], servers: ['n1'], keys: 4, ratePerSec: 200, until: sec(10), ...opts });
  w.install();
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
    const w = run(2, {}, sec(3));
    expect(w.stats.info).toBeGreaterThanOrEqual(1);
    const procs = new Set(w.history.events().map((e) => e.process));
    expect(procs.size).toBeGreaterThan(3);
    expect(checkLinearizability(w.history.events()).valid).toBe(true);
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
