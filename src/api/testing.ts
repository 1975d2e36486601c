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
import { TopologyIndex } from '../scenario/topology.ts';
import type { ScheduledFault, TopologySpec } from '../sim/types.ts';

export type { ScheduledFault, TopologySpec };

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
  /** Replaces the scenario's topology (same node ids, placed in other regions / DCs): see `topologies`. */
  readonly topology?: TopologySpec;
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
  if (opts.topology) sc = { ...sc, topology: new TopologyIndex(opts.topology) };
  const seed = opts.seed ?? sc.seed;
  const r = runScenario(sc, { seed });
  if (r.passed || opts.throwOnFail === false) return r;
  let replayFile = file;
  if (opts.faults || opts.topology) {
    replayFile = file.replace(/(\.ya?ml)?$/, `.failing-${seed}.yaml`);
    const header = '# written by simulate(): a failing fault schedule';
    writeFileSync(replayFile, scenarioWithFaults(base, opts.faults ?? base.faults, { dropNemesis: opts.faults !== undefined, seed, header, ...(opts.topology ? { topology: opts.topology } : {}) }));
  }
  const replay = replayCommand(replayFile, seed);
  const failed = r.expectations.filter((v) => !v.passed).map((v) => `  ✗ ${v.name}: ${v.detail}`);
  const faults = (opts.faults ?? sc.faults).map((f) => `  ${JSON.stringify(faultToYaml(f))}`);
  const topo = opts.topology ? [`topology: ${opts.topology.regions.map((rg) => `${rg.name}{${rg.dcs.map((d) => `${d.name}:${d.nodes.join(',')}`).join(' ')}}`).join(' ')}`] : [];
  const msg = [`${sc.name} failed with seed ${seed}`, ...failed, r.error ? `  error: ${r.error}` : '', ...topo, 'faults:', ...(faults.length ? faults : ['  (none scheduled)']), `replay: ${replay}`].filter(Boolean).join('\n');
  throw new SimulationFailure(msg, r, replay);
}

/** The fast-check module (passed in, so hasim does not depend on fast-check at run time). */
type FastCheck = Pick<typeof import('fast-check'), 'constantFrom' | 'integer' | 'oneof' | 'record' | 'array' | 'subarray' | 'tuple'>;

/** Fault kinds `faultSchedules` draws. */
export type ScheduleKind = 'crash' | 'isolate' | 'pause' | 'partition' | 'clock' | 'loss';

/** The kinds drawn when `kinds` is not given: the process and network faults. */
const DEFAULT_KINDS: readonly ScheduleKind[] = ['crash', 'isolate', 'pause', 'partition'];

/**
 * Bound of a drawn clock step (±), when `maxSkewUs` is not given: 500 ms, larger than the
 * 150-300 ms election timeouts the Raft paper recommends (§9.3), so a skewed node can misjudge
 * a leader lease or an election timeout.
 */
const DEFAULT_MAX_SKEW_US = 500_000;

/** Bound of a drawn clock drift (±, as a rate), when `maxDrift` is not given: 0.05, far beyond a real quartz (≈ 1e-4) so lease margins are tested. */
const DEFAULT_MAX_DRIFT = 0.05;

/** The largest drift a scenario file accepts (src/scenario/faults.ts), so every drawn schedule replays. */
const MAX_DRIFT = 0.1;

/**
 * A fast-check arbitrary of fault schedules on `nodes`: up to `maxFaults` faults of `kinds`
 * (default: crash, isolate, pause, and a partition of the nodes into two sides; `clock` and
 * `loss` are drawn only when listed), each starting before `untilUs` and lasting
 * 100 ms .. `maxForUs`. A `clock` fault steps one node's clock by up to ±`maxSkewUs` and lets it
 * drift by up to ±`maxDrift`; a `loss` fault drops messages between two nodes (or everywhere)
 * with probability 5-50 %. fast-check shrinks a failing schedule towards fewer, earlier,
 * shorter faults (smaller partition sides, smaller skew and drift, less loss).
 */
export function faultSchedules(
  fc: FastCheck,
  o: { nodes: readonly NodeId[]; untilUs: number; maxFaults?: number; maxForUs?: number; kinds?: readonly ScheduleKind[]; maxSkewUs?: number; maxDrift?: number },
) {
  const node = fc.constantFrom(...o.nodes);
  const at = fc.integer({ min: 0, max: o.untilUs });
  const dur = fc.integer({ min: 100_000, max: Math.max(100_000, o.maxForUs ?? 4_000_000) });
  const kinds = new Set<ScheduleKind>(o.kinds ?? DEFAULT_KINDS);
  const arbs = [];
  if (kinds.has('crash')) arbs.push(fc.record({ at, node, d: dur }).map(({ at, node, d }): ScheduledFault => ({ at, fault: { kind: 'crash', node, for: d } })));
  if (kinds.has('isolate')) arbs.push(fc.record({ at, node, d: dur }).map(({ at, node, d }): ScheduledFault => ({ at, fault: { kind: 'isolate', target: node, for: d } })));
  if (kinds.has('pause')) arbs.push(fc.record({ at, node, d: dur }).map(({ at, node, d }): ScheduledFault => ({ at, fault: { kind: 'pause', node, for: d } })));
  if (kinds.has('partition') && o.nodes.length >= 2) {
    const side = fc.subarray([...o.nodes], { minLength: 1, maxLength: o.nodes.length - 1 });
    arbs.push(
      fc.record({ at, side, d: dur }).map(({ at, side, d }): ScheduledFault => ({
        at,
        fault: { kind: 'partition', sides: [side, o.nodes.filter((n) => !side.includes(n))], for: d },
      })),
    );
  }
  if (kinds.has('clock')) {
    const maxSkew = Math.max(1, Math.floor(o.maxSkewUs ?? DEFAULT_MAX_SKEW_US));
    const skew = fc.integer({ min: -maxSkew, max: maxSkew });
    // drift in parts per 10,000 so it shrinks towards 0 as an integer
    const maxDrift = Math.max(0, Math.floor(Math.min(MAX_DRIFT, o.maxDrift ?? DEFAULT_MAX_DRIFT) * 10_000));
    const drift = fc.integer({ min: -maxDrift, max: maxDrift });
    arbs.push(
      fc.record({ at, node, d: dur, skew, drift }).map(({ at, node, d, skew, drift }): ScheduledFault => ({
        at,
        fault: { kind: 'clock', node, skew, ...(drift !== 0 ? { drift: drift / 10_000 } : {}), for: d },
      })),
    );
  }
  if (kinds.has('loss')) {
    const pct = fc.integer({ min: 5, max: 50 });
    const pair = o.nodes.length >= 2 ? fc.subarray([...o.nodes], { minLength: 2, maxLength: 2 }) : fc.constantFrom<NodeId[]>([]);
    const scope = fc.oneof(fc.constantFrom<NodeId[]>([]), pair);
    arbs.push(
      fc.record({ at, pct, scope, d: dur }).map(({ at, pct, scope, d }): ScheduledFault => {
        const [a, b] = scope;
        return { at, fault: { kind: 'loss', p: pct / 100, ...(a !== undefined && b !== undefined ? { between: [a, b] as const } : {}), for: d } };
      }),
    );
  }
  if (arbs.length === 0) throw new Error('faultSchedules: no fault kind to draw (kinds is empty, or a partition of one node)');
  return fc.array(fc.oneof(...arbs), { maxLength: o.maxFaults ?? 3 }).map((fs) => [...fs].sort((a, b) => a.at - b.at));
}

/**
 * A fast-check arbitrary of topologies for `nodes` (the scenario's node ids): each node placed in
 * one of up to `maxRegions` regions of up to `maxDcsPerRegion` datacenters each (names r0, r0-dc0,
 * ...), so runs see same-DC, cross-DC and cross-region latencies. Shrinks towards a single DC.
 */
export function topologies(fc: FastCheck, o: { nodes: readonly NodeId[]; maxRegions?: number; maxDcsPerRegion?: number }) {
  const regions = Math.max(1, o.maxRegions ?? 2);
  const dcs = Math.max(1, o.maxDcsPerRegion ?? 2);
  const slot = fc.integer({ min: 0, max: regions * dcs - 1 });
  return fc.array(slot, { minLength: o.nodes.length, maxLength: o.nodes.length }).map((slots): TopologySpec => {
    const out: { name: string; dcs: { name: string; nodes: NodeId[] }[] }[] = [];
    o.nodes.forEach((n, i) => {
      const r = Math.floor(slots[i]! / dcs);
      const d = slots[i]! % dcs;
      let region = out.find((x) => x.name === `r${r}`);
      if (!region) out.push((region = { name: `r${r}`, dcs: [] }));
      let dc = region.dcs.find((x) => x.name === `r${r}-dc${d}`);
      if (!dc) region.dcs.push((dc = { name: `r${r}-dc${d}`, nodes: [] }));
      dc.nodes.push(n);
    });
    out.sort((a, b) => a.name.localeCompare(b.name));
    for (const r of out) r.dcs.sort((a, b) => a.name.localeCompare(b.name));
    return { regions: out };
  });
}
