/**
 * One suspicion of one member (Lifeguard LHA-Suspicion, memberlist suspicion.go).
 *
 * The timeout starts at max and falls toward min as k independent members confirm the
 * suspicion: many accusers make a real failure likely, so it is declared sooner, while a
 * lone (maybe unhealthy) accuser gives the suspect the full max to refute.
 */
import { assert, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import { dynamicSuspicionUs } from './math.ts';

export class Suspicion {
  /** Accusers seen so far (the first included); bounded by k + 1. */
  private readonly confirmedBy: NodeId[];
  private confirmations = 0;
  private timer: Timer | undefined;
  private readonly startUs: Micros;

  constructor(
    private readonly env: Env,
    from: NodeId,
    /** Independent confirmations that bring the timeout down to min. */
    private readonly k: number,
    private readonly minUs: Micros,
    private readonly maxUs: Micros,
    private readonly onTimeout: () => void,
  ) {
    assert(k >= 0 && minUs > 0 && minUs <= maxUs, 'suspicion: 0 <= k, 0 < min <= max');
    this.confirmedBy = [from];
    this.startUs = env.now();
    // With k = 0 no confirmation is expected: start at min (memberlist newSuspicion).
    this.timer = env.after(k < 1 ? minUs : maxUs, this.fire);
  }

  /** Records an accuser; true if it was new and counted (then the caller re-gossips it). */
  confirm(from: NodeId): boolean {
    if (this.timer === undefined || this.confirmations >= this.k) return false;
    if (this.confirmedBy.includes(from)) return false;
    this.confirmedBy.push(from);
    this.confirmations++;
    assert(this.confirmedBy.length <= this.k + 1, 'suspicion: accusers bounded by k + 1');
    const total = dynamicSuspicionUs(this.confirmations, this.k, this.minUs, this.maxUs);
    const elapsed = this.env.now() - this.startUs;
    this.timer.cancel();
    this.timer = this.env.after(Math.max(0, total - elapsed), this.fire);
    return true;
  }

  confirmationCount(): number {
    return this.confirmations;
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    if (this.timer === undefined) return;
    this.timer = undefined;
    this.onTimeout();
  };
}
