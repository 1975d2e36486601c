/**
 * Linearizability checker speed: 10,000-op histories of 10 concurrent clients, valid and
 * invalid, plus harder shapes (one hot key, zipf-like two keys, info ops, wide overlap).
 * Prints wall time per check, search steps and the verdict; invalid rows also show the
 * counterexample size and how long shrinking took.
 *
 *   node bin/run-ts.js bench/linearizability.ts [--ops 10000] [--clients 10] [--reps 3]
 */
import { performance } from 'node:perf_hooks';
import {
  checkLinearizability,
  corruptRead,
  linearizableHistory,
  staleRead,
  type GenOptions,
  type LinearizabilityOptions,
} from '../src/sim/checkers/linearizability/index.ts';
import { randomStream } from '../src/sim/index.ts';
import type { HistoryEvent } from '../src/sim/history.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const OPS = arg('ops', 10_000);
const CLIENTS = arg('clients', 10);
const REPS = arg('reps', 3);

interface Case {
  readonly name: string;
  readonly gen: Omit<GenOptions, 'ops' | 'processes'>;
  readonly breakIt?: (h: HistoryEvent[]) => HistoryEvent[] | undefined;
  readonly expect: boolean | 'unknown';
  readonly options?: LinearizabilityOptions;
}

const mid = Math.floor(OPS / 2);
const cases: Case[] = [
  { name: 'valid, 5 keys', gen: { keys: 5, spread: 100, infoRate: 0 }, expect: true },
  { name: 'valid, 5 keys, 5% info', gen: { keys: 5, spread: 100, infoRate: 0.05 }, expect: true },
  { name: 'valid, 1 key', gen: { keys: 1, spread: 100, infoRate: 0 }, expect: true },
  { name: 'valid, 1 key, 5% info', gen: { keys: 1, spread: 100, infoRate: 0.05 }, expect: true },
  { name: 'valid, 1 key, wide overlap', gen: { keys: 1, spread: 1000, infoRate: 0.02 }, expect: true },
  { name: 'invalid: corrupt read mid-run, 5 keys', gen: { keys: 5, spread: 100, infoRate: 0.02 }, breakIt: (h) => corruptRead(h, mid), expect: false },
  { name: 'invalid: stale read mid-run, 5 keys', gen: { keys: 5, spread: 100, infoRate: 0.02 }, breakIt: (h) => staleRead(h, mid), expect: false },
  { name: 'invalid: stale read mid-run, 1 key', gen: { keys: 1, spread: 100, infoRate: 0.02 }, breakIt: (h) => staleRead(h, mid), expect: false },
  { name: 'invalid: stale read, 1 key, wide overlap', gen: { keys: 1, spread: 1000, infoRate: 0.02 }, breakIt: (h) => staleRead(h, mid), expect: false },
  // Without the pre-check the exact search must exhaust every configuration before the
  // anomaly: fine on 5 keys, far slower on one hot key (bounded: 'unknown' past maxSteps).
  { name: 'invalid: stale read, 5 keys, search only', gen: { keys: 5, spread: 100, infoRate: 0.02 }, breakIt: (h) => staleRead(h, mid), expect: false, options: { quickCheck: false } },
  { name: 'invalid: stale read, 1 key, search only', gen: { keys: 1, spread: 100, infoRate: 0.02 }, breakIt: (h) => staleRead(h, mid), expect: 'unknown', options: { quickCheck: false, search: { maxSteps: 5_000_000 } } },
];

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const padL = (s: string | number, n: number) => String(s).padStart(n);
console.log(`linearizability checker: ${OPS} ops, ${CLIENTS} clients, best of ${REPS} runs (wall ms)`);
console.log(`${pad('case', 44)} ${padL('verdict', 8)} ${padL('check ms', 9)} ${padL('no-shrink', 10)} ${padL('steps', 9)} ${padL('cex ops', 8)}`);
let allRight = true;
for (const c of cases) {
  const r = randomStream(2024, c.name);
  const base = linearizableHistory(() => r.next(), { ops: OPS, processes: CLIENTS, ...c.gen });
  const h = c.breakIt ? c.breakIt(base) : base;
  if (!h) {
    console.log(`${pad(c.name, 44)} (no qualifying read to break)`);
    continue;
  }
  let best = Infinity;
  let bestNoShrink = Infinity;
  let result = checkLinearizability(h, c.options);
  for (let i = 0; i < REPS; i++) {
    process.stderr.write(`\r${c.name} ${i + 1}/${REPS}   `);
    let t0 = performance.now();
    result = checkLinearizability(h, c.options);
    best = Math.min(best, performance.now() - t0);
    t0 = performance.now();
    checkLinearizability(h, { ...c.options, minimize: false });
    bestNoShrink = Math.min(bestNoShrink, performance.now() - t0);
  }
  process.stderr.write('\r' + ' '.repeat(60) + '\r');
  const verdict = result.valid === true ? 'OK' : result.valid === false ? 'FAIL' : 'UNKNOWN';
  if (result.valid !== c.expect) allRight = false;
  console.log(
    `${pad(c.name, 44)} ${padL(verdict, 8)} ${padL(best.toFixed(1), 9)} ${padL(bestNoShrink.toFixed(1), 10)} ${padL(result.steps, 9)} ${padL(result.counterexample?.ops.length ?? '-', 8)}`,
  );
}
console.log(allRight ? 'every verdict as expected' : 'SOME VERDICT WAS WRONG');
if (!allRight) process.exitCode = 1;
