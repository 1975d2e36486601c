/**
 * A user core on a RealHost with a data dir (hostApp's `dataDir`, `hasim host --data-dir`): its
 * storage is files, so its log and named values survive a restart of the host; without one they
 * are memory and gone. Each host is closed, also on failure; the temp dir is removed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostApp } from '../../src/api/host.ts';
import type { PrimaryBackup } from '../../examples/primary-backup/register.ts';

const dir = mkdtempSync(join(tmpdir(), 'hasim-host-data-'));
const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((h) => h.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

/** One node alone is the primary of view 0 and (buggy: no backups to wait for) appends every tick. */
function solo(dataDir?: string) {
  const h = hostApp('examples/primary-backup/register.ts', { id: 'n1', nodes: ['n1'], host: '127.0.0.1', seed: 1, config: { buggy: true }, ...(dataDir ? { dataDir } : {}) });
  open.push(h);
  return { h, log: () => (h.app()!.app as PrimaryBackup).log() };
}

describe('hostApp with a data dir', () => {
  it('the core\'s log survives a restart of the host; in memory it does not', async () => {
    const dataDir = join(dir, 'n1');
    const first = solo(dataDir);
    await first.h.start();
    expect(await until(() => first.log().length >= 5, 60_000)).toBe(true);
    const before = first.log();
    await first.h.close();
    expect(existsSync(join(dataDir, 'app'))).toBe(true);

    const second = solo(dataDir);
    await second.h.start();
    const after = second.log();
    await second.h.close();
    expect(after.slice(0, before.length)).toEqual(before);

    const memory = solo();
    await memory.h.start();
    const fresh = memory.log();
    await memory.h.close();
    expect(fresh.length).toBeLessThan(before.length);
  }, 120_000);

  it('hasim host --data-dir keeps the files across two runs of the process', async () => {
    const dataDir = join(dir, 'cli');
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, ['bin/hasim.js', 'host', 'examples/primary-backup/register.ts', '--node', 'n1', '--config', '{"buggy":true}', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout!.on('data', (d) => (out += String(d)));
        p.stderr!.on('data', (d) => (out += String(d)));
        const kill = setTimeout(() => p.kill('SIGKILL'), 90_000);
        const timer = setInterval(() => {
          if (out.includes('hasim host: n1 on')) {
            clearInterval(timer);
            setTimeout(() => p.kill('SIGINT'), 1500);
          }
        }, 100);
        p.once('exit', (code) => {
          clearInterval(timer);
          clearTimeout(kill);
          resolve({ code, out });
        });
      });
    const a = await run();
    expect(a.code, a.out).toBe(0);
    const segs = readdirSync(join(dataDir, 'app', 'log')).filter((f) => f.endsWith('.seg'));
    expect(segs.length).toBeGreaterThan(0);
    const b = await run();
    expect(b.code, b.out).toBe(0);
  }, 200_000);
});
