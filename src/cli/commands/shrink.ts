/** `hasim shrink FILE --seed N [--out F]`: the smallest fault schedule that still fails. */
import { writeFileSync } from 'node:fs';
import { rebaseAppPaths } from '../../scenario/modules/app-paths.ts';
import { shrinkScenario } from '../../shrink/index.ts';
import { checkWritable } from './output-paths.ts';
import { EXIT_FAIL, EXIT_PASS, load, parseDurationOption, parsePositiveInt, parseSeedOption, shellQuote, UsageError } from './common.ts';

export interface ShrinkFlags {
  seed?: string;
  duration?: string;
  out?: string;
  maxRuns?: string;
  json?: boolean;
}

export function shrinkCommand(file: string, flags: ShrinkFlags): number {
  const seed = parseSeedOption(flags.seed);
  if (seed === undefined) throw new UsageError('shrink needs --seed N (the failing seed)');
  const durationUs = parseDurationOption(flags.duration);
  const maxRuns = parsePositiveInt('--max-runs', flags.maxRuns, 100_000) ?? 300;
  const sc = load(file, durationUs);
  const out = flags.out ?? file.replace(/(\.ya?ml)?$/, `.shrunk-${seed}.yaml`);
  checkWritable('--out', out);
  const tty = Boolean(process.stderr.isTTY);
  const r = shrinkScenario(sc, {
    seed,
    maxRuns,
    onProgress: (runs, faults) => {
      if (tty) process.stderr.write(`\rshrink: ${runs} runs, trying ${faults} faults\x1b[K`);
    },
  });
  if (tty) process.stderr.write('\r\x1b[K');
  if (!r.failedAtFirst) {
    const idle = r.first?.expectations.filter((v) => v.vacuous).map((v) => v.name) ?? [];
    const msg = idle.length > 0
      ? `seed ${seed} fails only because the run tested nothing (${idle.join('; ')}): nothing to shrink`
      : `seed ${seed} does not fail (nothing checked failed): nothing to shrink`;
    if (flags.json) process.stdout.write(`${JSON.stringify({ shrunk: false, reason: msg, seed })}\n`);
    else process.stdout.write(`${msg}\n`);
    return EXIT_PASS;
  }
  writeFileSync(out, rebaseAppPaths(r.yaml, file, out));
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ shrunk: true, seed, out, originalFaults: r.originalFaults, faults: r.faults.length, materializedNemesis: r.materialized, runs: r.runs, minimal: r.minimal, failing: r.failing })}\n`,
    );
  } else {
    process.stdout.write(
      [
        `shrunk ${sc.name} seed ${seed}: ${r.originalFaults} → ${r.faults.length} fault(s) in ${r.runs} runs${r.materialized ? ' (nemesis turned into an explicit schedule)' : ''}${r.minimal ? '' : ' (run budget reached: maybe not minimal)'}`,
        `still failing: ${r.failing.join('; ')}`,
        `wrote ${out}`,
        `run it: npx hasim run ${shellQuote(out)} --seed ${seed}`,
      ].join('\n') + '\n',
    );
  }
  return EXIT_FAIL;
}
