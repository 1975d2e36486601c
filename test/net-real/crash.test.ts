// A real crash: a child process appends and syncs in a loop and is killed with SIGKILL.
// Reopening must find every record it reported as synced, in order, and take over its lock.
import { spawn } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { DataDir } from '../../src/net-real/data-dir.ts';
import { freshDir, removeDirs } from './tmp-dir.ts';
import { PATIENCE_MS } from '../support/patience.ts';

afterAll(removeDirs);

it.each(['sync', 'async'])('SIGKILL mid-write loses nothing that was synced (%s)', async (mode) => {
  const dir = freshDir('crash');
  const child = spawn(process.execPath, ['bin/run-ts.js', 'test/net-real/crash-child.ts', dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let reported = 0;
  let buf = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve) => {
    const bound = setTimeout(resolve, PATIENCE_MS); // never wait longer than this for output
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) reported = Math.max(reported, Number(l.split(' ')[1]));
      if (reported >= 500) {
        clearTimeout(bound);
        resolve();
      }
    });
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  expect(reported).toBeGreaterThanOrEqual(500);

  const data = DataDir.open(dir); // the dead child's lock is stale: taken over
  expect(data.lock.tookOverStalePid).toBe(child.pid);
  const log = data.storage('log');
  expect(log.first()).toBe(1);
  expect(log.last()).toBeGreaterThanOrEqual(reported);
  for (let i = 1; i <= log.last(); i++) expect((log.get(i) as { i: number }).i).toBe(i);
  if (mode === 'sync') expect((log.load('hard') as { last: number }).last).toBeGreaterThanOrEqual(reported);
  data.close();
});
