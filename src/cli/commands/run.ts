/**
 * `hasim run FILE` and `hasim replay FILE --seed N`: one seed with a readable summary (or
 * --json), side files; or, with --swarm N / --seeds A..B, many seeds in worker threads.
 */
import { resolve } from 'node:path';
import { runToJson } from '../../report/json.ts';
import { formatRunText } from '../../report/text.ts';
import { runScenario } from '../../scenario/runner.ts';
import { makeProgress, parseSeedRange, runSwarm, swarmSeeds, MAX_SWARM, MAX_WORKERS } from '../../swarm/index.ts';
import { EXIT_FAIL, EXIT_PASS, load, parseDurationOption, parsePositiveInt, parseSeedOption, replayCommand, UsageError } from './common.ts';
import { writeSideFiles } from './output.ts';
import { MAX_SHARDS, parseShard, shardSeeds, type Shard, type SwarmReport } from '../../swarm/shard.ts';
import { formatSwarmText } from './swarm-text.ts';
import { checkOutputs } from './output-paths.ts';

export interface RunFlags {
  seed?: string;
  duration?: string;
  json?: boolean;
  trace?: string;
  history?: string;
  report?: string;
  swarm?: string;
  seeds?: string;
  workers?: string;
  color?: boolean;
  quiet?: boolean;
  shard?: string;
}

export function runCommand(file: string, flags: RunFlags): number {
  if (flags.shard !== undefined) throw new UsageError('--shard splits a swarm: give --swarm N or --seeds A..B too');
  const seed = parseSeedOption(flags.seed);
  const durationUs = parseDurationOption(flags.duration);
  const sc = load(file, durationUs);
  checkOutputs([['--trace', flags.trace], ['--history', flags.history], ['--report', flags.report]]);
  const r = runScenario(sc, {
    ...(seed !== undefined ? { seed } : {}),
    recordTrace: Boolean(flags.trace || flags.report),
    keepHistory: Boolean(flags.history || flags.report),
  });
  writeSideFiles(r, sc, {
    ...(flags.trace ? { trace: flags.trace } : {}),
    ...(flags.history ? { history: flags.history } : {}),
    ...(flags.report ? { report: flags.report } : {}),
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(runToJson(r))}\n`);
  } else {
    const color = flags.color !== false && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    process.stdout.write(`${formatRunText(r, { color, replayCommand: replayCommand(file, r.seed, durationUs, flags.duration) })}\n`);
    if (flags.report) process.stdout.write(`report: ${resolve(flags.report)}\n`);
  }
  return r.passed ? EXIT_PASS : EXIT_FAIL;
}

export async function swarmCommand(file: string, flags: RunFlags): Promise<number> {
  if (flags.trace || flags.history || flags.report) throw new UsageError('--trace, --history and --report apply to one run: replay a seed with them');
  if (flags.swarm && flags.seeds) throw new UsageError('use either --swarm N or --seeds A..B, not both');
  const durationUs = parseDurationOption(flags.duration);
  const workers = parsePositiveInt('--workers', flags.workers, MAX_WORKERS) ?? 2;
  let seeds: number[];
  if (flags.seeds) {
    const s = parseSeedRange(flags.seeds);
    if (!s) throw new UsageError(`--seeds: expected A..B with A <= B (at most ${MAX_SWARM} seeds), got "${flags.seeds}"`);
    seeds = s;
  } else {
    const n = parsePositiveInt('--swarm', flags.swarm, MAX_SWARM)!;
    seeds = swarmSeeds(n, parseSeedOption(flags.seed) ?? 1);
  }
  let shard: Shard | undefined;
  let swarmRange = `${seeds[0]}..${seeds[seeds.length - 1]}`;
  if (flags.shard !== undefined) {
    shard = parseShard(flags.shard);
    if (!shard) throw new UsageError(`--shard: expected i/k with 1 <= i <= k <= ${MAX_SHARDS} (e.g. 2/4), got "${flags.shard}"`);
    seeds = shardSeeds(seeds, shard);
    if (seeds.length === 0) throw new UsageError(`--shard ${flags.shard}: no seeds in this shard (${swarmRange} split ${shard.count} ways)`);
  }
  // Validate in this thread first: a bad file is exit 2 before any worker starts.
  const sc = load(file, durationUs);
  const progress = makeProgress(seeds.length, process.stderr, Boolean(flags.quiet));
  const res = await runSwarm({ file: resolve(file), seeds, workers, ...(durationUs !== undefined ? { durationUs } : {}), onProgress: (d, f) => progress.update(d, f) });
  progress.finish(res.runs, res.failed);
  const replays = res.failingSeeds.map((s) => replayCommand(file, s, durationUs, flags.duration));
  const report: SwarmReport = {
    format: 1,
    scenario: sc.name,
    file,
    runs: res.runs,
    failed: res.failed,
    passed: res.failed === 0,
    failingSeeds: res.failingSeeds,
    failures: res.failures.map((o, i) => ({ seed: o.seed, traceHash: o.traceHash, replay: replays[i]!, expectations: o.failures })),
    faults: res.faults,
    stats: { events: res.events, messages: res.messages, wallTimeMs: res.wallTimeMs, workers: res.workers },
    ...(shard ? { shard: { index: shard.index, count: shard.count, seeds: `${seeds[0]}..${seeds[seeds.length - 1]}`, swarmSeeds: swarmRange } } : {}),
  };
  if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(`${formatSwarmText(report)}\n`);
  return report.passed ? EXIT_PASS : EXIT_FAIL;
}
