/** The TUI's failover panel (key o) on the flagship scenario, and step (key .) naming its event. */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { loadScenarioFile, prepareRun } from '../../src/scenario/index.ts';
import { App } from '../../src/tui/App.tsx';
import { TuiController } from '../../src/tui/controller.ts';
import { snapshotFailover } from '../../src/tui/failover-snapshot.ts';
import { failoverRows } from '../../src/tui/FailoverView.tsx';
import { fakeRun } from './fake-run.ts';

const plain = (s: string) => s.replace(/\u001B\[[0-9;]*m/g, '');

describe('failover panel', () => {
  it('dc-failover: before the DC loss every target is UP and clients call cb-east-1; after it cb-east-1 is DOWN and clients moved', () => {
    const run = prepareRun(loadScenarioFile('scenarios/dc-failover.yaml'), { seed: 1 });
    run.advanceTo(sec(60));
    const before = snapshotFailover(run.world)!;
    expect(before.targets.map((t) => [t.key, t.state])).toEqual([
      ['cb-east-1', 'UP'],
      ['cb-east-2', 'UP'],
      ['cb-west-1', 'UP'],
    ]);
    expect(before.targets.find((t) => t.key === 'cb-east-1')!.active).toBe(true);
    // Six observers, each with its own latest result for every target.
    expect(before.targets[0]!.results.map((r) => r.observer)).toEqual(['e1a', 'e1b', 'e2a', 'e2b', 'w1a', 'w1b']);
    expect(before.targets[0]!.results.every((r) => r.result === 'up')).toBe(true);
    expect(before.clients.map((c) => [c.node, c.target])).toEqual([
      ['app-e2a', 'cb-east-1'],
      ['app-e2b', 'cb-east-1'],
      ['app-w1', 'cb-east-1'],
    ]);
    expect(before.clients.every((c) => c.ok > 0 && c.outageUs === 0)).toBe(true);

    run.advanceTo(sec(100));
    const after = snapshotFailover(run.world)!;
    const east1 = after.targets.find((t) => t.key === 'cb-east-1')!;
    expect(east1.state).toBe('DOWN');
    expect(east1.active).toBe(false);
    expect(after.targets.find((t) => t.key === 'cb-west-1')!.active).toBe(true);
    // The isolated DC's observers are cut off, not down: they keep their own (stale) view.
    expect(east1.results.filter((r) => r.observer.startsWith('w1')).every((r) => r.result === 'down')).toBe(true);
    expect(after.events.some((e) => /cb-east-1 UP → DOWN/.test(e.text) && e.t >= sec(70))).toBe(true);
    expect(after.clients.every((c) => c.target === 'cb-west-1')).toBe(true);
    expect(after.clients.some((c) => c.fail > 0)).toBe(true); // their outage, before the switch
  }, 120_000);

  it('renders within 80×24 with targets, events and clients; o toggles it and the key line names it', () => {
    const run = prepareRun(loadScenarioFile('scenarios/dc-failover.yaml'), { seed: 1 });
    run.advanceTo(sec(90));
    const ctl = new TuiController(run);
    ctl.togglePause();
    ctl.toggleFailover();
    const { lastFrame, unmount } = render(<App ctl={ctl} autoTick={false} size={{ columns: 80, rows: 24 }} />);
    const frame = plain(lastFrame() ?? '');
    const lines = frame.split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(frame).toMatch(/cb-east-1\s+DOWN/);
    expect(frame).toMatch(/cb-west-1 ★\s+UP/);
    expect(frame).toContain('e2a:down');
    expect(frame).toContain('HA events');
    expect(frame).toMatch(/app-e2a\s+east-2\s+cb-west-1/);
    expect(frame).toContain('o HA');
    unmount();
    ctl.toggleFailover();
    expect(ctl.showFailover).toBe(false);
  }, 120_000);

  it('sections share the rows: targets and clients first, events get what is left', () => {
    const snap = {
      targets: Array.from({ length: 4 }, (_, i) => ({ key: `t${i}`, state: 'UP' as const, active: false, results: [] })),
      events: Array.from({ length: 5 }, (_, i) => ({ t: i, text: `e${i}` })),
      clients: Array.from({ length: 3 }, (_, i) => ({ node: `c${i}`, dc: 'd', target: 't0', ok: 1, fail: 0, outageUs: 0, up: true })),
    };
    expect(failoverRows(snap, 17)).toEqual({ targets: 4, events: 5, clients: 3 });
    expect(failoverRows(snap, 12)).toEqual({ targets: 4, events: 2, clients: 3 });
    expect(failoverRows(snap, 5)).toEqual({ targets: 2, events: 0, clients: 0 });
  });

  it('a run without a failover service has no panel', () => {
    expect(snapshotFailover(fakeRun().world)).toBeUndefined();
  });
});

describe('step (key .)', () => {
  it('says which event it ran: a delivery names receiver, sender and message type; a timer its node', () => {
    const ctl = new TuiController(fakeRun());
    ctl.tick(100);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const before = ctl.run.world.now();
      ctl.stepOne();
      expect(ctl.paused).toBe(true);
      const m = /^step (\d+\.\d{3})s: (.*)$/.exec(ctl.message);
      expect(m, ctl.message).not.toBeNull();
      // The time shown is the event's own, which is the world's clock after running it.
      expect(Math.round(Number(m![1]) * 1000)).toBe(Math.round(ctl.run.world.now() / 1000));
      expect(ctl.run.world.now()).toBeGreaterThanOrEqual(before);
      seen.add(m![2]!.replace(/n\d/g, 'n*'));
    }
    expect(seen).toContain('deliver n* ← n* toy/beat');
    expect(seen).toContain('timer n*');
  });

  it('at the end it runs nothing', () => {
    const ctl = new TuiController(fakeRun(1000));
    for (let i = 0; i < 100 && !ctl.finished; i++) ctl.tick(100);
    expect(ctl.finished).toBe(true);
    const events = ctl.run.world.stats.events;
    ctl.stepOne();
    expect(ctl.run.world.stats.events).toBe(events);
  });
});
