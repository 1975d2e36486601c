/** The TUI log scrolls and filters (src/tui/log-view.ts), in the view and through keys. */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/tui/App.tsx';
import { TuiController } from '../../src/tui/controller.ts';
import { LogView } from '../../src/tui/log-view.ts';
import { fakeRun } from './fake-run.ts';
import { eventually } from '../support/patience.ts';

const items = Array.from({ length: 30 }, (_, i) => ({ t: i * 1_000_000, category: i % 3 === 0 ? 'fault' : 'role', text: `line ${i}` }));

describe('LogView', () => {
  it('follows the newest lines, scrolls back, clamps, and filters by kind', () => {
    const v = new LogView();
    expect(v.visible(items, 5).lines.map((l) => l.text)).toEqual(['line 25', 'line 26', 'line 27', 'line 28', 'line 29']);
    v.scroll(10);
    const back = v.visible(items, 5);
    expect(back.lines.map((l) => l.text)).toEqual(['line 15', 'line 16', 'line 17', 'line 18', 'line 19']);
    expect(back.newer).toBe(10);
    expect(v.status(back.newer)).toBe('10 newer ↓ (] to follow)');
    v.scroll(1000);
    expect(v.visible(items, 5).lines[0]!.text).toBe('line 0'); // clamped at the oldest
    v.scroll(-1000);
    v.nextFilter(); // faults
    const f = v.visible(items, 3);
    expect(f.lines.map((l) => l.text)).toEqual(['line 21', 'line 24', 'line 27']);
    expect(f.total).toBe(10);
    expect(v.status(0)).toBe('log: faults');
  });
});

describe('log keys', () => {
  it('f filters the log to faults (shown on the rule); [ scrolls back, ] follows again', async () => {
    const ctl = new TuiController(fakeRun());
    ctl.tick(100);
    const { lastFrame, stdin, unmount } = render(<App ctl={ctl} autoTick={false} size={{ columns: 80, rows: 24 }} />);
    const frame = () => (lastFrame() ?? '').replace(/\u001B\[[0-9;]*m/g, '');
    expect(await eventually(() => stdin.listenerCount('readable') > 0)).toBe(true);
    stdin.write('f');
    expect(await eventually(() => frame().includes('── log: faults'))).toBe(true);
    expect(ctl.logView.filter).toBe('faults');
    stdin.write('[');
    expect(await eventually(() => ctl.logView.offset > 0 || ctl.logView.matching(ctl.log).length <= 1)).toBe(true);
    stdin.write(']');
    expect(await eventually(() => ctl.logView.offset === 0)).toBe(true);
    for (const line of frame().split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    unmount();
  });
});
