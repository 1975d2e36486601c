/**
 * `hasim tui FILE [--seed N] [--duration D]`: watch a scenario run live in the terminal
 * (the Ink view in src/tui), inject faults by hand, save them as a scenario (`w`). When the
 * run reaches its end (or you quit), the text summary and verdicts are printed.
 */
import { writeFileSync } from 'node:fs';
import { createElement } from 'react';
import { render } from 'ink';
import type { ScheduledFault } from '../../sim/types.ts';
import { formatRunText } from '../../report/text.ts';
import { prepareRun } from '../../scenario/runner.ts';
import { scenarioWithFaults } from '../../scenario/write.ts';
import { judgeStoppedEarly } from '../../scenario/early-stop.ts';
import { App } from '../../tui/App.tsx';
import { TuiController } from '../../tui/controller.ts';
import { EXIT_FAIL, EXIT_PASS, load, parseDurationOption, parseSeedOption, replayCommand, UsageError } from './common.ts';

export async function tuiCommand(file: string, flags: { seed?: string; duration?: string }): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError('tui needs a terminal (stdin and stdout); use `npx hasim run` in pipes and CI');
  const durationUs = parseDurationOption(flags.duration);
  const sc = load(file, durationUs);
  const seed = parseSeedOption(flags.seed) ?? sc.seed;
  const run = prepareRun(sc, { seed });
  let saves = 0;
  const save = (injected: readonly ScheduledFault[]): string => {
    const out = file.replace(/(\.ya?ml)?$/, `.session-${seed}${saves++ ? `-${saves}` : ''}.yaml`);
    const header = ` Saved from \`hasim tui ${file} --seed ${seed}\`: the file's faults plus ${injected.length} injected by hand.\n Run: npx hasim run <this file>`;
    writeFileSync(out, scenarioWithFaults(sc, [...sc.faults, ...injected], { dropNemesis: false, seed, header }));
    return out;
  };
  const ctl = new TuiController(run, save);
  const app = render(createElement(App, { ctl }));
  await app.waitUntilExit();
  const reachedEnd = run.world.now() >= run.endUs || run.error() !== undefined;
  const stoppedAt = run.world.now();
  const finished = run.finish();
  const r = reachedEnd ? finished : judgeStoppedEarly(finished, sc, stoppedAt);
  // Faults injected by hand are part of what happened: the replay must include them, so the
  // session is saved as a scenario (the file's faults + the injected ones) and replayed from it.
  let replay = replayCommand(file, seed, durationUs, flags.duration);
  if (ctl.injected.length > 0) {
    try {
      replay = replayCommand(save(ctl.injected), seed, durationUs, flags.duration);
    } catch (e) {
      process.stderr.write(`hasim: could not save the session with its injected faults (${(e as Error).message}); the replay below lacks them\n`);
    }
  }
  process.stdout.write(`${formatRunText(r, { color: true, replayCommand: replay })}\n`);
  if (!reachedEnd) {
    process.stdout.write(`(quit at ${(stoppedAt / 1e6).toFixed(3)}s of ${(run.endUs / 1e6).toFixed(0)}s: verdicts judge the run so far${ctl.injected.length ? `; ${ctl.injected.length} fault(s) injected by hand, in the replay's scenario` : ''})\n`);
  } else if (ctl.injected.length > 0 && r.passed) {
    process.stdout.write(`replay (with the ${ctl.injected.length} injected fault(s)): ${replay}\n`);
  }
  return r.passed ? EXIT_PASS : EXIT_FAIL;
}
