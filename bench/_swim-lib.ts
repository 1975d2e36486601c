/**
 * Helpers shared by the SWIM benches: cluster start-up to convergence, percentiles, table
 * printing, and wall/CPU timing. Progress goes to stderr so stdout stays a clean report.
 */
import { sec, type Micros, type NodeId } from '../src/core/env.ts';
import type { World } from '../src/sim/index.ts';
import { buildCluster, converged, runUntilEvery, type ClusterOptions } from '../test/swim/harness.ts';

export function progress(msg: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Builds and starts a cluster, runs it until every node sees every other alive. */
export function startConverged(o: ClusterOptions, limitUs: Micros = sec(300)): { world: World; names: NodeId[]; convergedAtUs: Micros } {
  const { world, names } = buildCluster({ ...o, config: { traceJoins: false, ...o.config } });
  world.start();
  const every = o.n >= 500 ? sec(1) : sec(0.25);
  const ok = runUntilEvery(world, () => converged(world, names, names), every, limitUs);
  if (!ok) throw new Error(`cluster of ${o.n} did not converge within ${limitUs / 1e6} s`);
  return { world, names, convergedAtUs: world.now() };
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: readonly (string | number)[]): string => r.map((c, i) => String(c).padStart(widths[i]!)).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** Wall and CPU (user + system) seconds of fn. */
export function timed<T>(fn: () => T): { value: T; wallS: number; cpuS: number } {
  const w0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, wallS: Number(process.hrtime.bigint() - w0) / 1e9, cpuS: (c.user + c.system) / 1e6 };
}

/** Sizes from argv (e.g. `16,64`) or the default list. */
export function sizesFromArgv(defaults: readonly number[]): number[] {
  const arg = process.argv[2];
  return arg ? arg.split(',').map(Number) : [...defaults];
}
