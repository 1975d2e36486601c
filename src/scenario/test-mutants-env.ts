/**
 * TEST ONLY: the mutation harness (bench/mutate.ts) names the planted bugs of a run in the
 * HASIM_MUTANTS environment variable (comma-separated). The simulator reads it here, before each
 * run, and puts it into the cores' test-only switch set (src/core/test-mutants.ts). Unset in
 * every real use, so the set stays empty.
 */
import { CORE_MUTANTS, setTestMutants } from '../core/test-mutants.ts';
import { RAFT_MUTATIONS } from '../core/raft/mutations.ts';

const KNOWN: readonly string[] = [...CORE_MUTANTS, ...RAFT_MUTATIONS];

export function applyTestMutantsFromEnv(): void {
  const raw = process.env['HASIM_MUTANTS'] ?? '';
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !KNOWN.includes(n));
  if (unknown.length > 0) throw new Error(`HASIM_MUTANTS: unknown mutant(s) ${unknown.join(', ')} (known: ${KNOWN.join(', ')})`);
  setTestMutants(names);
}
