/**
 * `hasim merge parts/*.json`: the combined verdict of a swarm run in shards
 * (`hasim run FILE --swarm N --shard i/k --json` on k machines): failing seeds and their
 * replay commands, exit 0 when every seed passed, 1 when one failed, 2 when the parts do not
 * make one whole swarm (a shard missing or twice, another scenario).
 */
import { readFileSync } from 'node:fs';
import { asSwarmReport, mergeSwarmReports, MergeError } from '../../swarm/shard.ts';
import { EXIT_FAIL, EXIT_PASS, UsageError } from './common.ts';
import { formatSwarmText } from './swarm-text.ts';

export function mergeCommand(files: readonly string[], flags: { json?: boolean }): number {
  const parts = files.map((name) => {
    let text: string;
    try {
      text = readFileSync(name, 'utf8');
    } catch (e) {
      throw new UsageError(`${name}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UsageError(`${name}: not JSON (give the --json output of hasim run --swarm --shard)`);
    }
    try {
      return { name, report: asSwarmReport(json, name) };
    } catch (e) {
      if (e instanceof MergeError) throw new UsageError(e.message);
      throw e;
    }
  });
  let merged;
  try {
    merged = mergeSwarmReports(parts);
  } catch (e) {
    if (e instanceof MergeError) throw new UsageError(e.message);
    throw e;
  }
  process.stdout.write(flags.json ? `${JSON.stringify(merged)}\n` : `${formatSwarmText(merged)}\n`);
  return merged.passed ? EXIT_PASS : EXIT_FAIL;
}
