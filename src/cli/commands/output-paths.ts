/**
 * Output files named on the command line (--trace, --history, --report, shrink --out) are
 * checked BEFORE a run starts, so a typo in a path costs a one-line usage error (exit 2),
 * not a finished run whose result is then lost.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './common.ts';

/** Throws a UsageError unless `file` can be created or overwritten. */
export function checkWritable(flag: string, file: string): void {
  const abs = resolve(file);
  const st = statSync(abs, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new UsageError(`${flag} ${file}: is a directory, expected a file name`);
  if (st) {
    try {
      accessSync(abs, constants.W_OK);
    } catch {
      throw new UsageError(`${flag} ${file}: the file exists and is not writable`);
    }
    return;
  }
  const dir = dirname(abs);
  const ds = statSync(dir, { throwIfNoEntry: false });
  if (!ds) throw new UsageError(`${flag} ${file}: directory ${dirname(file)} does not exist`);
  if (!ds.isDirectory()) throw new UsageError(`${flag} ${file}: ${dirname(file)} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${file}: directory ${dirname(file)} is not writable`);
  }
}

/** Checks each given (flag, path) pair; undefined paths are skipped. */
export function checkOutputs(pairs: ReadonlyArray<readonly [string, string | undefined]>): void {
  for (const [flag, file] of pairs) if (file !== undefined) checkWritable(flag, file);
}
