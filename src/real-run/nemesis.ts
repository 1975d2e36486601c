/**
 * A scenario's `nemesis:` (random faults, after Jepsen) played on real processes. The faults are
 * drawn by the simulator's own drawing code (src/sim/nemesis.ts: the Poisson arrival at
 * `rate`, the kind by weight, targets and durations) from the seed's 'real-nemesis' stream,
 * each when it is due, against the real run's view of who is up (roles.ts); each drawn fault is
 * handed to the FaultPlayer, which plays it (SIGKILL / SIGSTOP / nft) or lists it as skipped.
 * Not deterministic: the draws repeat for a seed, but what is up when a draw reads it does not.
 */
import type { Micros, NodeId } from '../core/env.ts';
import { randomStream } from '../host/random.ts';
import { isCrashPointKind } from '../sim/crash-points.ts';
import { drawNemesisFault, nemesisWeights, pickNemesisKind, type NemesisView } from '../sim/nemesis.ts';
import { DEFAULT_CORRUPT_SVC } from '../sim/storage-faults.ts';
import type { NemesisSpec } from '../sim/types.ts';
import type { FaultPlayer } from './faults.ts';
import type { RealRoleView } from './roles.ts';

const US_PER_MIN = 60_000_000;

/** Kinds a nemesis may draw that need our nft table. */
export function nemesisNeedsNet(spec: NemesisSpec): boolean {
  return nemesisWeights(spec).some(([k]) => k === 'partition' || k === 'isolate');
}

export class RealNemesis {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Faults drawn so far (played or skipped by the player). */
  drawn = 0;

  constructor(
    private readonly spec: NemesisSpec,
    seed: number,
    private readonly player: FaultPlayer,
    private readonly roles: RealRoleView,
    /** Nodes with a Raft log (the voters): the storage kinds pick among them. */
    private readonly voters: readonly NodeId[],
    private readonly t0: number,
    private readonly random = randomStream(seed, 'real-nemesis'),
  ) {}

  start(): void {
    const weights = nemesisWeights(this.spec);
    if (!(this.spec.ratePerMin > 0) || weights.length === 0) return;
    const total = weights.reduce((s, [, v]) => s + v, 0);
    const meanGapUs = US_PER_MIN / this.spec.ratePerMin;
    const nextGap = () => Math.max(1, Math.round(-Math.log(1 - this.random.next()) * meanGapUs));
    const disks = new Set([DEFAULT_CORRUPT_SVC]);
    const view: NemesisView = {
      topology: this.roles.topology,
      isUp: (n) => this.roles.isUp(n),
      disks: (n) => (this.voters.includes(n) ? disks : new Set<string>()),
    };
    const tick = () => {
      const now = this.now();
      if (this.stopped || (this.spec.until !== undefined && now > this.spec.until)) return;
      const kind = pickNemesisKind(weights, total, this.random);
      const duration = this.random.between(this.spec.durationMin, this.spec.durationMax);
      let until = now + duration;
      if (this.spec.until !== undefined && until > this.spec.until) until = Math.max(now + 1, this.spec.until);
      this.drawn++;
      if (isCrashPointKind(kind)) this.player.skipNow(kind, 'crash points need the simulator\'s view of every delivery');
      else {
        const fault = drawNemesisFault(view, kind, until - now, this.random, this.spec.targets);
        if (fault) this.player.schedule([{ at: now, fault }]);
      }
      this.after(nextGap(), tick);
    };
    this.after(nextGap(), tick);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private now(): Micros {
    return Math.round((performance.now() - this.t0) * 1000);
  }

  private after(us: Micros, fn: () => void): void {
    if (this.stopped) return;
    this.timer = setTimeout(fn, us / 1000);
  }
}
