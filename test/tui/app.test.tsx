import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/tui/App.tsx';
import { TuiController } from '../../src/tui/controller.ts';
import { fakeRun } from './fake-run.ts';

const tick = () => new Promise((r) => setTimeout(r, 30));

describe('TUI app (ink-testing-library)', () => {
  it('renders nodes grouped by region and DC within 80 columns', () => {
    const ctl = new TuiController(fakeRun());
    ctl.tick(100);
    const { lastFrame, unmount } = render(<App ctl={ctl} autoTick={false} size={{ columns: 80, rows: 24 }} />);
    const frame = lastFrame()!.replace(/\u001B\[[0-9;]*m/g, '');
    expect(frame).toContain('eu / eu-1');
    expect(frame).toContain('us / us-1');
    for (const n of ['n1', 'n2', 'n3', 'n4']) expect(frame).toContain(n);
    expect(frame).toContain('LEAD');
    expect(frame).toMatch(/1\.000s/);
    const lines = frame.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.length).toBeLessThanOrEqual(24);
    unmount();
  });

  it('keys change state: space pauses, c crashes the selection, ? shows help, h heals', async () => {
    const ctl = new TuiController(fakeRun());
    const { lastFrame, stdin, unmount } = render(<App ctl={ctl} autoTick={false} />);
    await tick();
    stdin.write(' ');
    await tick();
    expect(ctl.paused).toBe(true);
    expect(lastFrame()).toContain('paused');
    stdin.write('\u001B[B'); // down arrow → n2
    await tick();
    stdin.write('c');
    await tick();
    expect(ctl.run.world.isUp('n2')).toBe(false);
    expect(lastFrame()).toMatch(/n2\s+DOWN/);
    stdin.write('p');
    await tick();
    expect(lastFrame()).toMatch(/cut: eu-1 -\/-> /);
    stdin.write('h');
    await tick();
    expect(lastFrame()).toContain('no partitions');
    stdin.write('?');
    await tick();
    expect(lastFrame()).toContain('partition the selected DC');
    unmount();
  });
});
