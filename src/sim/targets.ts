/**
 * Scripted health of monitored targets (e.g. one Couchbase cluster per DC), for the HA
 * service in the simulator. A target lives in a DC and is up, down or flapping over time.
 * A node's check of it fails when the target is down OR the node is cut off from the
 * target's DC: the observer→target path goes through the simulator's partitions, so an
 * isolated DC looks dead to the outside while its own nodes still see its target.
 */
import type { Env, Micros, NodeId } from '../core/env.ts';
import { ms } from '../core/env.ts';
import type { Health, Probe, ProbeHandle, TargetConfig } from '../core/ha/index.ts';
import type { Topology } from './topology.ts';

/** One step of a target's script, from `at` (true time) on. */
export type HealthStep =
  | { readonly at: Micros; readonly state: 'up' | 'down' }
  /** Alternates down for `downUs` then up for `upUs`, starting down at `at`. */
  | { readonly at: Micros; readonly state: 'flapping'; readonly downUs: Micros; readonly upUs: Micros };

export interface SimTargetSpec {
  /** The target's key in the HA state. */
  readonly key: string;
  /** The DC it runs in (must exist in the topology). */
  readonly dc: string;
  /** Steps in time order; before the first one the target is up. */
  readonly script?: readonly HealthStep[];
}

export interface SimTargetsOptions {
  /** Time a probe takes to answer when it can (same-DC-ish RTT). */
  readonly probeLatencyUs?: Micros;
}

interface TargetModel {
  readonly spec: SimTargetSpec;
  steps: HealthStep[];
  dcNodes: number[];
}

/**
 * What SimTargets reads of its world: the topology and the clock, and the cut links where a
 * simulated network exists (the World); a real run (src/real-run) has none to give: its
 * partitions are real, so its model answers only isUp / transitions.
 */
export interface TargetsWorld {
  readonly topology: Topology;
  now(): Micros;
  readonly network?: { isCut(from: number, to: number): boolean };
}

export class SimTargets {
  private readonly models = new Map<string, TargetModel>();
  private readonly probeLatencyUs: Micros;
  /** Checks answered, by outcome (for reports). */
  readonly counts = { up: 0, down: 0, cutOff: 0 };

  constructor(
    private readonly world: TargetsWorld,
    specs: readonly SimTargetSpec[],
    opts: SimTargetsOptions = {},
  ) {
    this.probeLatencyUs = opts.probeLatencyUs ?? ms(2);
    for (const s of specs) this.add(s);
  }

  add(spec: SimTargetSpec): void {
    if (this.models.has(spec.key)) throw new Error(`targets: '${spec.key}' defined twice`);
    if (!this.world.topology.dcs.includes(spec.dc)) throw new Error(`targets: unknown DC '${spec.dc}'`);
    const steps = [...(spec.script ?? [])];
    for (let i = 1; i < steps.length; i++) {
      if (steps[i]!.at < steps[i - 1]!.at) throw new Error(`targets: script of '${spec.key}' is not in time order`);
    }
    const dcNodes = this.world.topology.nodesOfDc(spec.dc).map((n) => this.world.topology.index(n));
    this.models.set(spec.key, { spec, steps, dcNodes });
  }

  keys(): string[] {
    return [...this.models.keys()];
  }

  /** How many targets there are (keys().length without the copy). */
  get size(): number {
    return this.models.size;
  }

  dcOf(key: string): string {
    return this.model(key).spec.dc;
  }

  /** Appends a step (at >= the last step's time): scripts can also be written as the run goes. */
  set(key: string, step: HealthStep): void {
    const m = this.model(key);
    const last = m.steps[m.steps.length - 1];
    if (last && step.at < last.at) throw new Error(`targets: step for '${key}' before the last one`);
    m.steps.push(step);
  }

  /** The target's real state at true time t. */
  isUp(key: string, t: Micros = this.world.now()): boolean {
    const m = this.model(key);
    let cur: HealthStep | undefined;
    for (const s of m.steps) {
      if (s.at > t) break;
      cur = s;
    }
    const step = cur as HealthStep | undefined;
    if (!step) return true;
    if (step.state !== 'flapping') return step.state === 'up';
    return (t - step.at) % (step.downUs + step.upUs) >= step.downUs;
  }

  /**
   * Real transitions of a target within [0, until]: (time, up) pairs, starting with the
   * state at 0. Flapping is expanded; `maxTransitions` bounds the expansion.
   */
  transitions(key: string, until: Micros, maxTransitions = 100_000): { t: Micros; up: boolean }[] {
    const m = this.model(key);
    const out: { t: Micros; up: boolean }[] = [{ t: 0, up: this.isUp(key, 0) }];
    const push = (t: Micros, up: boolean): void => {
      if (t > until || out.length >= maxTransitions) return;
      if (out[out.length - 1]!.up !== up) out.push({ t, up });
    };
    for (let i = 0; i < m.steps.length; i++) {
      const s = m.steps[i]!;
      const end = i + 1 < m.steps.length ? m.steps[i + 1]!.at : until + 1;
      if (s.state !== 'flapping') {
        push(s.at, s.state === 'up');
        continue;
      }
      for (let t = s.at; t < end && t <= until && out.length < maxTransitions; t += s.downUs + s.upUs) {
        push(t, false);
        if (t + s.downUs < end) push(t + s.downUs, true);
      }
    }
    return out;
  }

  /** Whether `observer` cannot reach any node of the target's DC (either direction cut). */
  cutOff(observer: NodeId, key: string): boolean {
    const m = this.model(key);
    const o = this.world.topology.index(observer);
    if (m.dcNodes.length === 0 || m.dcNodes.includes(o)) return false;
    const net = this.world.network;
    if (!net) return false;
    return m.dcNodes.every((x) => net.isCut(o, x) || net.isCut(x, o));
  }

  /** What a check by `observer` would say right now. */
  checkNow(observer: NodeId, key: string): Health | 'no-answer' {
    if (this.cutOff(observer, key)) return 'no-answer';
    return this.isUp(key) ? 'up' : 'down';
  }

  /**
   * The probe a node's HA service uses. A reachable target answers after the probe latency
   * (refused if down); a cut-off one never answers, so the scheduler's timeout fires.
   * The answer is delivered through the node's Env, so a paused node gets it late.
   */
  probe(env: Env): Probe {
    return {
      check: (target: TargetConfig, _timeoutUs: Micros, done: (s: Health) => void): ProbeHandle => {
        if (!this.models.has(target.key)) {
          // Not modelled: nothing listens there.
          return { cancel() {} };
        }
        const outcome = this.checkNow(env.self, target.key);
        if (outcome === 'no-answer') {
          this.counts.cutOff++;
          return { cancel() {} };
        }
        this.counts[outcome]++;
        const timer = env.after(this.probeLatencyUs, () => done(outcome));
        return { cancel: () => timer.cancel() };
      },
    };
  }

  private model(key: string): TargetModel {
    const m = this.models.get(key);
    if (!m) throw new Error(`targets: unknown target '${key}'`);
    return m;
  }
}
