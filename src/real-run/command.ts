/**
 * The CLI side of `hasim run FILE --real`: flags, the --history side file (docs/formats.md),
 * a readable summary or --json. Exit 0 only for a full pass; 1 for a failure or an INCOMPLETE
 * run (something skipped, unsupported or not judged); 2 for bad usage.
 */
import { writeFileSync } from 'node:fs';
import { load, parseDurationOption, parseSeedOption, UsageError, EXIT_FAIL, EXIT_PASS } from '../cli/commands/common.ts';
import { checkOutputs } from '../cli/commands/output-paths.ts';
import { runReal, type RealRunResult } from './run.ts';

export interface RealFlags {
  seed?: string;
  duration?: string;
  json?: boolean;
  history?: string;
  trace?: string;
  report?: string;
  swarm?: string;
  seeds?: string;
}

export async function realCommand(file: string, flags: RealFlags): Promise<number> {
  if (flags.swarm || flags.seeds) throw new UsageError('--real runs one seed: drop --swarm / --seeds');
  if (flags.trace || flags.report) throw new UsageError('--real does not write --trace or --report yet (give --history)');
  const seed = parseSeedOption(flags.seed);
  const sc = load(file, parseDurationOption(flags.duration));
  checkOutputs([['--history', flags.history]]);
  const raft = sc.modules.get('raft') as { voters?: readonly string[] } | undefined;
  if (!raft?.voters?.length) throw new UsageError(`${file}: --real needs a raft: section with voters (each voter becomes a hanode agent)`);
  let r: RealRunResult;
  try {
    r = await runReal(sc, { ...(seed !== undefined ? { seed } : {}), log: (l) => process.stderr.write(`${l}\n`) });
  } catch (e) {
    // Everything started was stopped by runReal's cleanup; say what broke, without a stack.
    process.stderr.write(`hasim: the real run broke off: ${(e as Error).message}\n`);
    return EXIT_FAIL;
  }
  if (flags.history) writeFileSync(flags.history, r.history.map((e) => JSON.stringify(e)).join('\n') + (r.history.length ? '\n' : ''));
  if (flags.json) {
    const { history: _h, ...rest } = r;
    process.stdout.write(`${JSON.stringify(rest)}\n`);
  } else process.stdout.write(`${formatReal(r)}\n`);
  return r.passed ? EXIT_PASS : EXIT_FAIL;
}

export function formatReal(r: RealRunResult): string {
  const lines: string[] = [];
  const verdict = r.passed ? 'PASS' : r.verdicts.some((v) => v.status === 'fail') ? 'FAIL' : 'INCOMPLETE';
  lines.push(`${r.scenario} — REAL run on ${r.servers.length} hanode processes (${r.servers.map((s) => `${s.name}@${s.addr}`).join(' ')}), seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)}s wall`);
  lines.push('not deterministic: the seed drives the workload, not the kernel or the agents; a rerun may differ');
  if (r.stats.invoked > 0 || r.workloads.length === 0) lines.push(`client ops: ${r.stats.invoked} invoked, ${r.stats.ok} ok, ${r.stats.fail} fail, ${r.stats.info} info`);
  for (const w of r.workloads) lines.push(w);
  const counts = Object.entries(r.faultCounts).sort();
  if (counts.length) lines.push(`faults played: ${counts.reduce((n, [, c]) => n + c, 0)} (${counts.map(([k, c]) => `${k} ${c}`).join(', ')})`);
  if (r.readBack?.lost) lines.push(`read back after the heal: ${r.readBack.lost.keys} keys, ${r.readBack.lost.acknowledged} acknowledged writes, ${r.readBack.lost.lost} lost`);
  if (r.readBack?.checkerMs !== undefined) lines.push(`linearizability checker: ${(r.readBack.checkerMs / 1000).toFixed(1)}s over ${r.history.filter((e) => e.type === 'invoke' && ['read', 'write', 'cas', 'delete'].includes(e.f)).length} KV operations`);
  for (const p of r.played) lines.push(`  ${(p.atMs / 1000).toFixed(1)}s  ${p.text}`);
  for (const s of r.skippedFaults) lines.push(`  ${(s.atMs / 1000).toFixed(1)}s  SKIPPED ${s.kind}: ${s.reason}`);
  for (const e of r.faultErrors) lines.push(`  fault error: ${e}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  for (const n of r.notApplied) lines.push(`NOT APPLIED: ${n}`);
  if (r.unsupportedModules.length) lines.push(`unsupported in a real run (not played): ${r.unsupportedModules.join(', ')}`);
  for (const v of r.verdicts) lines.push(`  ${v.status.toUpperCase().padEnd(11)} ${v.name}: ${v.detail}`);
  const why = r.incomplete && !r.passed ? ' (skipped faults / unsupported modules / unjudged expectations: not a full pass)' : '';
  lines.push(`verdict: ${verdict}${verdict === 'INCOMPLETE' ? why : ''}`);
  return lines.join('\n');
}
