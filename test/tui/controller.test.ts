import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { SPEEDS, TuiController } from '../../src/tui/controller.ts';
import { fakeRun } from './fake-run.ts';

describe('TUI controller', () => {
  it('advances virtual time by wall time × speed, and not at all when paused', () => {
    const ctl = new TuiController(fakeRun());
    expect(ctl.speed).toBe(10);
    ctl.tick(100); // 100 ms wall × 10 = 1 s virtual
    expect(ctl.run.world.now()).toBe(sec(1));
    ctl.togglePause();
    ctl.tick(1000);
    expect(ctl.run.world.now()).toBe(sec(1));
    ctl.togglePause();
    ctl.faster();
    ctl.tick(100); // ×100
    expect(ctl.run.world.now()).toBe(sec(11));
  });

  it('speed spans real time to as fast as possible, clamped at both ends', () => {
    const ctl = new TuiController(fakeRun());
    for (let i = 0; i < 10; i++) ctl.slower();
    expect(ctl.speed).toBe(1);
    for (let i = 0; i < 10; i++) ctl.faster();
    expect(ctl.speed).toBe(Infinity);
    expect(SPEEDS[0]).toBe(1);
  });

  it('full speed runs within a wall budget and stops at the scenario end', () => {
    let fakeClock = 0;
    const ctl = new TuiController(fakeRun(sec(5)), undefined, () => (fakeClock += 1));
    for (let i = 0; i < 10; i++) ctl.faster();
    ctl.tick(16);
    const after1 = ctl.run.world.now();
    expect(after1).toBeGreaterThan(0);
    for (let i = 0; i < 50; i++) ctl.tick(16);
    expect(ctl.run.world.now()).toBe(sec(5));
    expect(ctl.finished).toBe(true);
  });

  it('step runs exactly one event and pauses', () => {
    const ctl = new TuiController(fakeRun());
    const before = ctl.run.world.stats.events;
    ctl.stepOne();
    expect(ctl.paused).toBe(true);
    expect(ctl.run.world.stats.events).toBe(before + 1);
  });

  it('selection moves over nodes and DCs; faults hit the selection and are recorded with their time', () => {
    const saved: unknown[] = [];
    const ctl = new TuiController(fakeRun(), (faults) => {
      saved.push(...faults);
      return '/tmp/x.yaml';
    });
    expect(ctl.selection).toEqual({ dc: 'eu-1', node: 'n1' });
    ctl.selectNode(1);
    expect(ctl.selection.node).toBe('n2');
    ctl.selectDc(1);
    expect(ctl.selection).toEqual({ dc: 'eu-2', node: 'n3' });
    ctl.selectNode(-3);
    expect(ctl.selection.node).toBe('n4'); // wraps
    ctl.tick(200);
    ctl.crashSelected();
    expect(ctl.run.world.isUp('n4')).toBe(false);
    ctl.restartSelected();
    expect(ctl.run.world.isUp('n4')).toBe(true);
    ctl.selectDc(-1);
    ctl.partitionSelectedDc();
    expect(ctl.run.world.network.hasCuts()).toBe(true);
    ctl.healAll();
    expect(ctl.run.world.network.hasCuts()).toBe(false);
    expect(ctl.injected.map((f) => f.fault.kind)).toEqual(['crash', 'restart', 'isolate', 'heal']);
    expect(ctl.injected[0]!.at).toBe(sec(2));
    expect(ctl.run.world.faultCounts()).toEqual({ crash: 1, restart: 1, isolate: 1, heal: 1 });
    expect(ctl.log.some((l) => l.category === 'fault')).toBe(true);
    ctl.saveScenario();
    expect(saved).toHaveLength(4);
    expect(ctl.message).toMatch(/saved 4 injected fault/);
  });
});
