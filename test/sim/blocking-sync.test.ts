/**
 * The blocking-sync model (src/sim/blocking-sync.ts, `disk.blockingSyncLatencyUs`): a step that
 * syncs something holds what the node sends after the sync, and the node's next events, until the
 * latency has passed; a sync with nothing to write costs nothing; 0 (the default) changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { ms, sec, type Env, type Message, type Micros, type NodeId } from '../../src/core/env.ts';
import { RaftNode } from '../../src/core/raft/index.ts';
import type { StateMachine } from '../../src/core/sm.ts';
import { World, type TraceEvent } from '../../src/sim/index.ts';
import { parseScenario } from '../../src/scenario/index.ts';

const ONE_WAY: Micros = ms(1);
const LATENCY = { sameDc: { kind: 'constant' as const, us: ONE_WAY }, sameRegion: { kind: 'constant' as const, us: ONE_WAY }, crossRegion: { kind: 'constant' as const, us: ONE_WAY } };

/** On 'req': answer 'early', then save and sync (or only sync), then answer 'late'; a timer set before the sync logs when it runs. */
function echo(env: Env, writes: boolean, timerLog: Micros[], now: () => Micros) {
  env.onMessage((from: NodeId, msg: Message) => {
    if (msg.type !== 'req') return;
    env.send(from, { type: 'early' });
    env.after(0, () => timerLog.push(now()));
    if (writes) env.storage.save('k', now());
    env.storage.sync();
    env.send(from, { type: 'late' });
  });
  return {};
}

function run(blockUs: Micros | undefined, writes = true) {
  const timerLog: Micros[] = [];
  const world = World.lan(['a', 'b'], 1, { latency: LATENCY, recordTrace: true, ...(blockUs === undefined ? {} : { disk: { blockingSyncLatencyUs: blockUs } }) });
  world.setup((ctx) => (ctx.id === 'b' ? echo(ctx.env('e'), writes, timerLog, () => world.now()) : { env: ctx.env('e') }));
  world.start();
  const a = world.app<{ env: Env }>('a')!.env;
  a.onMessage(() => {});
  world.at(ms(10), () => a.send('b', { type: 'req' }));
  world.run(ms(50));
  const delivered = (type: string) => world.traceEvents().find((e: TraceEvent) => e.kind === 'net.deliver' && e['type'] === type)?.t;
  return { req: delivered('req')!, early: delivered('early')!, late: delivered('late')!, timer: timerLog[0]!, hash: world.traceHash() };
}

describe('blocking sync (disk.blockingSyncLatencyUs)', () => {
  it('holds the sends after a sync that wrote, and the next events, for the latency; the send before leaves at once', () => {
    const r = run(ms(5));
    expect(r.early).toBe(r.req + ONE_WAY);
    expect(r.late).toBe(r.req + ms(5) + ONE_WAY);
    expect(r.timer).toBe(r.req + ms(5)); // a 0 ms timer set in the step runs only once the fsync returned
  });

  it('without the model (the default) the sync takes no time, and 0 is the default (same trace hash)', () => {
    const r = run(undefined);
    expect(r.late).toBe(r.req + ONE_WAY);
    expect(r.timer).toBe(r.req);
    expect(run(0).hash).toBe(r.hash);
  });

  it('a sync with nothing to write does not block', () => {
    const r = run(ms(5), false);
    expect(r.late).toBe(r.req + ONE_WAY);
  });

  it('a pause fault and the sync hold together: the node runs again only once both are over', () => {
    for (const [resumeAt, lateAt] of [[ms(14), ms(11) + ms(5) + ONE_WAY], [ms(20), ms(20) + ONE_WAY]] as const) {
      const world = World.lan(['a', 'b'], 1, { latency: LATENCY, recordTrace: true, disk: { blockingSyncLatencyUs: ms(5) } });
      world.setup((ctx) => (ctx.id === 'b' ? echo(ctx.env('e'), true, [], () => world.now()) : { env: ctx.env('e') }));
      world.start();
      const a = world.app<{ env: Env }>('a')!.env;
      a.onMessage(() => {});
      world.at(ms(10), () => a.send('b', { type: 'req' }));
      world.at(ms(12), () => world.pause('b'));
      world.at(resumeAt, () => world.resume('b'));
      world.run(ms(50));
      const late = world.traceEvents().find((e) => e.kind === 'net.deliver' && e['type'] === 'late')!.t;
      expect(late).toBe(lateAt);
    }
  });

  it('a crash inside the sync voids what it held; the restarted node is not blocked', () => {
    const world = World.lan(['a', 'b'], 1, { latency: LATENCY, recordTrace: true, disk: { blockingSyncLatencyUs: ms(5) } });
    const timerLog: Micros[] = [];
    world.setup((ctx) => (ctx.id === 'b' ? echo(ctx.env('e'), true, timerLog, () => world.now()) : { env: ctx.env('e') }));
    world.start();
    const a = world.app<{ env: Env }>('a')!.env;
    a.onMessage(() => {});
    world.at(ms(10), () => a.send('b', { type: 'req' }));
    world.at(ms(12), () => world.restart('b'));
    world.at(ms(20), () => a.send('b', { type: 'req' }));
    world.run(ms(50));
    const lates = world.traceEvents().filter((e) => e.kind === 'net.deliver' && e['type'] === 'late').map((e) => e.t);
    expect(lates).toEqual([ms(21) + ms(5) + ONE_WAY]); // the first 'late' died with the crash
  });
});

class Noop implements StateMachine<number, number> {
  apply(c: number): number {
    return c;
  }
  snapshot(): unknown {
    return 0;
  }
  restore(): void {}
}

/** The first election of three Raft servers; returns each vote request's arrival and its answer's, per voter. */
function firstElection(blockUs: Micros) {
  const ids = ['s1', 's2', 's3'];
  const world = World.lan(ids, 3, { latency: LATENCY, recordTrace: true, disk: { blockingSyncLatencyUs: blockUs, unsyncedLoss: 0 } });
  world.setup((ctx) => new RaftNode<number, number>(ctx.env('raft'), new Noop(), { voters: ids, preVote: false }));
  world.start();
  world.runUntil(() => ids.some((id) => world.app<RaftNode<number, number>>(id)!.isLeader()), sec(5));
  const ev = world.traceEvents();
  const req = ev.find((e) => e.kind === 'net.deliver' && e['type'] === 'raft.vote')!;
  const resp = ev.find((e) => e.kind === 'net.deliver' && e['type'] === 'raft.vote.resp' && e['from'] === req['to'])!;
  return { req: req.t, resp: resp.t };
}

describe('the scenario key disk.blockingSyncLatency', () => {
  const topo = 'topology:\n  regions:\n    - name: eu\n      dcs:\n        - { name: eu-1, nodes: [a, b] }\n';
  it('sets blockingSyncLatencyUs; absent it is 0', () => {
    expect(parseScenario(`${topo}disk: { blockingSyncLatency: 4ms }\n`).disk?.blockingSyncLatencyUs).toBe(ms(4));
    expect(parseScenario(`${topo}disk: { syncLatency: 2ms }\n`).disk?.blockingSyncLatencyUs).toBe(0);
  });
});

describe('a Raft vote under the blocking-sync model', () => {
  it('leaves the voter two sync latencies after the request arrived (it syncs the new term, then the vote)', () => {
    // Two syncs, as in LogCabin: handleRequestVote's stepDown(newTerm) and then the vote each call updateLogMetadata.
    const r = firstElection(ms(4));
    expect(r.resp - r.req).toBe(2 * ms(4) + ONE_WAY);
  });

  it('leaves at once without it (the control: the model is what delays it)', () => {
    const r = firstElection(0);
    expect(r.resp - r.req).toBe(ONE_WAY);
  });
});
