// The one rule (ARCHITECTURE.md): cores under src/core are sans-I/O and deterministic.
// This test reads every core file and fails on any reach around the Env.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const coreDir = join(root, 'src', 'core');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

const FORBIDDEN: [RegExp, string][] = [
  [/from\s+['"]node:/, 'imports a node: module'],
  [/from\s+['"](fs|net|dgram|http|https|child_process|os|timers|worker_threads|crypto|path|process)(\/[^'"]*)?['"]/, 'imports a Node built-in'],
  [/\bimport\(\s*['"]node:/, 'dynamically imports a node: module'],
  [/\brequire\s*\(/, 'uses require()'],
  [/\bDate\.now\s*\(/, 'reads the wall clock (Date.now)'],
  [/\bnew Date\s*\(/, 'reads the wall clock (new Date)'],
  [/\bperformance\.now\s*\(/, 'reads the wall clock (performance.now)'],
  [/\bMath\.random\s*\(/, 'uses global randomness (Math.random)'],
  [/\bsetTimeout\s*\(/, 'uses a real timer (setTimeout)'],
  [/\bsetInterval\s*\(/, 'uses a real timer (setInterval)'],
  [/\bsetImmediate\s*\(/, 'uses a real timer (setImmediate)'],
  [/\bqueueMicrotask\s*\(/, 'schedules a microtask'],
  [/\bprocess\s*\./, 'touches process'],
  [/\bglobalThis\b/, 'reaches for globals'],
  [/\basync\s+(function|\(|[A-Za-z_$][\w$]*\s*\()/, 'uses async (microtasks run outside the event order)'],
  [/\bawait\s/, 'awaits'],
  [/\bnew Promise\b|\bPromise\.(resolve|reject|all|race|any)\b/, 'uses Promises'],
];

/** Strips comments and string contents so prose does not trip the scan. */
function code(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/`(?:\\[\s\S]|[^`\\])*`/g, '``');
}

export function violations(src: string): string[] {
  const body = code(src);
  return FORBIDDEN.filter(([re]) => re.test(body)).map(([, why]) => why);
}

describe('src/core is sans-I/O and deterministic', () => {
  it('finds the core files', () => {
    expect(files(coreDir).length).toBeGreaterThan(0);
  });

  it('no core file reaches around the Env', () => {
    const bad: string[] = [];
    for (const f of files(coreDir)) {
      for (const why of violations(readFileSync(f, 'utf8'))) bad.push(`${relative(root, f)}: ${why}`);
    }
    expect(bad).toEqual([]);
  });

  it('the scan catches each forbidden pattern (the test can fail)', () => {
    const samples = [
      "import { readFileSync } from 'node:fs';",
      "import * as net from 'net';",
      'const t = Date.now();',
      'const t = performance.now();',
      'const r = Math.random();',
      'setTimeout(() => 1, 5);',
      'setInterval(f, 5);',
      'setImmediate(f);',
      'queueMicrotask(f);',
      'const v = process.env.X;',
      'async function f() {}',
      'await x;',
      'new Promise((r) => r(1));',
    ];
    for (const s of samples) expect(violations(s), s).not.toEqual([]);
    expect(violations('// Date.now() is forbidden here\nconst x = 1;')).toEqual([]);
  });
});
