/**
 * A node's local clock: true time plus a skew, running at rate 1 + drift from the moment the
 * skew/drift was last set. It never goes backwards (monotonic, as CLOCK_MONOTONIC is): a
 * negative skew step makes it stand still until true time catches up, as an NTP step would
 * appear to a monotonic reader.
 */
import type { Micros } from '../core/env.ts';

export class NodeClock {
  private baseTrue = 0;
  private baseLocal = 0;
  private rate = 1;
  private lastLocal = 0;
  skew = 0;
  drift = 0;

  local(trueNow: Micros): Micros {
    let v = this.rate === 1 ? this.baseLocal + (trueNow - this.baseTrue) : this.baseLocal + Math.floor((trueNow - this.baseTrue) * this.rate);
    if (v < this.lastLocal) v = this.lastLocal;
    this.lastLocal = v;
    return v;
  }

  /** True-time delay after which `localDelay` of this clock has passed. */
  trueDelay(localDelay: Micros): Micros {
    return this.rate === 1 ? localDelay : Math.ceil(localDelay / this.rate);
  }

  /** From trueNow on, the clock reads trueNow + skew and then runs at rate 1 + drift. */
  set(trueNow: Micros, skew: Micros, drift: number): void {
    this.local(trueNow); // remember the last reading, so the clock cannot step back
    this.baseLocal = trueNow + skew;
    this.baseTrue = trueNow;
    this.rate = 1 + drift;
    this.skew = skew;
    this.drift = drift;
  }
}
