import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { App, keyLine, titleParts } from '../../src/tui/App.tsx';
import { TuiController } from '../../src/tui/controller.ts';
import { fakeRun } from './fake-run.ts';
import { eventually } from '../support/patience.ts';

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
    // Wait on conditions, not on a clock: under load, input and frames take their time.
    const until = async (what: string, cond: () => boolean) => expect(await eventually(cond), what).toBe(true);
    const frame = () => lastFrame() ?? '';
    await until('the key handler to listen', () => stdin.listenerCount('readable') > 0);
    stdin.write(' ');
    await until('paused', () => ctl.paused && frame().includes('paused'));
    stdin.write('\u001B[B'); // down arrow → n2
    await until('n2 selected', () => ctl.selection.node === 'n2');
    stdin.write('c');
    await until('n2 down', () => !ctl.run.world.isUp('n2') && /n2\s+DOWN/.test(frame()));
    stdin.write('p');
    await until('a cut shown', () => /cut: eu-1 -\/-> /.test(frame()));
    stdin.write('h');
    await until('healed', () => frame().includes('no partitions'));
    stdin.write('?');
    await until('help shown', () => frame().includes('partition the DC off'));
    unmount();
  });
});

describe('TUI at 80×24', () => {
  it('? shows the keys and a legend of every node column, within 80×24', async () => {
    const ctl = new TuiController(fakeRun());
    ctl.tick(100);
    const { lastFrame, stdin, unmount } = render(<App ctl={ctl} autoTick={false} size={{ columns: 80, rows: 24 }} />);
    expect(await eventually(() => stdin.listenerCount('readable') > 0)).toBe(true);
    stdin.write('?');
    expect(await eventually(() => (lastFrame() ?? '').includes('node columns'))).toBe(true);
    const frame = lastFrame()!.replace(/\u001B\[[0-9;]*m/g, '');
    for (const words of ['node columns', 'Raft role', 'commit index', 'alive/suspect/dead', 'incarnation', 'crash the node', 'q ', 'quit']) expect(frame).toContain(words);
    const lines = frame.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(frame).not.toContain('…'); // nothing of the help cut off
    unmount();
  });

  it('the title keeps clock, speed and state; the key line names every key', () => {
    const t = titleParts('a-rather-long-scenario-name-that-would-push-the-state-off-screen', 12345, '12.345s', '1m30.0s', '×1', 'paused', 123456, 80);
    const line = `hasim tui ${t.name} · seed 12345 · 12.345s / 1m30.0s · ×1 · paused${t.events}`;
    expect(line.length).toBeLessThanOrEqual(80);
    expect(t.name.endsWith('…')).toBe(true);
    expect(titleParts('crash', 1, '1.000s', '30.000s', '×1', 'running', 10, 80).events).toBe(' · 10 events');
    const keys = keyLine(80);
    expect(keys.length).toBeLessThanOrEqual(80);
    for (const k of ['pause', 'step', 'speed', 'crash', 'restart', 'heal', 'save', 'help', ' q']) expect(keys).toContain(k);
    expect(keyLine(200)).toContain('partition DC');
  });
});
