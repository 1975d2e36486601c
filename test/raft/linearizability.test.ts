/**
 * KV histories through Raft are linearizable under generated faults: clients write, CAS and read
 * (reads after a ReadIndex barrier on the node that answered it) a few keys through whoever leads;
 * the history goes to the P-compositional linearizability checker. A variant that reads stale local
 * state is shown to be caught.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ms, sec, type NodeId } from '../../src/core/env.ts';
import { KvStateMachine, type KvCommand, type KvCommandResult } from '../../src/core/kv/index.ts';
import { RaftNode, type RaftConfig } from '../../src/core/raft/index.ts';
import type { ReadOptions } from '../../src/core/raft/api.ts';
import { checkLinearizability, describeLinearizability } from '../../src/sim/checkers/linearizability/index.ts';
import { RaftSafetyChecker } from '../../src/sim/checkers/raft-safety.ts';
import { HistoryRecorder } from '../../src/sim/history.ts';
import { World, type ScheduledFault } from '../../src/sim/index.ts';
import { faultSchedule } from './faults.ts';

interface KvApp {
  raft: RaftNode<KvCommand, KvCommandResult>;
  sm: KvStateMachine;
  start(): void;
}

const KEYS = ['a', 'b', 'c'];
/** RAFT_LIN_RUNS=200 for a soak. */
const RUNS = Number(process.env.RAFT_LIN_RUNS ?? 0);

/** readsAnywhere: reads go to a random live node (stale reads or follower ReadIndex), not the leader. */
function runKv(ids: NodeId[], seed: number, schedule: readonly ScheduledFault[], raft: Partial<RaftConfig> = {}, readsAnywhere = false, readOpts?: ReadOptions) {
  const world = World.lan(ids, seed, {
    dc: 'dc',
    latency: { sameDc: { kind: 'uniform', min: ms(0.5), max: ms(3) } },
    network: { loss: 0.01, duplicate: 0.01, reorder: 0.05 },
  });
  const checker = new RaftSafetyChecker();
  world.setup<KvApp>((ctx) => {
    const sm = new KvStateMachine();
    const r = new RaftNode<KvCommand, KvCommandResult>(ctx.env('raft'), sm, { voters: ids, ...raft });
    checker.attach(r);
    return { raft: r, sm, start: () => r.start() };
  });
  world.start();
  world.schedule(schedule);
  const h = new HistoryRecorder();
  const rng = world.rng('clients');
  let nextProcess = 0;
  let counter = 0;
  const endAt = sec(9);
  const leader = (): KvApp | undefined => {
    let best: KvApp | undefined;
    for (const id of ids) {
      const a = world.isUp(id) ? world.app<KvApp>(id) : undefined;
      if (a?.raft.isLeader() && (!best || a.raft.term() > best.raft.term())) best = a;
    }
    return best;
  };
  const client = (process: number) => {
    if (world.now() >= endAt) return;
    const key = rng.pick(KEYS);
    const kind = rng.int(3);
    let settled = false;
    const finish = (type: 'ok' | 'fail' | 'info', value?: unknown) => {
      if (settled) return;
      settled = true;
      h.complete(process, type, world.now(), value);
      // After an info the process is retired: continue as a fresh one (Jepsen style).
      const next = type === 'info' ? nextProcess++ : process;
      world.after(rng.between(ms(1), ms(20)), () => client(next));
    };
    const timeout = world.after(sec(1), () => finish('info'));
    const l = readsAnywhere && kind === 0 ? world.app<KvApp>(rng.pick(ids.filter((id) => world.isUp(id)))) : leader();
    if (kind === 0) {
      h.invoke(process, 'read', key, null, world.now());
      if (!l) return void (timeout.cancel(), finish('fail'));
      l.raft.readBarrier((r) => {
        timeout.cancel();
        if (r.ok) finish('ok', l.sm.store.get(key)?.value ?? null);
        else finish('fail');
      }, readOpts);
    } else if (kind === 1) {
      const value = `v${++counter}`;
      h.invoke(process, 'write', key, value, world.now());
      if (!l) return void (timeout.cancel(), finish('fail'));
      l.raft.propose({ type: 'put', key, value }, (r) => {
        timeout.cancel();
        if (r.ok) finish('ok');
        else finish(r.error === 'unknown-outcome' ? 'info' : 'fail');
      });
    } else {
      const expected = rng.chance(0.5) ? null : `v${rng.between(Math.max(1, counter - 3), Math.max(1, counter))}`;
      const value = `v${++counter}`;
      h.invoke(process, 'cas', key, [expected, value], world.now());
      if (!l) return void (timeout.cancel(), finish('fail'));
      l.raft.propose({ type: 'cas', key, expect: { value: expected }, value }, (r) => {
        timeout.cancel();
        if (r.ok) finish(r.result.type === 'cas' && r.result.succeeded ? 'ok' : 'fail');
        else finish(r.error === 'unknown-outcome' ? 'info' : 'fail');
      });
    }
  };
  for (let p = 0; p < 6; p++) {
    const proc = nextProcess++;
    world.after(ms(300) + p * ms(3), () => client(proc));
  }
  world.run(sec(12));
  h.closeAll(world.now());
  return { result: checkLinearizability(h.events()), ops: h.size() / 2, checker };
}

describe('linearizable KV through Raft', () => {
  it('3 and 5 nodes under generated faults: every history is linearizable', () => {
    for (const ids of [['n1', 'n2', 'n3'], ['n1', 'n2', 'n3', 'n4', 'n5']]) {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e9 }), faultSchedule(ids, sec(6), sec(2), 8), (seed, schedule) => {
          const { result, ops, checker } = runKv(ids, seed, schedule);
          expect(ops).toBeGreaterThan(200);
          expect(checker.ok()).toBe(true);
          expect(result.valid, describeLinearizability(result)).toBe(true);
        }),
        { numRuns: RUNS || 10 },
      );
    }
  });

  it('lease reads (no clock steps; drift within the bound): histories stay linearizable', () => {
    const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), faultSchedule(ids, sec(6), sec(2), 8), (seed, schedule) => {
        const noSteps = schedule.filter((f) => f.fault.kind !== 'clock');
        const { result, checker } = runKv(ids, seed, noSteps, { readMode: 'lease' });
        expect(checker.ok()).toBe(true);
        expect(result.valid, describeLinearizability(result)).toBe(true);
      }),
      { numRuns: RUNS || 10 },
    );
  });

  it('per-read lease ({ lease: true }, what default-mode reads use; read-index otherwise): histories stay linearizable', () => {
    const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), faultSchedule(ids, sec(6), sec(2), 8), (seed, schedule) => {
        const noSteps = schedule.filter((f) => f.fault.kind !== 'clock');
        const { result, checker } = runKv(ids, seed, noSteps, {}, false, { lease: true });
        expect(checker.ok()).toBe(true);
        expect(result.valid, describeLinearizability(result)).toBe(true);
      }),
      { numRuns: RUNS || 10 },
    );
  });

  it('follower reads (followerReads: the leader confirms a read index, the follower applies up to it): linearizable', () => {
    const ids = ['n1', 'n2', 'n3'];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), faultSchedule(ids, sec(6), sec(2), 8), (seed, schedule) => {
        const { result, checker } = runKv(ids, seed, schedule, { followerReads: true }, true);
        expect(checker.ok()).toBe(true);
        expect(result.valid, describeLinearizability(result)).toBe(true);
      }),
      { numRuns: RUNS || 10 },
    );
  });

  it('stale local reads (readMode stale, on any node) are caught as not linearizable', () => {
    let caught = 0;
    let described = '';
    for (let seed = 1; seed <= 10 && caught === 0; seed++) {
      const ids = ['n1', 'n2', 'n3'];
      const schedule: ScheduledFault[] = [{ at: sec(2), fault: { kind: 'isolate', target: 'n1', for: sec(3) } }, { at: sec(5.5), fault: { kind: 'isolate', target: 'n2', for: sec(2) } }];
      const { result } = runKv(ids, seed, schedule, { readMode: 'stale' }, true);
      if (result.valid === false) {
        caught++;
        described = describeLinearizability(result);
      }
    }
    expect(caught).toBeGreaterThan(0);
    expect(described).toMatch(/cannot be ordered/);
  });
});
