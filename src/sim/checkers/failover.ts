/**
 * Invariants of the health-quorum failover service, checked over a simulated run:
 *
 *  - safety: no DOWN event while the target was up and only a minority of observers were cut
 *    off from it. Evidence is judged over a lookback window before the event (results are
 *    debounced and gossiped, so they reflect the recent past): the event is justified if
 *    the target was down at some instant of the window, or if at least a majority of the
 *    observers were cut off from it at some point of the window. Symmetrically an UP event
 *    needs the target up at some instant of its window.
 *  - liveness: a target that really goes down (or back up) and stays so for longer than the
 *    bound, while a majority of observers are up, is declared so within the bound.
 *  - one event per real transition: within one stable real period of a target (extended by
 *    the bound, for the declaration lag) there is at most one event to the real state.
 *
 * The bound (death → DOWN event applied) is computed by detectionBoundUs() in
 * src/core/ha/config.ts from the check interval, timeout, thresholds, gossip delay, quorum
 * confirmation and commit time, and printed by tests and bench/ha-failover.ts.
 */
import type { Micros, NodeId } from '../../core/env.ts';
import { ms } from '../../core/env.ts';
import type { Health } from '../../core/ha/index.ts';
import type { SimTargets } from '../targets.ts';
import type { TraceEvent } from '../types.ts';
import type { World } from '../world.ts';

export interface FailoverCheckerOptions {
  /** The configured observers (every node running the HA service). */
  readonly observers: readonly NodeId[];
  /** Death → DOWN event bound (and recovery → UP event bound). */
  readonly boundUs: Micros;
  /** Evidence window before an event (default: the bound plus staleness slack = 2 x bound). */
  readonly lookbackUs?: Micros;
  /** How often cut-off sets and live observers are sampled (default 50 ms). */
  readonly sampleUs?: Micros;
  /**
   * Liveness checking: true (default) checks every real transition that lasts longer than the
   * bound while a majority of observers is up; 'quiet' only those whose [t - bound, t + bound]
   * window saw no fault at all (the bound assumes a stable leader and no lost gossip, so under
   * a nemesis it is judged in the quiet windows); false never.
   */
  readonly liveness?: boolean | 'quiet';
}

export interface ObservedEvent {
  readonly t: Micros;
  readonly id: number;
  readonly key: string;
  readonly from: Health;
  readonly to: Health;
}

export interface Detection {
  readonly key: string;
  readonly to: Health;
  readonly realAtUs: Micros;
  readonly declaredAtUs: Micros | undefined;
  readonly latencyUs: Micros | undefined;
  /** When a group's active key moved because of this event. */
  readonly failedOverAtUs: Micros | undefined;
}

export interface FailoverVerdict {
  readonly ok: boolean;
  readonly violations: string[];
  readonly events: ObservedEvent[];
  readonly detections: Detection[];
  readonly maxLatencyUs: Micros;
  readonly boundUs: Micros;
}

interface Sample {
  readonly t: Micros;
  readonly cut: readonly NodeId[];
  readonly upObservers: number;
}

/** Bound on samples kept per target: change points only, so this is rarely approached. */
const MAX_SAMPLES = 200_000;

export class FailoverChecker {
  private readonly samples = new Map<string, Sample[]>();
  private readonly events: ObservedEvent[] = [];
  private readonly seenIds = new Set<number>();
  private readonly activeAt = new Map<number, Micros>();
  /** Fault intervals (true time); open-ended ones close on heal / restart / resume. */
  private readonly faults: { kind: string; target: string; from: Micros; to: Micros }[] = [];
  private readonly lookbackUs: Micros;
  private readonly sampleUs: Micros;
  private stopped = false;
  private readonly off: () => void;
  /** What the last full sample saw (see sample()). */
  private seen: { cutVersion: number; targets: number; up: readonly NodeId[] } = { cutVersion: -1, targets: -1, up: [] };

  constructor(
    private readonly world: World,
    private readonly targets: SimTargets,
    private readonly opts: FailoverCheckerOptions,
  ) {
    this.lookbackUs = opts.lookbackUs ?? 2 * opts.boundUs;
    this.sampleUs = opts.sampleUs ?? ms(50);
    for (const k of targets.keys()) this.samples.set(k, []);
    this.off = world.on((ev) => this.onTrace(ev));
    this.sample();
  }

  stop(): void {
    this.stopped = true;
    this.off();
  }

  private onTrace(ev: TraceEvent): void {
    if (ev.kind === 'fault') {
      const kind = String(ev['fault']);
      const target = String(ev['target'] ?? '');
      const closeOpen = (pred: (f: { kind: string; target: string }) => boolean) => {
        for (const f of this.faults) if (f.to === Infinity && pred(f)) f.to = ev.t;
      };
      if (kind === 'heal') closeOpen((f) => f.kind === 'partition' || f.kind === 'isolate');
      else if (kind === 'restart') closeOpen((f) => f.kind === 'crash' && f.target === target);
      else if (kind === 'resume') closeOpen((f) => f.kind === 'pause' && f.target === target);
      const forUs = typeof ev['for'] === 'number' ? (ev['for'] as number) : undefined;
      if (this.faults.length < MAX_SAMPLES) this.faults.push({ kind, target, from: ev.t, to: forUs !== undefined ? ev.t + forUs : kind === 'heal' || kind === 'restart' || kind === 'resume' ? ev.t : Infinity });
      return;
    }
    if (ev.kind === 'ha.event') {
      const id = ev['id'] as number;
      if (this.seenIds.has(id)) return; // every replica traces it; the first application is the decision time
      this.seenIds.add(id);
      this.events.push({ t: ev.t, id, key: ev['target'] as string, from: ev['from'] as Health, to: ev['to'] as Health });
    } else if (ev.kind === 'ha.active') {
      const idx = ev['index'] as number;
      if (!this.activeAt.has(idx)) this.activeAt.set(idx, ev.t);
    }
  }

  private sample(): void {
    if (this.stopped) return;
    const now = this.world.now();
    const upObs = this.opts.observers.filter((o) => this.world.isUp(o));
    // Every 50 ms, but cut-off sets change only with the cuts, the live observers or the
    // targets: when none changed, every key's sample would equal its last one (nothing to add).
    const cutVersion = this.world.network.cutVersion;
    if (cutVersion === this.seen.cutVersion && this.targets.size === this.seen.targets && sameList(upObs, this.seen.up)) {
      this.world.after(this.sampleUs, () => this.sample());
      return;
    }
    this.seen = { cutVersion, targets: this.targets.size, up: upObs };
    for (const key of this.targets.keys()) {
      const cut = upObs.filter((o) => this.targets.cutOff(o, key));
      let list = this.samples.get(key);
      if (!list) {
        list = []; // a target added during the run
        this.samples.set(key, list);
      }
      const last = list[list.length - 1];
      if (!last || last.upObservers !== upObs.length || last.cut.join(',') !== cut.join(',')) {
        if (list.length < MAX_SAMPLES) list.push({ t: now, cut, upObservers: upObs.length });
      }
    }
    this.world.after(this.sampleUs, () => this.sample());
  }

  /** The sample in force at t and every change point in [from, to]. */
  private samplesIn(key: string, from: Micros, to: Micros): Sample[] {
    const list = this.samples.get(key) ?? [];
    const out: Sample[] = [];
    let before: Sample | undefined;
    for (const s of list) {
      if (s.t <= from) before = s;
      else if (s.t <= to) out.push(s);
    }
    return before ? [before, ...out] : out;
  }

  verdict(endUs: Micros = this.world.now()): FailoverVerdict {
    const violations: string[] = [];
    const majority = Math.floor(this.opts.observers.length / 2) + 1;
    const bound = this.opts.boundUs;
    const detections: Detection[] = [];

    for (const key of this.targets.keys()) {
      const real = this.targets.transitions(key, endUs);
      const evs = this.events.filter((e) => e.key === key);

      // safety: every event has evidence in its window
      for (const e of evs) {
        const from = Math.max(0, e.t - this.lookbackUs);
        const realInWindow = real.some((r, i) => {
          const end = i + 1 < real.length ? real[i + 1]!.t : Infinity;
          return r.up === (e.to === 'up') && r.t <= e.t && end > from;
        });
        if (realInWindow) continue;
        if (e.to === 'down') {
          const union = new Set<NodeId>();
          for (const s of this.samplesIn(key, from, e.t)) s.cut.forEach((o) => union.add(o));
          if (union.size >= majority) continue;
          violations.push(`${key}: DOWN event #${e.id} at ${fmt(e.t)} while the target was up and only ${union.size}/${this.opts.observers.length} observers were cut off in the window`);
        } else {
          violations.push(`${key}: UP event #${e.id} at ${fmt(e.t)} while the target was down for the whole window`);
        }
      }

      // liveness and one-event-per-transition, period by period
      let declared: Health = 'up';
      for (let i = 0; i < real.length; i++) {
        const p = real[i]!;
        const end = i + 1 < real.length ? real[i + 1]!.t : endUs;
        const want: Health = p.up ? 'up' : 'down';
        const window = evs.filter((e) => e.t >= p.t && e.t < Math.min(end + bound, endUs + 1));
        const inPeriod = window.filter((e) => e.to === want);
        // Events alternate, so a second event to the real state needs a (justified, checked above)
        // event away from it in between: only the surplus over those counts as a duplicate.
        if (inPeriod.length - (window.length - inPeriod.length) > 1) {
          violations.push(`${key}: ${inPeriod.length} ${want.toUpperCase()} events for one real transition at ${fmt(p.t)} (#${inPeriod.map((e) => e.id).join(', #')})`);
        }
        const before = evs.filter((e) => e.t < p.t);
        declared = before.length ? before[before.length - 1]!.to : 'up';
        if (i === 0 && p.up) continue; // the initial UP is assumed, not declared
        const first = inPeriod[0];
        const failedOverAtUs = first ? this.activeAt.get(first.id) : undefined;
        detections.push({
          key, to: want, realAtUs: p.t, declaredAtUs: first?.t, latencyUs: first ? first.t - p.t : undefined, failedOverAtUs,
        });
        const long = end - p.t > bound && endUs - p.t > bound;
        const majorityUp = this.samplesIn(key, p.t, p.t + bound).every((s) => s.upObservers >= majority);
        const quiet = this.opts.liveness !== 'quiet' || !this.faults.some((f) => f.from <= p.t + bound && f.to >= p.t - bound);
        if (this.opts.liveness !== false && quiet && declared !== want && long && majorityUp) {
          if (!first || first.t - p.t > bound) {
            violations.push(`${key}: real ${want.toUpperCase()} at ${fmt(p.t)} ${first ? `declared only after ${fmt(first.t - p.t)}` : 'never declared'} (bound ${fmt(bound)})`);
          }
        }
      }
    }
    const latencies = detections.map((d) => d.latencyUs).filter((x): x is number => x !== undefined);
    return {
      ok: violations.length === 0,
      violations,
      events: [...this.events],
      detections,
      maxLatencyUs: latencies.length ? Math.max(...latencies) : 0,
      boundUs: bound,
    };
  }
}

function fmt(us: Micros): string {
  return `${(us / 1e6).toFixed(3)}s`;
}

function sameList(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
