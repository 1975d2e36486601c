/** What the hasim commands share: exit codes, loading with a clean error, option parsing. */
import { ScenarioError } from '../../scenario/errors.ts';
import { loadScenarioFile } from '../../scenario/load.ts';
import type { Scenario } from '../../scenario/types.ts';
import { parseDuration } from '../../scenario/units.ts';

import { EXIT_USAGE } from './exit-codes.ts';

export { EXIT_FAIL, EXIT_PASS, EXIT_USAGE } from './exit-codes.ts';

/** A usage problem: message on stderr, exit code 2, nothing runs. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseSeedOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > 2 ** 32 - 1) throw new UsageError(`--seed: expected an integer in [0, 4294967295], got "${text}"`);
  return Number(text);
}

export function parseDurationOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const us = parseDuration(text);
  if (us === undefined || us <= 0) throw new UsageError(`--duration: expected a duration like "30s" or "1h", got "${text}"`);
  if (us > 24 * 3_600_000_000) throw new UsageError('--duration: at most 24h of virtual time');
  return us;
}

export function parsePositiveInt(name: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw new UsageError(`${name}: expected an integer in [1, ${max}], got "${text}"`);
  return Number(text);
}

export function load(file: string, durationUs: number | undefined): Scenario {
  return loadScenarioFile(file, durationUs !== undefined ? { durationUs } : undefined);
}

/** The shell command that replays one seed exactly. */
export function replayCommand(file: string, seed: number, durationUs?: number, durationText?: string): string {
  const dur = durationUs !== undefined && durationText ? ` --duration ${durationText}` : '';
  return `npx hasim replay ${shellQuote(file)} --seed ${seed}${dur}`;
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Maps an error to an exit code with a message on stderr. */
export function reportError(e: unknown): number {
  if (e instanceof ScenarioError || e instanceof UsageError) {
    // A scenario file with several errors: one line each, in file order.
    for (const line of e.message.split('\n')) process.stderr.write(`hasim: ${line}\n`);
    return EXIT_USAGE;
  }
  // A file the OS refused late (disk full, a directory removed mid-run): one line, not a stack.
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    process.stderr.write(`hasim: ${err.syscall} ${err.path ?? ''}: ${err.code}\n`);
    return EXIT_USAGE;
  }
  throw e;
}
