/**
 * `hasim shrink`: reduce a failing run's fault schedule to a small one that still fails the
 * same way, then write it as a scenario file.
 *
 * 1. Faults a nemesis drew are turned into an explicit schedule (read back from the trace's
 *    `fault` events) and the nemesis is dropped, if the run still fails that way; otherwise
 *    only the written faults are shrunk and the nemesis stays.
 * 2. ddmin drops faults.
 * 3. Each remaining fault's `for` is halved while the run still fails.
 * "Fails the same way" = at least one expectation that failed at first still fails.
 */
import { assert } from '../core/env.ts';
import type { ScheduledFault } from '../sim/types.ts';
import { faultFromEvent } from '../scenario/fault-events.ts';
import { scenarioWithFaults } from '../scenario/write.ts';
import { runScenario } from '../scenario/runner.ts';
import type { RunResult, Scenario } from '../scenario/types.ts';

import { ddmin } from './ddmin.ts';

export interface ShrinkOptions {
  readonly seed: number;
  /** Budget of simulated runs (each is one full scenario run). */
  readonly maxRuns?: number;
  readonly onProgress?: (runs: number, faults: number) => void;
}

export interface ShrinkResult {
  /** false: the run did not fail, nothing to shrink. */
  readonly failedAtFirst: boolean;
  readonly originalFaults: number;
  readonly faults: readonly ScheduledFault[];
  /** Whether the nemesis was replaced by an explicit schedule. */
  readonly materialized: boolean;
  readonly runs: number;
  readonly minimal: boolean;
  /** The failing expectations of the shrunk run. */
  readonly failing: readonly string[];
  /** The shrunk scenario as YAML text. */
  readonly yaml: string;
  readonly first?: RunResult;
}

/** Shortest `for` shrink tries (shorter faults rarely matter to a distributed protocol). */
const MIN_FOR_US = 1_000;

export function shrinkScenario(sc: Scenario, opts: ShrinkOptions): ShrinkResult {
  const maxRuns = opts.maxRuns ?? 300;
  let runs = 0;
  const fired: ScheduledFault[] = [];
  const first = runScenario(sc, {
    seed: opts.seed,
    onEvent: (ev) => {
      const f = faultFromEvent(ev);
      if (f) fired.push(f);
    },
  });
  runs++;
  // Only real failures are worth shrinking: a vacuous one (the run tested nothing) is not a
  // bug, and keeping a schedule for it would "shrink" a failure into a run that shows nothing.
  const realFailure = (v: RunResult['expectations'][number]) => v.status === 'fail' && !v.vacuous;
  const targetKinds = new Set(first.expectations.filter(realFailure).map((v) => v.name));
  if (first.passed || targetKinds.size === 0) {
    return { failedAtFirst: false, originalFaults: sc.faults.length, faults: sc.faults, materialized: false, runs, minimal: true, failing: [], yaml: sc.source, first };
  }
  let lastFailing: string[] = [...targetKinds];
  const failsWith = (s: Scenario): boolean => {
    runs++;
    const r = runScenario(s, { seed: opts.seed });
    const still = r.expectations.filter((v) => realFailure(v) && targetKinds.has(v.name)).map((v) => v.name);
    opts.onProgress?.(runs, s.faults.length);
    if (still.length > 0) lastFailing = still;
    return still.length > 0;
  };

  // 1. materialize the nemesis.
  let base: Scenario = sc;
  let materialized = false;
  if (sc.nemesis) {
    const { nemesis: _materialized, ...withoutNemesis } = sc;
    const explicit: Scenario = { ...withoutNemesis, faults: [...fired].sort((a, b) => a.at - b.at) };
    if (failsWith(explicit)) {
      base = explicit;
      materialized = true;
    }
  }
  const withFaults = (faults: readonly ScheduledFault[]): Scenario => ({ ...base, faults });

  // 2. drop faults.
  const dd = ddmin(base.faults, (subset) => failsWith(withFaults(subset)), Math.max(0, maxRuns - runs));
  let faults = dd.result;
  assert(faults.every((f) => base.faults.includes(f)), 'ddmin returns a subset of the schedule it was given');
  let minimal = dd.minimal;

  // 3. shorten durations.
  for (let i = 0; i < faults.length && runs < maxRuns; i++) {
    for (let step = 0; step < 20 && runs < maxRuns; step++) {
      const f = faults[i]!.fault;
      if (!('for' in f) || f.for === undefined || f.for <= MIN_FOR_US) break;
      const shorter = { at: faults[i]!.at, fault: { ...f, for: Math.max(MIN_FOR_US, Math.floor(f.for / 2)) } };
      const next = faults.map((x, j) => (j === i ? shorter : x));
      if (!failsWith(withFaults(next))) break;
      faults = next;
    }
  }
  if (runs >= maxRuns) minimal = false;

  const yaml = shrunkYaml(sc, faults, materialized, opts.seed, lastFailing);
  return { failedAtFirst: true, originalFaults: materialized ? fired.length : sc.faults.length, faults, materialized, runs, minimal, failing: lastFailing, yaml, first };
}

/** The original file with its faults replaced (and its nemesis dropped when materialized). */
export function shrunkYaml(sc: Scenario, faults: readonly ScheduledFault[], dropNemesis: boolean, seed: number, failing: readonly string[]): string {
  const header = [
    ` Shrunk by \`hasim shrink ${sc.file} --seed ${seed}\`: ${faults.length} fault(s) still make it fail:`,
    ...failing.map((f) => `   - ${f}`),
    ` Run: npx hasim run <this file> --seed ${seed}`,
  ].join('\n');
  return scenarioWithFaults(sc, faults, { dropNemesis, seed, header });
}
