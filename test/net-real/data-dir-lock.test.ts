import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir, LOCK_FILE } from '../../src/net-real/data-dir-lock.ts';
import { DataDir } from '../../src/net-real/data-dir.ts';
import { freshDir, removeDirs } from './tmp-dir.ts';

afterAll(removeDirs);

describe('data-dir lock', () => {
  it('a second open of a locked dir fails with a clear error; release frees it', () => {
    const dir = freshDir('lock');
    const a = DataDir.open(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').split('\n')[0]).toBe(String(process.pid));
    expect(() => DataDir.open(dir)).toThrow(DataDirLockedError);
    expect(() => DataDir.open(dir)).toThrow(/in use by process \d+/);
    a.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    DataDir.open(dir).close();
  });

  it('a stale lock (owner pid dead) is taken over', () => {
    const dir = freshDir('lock');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, LOCK_FILE), `${dead}\nsomehost\n`);
    const l = lockDataDir(dir);
    expect(l.tookOverStalePid).toBe(dead);
    l.release();
  });

  it('another process cannot open a dir this process holds', () => {
    const dir = freshDir('lock');
    const held = DataDir.open(dir);
    const r = spawnSync(process.execPath, ['bin/run-ts.js', 'test/net-real/lock-child.ts', dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toContain(`in use by process ${process.pid}`);
    held.close();
    // Released: now the other process gets it.
    expect(spawnSync(process.execPath, ['bin/run-ts.js', 'test/net-real/lock-child.ts', dir], { timeout: 120_000 }).status).toBe(0);
  });
});
