import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { World, type Fault } from '../../src/sim/index.ts';
import { flooder, threeDcs, type Received } from './fixtures.ts';

const allNodes = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'];

function floodWorld(seed: number, extra: Partial<ConstructorParameters<typeof World>[0]> = {}, reliable = false) {
  const log: Received[] = [];
  const world = new World({ seed, topology: threeDcs, ...extra });
  world.setup((ctx) => flooder(ctx.env('flood'), allNodes, log, { reliable, now: () => world.now() }));
  return { world, log };
}

function run(seed: number, faults: Fault[] = [], extra = {}): string {
  const { world } = floodWorld(seed, { network: { loss: 0.05, duplicate: 0.02, reorder: 0.1 }, ...extra });
  world.start();
  world.schedule(faults.map((fault, i) => ({ at: ms(100 * (i + 1)), fault })));
  world.nemesis({ ratePerMin: 120, durationMin: ms(50), durationMax: ms(400), until: sec(2) });
  world.run(sec(3));
  return world.traceHash();
}

describe('determinism', () => {
  it('the same seed gives the same trace hash; another seed a different one', () => {
    const faults: Fault[] = [{ kind: 'isolate', target: 'eu-2', for: ms(300) }, { kind: 'crash', node: 'c1', for: ms(200) }];
    const h1 = run(7, faults);
    expect(run(7, faults)).toBe(h1);
    expect(run(8, faults)).not.toBe(h1);
  });

  it('recorded traces of two runs with one seed are identical event by event', () => {
    const a = floodWorld(3, { recordTrace: true, network: { loss: 0.1 } });
    const b = floodWorld(3, { recordTrace: true, network: { loss: 0.1 } });
    for (const { world } of [a, b]) {
      world.start();
      world.nemesis({ ratePerMin: 200, durationMin: ms(10), durationMax: ms(200) });
      world.run(sec(1));
    }
    expect(JSON.stringify(b.world.traceEvents())).toBe(JSON.stringify(a.world.traceEvents()));
    expect(a.world.traceEvents().length).toBeGreaterThan(1000);
  });
});

describe('partitions', () => {
  it('a symmetric partition drops exactly the messages that cross the cut', () => {
    const { world, log } = floodWorld(1, { recordTrace: true });
    world.start();
    world.run(ms(95));
    world.inject({ kind: 'partition', sides: [['eu-1', 'c1'], ['eu-2', 'c2']] });
    const cutStart = world.now();
    world.run(ms(500));
    const sideA = new Set(['a1', 'a2', 'c1']);
    const crosses = (x: string, y: string) => sideA.has(x) !== sideA.has(y);
    // Every message sent after the cut (with time for in-flight ones to land) crosses it iff dropped.
    const afterCut = log.filter((r) => r.sentAt >= cutStart);
    expect(afterCut.length).toBeGreaterThan(0);
    expect(afterCut.filter((r) => crosses(r.from, r.to))).toEqual([]);
    const drops = world.traceEvents().filter((e) => e.kind === 'net.drop' && e.t > cutStart);
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.every((e) => crosses(e.from as string, e.to as string))).toBe(true);
    // Within each side, everything still arrives (no random loss configured).
    const sentPerPairPerSide = afterCut.filter((r) => r.from === 'a1' && r.to === 'c1').length;
    expect(sentPerPairPerSide).toBeGreaterThan(30);
  });

  it('a one-way partition cuts one direction only', () => {
    const { world, log } = floodWorld(2);
    world.start();
    world.inject({ kind: 'partition', sides: [['a1'], ['c1']], oneWay: true });
    world.run(ms(300));
    expect(log.filter((r) => r.from === 'a1' && r.to === 'c1')).toEqual([]);
    expect(log.filter((r) => r.from === 'c1' && r.to === 'a1').length).toBeGreaterThan(20);
  });

  it('several partitions at once; healing one keeps the other; heal removes all', () => {
    const { world, log } = floodWorld(3);
    world.start();
    world.inject({ kind: 'isolate', target: 'a1', for: ms(200) });
    world.inject({ kind: 'isolate', target: 'us' });
    world.run(ms(100));
    const n = () => log.length;
    const count = (f: string, t: string, after: number) => log.filter((r) => r.from === f && r.to === t && r.sentAt >= after).length;
    expect(count('a1', 'b1', 0)).toBe(0);
    expect(count('b1', 'c1', 0)).toBe(0);
    world.run(ms(400)); // a1's isolation ended at 200 ms, us still cut
    expect(count('a1', 'b1', ms(250))).toBeGreaterThan(10);
    expect(count('b1', 'c1', ms(250))).toBe(0);
    world.inject({ kind: 'heal' });
    const healedAt = world.now();
    world.run(ms(600));
    expect(count('b1', 'c1', healedAt)).toBeGreaterThan(10);
    expect(n()).toBeGreaterThan(0);
  });

  it('property: under random partitions no message is delivered across a cut, and each side still talks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
        const world = new World({ seed, topology: threeDcs });
        const idx = (n: string) => world.topology.index(n);
        let crossed = 0;
        let delivered = 0;
        let cutSends = 0;
        world.setup((ctx) => {
          const env = ctx.env('p');
          env.onMessage((from) => {
            delivered++;
            if (world.network.isCut(idx(from), idx(ctx.id))) crossed++;
          });
          return {
            start() {
              const tick = () => {
                for (const p of allNodes) {
                  if (p === ctx.id) continue;
                  if (world.network.isCut(idx(ctx.id), idx(p))) cutSends++;
                  env.send(p, { type: 'x' });
                }
                env.after(ms(3), tick);
              };
              tick();
            },
          };
        });
        world.start();
        world.nemesis({ ratePerMin: 600, durationMin: ms(20), durationMax: ms(100), kinds: { partition: 1, isolate: 1 } });
        world.run(ms(400));
        expect(crossed).toBe(0);
        expect(delivered).toBeGreaterThan(0);
        // Every send across a cut was dropped: the world counted at least that many drops.
        expect(world.stats.dropped).toBeGreaterThanOrEqual(cutSends);
        expect(world.stats.sent).toBeGreaterThanOrEqual(world.stats.delivered + world.stats.dropped);
      }),
      { numRuns: 15 },
    );
  });
});

describe('node faults', () => {
  it('a crash loses unsynced writes and keeps synced ones; the restarted node sees its synced state', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const world = new World({ seed, topology: threeDcs, disk: { unsyncedLoss: 1, tornWrite: 0 } });
      const seen: { restarts: number; last: number; saved: unknown }[] = [];
      world.setup((ctx) => {
        const st = ctx.env('disk').storage;
        seen.push({ restarts: ctx.restarts, last: st.last(), saved: st.load('hard') });
        return {
          start() {
            if (ctx.restarts > 0) return;
            st.append([1, 2, 3]);
            st.save('hard', { term: 5 });
            st.sync();
            st.append([4, 5]);
            st.save('hard', { term: 6 });
          },
        };
      }, ['a1']);
      world.start();
      world.inject({ kind: 'crash', node: 'a1' });
      world.inject({ kind: 'restart', node: 'a1' });
      const after = seen[1]!;
      expect(after.restarts).toBe(1);
      // Synced: records 1..3 and term 5 survive always; unsynced survive only as a prefix.
      expect(after.last).toBeGreaterThanOrEqual(3);
      const st = world.storage('a1', 'disk');
      expect(st.slice(1, 4)).toEqual([1, 2, 3]);
      const term = (after.saved as { term: number }).term;
      if (after.last < 5) expect(term).toBe(5); // writes reach the disk in order
    }
  });

  it('with loss probability 0 nothing unsynced is lost; with 1 some run loses it', () => {
    const lostIn = (p: number) => {
      let lost = 0;
      for (let seed = 1; seed <= 30; seed++) {
        const w = new World({ seed, topology: threeDcs, disk: { unsyncedLoss: p, tornWrite: 0 } });
        w.setup((ctx) => ({ start: () => ctx.restarts === 0 && ctx.env('d').storage.append([1, 2, 3, 4]) }), ['a1']);
        w.start();
        w.inject({ kind: 'crash', node: 'a1' });
        if (w.storage('a1', 'd').last() < 4) lost++;
      }
      return lost;
    };
    expect(lostIn(0)).toBe(0);
    expect(lostIn(1)).toBeGreaterThan(10);
  });

  it('a crashed node receives nothing and its timers never fire; restart rebuilds the app', () => {
    const { world, log } = floodWorld(4);
    world.start();
    world.run(ms(50));
    world.inject({ kind: 'crash', node: 'b2', for: ms(100) });
    const crashAt = world.now();
    expect(world.app('b2')).toBeUndefined();
    world.run(ms(149));
    expect(log.filter((r) => r.to === 'b2' && r.t > crashAt)).toEqual([]);
    expect(log.filter((r) => r.from === 'b2' && r.sentAt > crashAt)).toEqual([]);
    world.run(ms(300));
    expect(world.isUp('b2')).toBe(true);
    expect(log.filter((r) => r.from === 'b2' && r.sentAt > ms(150)).length).toBeGreaterThan(0);
  });

  it('a pause holds timers and deliveries until resume, then runs them', () => {
    const { world, log } = floodWorld(5);
    world.start();
    world.run(ms(55));
    world.inject({ kind: 'pause', node: 'c2', for: ms(200) });
    world.run(ms(250));
    expect(log.filter((r) => r.to === 'c2' && r.t > ms(56) && r.t < ms(255))).toEqual([]);
    expect(log.filter((r) => r.from === 'c2' && r.sentAt > ms(56) && r.sentAt < ms(255))).toEqual([]);
    world.run(ms(256));
    // At resume the held deliveries land at once.
    const burst = log.filter((r) => r.to === 'c2' && r.t === ms(255));
    expect(burst.length).toBeGreaterThan(50);
  });

  it('clock skew and drift change a node\'s now() but not true time; clocks stay monotonic', () => {
    const world = new World({ seed: 1, topology: threeDcs });
    world.setup(() => ({}));
    world.start();
    world.run(sec(1));
    world.inject({ kind: 'clock', node: 'a1', skew: ms(250), drift: 0.01 });
    expect(world.localTime('a1')).toBe(sec(1) + ms(250));
    world.run(sec(2));
    expect(world.localTime('a1')).toBe(sec(2) + ms(250) + ms(10));
    expect(world.localTime('a2')).toBe(sec(2));
    world.inject({ kind: 'clock', node: 'a1', skew: -ms(500), drift: 0 });
    const before = world.localTime('a1');
    world.run(sec(2) + ms(100));
    expect(world.localTime('a1')).toBe(before); // stands still rather than go back
    world.run(sec(4));
    expect(world.localTime('a1')).toBe(sec(4) - ms(500));
  });

  it('a drifting node\'s timers fire by its own clock', () => {
    const world = new World({ seed: 1, topology: threeDcs });
    let firedAt = -1;
    world.setup((ctx) => ({ start: () => ctx.env('t').after(sec(1), () => (firedAt = world.now())) }), ['a1']);
    world.inject({ kind: 'clock', node: 'a1', skew: 0, drift: 1 }); // runs twice as fast
    world.start();
    world.run(sec(2));
    expect(firedAt).toBe(ms(500));
  });

  it('reliable sends arrive in order per link, even with reordering and jitter', () => {
    const { world, log } = floodWorld(6, { network: { reorder: 0.5, reorderWindow: ms(20) }, latency: { crossRegion: { kind: 'uniform', min: ms(1), max: ms(60) } } }, true);
    world.start();
    world.run(sec(1));
    const pair = log.filter((r) => r.from === 'a1' && r.to === 'c1').map((r) => r.seq);
    expect(pair.length).toBeGreaterThan(50);
    expect(pair).toEqual([...pair].sort((x, y) => x - y));
    const dg = floodWorld(6, { network: { reorder: 0.5, reorderWindow: ms(20) }, latency: { crossRegion: { kind: 'uniform', min: ms(1), max: ms(60) } } }, false);
    dg.world.start();
    dg.world.run(sec(1));
    const dgPair = dg.log.filter((r) => r.from === 'a1' && r.to === 'c1').map((r) => r.seq);
    expect(dgPair).not.toEqual([...dgPair].sort((x, y) => x - y)); // datagrams do get reordered
  });

  it('loss bursts drop reliable messages too; base loss only datagrams', () => {
    const rel = floodWorld(7, { network: { loss: 0.5 } }, true);
    rel.world.start();
    rel.world.run(ms(200));
    expect(rel.world.stats.dropped).toBe(0);
    rel.world.inject({ kind: 'loss', p: 0.5, between: ['eu', 'us'], for: ms(100) });
    rel.world.run(ms(300));
    expect(rel.world.stats.dropped).toBeGreaterThan(0);
    expect(rel.world.faultCounts()).toEqual({ loss: 1 });
  });

  it('a core that throws stops the run with a SimulationError naming time and node', () => {
    const world = new World({ seed: 1, topology: threeDcs });
    world.setup((ctx) => ({ start: () => ctx.env('x').after(ms(5), () => { throw new Error('invariant broken'); }) }), ['b1']);
    world.start();
    expect(() => world.run(ms(10))).toThrow(/t=5000µs on b1.*invariant broken/);
  });
});

describe('the reliable channel is a stream', () => {
  it('reliable deliveries stay FIFO per link through loss bursts and partitions', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { world, log } = floodWorld(seed, { latency: { crossRegion: { kind: 'uniform', min: ms(20), max: ms(60) } } }, true);
      world.start();
      world.nemesis({ ratePerMin: 300, durationMin: ms(20), durationMax: ms(200), kinds: { loss: 2, partition: 1, isolate: 1 } });
      world.run(sec(3));
      for (const from of allNodes) {
        for (const to of allNodes) {
          const seqs = log.filter((r) => r.from === from && r.to === to).map((r) => r.seq);
          for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
        }
      }
      expect(world.stats.dropped).toBeGreaterThan(0);
    }
  });

  it('after a loss on a link, messages already in flight on it are dropped too', () => {
    const world = new World({ seed: 1, topology: threeDcs, latency: { crossRegion: { kind: 'constant', us: ms(50) } }, recordTrace: true });
    const got: number[] = [];
    world.setup((ctx) => {
      const env = ctx.env('s');
      env.onMessage((_f, m) => got.push((m as unknown as { n: number }).n));
      return {
        start() {
          if (ctx.id !== 'a1') return;
          // Five messages 1 ms apart; a loss burst drops the 3rd at send time.
          for (let n = 1; n <= 5; n++) {
            env.after(ms(n), () => {
              if (n === 3) world.inject({ kind: 'loss', p: 1, between: ['a1', 'c1'], for: ms(0.5) });
              env.send('c1', { type: 'n', n } as never, { reliable: true });
            });
          }
        },
      };
    }, ['a1', 'c1']);
    world.start();
    world.run(sec(1));
    // 1 and 2 were in flight on the connection the loss broke: lost with it. 4 and 5 went on a new one.
    expect(got).toEqual([4, 5]);
    const drops = world.traceEvents().filter((e) => e.kind === 'net.drop').map((e) => e.why);
    expect(drops).toEqual(['loss', 'reset', 'reset']);
  });
});

describe('overlapping faults end correctly', () => {
  it('a node paused by two faults resumes only when the last one ends', () => {
    const { world, log } = floodWorld(9);
    world.start();
    world.inject({ kind: 'pause', node: 'a1', for: ms(100) });
    world.run(ms(50));
    world.inject({ kind: 'pause', node: 'a1', for: ms(200) }); // ends at 250 ms
    world.run(ms(200));
    expect(world.isPaused('a1')).toBe(true); // the first pause ended at 100 ms; the second holds
    expect(log.filter((r) => r.to === 'a1' && r.t > 0 && r.t < ms(250))).toEqual([]);
    world.run(ms(300));
    expect(world.isPaused('a1')).toBe(false);
  });

  it('a crash that found the node already down does not restart it early', () => {
    const { world } = floodWorld(10);
    world.start();
    world.inject({ kind: 'crash', node: 'b1', for: ms(500) });
    world.run(ms(100));
    world.inject({ kind: 'crash', node: 'b1', for: ms(50) }); // no-op: already down
    world.run(ms(300));
    expect(world.isUp('b1')).toBe(false);
    world.run(ms(600));
    expect(world.isUp('b1')).toBe(true);
  });

  it('clock faults stack: the end of one restores what the remaining ones say', () => {
    const world = new World({ seed: 1, topology: threeDcs });
    world.setup(() => ({}));
    world.start();
    world.inject({ kind: 'clock', node: 'a1', skew: sec(5), for: sec(1) });
    world.run(ms(500));
    world.inject({ kind: 'clock', node: 'a1', skew: sec(2), for: sec(2) }); // until 2.5 s
    world.run(ms(1500)); // the first fault ended at 1 s; the later one still rules
    expect(world.clockOf('a1').skew).toBe(sec(2));
    world.run(sec(3));
    expect(world.clockOf('a1').skew).toBe(0);
  });

  it('slow-node faults overlap: the slowest active one applies, none after the last', () => {
    const oneMs = { kind: 'constant', us: ms(1) } as const;
    const world = new World({ seed: 1, topology: threeDcs, latency: { sameDc: oneMs, sameRegion: oneMs, crossRegion: oneMs } });
    const latency: number[] = [];
    let envA: import('../../src/core/env.ts').Env | undefined;
    world.setup((ctx) => {
      const env = ctx.env('s');
      if (ctx.id === 'a1') envA = env;
      env.onMessage((_f, m) => latency.push(world.now() - (m as unknown as { at: number }).at));
      return {};
    }, ['a1', 'c1']);
    world.start();
    world.inject({ kind: 'slow-node', node: 'c1', extra: ms(300), for: ms(100) });
    world.inject({ kind: 'slow-node', node: 'c1', extra: ms(50), for: ms(200) });
    for (const t of [ms(50), ms(150), ms(250)]) world.at(t, () => envA!.send('c1', { type: 'x', at: t } as never));
    world.run(sec(1));
    // In arrival order: sent at 150 ms (+50), at 250 ms (none), at 50 ms (+300, the slowest active).
    expect(latency).toEqual([ms(51), ms(1), ms(301)]);
  });

  it('a paused node sends nothing, even when the world calls into its core; it sends at resume', () => {
    const world = new World({ seed: 1, topology: threeDcs });
    const got: number[] = [];
    let envA: import('../../src/core/env.ts').Env | undefined;
    world.setup((ctx) => {
      const env = ctx.env('s');
      if (ctx.id === 'a1') envA = env;
      env.onMessage(() => got.push(world.now()));
      return {};
    }, ['a1', 'a2']);
    world.start();
    world.inject({ kind: 'pause', node: 'a1', for: ms(100) });
    world.at(ms(10), () => envA!.send('a2', { type: 'x' })); // a workload poking a paused client
    world.run(ms(99));
    expect(got).toEqual([]);
    world.run(ms(200));
    expect(got.length).toBe(1);
    expect(got[0]!).toBeGreaterThanOrEqual(ms(100));
  });
});
