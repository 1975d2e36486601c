/**
 * The TUI's state and actions, free of React: speed, pause, stepping, selection, and the
 * faults a person injects (recorded with their virtual time, so the session can be saved as
 * a scenario and replayed). Rendering reads it at a bounded frame rate.
 */
import type { Micros } from '../core/env.ts';
import { describePending, type Fault, type ScheduledFault } from '../sim/index.ts';
import { clockText } from './format.ts';
import type { LiveRun, LiveTimelineItem } from '../scenario/live-run.ts';
import { LogView } from './log-view.ts';
import { liveExpectations, type LiveExpectation } from './expectations.ts';

/** Judging every expectation can be costly (linearizability): at most once a wall second while shown. */
const EXPECT_REFRESH_MS = 1000;

/** Virtual seconds per wall second; Infinity = as fast as possible. */
export const SPEEDS = [1, 10, 100, 1000, Infinity] as const;
/** Wall-clock budget per frame at full speed: leaves time to render and read keys. */
export const FULL_SPEED_BUDGET_MS = 40;
/** Bound on the log kept in memory. */
export const LOG_LIMIT = 500;

export interface Selection {
  readonly dc: string;
  readonly node: string;
}

export class TuiController {
  paused = false;
  speedIndex = 1;
  showHelp = false;
  readonly injected: ScheduledFault[] = [];
  readonly log: LiveTimelineItem[] = [];
  /** The log's filter and scroll position. */
  readonly logView = new LogView();
  private nodeOrder: { dc: string; node: string }[];
  private selected = 0;
  message = '';

  constructor(
    readonly run: LiveRun,
    private readonly save?: (faults: readonly ScheduledFault[]) => string,
    private readonly wallNow: () => number = () => performance.now(),
  ) {
    const topo = run.world.topology;
    this.nodeOrder = topo.dcs.flatMap((dc) => topo.nodesOfDc(dc).map((node) => ({ dc, node })));
  }

  get speed(): number {
    return SPEEDS[this.speedIndex]!;
  }

  get selection(): Selection {
    return this.nodeOrder[this.selected]!;
  }

  get finished(): boolean {
    return this.run.world.now() >= this.run.endUs || this.run.error() !== undefined;
  }

  /** Advances the run by what `wallMs` of real time means at the current speed. */
  tick(wallMs: number): void {
    if (this.paused || this.finished) return this.collect();
    const world = this.run.world;
    if (Number.isFinite(this.speed)) {
      const target = Math.min(this.run.endUs, world.now() + Math.round(wallMs * 1000 * this.speed));
      this.run.advanceTo(target);
    } else {
      const start = this.wallNow();
      // Slices of 50 ms virtual keep the budget check frequent without per-event overhead.
      for (let i = 0; i < 100_000 && !this.finished && this.wallNow() - start < FULL_SPEED_BUDGET_MS; i++) {
        this.run.advanceTo(Math.min(this.run.endUs, world.now() + 50_000));
      }
    }
    this.collect();
  }

  togglePause(): void {
    this.paused = !this.paused;
  }

  /** Pauses, runs exactly one event, and says which (kind, node, message type) on the status line. */
  stepOne(): void {
    this.paused = true;
    if (this.finished) return this.collect();
    const next = this.run.world.peekEvent();
    const ran = this.run.step();
    this.collect();
    this.say(ran && next ? `step ${clockText(next.t)}: ${describePending(next)}` : 'step: no event left before the end');
  }

  faster(): void {
    this.speedIndex = Math.min(SPEEDS.length - 1, this.speedIndex + 1);
  }

  slower(): void {
    this.speedIndex = Math.max(0, this.speedIndex - 1);
  }

  /** Moves the node selection by delta (wrapping). */
  selectNode(delta: number): void {
    const n = this.nodeOrder.length;
    this.selected = (((this.selected + delta) % n) + n) % n;
  }

  /** Moves the selection to the first node of the next / previous DC. */
  selectDc(delta: number): void {
    const dcs = this.run.world.topology.dcs;
    const cur = dcs.indexOf(this.selection.dc);
    const next = dcs[(((cur + delta) % dcs.length) + dcs.length) % dcs.length]!;
    this.selected = this.nodeOrder.findIndex((e) => e.dc === next);
  }

  crashSelected(): void {
    const node = this.selection.node;
    if (!this.run.world.isUp(node)) return this.say(`${node} is already down`);
    this.inject({ kind: 'crash', node });
  }

  restartSelected(): void {
    this.inject({ kind: 'restart', node: this.selection.node });
  }

  partitionSelectedDc(): void {
    this.inject({ kind: 'isolate', target: this.selection.dc });
  }

  /** Heals every partition and resumes every paused node. */
  healAll(): void {
    this.inject({ kind: 'heal' });
    for (const id of this.run.world.topology.nodes) if (this.run.world.isPaused(id)) this.inject({ kind: 'resume', node: id });
  }

  toggleHelp(): void {
    this.showHelp = !this.showHelp;
  }

  showExpectations = false;
  /** The failover panel (targets, observers' results, HA events, clients) instead of the cluster. */
  showFailover = false;
  private expectCache: { at: number; list: LiveExpectation[] } | undefined;

  toggleExpectations(): void {
    this.showExpectations = !this.showExpectations;
    if (this.showExpectations) this.showFailover = false;
    this.expectCache = undefined;
  }

  toggleFailover(): void {
    this.showFailover = !this.showFailover;
    if (this.showFailover) this.showExpectations = false;
  }

  /** The live expectations (cached; refreshed at most once per EXPECT_REFRESH_MS of wall time). */
  expectations(): LiveExpectation[] {
    const now = this.wallNow();
    if (!this.expectCache || now - this.expectCache.at >= EXPECT_REFRESH_MS) {
      this.expectCache = { at: now, list: liveExpectations(this.run.verdicts(), this.finished) };
    }
    return this.expectCache.list;
  }

  /** Writes the session (the scenario plus the injected faults) as a scenario file. */
  saveScenario(): void {
    if (!this.save) return this.say('saving is not available here');
    try {
      const path = this.save(this.injected);
      this.say(`saved ${this.injected.length} injected fault(s) to ${path}`);
    } catch (e) {
      this.say(`could not save: ${(e as Error).message}`);
    }
  }

  private inject(fault: Fault): void {
    const at: Micros = this.run.world.now();
    this.run.world.inject(fault);
    this.injected.push({ at, fault });
    this.collect();
  }

  private say(text: string): void {
    this.message = text;
  }

  private collect(): void {
    for (const item of this.run.drainTimeline()) this.log.push(item);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }
}
