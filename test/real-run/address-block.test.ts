/**
 * src/real-run/address-block.ts: two processes that run real runs at once claim different
 * loopback blocks, a claim left by a dead process is taken over, a released block is reused,
 * and HASIM_REAL_BLOCK overrides the claim. Each child claims, prints its block and holds it
 * until its stdin closes; the claim files live in a temp dir of this test (TMPDIR).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'hasim-block-test-'));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a child that claims a block; resolves with the block it printed and the child. */
function claim(env: Record<string, string> = {}): Promise<{ block: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run-ts.js'), join(ROOT, 'test/real-run/block-child.ts')], {
    env: { ...process.env, TMPDIR: dir, HASIM_REAL_BLOCK: '', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  started.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve({ block: Number(out.trim()), child });
    });
    child.once('exit', (code) => reject(new Error(`block child exited ${code} before printing`)));
  });
}

const release = (c: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    c.once('exit', () => resolve());
    c.stdin!.end();
  });

describe('real-run address blocks', () => {
  it('are claimed one per live process, taken over from dead ones, reused once released', async () => {
    const a = await claim();
    const b = await claim();
    expect(a.block).toBe(0);
    expect(b.block).toBe(1);
    expect(readFileSync(join(dir, 'hasim-real-block-0'), 'utf8')).toBe(String(a.child.pid));

    // A claim whose process is gone (pid 2^22 + 1 is above Linux's pid_max) is stale.
    writeFileSync(join(dir, 'hasim-real-block-2'), String(4_194_305));
    const c = await claim();
    expect(c.block).toBe(2);

    await release(a.child);
    expect(existsSync(join(dir, 'hasim-real-block-0'))).toBe(false);
    const d = await claim();
    expect(d.block).toBe(0);

    const fixed = await claim({ HASIM_REAL_BLOCK: '7' });
    expect(fixed.block).toBe(7);
    expect(existsSync(join(dir, 'hasim-real-block-7'))).toBe(false);
    await Promise.all([b, c, d, fixed].map((x) => release(x.child)));
  }, 120_000);
});
