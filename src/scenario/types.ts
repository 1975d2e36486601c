/**
 * The validated form of a scenario file, the module contract, and what a run produces.
 * Scenario files are YAML (see docs/scenarios.md); src/scenario/load.ts turns one into a
 * `Scenario`, src/scenario/runner.ts turns a Scenario + seed into a `RunResult`.
 */
import type { Micros, NodeId } from '../core/env.ts';
import type { DiskSpec, LatencySpec, NemesisSpec, NetworkSpec, ScheduledFault, TraceEvent } from '../sim/types.ts';
import type { World } from '../sim/world.ts';
import type { TopologyIndex } from './topology.ts';
import type { View } from './yaml-view.ts';

/** One expectation as written: `- leader-within: 10s` → { kind: 'leader-within', ... }. */
export interface ExpectationSpec {
  readonly kind: string;
  /** The module that evaluates it. */
  readonly module: string;
  /** Parsed by the module's expectation definition. */
  readonly params: unknown;
  /** Readable name, e.g. "leader within 10s after the last heal". */
  readonly name: string;
  /** Where it was written (for messages). */
  readonly line: number;
}

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  /** Default seed (`--seed` overrides). */
  readonly seed: number;
  readonly durationUs: Micros;
  readonly topology: TopologyIndex;
  readonly latency?: Partial<LatencySpec>;
  readonly network?: NetworkSpec;
  readonly disk?: DiskSpec;
  readonly faults: readonly ScheduledFault[];
  readonly nemesis?: NemesisSpec;
  /** Enabled modules and their validated configs, in the registry's order. */
  readonly modules: ReadonlyMap<string, unknown>;
  readonly expectations: readonly ExpectationSpec[];
  /** The YAML text it came from (shrink rewrites its faults). */
  readonly source: string;
}

/** 'not-reached': the run was stopped before the expectation could be judged (hasim tui quit early). */
export type VerdictStatus = 'pass' | 'fail' | 'unavailable' | 'not-reached';

export interface Verdict {
  readonly name: string;
  readonly kind: string;
  readonly status: VerdictStatus;
  /** Only 'pass' passes: an expectation nobody could check is not a pass. */
  readonly passed: boolean;
  /** The evidence: what was measured, and where it went wrong. */
  readonly detail: string;
  /** Virtual time of the first violation, when there is one. */
  readonly atUs?: Micros;
  /** A failure because the run tested nothing (see verdict.ts `vacuous`), not a found bug. */
  readonly vacuous?: boolean;
}

/** One line of the readable story of a run. */
export interface TimelineItem {
  readonly t: Micros;
  readonly node?: NodeId;
  /** 'fault' | 'role' | 'suspect' | 'failover' | 'membership' | ... (used for colours and the HTML lanes). */
  readonly category: string;
  readonly text: string;
}

/** One client history event (docs/formats.md: --history; src/sim/history.ts is the contract). */
export type HistoryOp = import('../sim/history.ts').HistoryEvent;

export interface LatencySummary {
  readonly count: number;
  readonly p50Us: Micros;
  readonly p90Us: Micros;
  readonly p99Us: Micros;
  readonly maxUs: Micros;
}

/** What one application client of a failover group lived through (src/scenario/modules/failover-clients.ts). */
export interface ClientReport {
  readonly node: NodeId;
  readonly dc: string;
  readonly group: string;
  /** Requests completed (served, refused or timed out; not those in flight at the end) and requests served. */
  readonly ops: number;
  readonly ok: number;
  /** Total time between a first failing request and the next success, summed over outages. */
  readonly unavailableUs: Micros;
  readonly longestOutageUs: Micros;
  /** Outages (bounded list): from the first failing request to the next success, and the target it was calling. */
  readonly outages: readonly { readonly fromUs: Micros; readonly toUs: Micros; readonly target: string }[];
  /** When the client's agent told it of a new active target. */
  readonly switches: readonly { readonly atUs: Micros; readonly from: string; readonly to: string }[];
  readonly latency?: LatencySummary;
  /** Per window: [windowStartUs, p50Us, p99Us, okCount, unknownOutcomeCount] (as RunResult.latencySeries). */
  readonly series: readonly (readonly [number, number, number, number, number])[];
}

export interface RunStats {
  readonly events: number;
  readonly messages: number;
  readonly virtualTimeUs: Micros;
  readonly wallTimeMs: number;
}

export interface RunResult {
  readonly scenario: string;
  readonly file: string;
  readonly seed: number;
  readonly passed: boolean;
  readonly expectations: readonly Verdict[];
  readonly traceHash: string;
  readonly faults: Readonly<Record<string, number>>;
  readonly stats: RunStats;
  readonly timeline: readonly TimelineItem[];
  /** Client operation latency (completed ops), when a workload ran. */
  readonly latency?: LatencySummary;
  /** Completed ok / all completed, when a workload ran. */
  readonly availability?: { readonly ok: number; readonly total: number; readonly ratio: number };
  /** The simulation stopped on an exception (broken invariant): time, node, cause. */
  readonly error?: string;
  /** Modules that were asked for but whose core is not in this build. */
  readonly unavailable: readonly string[];
  /** Present when recording was asked for (report, --trace). */
  readonly trace?: readonly TraceEvent[];
  readonly history?: readonly HistoryOp[];
  readonly membership?: MembershipSeries;
  /** Per-window latency for the report: [windowStartUs, p50Us, p99Us, okCount, unknownOutcomeCount]. */
  readonly latencySeries?: readonly (readonly [number, number, number, number, number])[];
  /** Per-client outages and latency, when a module ran application clients (failover.clients). */
  readonly clients?: readonly ClientReport[];
}

/** What the loader hands a module to validate its section. */
export interface ParseContext {
  readonly topology: TopologyIndex;
  readonly durationUs: Micros;
  /** Sections of the modules before this one (registry order), already validated. */
  readonly modules: ReadonlyMap<string, unknown>;
}

export interface ExpectationDef {
  /** Parses the value written after the kind (`- leader-within: 10s` → v is the "10s" View). */
  parse(v: View, ctx: ParseContext): unknown;
  /** Readable name for summaries. */
  name(params: unknown): string;
}

/** A per-node setup context, as the simulator gives it (see src/sim World.setup). */
export interface NodeSetupContext {
  readonly id: NodeId;
  readonly dc: string;
  readonly region: string;
  readonly restarts: number;
  env(service: string): import('../core/env.ts').Env;
}

/** The app object a node gets: each module adds its parts by name; starters run at boot. */
export interface NodeApp {
  readonly parts: Record<string, unknown>;
  readonly starters: (() => void)[];
}

/** What a module does in one run. */
export interface ModuleInstance {
  /** Adds this module's cores to a node's app (called at boot and on every restart). */
  setupNode?(ctx: NodeSetupContext, app: NodeApp): void;
  /** Called once before the world starts: schedule clients, checks. */
  attach?(): void;
  /** Every trace event, in order. */
  onTrace?(ev: TraceEvent): void;
  /** A readable timeline line for a trace event this module understands. */
  timeline?(ev: TraceEvent): TimelineItem | undefined;
  /** The run is over (called once, before the final evaluation): close what is open. */
  end?(): void;
  /** Evaluate one expectation this module owns, on what happened so far (also mid-run, for live views). */
  evaluate(exp: ExpectationSpec): Verdict;
  /** After the run: the client history, when this module ran clients. */
  history?(): readonly HistoryOp[];
  /** After the run: operations the system answered / all completed (a CAS mismatch is an answer). */
  availability?(): { readonly ok: number; readonly total: number };
  /** After the run: membership views sampled over time, for the report. */
  membership?(): MembershipSeries;
  /** After the run: what each application client lived through (outages, latency over time). */
  clients?(): readonly ClientReport[];
}

/** How many members each node saw alive / suspect over time (sampled), for the report. */
export interface MembershipSeries {
  readonly nodes: readonly NodeId[];
  /** One sample: t, then per node [alive, suspect] counts; -1 when the node was down. */
  readonly samples: readonly { readonly t: Micros; readonly alive: readonly number[]; readonly suspect: readonly number[] }[];
}

/**
 * What a module sees of a run. The world is the simulator's World: modules read its topology
 * and network (which pairs are cut), so a narrower port only made them cast it back.
 */
export interface RunContext {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly endUs: Micros;
  readonly world: World;
  /** Adds a line to the run's timeline (for events a module sees outside the trace). */
  readonly note: (item: TimelineItem) => void;
}

export interface ScenarioModule<C = unknown> {
  /** Its top-level YAML key. */
  readonly name: string;
  /** One line: what it runs. */
  readonly doc: string;
  /** Undefined when its core is in this build; otherwise why it cannot run. */
  readonly unavailable?: string;
  /** Other modules it needs (enabled implicitly? no: the loader reports them missing). */
  readonly requires?: readonly string[];
  readonly parse: (v: View, ctx: ParseContext) => C;
  readonly expectations: Readonly<Record<string, ExpectationDef>>;
  readonly instantiate: (cfg: C, run: RunContext) => ModuleInstance;
}
