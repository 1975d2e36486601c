// Runs the hasim CLI as a user does (node bin/hasim.js), in a scratch directory removed after
// the test file, without colours.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hasim-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function hasim(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/hasim.js', ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A small 3-voter Raft scenario that passes on every seed the CLI tests use. */
export const SMALL = 'test/scenario/fixtures/small-raft.yaml';
