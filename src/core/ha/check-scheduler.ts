/**
 * Runs one check per target per interval on this node, applies the timeout, and debounces
 * raw results into the observer's reported status (failuresBeforeDown / successesBeforeUp).
 * At most one check per target is in flight, so the work per interval is bounded by the
 * number of targets (itself bounded by maxTargets).
 */
import { assert, type Env, type Timer } from '../env.ts';
import type { HaConfig } from './config.ts';
import type { Probe, ProbeHandle } from './probe.ts';
import type { Health, TargetConfig, TargetKey } from './types.ts';

interface Slot {
  config: TargetConfig;
  /**
   * Debounced status this observer reports; undefined until the thresholds are first met. A
   * fresh (or restarted) observer has no history, and reporting a default would let a mass
   * restart outvote reality (several restarted observers all saying UP about a dead target).
   */
  reported: Health | undefined;
  /** Consecutive raw results disagreeing with `reported` (or, before the first report, agreeing with `last`). */
  streak: number;
  last: Health | undefined;
  timer: Timer | undefined;
  inFlight: { handle: ProbeHandle; timeout: Timer; round: number } | undefined;
  round: number;
}

/** Called after every check once the observer has a (debounced) status to report. */
export type ResultListener = (target: TargetConfig, reported: Health, raw: Health) => void;

export class CheckScheduler {
  private readonly slots = new Map<TargetKey, Slot>();
  private stopped = false;

  constructor(
    private readonly env: Env,
    private readonly probe: Probe,
    private readonly cfg: HaConfig,
    private readonly onResult: ResultListener,
  ) {}

  /** Starts checking new targets, stops deleted ones, picks up changed values. */
  setTargets(targets: readonly TargetConfig[]): void {
    assert(!this.stopped, 'ha scheduler: setTargets after stop');
    assert(targets.length <= this.cfg.maxTargets, () => `ha scheduler: ${targets.length} targets > maxTargets`);
    const wanted = new Map(targets.map((t) => [t.key, t]));
    for (const [key, slot] of this.slots) {
      if (!wanted.has(key)) {
        this.cancelSlot(slot);
        this.slots.delete(key);
      }
    }
    for (const t of targets) {
      const slot = this.slots.get(t.key);
      if (slot) {
        slot.config = t;
        continue;
      }
      const fresh: Slot = { config: t, reported: undefined, streak: 0, last: undefined, timer: undefined, inFlight: undefined, round: 0 };
      this.slots.set(t.key, fresh);
      // A random phase spreads the checks of many targets (and of many nodes) over the interval.
      this.schedule(fresh, this.env.random.int(this.cfg.checkIntervalUs));
    }
    assert(this.slots.size === wanted.size, 'ha scheduler: slots must mirror targets');
  }

  /** This observer's debounced status of a target, if monitored. */
  reported(key: TargetKey): Health | undefined {
    return this.slots.get(key)?.reported;
  }

  targets(): TargetKey[] {
    return [...this.slots.keys()];
  }

  stop(): void {
    this.stopped = true;
    for (const slot of this.slots.values()) this.cancelSlot(slot);
    this.slots.clear();
  }

  private schedule(slot: Slot, delayUs: number): void {
    assert(slot.timer === undefined, 'ha scheduler: one timer per target');
    slot.timer = this.env.after(delayUs, () => {
      slot.timer = undefined;
      this.runCheck(slot);
    });
  }

  private runCheck(slot: Slot): void {
    if (this.stopped || this.slots.get(slot.config.key) !== slot) return;
    // Next round is scheduled from the start of this one, so the cadence does not drift by the probe's latency.
    this.schedule(slot, this.cfg.checkIntervalUs);
    if (slot.inFlight) return; // previous check still running (timeout <= interval makes this rare); skip a round
    const round = ++slot.round;
    let settled = false;
    const finish = (raw: Health): void => {
      if (settled || slot.inFlight?.round !== round) return; // late, duplicate or cancelled answer
      settled = true;
      slot.inFlight.timeout.cancel();
      slot.inFlight = undefined;
      this.record(slot, raw);
    };
    const timeout = this.env.after(this.cfg.checkTimeoutUs, () => {
      if (slot.inFlight?.round !== round) return;
      slot.inFlight.handle.cancel();
      finish('down');
    });
    slot.inFlight = { handle: { cancel() {} }, timeout, round };
    const handle = this.probe.check(slot.config, this.cfg.checkTimeoutUs, finish);
    if (slot.inFlight?.round === round) slot.inFlight.handle = handle;
  }

  private record(slot: Slot, raw: Health): void {
    if (slot.reported === undefined) {
      slot.streak = raw === slot.last ? slot.streak + 1 : 1;
      slot.last = raw;
      const needed = raw === 'down' ? this.cfg.failuresBeforeDown : this.cfg.successesBeforeUp;
      if (slot.streak < needed) return; // nothing to report yet
      slot.reported = raw;
      slot.streak = 0;
    } else if (raw === slot.reported) {
      slot.streak = 0;
    } else {
      slot.streak++;
      const needed = raw === 'down' ? this.cfg.failuresBeforeDown : this.cfg.successesBeforeUp;
      assert(slot.streak <= needed, 'ha scheduler: streak overran its threshold');
      if (slot.streak === needed) {
        slot.reported = raw;
        slot.streak = 0;
      }
    }
    this.onResult(slot.config, slot.reported, raw);
  }

  private cancelSlot(slot: Slot): void {
    slot.timer?.cancel();
    slot.timer = undefined;
    if (slot.inFlight) {
      slot.inFlight.timeout.cancel();
      slot.inFlight.handle.cancel();
      slot.inFlight = undefined;
    }
  }
}
