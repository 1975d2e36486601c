/**
 * The hasim CLI as a user runs it (node bin/hasim.js): exit codes, the --json contract,
 * --trace/--history/--report files, replay.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasim, scratchDir, SMALL } from './run-hasim.ts';
import { parseDurationOption, parsePositiveInt, parseSeedOption, UsageError } from '../../src/cli/commands/common.ts';
import { parseSeedRange } from '../../src/swarm/index.ts';

const dir = scratchDir();

describe('hasim run', () => {
  it('--json prints one object with the documented fields; exit 0 when all pass', () => {
    const r = hasim('run', SMALL, '--seed', '3', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ scenario: 'small-raft', seed: 3, passed: true, faults: { crash: 1 } });
    expect(j.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(j.stats)).toEqual(expect.arrayContaining(['events', 'messages', 'virtualTimeUs', 'wallTimeMs']));
    expect(j.expectations.map((e: { name: string }) => e.name)).toContain('KV history is linearizable');
    for (const e of j.expectations) expect(typeof e.passed).toBe('boolean');
    expect(r.out.trim().split('\n')).toHaveLength(1);
  });

  it('prints a readable summary without colours when not a TTY, and writes --report', () => {
    const f = join(dir, 'r.html');
    const r = hasim('run', SMALL, '--report', f);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Timeline/);
    expect(r.out).toMatch(/elected Raft leader/);
    expect(r.out).toMatch(/Faults fired: crash ×1/);
    expect(r.out).toMatch(/Latency: p50/);
    expect(r.out).toMatch(/✓ PASS {2}KV history is linearizable/);
    expect(r.out).not.toContain('\x1b[');
    expect(existsSync(f)).toBe(true);
    expect(readFileSync(f, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('exit 1 when an expectation fails, with the replay command', () => {
    const r = hasim('run', 'test/scenario/fixtures/careless-lock.yaml');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ FAIL {2}lock exclusivity/);
    expect(r.out).toContain('replay: npx hasim replay test/scenario/fixtures/careless-lock.yaml --seed 1');
  });

  it('exit 2 for a bad scenario, naming FILE:LINE:COL and the field; nothing runs', () => {
    const r = hasim('run', 'test/scenario/fixtures/bad-fault-time.yaml', '--json');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('test/scenario/fixtures/bad-fault-time.yaml:10:11: faults[2].at: expected a duration');
  });

  it('exit 2 for bad usage', () => {
    expect(hasim('run', SMALL, '--bogus').code).toBe(2);
    const r = hasim('replay', SMALL);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/replay needs --seed N/);
    expect(hasim('run', 'no/such/file.yaml').code).toBe(2);
  });

  it('option values are checked before anything runs', () => {
    expect(() => parseSeedOption('x')).toThrow(UsageError);
    expect(() => parseDurationOption('30')).toThrow(/expected a duration like "30s"/);
    expect(() => parsePositiveInt('--workers', '0', 64)).toThrow(UsageError);
    expect(parseDurationOption('1h')).toBe(3_600_000_000);
    expect(parseSeedRange('5..7')).toEqual([5, 6, 7]);
    expect(parseSeedRange('7..5')).toBeUndefined();
  });
});

describe('hasim replay', () => {
  it('reproduces the run exactly and writes the trace and history as JSON lines', () => {
    const first = JSON.parse(hasim('run', SMALL, '--seed', '9', '--duration', '6s', '--json').out);
    expect(first.stats.virtualTimeUs).toBe(6_000_000); // --duration overrides the file's 10s
    const trace = join(dir, 't.jsonl');
    const history = join(dir, 'h.jsonl');
    const r = hasim('replay', SMALL, '--seed', '9', '--duration', '6s', '--json', '--trace', trace, '--history', history);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).traceHash).toBe(first.traceHash);
    const events = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(500); // a 6 s run of three servers and one client: hundreds of events at least
    expect(events.some((e) => e.kind === 'raft.elected')).toBe(true);
    const ops = readFileSync(history, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(ops.length).toBeGreaterThan(30);
    for (const op of ops.slice(0, 50)) {
      expect(Object.keys(op).sort()).toEqual(['f', 'key', 'process', 'time', 'type', 'value']);
      expect(['invoke', 'ok', 'fail', 'info']).toContain(op.type);
    }
    const times = ops.map((o) => o.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});

describe('printed next steps paste', () => {
  it('the replay line printed after a failure runs as printed and gives the same trace hash', async () => {
    const { execSync } = await import('node:child_process');
    const first = hasim('run', 'test/scenario/fixtures/careless-lock.yaml', '--json');
    const run = hasim('run', 'test/scenario/fixtures/careless-lock.yaml');
    const line = /replay: (npx hasim replay .*)$/m.exec(run.out)?.[1];
    expect(line).toBeDefined();
    // Offline: npx must find the project's own bin, never fetch a package of that name.
    const out = execSync(`${line} --json || true`, { encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true', NO_COLOR: '1' }, timeout: 300_000 });
    expect(JSON.parse(out).traceHash).toBe(JSON.parse(first.out).traceHash);
  }, 480_000);
});
