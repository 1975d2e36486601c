/** The check scheduler and the service's monitoring lifecycle, driven by the simulator. */
import { describe, expect, it } from 'vitest';
import { ms, sec, type Env } from '../../src/core/env.ts';
import { CheckScheduler, haConfig, type Health, type Probe } from '../../src/core/ha/index.ts';
import { World } from '../../src/sim/index.ts';
import { CB_TARGETS, TWO_REGIONS_THREE_DCS, haCluster } from './harness.ts';

function oneNode(probe: (env: Env) => Probe, cfg = haConfig({ checkIntervalUs: sec(1), checkTimeoutUs: ms(300), failuresBeforeDown: 2, successesBeforeUp: 2 })) {
  const world = World.lan(['n1'], 1);
  const log: [number, Health, Health][] = [];
  let sched!: CheckScheduler;
  world.setup((ctx) => {
    const env = ctx.env('ha');
    sched = new CheckScheduler(env, probe(env), cfg, (_t, reported, raw) => log.push([world.now(), reported, raw]));
    return { start: () => sched.setTargets([{ key: 't', value: 'x' }]) };
  });
  world.start();
  return { world, log, sched: () => sched };
}

describe('check scheduler', () => {
  it('checks once per interval, debounces, and turns a silent probe into DOWN at the timeout', () => {
    let answer: Health | 'silent' = 'up';
    const { world, log } = oneNode((env) => ({
      check: (_t, _to, done) => {
        if (answer === 'silent') return { cancel() {} };
        const a = answer;
        const timer = env.after(ms(5), () => done(a));
        return { cancel: () => timer.cancel() };
      },
    }));
    world.run(sec(5));
    expect(log.length).toBeGreaterThanOrEqual(4);
    expect(log.length).toBeLessThanOrEqual(5);
    expect(log.every(([, r]) => r === 'up')).toBe(true);
    answer = 'silent';
    world.run(sec(8));
    const silent = log.filter(([t]) => t > sec(5));
    expect(silent.map(([, , raw]) => raw)).toEqual(silent.map(() => 'down'));
    // one raw DOWN is not enough (failuresBeforeDown = 2)
    expect(silent[0]![1]).toBe('up');
    expect(silent[1]![1]).toBe('down');
    answer = 'up';
    world.run(sec(12));
    const back = log.filter(([t, , raw]) => t > sec(8) && raw === 'up');
    expect(back.map(([, r]) => r).slice(0, 3)).toEqual(['down', 'up', 'up']);
  });

  it('ignores a late answer after the timeout and a double answer', () => {
    const { world, log } = oneNode((env) => ({
      check: (_t, _to, done) => {
        env.after(ms(900), () => done('up')); // after the 300 ms timeout
        env.after(ms(901), () => done('up'));
        return { cancel() {} };
      },
    }));
    world.run(sec(6));
    expect(log.length).toBeGreaterThan(3);
    expect(log.every(([, , raw]) => raw === 'down')).toBe(true);
  });

  it('stops checking deleted targets', () => {
    let checks = 0;
    const { world, sched } = oneNode(() => ({ check: (_t, _to, done) => { checks++; done('up'); return { cancel() {} }; } }));
    world.run(sec(3));
    const before = checks;
    expect(before).toBeGreaterThan(0);
    sched().setTargets([]);
    world.run(sec(10));
    expect(checks).toBe(before);
  });
});

describe('monitoring lifecycle', () => {
  it('adding a target starts checks everywhere; deleting it stops them and the scavengers drop its results', () => {
    const c = haCluster({ world: { seed: 4, topology: TWO_REGIONS_THREE_DCS }, targets: CB_TARGETS.slice(0, 1), config: { checkIntervalUs: sec(1), checkTimeoutUs: ms(500), scavengeIntervalUs: sec(5) } });
    c.world.run(sec(5));
    c.targets.add({ key: 'cb/new', dc: 'us-1' });
    c.write({ type: 'ha.target.put', key: 'cb/new', value: 'us-1:8091' });
    c.world.run(sec(10));
    for (const n of c.observers) {
      const db = c.app(n)!.ha.db;
      expect(db.results('cb/new').length, n).toBe(6); // every observer's result reached every node
    }
    c.write({ type: 'ha.target.delete', key: 'cb/new' });
    c.world.run(sec(20));
    for (const n of c.observers) {
      expect(c.app(n)!.ha.reported('cb/new')).toBeUndefined();
      expect(c.app(n)!.ha.db.results('cb/new')).toEqual([]);
      expect(c.app(n)!.ha.counters.scavenged).toBeGreaterThan(0);
    }
  });
});
