/**
 * Ordinary mistakes in both CLIs: one line naming what is wrong, exit 2, no stack trace;
 * output paths checked before anything runs; help and version exit 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasim, scratchDir, SMALL } from './run-hasim.ts';

const dir = scratchDir();

function hanode(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/hanode.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** One line on stderr, no stack frames. */
function oneLine(err: string): string {
  const lines = err.trim().split('\n');
  expect(err).not.toMatch(/\n\s+at /);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('hanode usage errors', () => {
  it('--http without a host, or with a port out of range: exit 2, one line', () => {
    const a = hanode('agent', '--dev', '--http', '8500');
    expect(a.code).toBe(2);
    expect(oneLine(a.err)).toMatch(/--http.*'8500'.*ADDR:PORT/);
    const b = hanode('agent', '--dev', '--http', '127.0.0.1:99999');
    expect(b.code).toBe(2);
    expect(oneLine(b.err)).toMatch(/--http.*99999.*not a port number/);
  });

  it('an unknown command or option exits 2; help and version exit 0', () => {
    expect(hanode('bogus').code).toBe(2);
    expect(hanode('agent', '--bogus').code).toBe(2);
    expect(hanode('agent', '--node', 'x').code).toBe(2);
    const v = hanode('version');
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^hanode v\d+\.\d+\.\d+\n$/);
    expect(hanode('help').code).toBe(0);
    expect(hanode('--help').code).toBe(0);
  });
});

describe('hasim usage errors', () => {
  it('`hasim help` exits 0; a bare `hasim` is a usage error', () => {
    const h = hasim('help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/Usage: hasim/);
    expect(hasim().code).toBe(2);
  });

  it('an unwritable --report / --trace / --history path is refused before the run: exit 2, one line', () => {
    const r = hasim('run', SMALL, '--report', '/nonexistent/r.html');
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe('hasim: --report /nonexistent/r.html: directory /nonexistent does not exist');
    expect(r.out).toBe(''); // nothing ran: no summary
    const t = hasim('run', SMALL, '--trace', dir);
    expect(t.code).toBe(2);
    expect(oneLine(t.err)).toMatch(/--trace .*: is a directory/);
    const h = hasim('replay', SMALL, '--seed', '2', '--history', join(dir, 'no', 'h.jsonl'));
    expect(h.code).toBe(2);
    expect(oneLine(h.err)).toMatch(/--history .*does not exist/);
  });

  it('shrink --out into a missing directory is refused before shrinking', () => {
    const r = hasim('shrink', 'test/scenario/fixtures/careless-lock.yaml', '--seed', '1', '--out', '/nonexistent/x.yaml');
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe('hasim: --out /nonexistent/x.yaml: directory /nonexistent does not exist');
    expect(r.out).toBe('');
  });

  it('a writable path in an existing directory is accepted (the check is not over-strict)', () => {
    mkdirSync(join(dir, 'ok'), { recursive: true });
    const f = join(dir, 'ok', 'r.html');
    const r = hasim('run', SMALL, '--report', f);
    expect(r.code).toBe(0);
    expect(existsSync(f)).toBe(true);
  });
});
