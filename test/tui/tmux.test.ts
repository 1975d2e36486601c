// Drives the real `hasim tui` in a real terminal: tmux runs it, send-keys types, capture-pane
// reads the screen. Skips where tmux is not installed. Every wait is bounded; the session is
// killed afterwards whatever happens.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { PATIENCE_MS } from '../support/patience.ts';

const root = join(import.meta.dirname, '..', '..');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `hasim-tui-test-${process.pid}`;

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-t', session, '-p');

/** Polls the screen until `pred` holds; at most `ms` milliseconds. */
async function waitFor(pred: (s: string) => boolean, ms = PATIENCE_MS): Promise<string> {
  const until = Date.now() + ms;
  let s = '';
  while (Date.now() < until) {
    s = screen();
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screen never matched; last screen:\n${s}`);
}

describe.skipIf(!hasTmux)('hasim tui under tmux', () => {
  afterAll(() => {
    spawnSync('tmux', ['kill-session', '-t', session]);
  });

  it('renders at 80x24, pauses, crashes the selected node, heals, and quits with a summary', async () => {
    // A copy: quitting saves the replay (with the injected faults) beside the scenario file.
    const dir = mkdtempSync(join(tmpdir(), 'hasim-tui-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'crash.yaml');
    copyFileSync(join(root, 'scenarios/faults/crash.yaml'), file);
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', '-c', root,
      // Ink renders only the last frame when it believes it runs in CI (CI=true): a person's terminal is not CI.
      `CI=false node bin/hasim.js tui ${file}; echo EXITED-$?; sleep 60`);
    let s = await waitFor((x) => x.includes('hasim tui') && /running|finished/.test(x));
    expect(s).toMatch(/fault-crash/);
    for (const line of s.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    tmux('send-keys', '-t', session, ' ');
    s = await waitFor((x) => x.includes('paused'));
    const pausedAt = /(\d+\.\d{3})s \//.exec(s)?.[1];
    tmux('send-keys', '-t', session, 'Down');
    tmux('send-keys', '-t', session, 'c');
    s = await waitFor((x) => /DOWN/.test(x));
    expect(s).toMatch(/crash/);
    tmux('send-keys', '-t', session, 'p');
    s = await waitFor((x) => x.includes('cut:'));
    tmux('send-keys', '-t', session, 'h');
    s = await waitFor((x) => x.includes('no partitions'));
    // Paused all along: virtual time did not move while we poked at it.
    expect(/(\d+\.\d{3})s \//.exec(s)?.[1]).toBe(pausedAt);
    tmux('send-keys', '-t', session, 'q');
    s = await waitFor((x) => x.includes('EXITED-'));
    // After quitting, the text summary with verdicts is printed.
    expect(s).toMatch(/PASS|FAIL/);
  }, 180_000);

  it('dc-failover: o shows the failover panel (targets, events, clients) at 80x24; . steps and names the event', async () => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', '-c', root, `CI=false node bin/hasim.js tui scenarios/dc-failover.yaml; echo EXITED-$?; sleep 60`);
    await waitFor((x) => x.includes('hasim tui') && /running|finished/.test(x));
    // At ×10 the DC loss (70s) comes after ~7 s; watch it on the panel, then pause (the run lasts 2m).
    tmux('send-keys', '-t', session, 'o');
    await waitFor((x) => x.includes('HA events'));
    await waitFor((x) => /cb-east-1 UP → DOWN/.test(x) && /app-e2a\s+east-2\s+cb-west-1/.test(x));
    tmux('send-keys', '-t', session, ' ');
    let s = await waitFor((x) => x.includes('paused'));
    for (const line of s.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(s).toMatch(/cb-west-1 ★\s+UP/);
    expect(s).toMatch(/e2a:down/);
    expect(s).toMatch(/cb-east-1 UP → DOWN/);
    expect(s).toMatch(/app-e2a\s+east-2\s+cb-west-1/);
    tmux('send-keys', '-t', session, '.');
    s = await waitFor((x) => /step \d+m?[\d.]+s: (deliver|timer|world)/.test(x));
    expect(s).toMatch(/step \S+: (deliver \S+ ← \S+ \S+\/\S+|timer \S+|world event)/);
    tmux('send-keys', '-t', session, 'o');
    s = await waitFor((x) => !x.includes('HA events') && x.includes('east / east-1'));
    tmux('send-keys', '-t', session, 'q');
    await waitFor((x) => x.includes('EXITED-'));
  }, 240_000);

  it('quitting early: pending expectations are "not reached" (exit 0), the replay includes the injected fault', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hasim-tui-'));
    try {
      const file = join(dir, 'crash.yaml');
      copyFileSync(join(root, 'scenarios/faults/crash.yaml'), file);
      spawnSync('tmux', ['kill-session', '-t', session]);
      tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', '-c', root, `CI=false node bin/hasim.js tui ${file}; echo EXITED-$?; sleep 60`);
      await waitFor((x) => x.includes('hasim tui') && /running|finished/.test(x));
      tmux('send-keys', '-t', session, ' ');
      await waitFor((x) => x.includes('paused'));
      tmux('send-keys', '-t', session, 'Down');
      tmux('send-keys', '-t', session, 'c');
      await waitFor((x) => /DOWN/.test(x));
      tmux('send-keys', '-t', session, 'q');
      const s = await waitFor((x) => x.includes('EXITED-'));
      const out = s.replace(/\s+/g, ' ');
      expect(out).toMatch(/NOT REACHED/);
      expect(out).toMatch(/STOPPED EARLY/);
      expect(out).toContain('EXITED-0');
      const session1 = join(dir, 'crash.session-1.yaml');
      expect(existsSync(session1)).toBe(true);
      const saved = readFileSync(session1, 'utf8');
      expect(saved).toMatch(/kind: crash[\s\S]*node: n2/); // the injected crash
      expect(saved).toMatch(/at: 10s[\s\S]*node: n1/); // and the file's own fault
      expect(out).toContain('crash.session-1.yaml --seed 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
