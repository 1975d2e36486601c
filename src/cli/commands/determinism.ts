/**
 * `hasim determinism FILE [--seed N]`: runs the seed twice and compares the traces event by
 * event (first divergence reported), and checks that another seed gives another trace.
 */
import { checkDeterminism } from '../../scenario/determinism.ts';
import { runScenario } from '../../scenario/runner.ts';
import { EXIT_FAIL, EXIT_PASS, load, parseDurationOption, parseSeedOption } from './common.ts';

export function determinismCommand(file: string, flags: { seed?: string; duration?: string; json?: boolean }): number {
  const sc = load(file, parseDurationOption(flags.duration));
  const seed = parseSeedOption(flags.seed) ?? sc.seed;
  const rep = checkDeterminism(sc, seed);
  const other = runScenario(sc, { seed: seed + 1 });
  const differs = other.traceHash !== rep.hashes[0];
  const ok = rep.identical && differs;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...rep, otherSeed: seed + 1, otherHash: other.traceHash, otherSeedDiffers: differs, passed: ok })}\n`);
  } else {
    const lines = [
      `seed ${seed}: run 1 hash ${rep.hashes[0]} (${rep.events[0]} events), run 2 hash ${rep.hashes[1]} (${rep.events[1]} events): ${rep.identical ? 'identical' : 'DIFFERENT'}`,
    ];
    if (rep.divergence) {
      lines.push(`first divergence at event #${rep.divergence.index}:`, `  run 1: ${rep.divergence.first}`, `  run 2: ${rep.divergence.second}`);
    }
    lines.push(`seed ${seed + 1}: hash ${other.traceHash}: ${differs ? 'differs, as it should' : 'SAME as seed ' + seed + ' (the seed does not reach the run)'}`);
    lines.push(ok ? 'PASS — deterministic' : 'FAIL');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return ok ? EXIT_PASS : EXIT_FAIL;
}
