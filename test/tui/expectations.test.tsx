/** Live expectations in the TUI (key e): held / pending / failed on the run so far. */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, prepareRun } from '../../src/scenario/index.ts';
import { App } from '../../src/tui/App.tsx';
import { TuiController } from '../../src/tui/controller.ts';
import { expectationCounts, liveExpectations } from '../../src/tui/expectations.ts';
import { fakeRun } from './fake-run.ts';
import { eventually } from '../support/patience.ts';

describe('live expectations', () => {
  it('on a real run stopped at 5s: safety held, new leader after the 10s fault pending; at the end held', () => {
    const run = prepareRun(loadScenarioFile('test/scenario/fixtures/isolate-leader.yaml'), { seed: 1 });
    run.advanceTo(5_000_000);
    const early = liveExpectations(run.verdicts(), false);
    expect(early.find((e) => /Raft safety/.test(e.name))!.state).toBe('held');
    expect(early.find((e) => /new leader/.test(e.name))!.state).toBe('pending');
    run.advanceTo(30_000_000);
    const end = liveExpectations(run.verdicts(), true);
    expect(end.every((e) => e.state === 'held')).toBe(true);
    expect(expectationCounts(end)).toBe(`expect ✓${end.length} …0 ✗0`);
  });

  it('a safety violation is failed at once; a pending one becomes failed only when the run is over', () => {
    const vs = [
      { name: 'locks', kind: 'lock-exclusive', passed: false, status: 'fail', detail: 'two holders' },
      { name: 'leader', kind: 'leader-within', passed: false, status: 'fail', detail: 'none yet' },
    ];
    expect(liveExpectations(vs, false).map((e) => e.state)).toEqual(['failed', 'pending']);
    expect(liveExpectations(vs, true).map((e) => e.state)).toEqual(['failed', 'failed']);
  });

  it('e shows them in the app, within 80 columns', async () => {
    const base = fakeRun();
    const run = { ...base, world: base.world, verdicts: () => [{ name: 'Raft safety', kind: 'raft-safety', passed: true, status: 'pass', detail: '1 election checked' }, { name: 'a leader within 5s', kind: 'leader-within', passed: false, status: 'fail', detail: 'none yet' }] };
    const ctl = new TuiController(run);
    const { lastFrame, stdin, unmount } = render(<App ctl={ctl} autoTick={false} size={{ columns: 80, rows: 24 }} />);
    const frame = () => (lastFrame() ?? '').replace(/\u001B\[[0-9;]*m/g, '');
    expect(await eventually(() => stdin.listenerCount('readable') > 0)).toBe(true);
    stdin.write('e');
    expect(await eventually(() => frame().includes('expectations on the run so far'))).toBe(true);
    expect(frame()).toMatch(/✓ held +Raft safety/);
    expect(frame()).toMatch(/… pending a leader within 5s/);
    for (const line of frame().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    unmount();
  });
});
