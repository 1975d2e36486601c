/**
 * Helpers for testing a core from vitest (or any test runner): `simulate` runs a scenario
 * file for one seed, optionally with a fault schedule of your own (a fast-check arbitrary
 * from `faultSchedules`), and on failure throws an error carrying the seed, the faults and
 * the `npx hasim replay` command that reproduces the run.
 */
import { writeFileSync } from 'node:fs';
import type { NodeId } from '../core/env.ts';
import { replayCommand } from '../cli/commands/common.ts';
import { faultToYaml } from '../scenario/faults.ts';
import { loadScenarioFile } from '../scenario/load.ts';
import { runScenario } from '../scenario/runner.ts';
import type { RunResult, Scenario } from '../scenario/types.ts';
import { scenarioWithFaults } from '../scenario/write.ts';
import type { ScheduledFault } from '../sim/types.ts';

export type { ScheduledFault };

/** A failed simulated run: the message holds the failing verdicts, the seed, the faults and the replay command. */
export class SimulationFailure extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
    readonly replay: string,
  ) {
    super(message);
    this.name = 'SimulationFailure';
  }
}

export interface SimulateOptions {
  /** Default: the scenario's seed. */
  readonly seed?: number;
  /** Replaces the scenario's faults and drops its nemesis. */
  readonly faults?: readonly ScheduledFault[];
  /** Throw a SimulationFailure when an expectation fails (default true). */
  readonly throwOnFail?: boolean;
}

/**
 * Runs scenario `file` once. With `faults`, a failing run is written beside the scenario as
 * FILE.failing-SEED.yaml so that the printed replay command reproduces it exactly.
 */
export function simulate(file: string, opts: SimulateOptions = {}): RunResult {
  const base = loadScenarioFile(file);
  let sc: Scenario = base;
  if (opts.faults) {
    const { nemesis: _dropped, ...rest } = base;
    sc = { ...rest, faults: opts.faults };
  }
  const seed = opts.seed ?? sc.seed;
  const r = runScenario(sc, { seed });
  if (r.passed || opts.throwOnFail === false) return r;
  let replayFile = file;
  if (opts.faults) {
    replayFile = file.replace(/(\.ya?ml)?$/, `.failing-${seed}.yaml`);
    writeFileSync(replayFile, scenarioWithFaults(base, opts.faults, { dropNemesis: true, seed, header: '# written by simulate(): a failing fault schedule' }));
  }
  const replay = replayCommand(replayFile, seed);
  const failed = r.expectations.filter((v) => !v.passed).map((v) => `  ✗ ${v.name}: ${v.detail}`);
  const faults = (opts.faults ?? sc.faults).map((f) => `  ${JSON.stringify(faultToYaml(f))}`);
  const msg = [`${sc.name} failed with seed ${seed}`, ...failed, r.error ? `  error: ${r.error}` : '', 'faults:', ...(faults.length ? faults : ['  (none scheduled)']), `replay: ${replay}`].filter(Boolean).join('\n');
  throw new SimulationFailure(msg, r, replay);
}

/** The fast-check module (passed in, so hasim does not depend on fast-check at run time). */
type FastCheck = Pick<typeof import('fast-check'), 'constantFrom' | 'integer' | 'oneof' | 'record' | 'array'>;

/**
 * A fast-check arbitrary of fault schedules on `nodes`: up to `maxFaults` crashes and
 * isolations, each starting before `untilUs` and lasting 100 ms .. `maxForUs`. fast-check
 * shrinks a failing schedule towards fewer, earlier, shorter faults.
 */
export function faultSchedules(fc: FastCheck, o: { nodes: readonly NodeId[]; untilUs: number; maxFaults?: number; maxForUs?: number }) {
  const node = fc.constantFrom(...o.nodes);
  const at = fc.integer({ min: 0, max: o.untilUs });
  const dur = fc.integer({ min: 100_000, max: Math.max(100_000, o.maxForUs ?? 4_000_000) });
  const one = fc.oneof(
    fc.record({ at, node, d: dur }).map(({ at, node, d }): ScheduledFault => ({ at, fault: { kind: 'crash', node, for: d } })),
    fc.record({ at, node, d: dur }).map(({ at, node, d }): ScheduledFault => ({ at, fault: { kind: 'isolate', target: node, for: d } })),
  );
  return fc.array(one, { maxLength: o.maxFaults ?? 3 }).map((fs) => [...fs].sort((a, b) => a.at - b.at));
}
