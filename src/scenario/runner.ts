/**
 * Runs a scenario for one seed: builds the World, lets every enabled module add its cores
 * to each node and its clients to the world, applies the fault timeline and the nemesis,
 * runs to the end, and evaluates every expectation. Synchronous and self-contained, so a
 * swarm worker can call it in a loop.
 *
 * `prepareRun` exposes the same run a little at a time (advanceTo / step), for the TUI
 * (src/scenario/live-run.ts) and for anyone who wants to watch a run as it goes; `runScenario`
 * is prepareRun + advance to the end + finish, so both give the same trace.
 */
import { performance } from 'node:perf_hooks';
import { assert, type Micros } from '../core/env.ts';
import { SimulationError, World } from '../sim/index.ts';
import type { TraceEvent } from '../sim/types.ts';
import type { LiveRun } from './live-run.ts';
import { describeFaultEvent } from './fault-events.ts';
import { markEmptyWindow } from './vacuity.ts';
import { availability, completedOps, latencySeries, latencySummary } from './metrics.ts';
import { moduleNamed } from './modules/index.ts';
import { unavailableInstance } from './modules/unavailable.ts';
import type { HistoryOp, ModuleInstance, NodeApp, RunContext, RunResult, Scenario, TimelineItem, Verdict } from './types.ts';
import { humanDuration } from './units.ts';
import { applyTestMutantsFromEnv } from './test-mutants-env.ts';

export interface RunOptions {
  /** Defaults to the scenario's seed. */
  readonly seed?: number;
  /** Keep every trace event (for --trace and the HTML report). */
  readonly recordTrace?: boolean;
  /** Keep the client history in the result (for --history and the report). */
  readonly keepHistory?: boolean;
  /** Extra listener on every trace event (the determinism checker uses it). */
  readonly onEvent?: (ev: TraceEvent) => void;
  /**
   * Only what a swarm keeps of a seed (verdicts, trace hash, stats, faults): no client
   * history, latency figures, client reports or timeline are built (the result's timeline is empty).
   */
  readonly verdictOnly?: boolean;
}

/** Bound on timeline lines kept: a long nemesis run must not hold millions of lines. */
export const MAX_TIMELINE = 2_000;

/** The implicit expectation every run has: the simulation ran to its end without a core throwing. */
export const NO_BROKEN_INVARIANT = 'no broken invariant (every core assert held to the end)';

/**
 * A run that advances on demand: the TUI's LiveRun (src/scenario/live-run.ts), with the
 * scenario's own timeline and verdict types, and a way to end it.
 */
export interface PreparedRun extends LiveRun {
  /** Timeline lines added since the last call (a live view's log). */
  drainTimeline(): TimelineItem[];
  /** Every expectation evaluated on what has happened so far (not final). */
  verdicts(): Verdict[];
  /** Ends the run where it is (normally at endUs) and builds the result. Call once. */
  finish(): RunResult;
}

export function prepareRun(sc: Scenario, opts: RunOptions = {}): PreparedRun {
  applyTestMutantsFromEnv(); // TEST ONLY: the mutation harness's planted bugs (empty unless HASIM_MUTANTS is set)
  const seed = opts.seed ?? sc.seed;
  const wallStart = performance.now();
  const world = new World({
    seed,
    topology: sc.topology.spec,
    ...(sc.latency ? { latency: sc.latency } : {}),
    ...(sc.network ? { network: sc.network } : {}),
    ...(sc.disk ? { disk: sc.disk } : {}),
    recordTrace: opts.recordTrace ?? false,
  });
  const timeline: TimelineItem[] = [];
  let drained = 0;
  let timelineDropped = 0;
  const addTimeline = (item: TimelineItem) => {
    if (timeline.length < MAX_TIMELINE) timeline.push(item);
    else timelineDropped++;
  };
  const run: RunContext = { scenario: sc, seed, endUs: sc.durationUs, world, note: addTimeline };
  const unavailableModules: string[] = [];
  const instances = new Map<string, ModuleInstance>();
  for (const [name, cfg] of sc.modules) {
    const m = moduleNamed(name)!;
    if (m.unavailable) {
      unavailableModules.push(name);
      instances.set(name, unavailableInstance(m.unavailable));
    } else {
      instances.set(name, m.instantiate(cfg, run));
    }
  }
  const list = [...instances.values()];
  world.on((ev) => {
    opts.onEvent?.(ev);
    if (ev.kind === 'fault' || ev.kind === 'fault.end' || ev.kind === 'fault.skipped') {
      addTimeline({ t: ev.t, category: ev.kind === 'fault.end' ? 'heal' : 'fault', text: describeFaultEvent(ev) });
    } else if (ev.kind === 'node.restart' && ev.node) {
      addTimeline({ t: ev.t, node: ev.node, category: 'node', text: `${ev.node} restarted` });
    }
    for (const inst of list) {
      inst.onTrace?.(ev);
      const item = inst.timeline?.(ev);
      if (item) addTimeline(item);
    }
  });

  world.setup((ctx) => {
    const app: NodeApp = { parts: {}, starters: [] };
    for (const inst of list) inst.setupNode?.(ctx, app);
    return {
      ...app.parts,
      start() {
        for (const s of app.starters) s();
      },
    };
  });
  // Faults first: a module's check scheduled at the same instant as a fault then runs after it.
  world.schedule(sc.faults);
  if (sc.nemesis) world.nemesis(sc.nemesis);
  for (const inst of list) inst.attach?.();

  let error: string | undefined;
  let errorAt: number | undefined;
  let finished = false;
  const guarded = <T>(fn: () => T, otherwise: T): T => {
    if (error !== undefined) return otherwise;
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof SimulationError)) throw e;
      error = e.message;
      errorAt = e.time;
      addTimeline({ t: e.time, ...(e.node ? { node: e.node } : {}), category: 'error', text: `run stopped: ${e.message}` });
      return otherwise;
    }
  };
  guarded(() => world.start(), undefined);

  const evaluateAll = (final: boolean): Verdict[] => {
    const verdicts: Verdict[] = [
      {
        name: NO_BROKEN_INVARIANT,
        kind: 'no-broken-invariant',
        status: error ? 'fail' : 'pass',
        passed: !error,
        detail: error ? `the run stopped ${error}` : `ran ${humanDuration(world.now())} of virtual time${final ? ' to the end' : ' so far'}`,
        ...(errorAt !== undefined ? { atUs: errorAt } : {}),
      },
    ];
    for (const exp of sc.expectations) {
      const inst = instances.get(exp.module)!;
      const v = markEmptyWindow(exp, inst.evaluate(exp), sc, sc.durationUs);
      if (error && v.passed && !unavailableModules.includes(exp.module)) {
        // A run cut short cannot vouch for anything measured after the cut.
        verdicts.push({ ...v, status: 'fail', passed: false, detail: `${v.detail} (but the run stopped early)` });
      } else verdicts.push(v);
    }
    return verdicts;
  };

  return {
    scenarioName: sc.name,
    seed,
    world,
    endUs: sc.durationUs,
    advanceTo(t) {
      const until = Math.min(t, sc.durationUs);
      guarded(() => world.run(until), undefined);
    },
    step() {
      const next = world.nextEventTime();
      if (next === undefined || next > sc.durationUs) return false;
      return guarded(() => world.step(), false);
    },
    error: () => error,
    drainTimeline() {
      const out = timeline.slice(drained);
      drained = timeline.length;
      return out;
    },
    verdicts: () => evaluateAll(false),
    finish(): RunResult {
      assert(!finished, 'finish() is called once');
      finished = true;
      for (const inst of list) inst.end?.();
      const verdicts = evaluateAll(true);
      // What every result holds (a swarm worker's verdictOnly result is only this).
      const head = {
        scenario: sc.name,
        file: sc.file,
        seed,
        passed: verdicts.every((v) => v.passed),
        expectations: verdicts,
        traceHash: world.traceHash(),
        faults: world.faultCounts(),
        stats: { events: world.stats.events, messages: world.stats.sent, virtualTimeUs: world.now(), wallTimeMs: Math.round((performance.now() - wallStart) * 10) / 10 },
      };
      if (opts.verdictOnly) return { ...head, timeline: [], ...(error ? { error } : {}), unavailable: unavailableModules };
      // Stable by time: lines noted from world callbacks interleave with trace lines.
      timeline.sort((a, b) => a.t - b.t);
      if (timelineDropped > 0) {
        timeline.push({ t: world.now(), category: 'note', text: `(${timelineDropped} more timeline lines not shown)` });
      }

      const history: HistoryOp[] = [];
      for (const inst of list) if (inst.history) history.push(...inst.history());
      history.sort((a, b) => a.time - b.time);
      for (let i = 1; i < history.length; i++) assert(history[i - 1]!.time <= history[i]!.time, 'history is in time order');
      const ops = completedOps(history);

      const membership = list.map((i) => i.membership?.()).find((m) => m !== undefined);
      const clients = list.flatMap((i) => i.clients?.() ?? []);
      const lat = latencySummary(ops);
      const moduleAvail = list.map((i) => i.availability?.()).find((a) => a !== undefined);
      const avail = moduleAvail ? (moduleAvail.total > 0 ? { ...moduleAvail, ratio: moduleAvail.ok / moduleAvail.total } : undefined) : availability(ops);
      return {
        ...head,
        timeline,
        ...(lat ? { latency: lat } : {}),
        ...(avail ? { availability: avail } : {}),
        ...(clients.length > 0 ? { clients } : {}),
        ...(error ? { error } : {}),
        unavailable: unavailableModules,
        ...(opts.recordTrace ? { trace: world.traceEvents() } : {}),
        ...(opts.keepHistory && membership ? { membership } : {}),
        ...(opts.keepHistory ? { history, latencySeries: latencySeries(ops, sc.durationUs) } : {}),
      };
    },
  };
}

export function runScenario(sc: Scenario, opts: RunOptions = {}): RunResult {
  const run = prepareRun(sc, opts);
  run.advanceTo(sc.durationUs);
  assert(run.error() !== undefined || run.world.now() === sc.durationUs, () => `run ended at ${run.world.now()}us, not at the scenario's end ${sc.durationUs}us`);
  return run.finish();
}
