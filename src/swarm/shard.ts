/**
 * Swarms beyond one machine: `--shard i/k` runs the i-th of k contiguous slices of the seeds
 * (1-based, the convention of `vitest --shard` and `playwright --shard`), and
 * `mergeSwarmReports` combines the k shards' `--json` reports into the report one unsharded
 * run would have given: the same runs, failures, failing seeds, fault and event counts.
 */
import { isPlainObject } from '../core/wire-schema.ts';

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Upper bound on k: more machines than that is a job for a real scheduler. */
export const MAX_SHARDS = 10_000;

/** "2/4" → { index: 2, count: 4 }; undefined when malformed or out of range. */
export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS || index < 1 || index > count) return undefined;
  return { index, count };
}

/** The shard's slice of `seeds`: contiguous, sizes differ by at most one, together all of them. */
export function shardSeeds<T>(seeds: readonly T[], s: Shard): T[] {
  const from = Math.floor(((s.index - 1) * seeds.length) / s.count);
  const to = Math.floor((s.index * seeds.length) / s.count);
  return seeds.slice(from, to);
}

/** The `--json` report of a swarm (docs/formats.md), with its shard when it is one. */
export interface SwarmReport {
  readonly format: 1;
  readonly scenario: string;
  readonly file: string;
  readonly runs: number;
  readonly failed: number;
  readonly passed: boolean;
  readonly failingSeeds: readonly number[];
  readonly failures: readonly { readonly seed: number; readonly traceHash: string; readonly replay: string; readonly expectations: readonly unknown[] }[];
  readonly faults: Readonly<Record<string, number>>;
  readonly stats: { readonly events: number; readonly messages: number; readonly wallTimeMs: number; readonly workers: number };
  /** Present on a shard: which one, and the whole swarm's seeds ("A..B"). */
  readonly shard?: { readonly index: number; readonly count: number; readonly seeds: string; readonly swarmSeeds: string };
  /** Present on a merge: how many shards it combined. */
  readonly shards?: number;
}

/** Why a set of reports cannot be merged (a usage problem: exit 2). */
export class MergeError extends Error {}

/** A file from disk is input: every field the merge computes with is checked, the shard by parseShard's rules. */
function isReport(x: unknown): x is SwarmReport {
  const r = x as SwarmReport;
  if (
    !(typeof r === 'object' && r !== null && r.format === 1 && typeof r.scenario === 'string' && typeof r.file === 'string' &&
      Number.isInteger(r.runs) && Number.isInteger(r.failed) && Array.isArray(r.failingSeeds) && Array.isArray(r.failures) &&
      typeof r.faults === 'object' && r.faults !== null && typeof r.stats === 'object' && r.stats !== null)
  ) {
    return false;
  }
  const st: unknown = r.stats;
  if (!isPlainObject(st) || !['events', 'messages', 'wallTimeMs', 'workers'].every((k) => typeof st[k] === 'number' && Number.isFinite(st[k]))) return false;
  if (!r.failingSeeds.every((s) => Number.isInteger(s))) return false;
  if (!r.failures.every((f) => typeof f === 'object' && f !== null && Number.isInteger(f.seed))) return false;
  if (!Object.values(r.faults).every((n) => typeof n === 'number' && Number.isFinite(n))) return false;
  if (r.shard !== undefined && (typeof r.shard !== 'object' || r.shard === null || parseShard(`${r.shard.index}/${r.shard.count}`) === undefined)) return false;
  return true;
}

/** Validates one parsed file as a swarm report (`name` for messages). */
export function asSwarmReport(x: unknown, name: string): SwarmReport {
  if (!isReport(x)) throw new MergeError(`${name}: not a swarm report (hasim run FILE --swarm N --shard i/k --json)`);
  return x;
}

/**
 * Combines shard reports. All must be shards of one swarm (same scenario, file, k and whole
 * seed range) and every index 1..k present once; otherwise MergeError names what is wrong.
 */
export function mergeSwarmReports(parts: readonly { name: string; report: SwarmReport }[]): SwarmReport {
  if (parts.length === 0) throw new MergeError('nothing to merge');
  const first = parts[0]!;
  const count = first.report.shard?.count ?? 1;
  const seen = new Map<number, string>();
  for (const { name, report: r } of parts) {
    if (r.scenario !== first.report.scenario || r.file !== first.report.file) {
      throw new MergeError(`${name}: scenario ${r.scenario} (${r.file}) differs from ${first.name}'s ${first.report.scenario} (${first.report.file})`);
    }
    const idx = r.shard?.index ?? 1;
    if ((r.shard?.count ?? 1) !== count) throw new MergeError(`${name}: shard of ${r.shard?.count ?? 1}, but ${first.name} is a shard of ${count}`);
    if (r.shard?.swarmSeeds !== first.report.shard?.swarmSeeds) throw new MergeError(`${name}: a swarm of seeds ${r.shard?.swarmSeeds}, but ${first.name} is of ${first.report.shard?.swarmSeeds}`);
    const dup = seen.get(idx);
    if (dup) throw new MergeError(`${name}: shard ${idx}/${count} given twice (also ${dup})`);
    seen.set(idx, name);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new MergeError(`missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')}: the verdict would not cover every seed`);

  const reports = parts.map((p) => p.report);
  const faults: Record<string, number> = {};
  for (const r of reports) for (const [k, n] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + n;
  const failures = reports.flatMap((r) => r.failures).sort((a, b) => a.seed - b.seed);
  const failed = reports.reduce((s, r) => s + r.failed, 0);
  return {
    format: 1,
    scenario: first.report.scenario,
    file: first.report.file,
    runs: reports.reduce((s, r) => s + r.runs, 0),
    failed,
    passed: failed === 0,
    failingSeeds: reports.flatMap((r) => r.failingSeeds).sort((a, b) => a - b),
    failures,
    faults,
    stats: {
      events: reports.reduce((s, r) => s + r.stats.events, 0),
      messages: reports.reduce((s, r) => s + r.stats.messages, 0),
      // Summed: the work all shards did, not the elapsed time of the slowest.
      wallTimeMs: reports.reduce((s, r) => s + r.stats.wallTimeMs, 0),
      workers: reports.reduce((s, r) => s + r.stats.workers, 0),
    },
    shards: count,
  };
}
