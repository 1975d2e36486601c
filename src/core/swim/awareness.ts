/**
 * Lifeguard's local health multiplier (LHA-Probe): a score in [0, max − 1] that rises when
 * this node's own probes fail without the nacks that healthy relays would send, or when it
 * must refute a suspicion of itself, and falls on each successful probe. Timeouts and the
 * probe interval are scaled by (score + 1): a node that is itself slow (CPU starvation, a
 * congested NIC) stops accusing healthy peers at full speed. (memberlist awareness.go)
 */
import { assert, type Micros } from '../env.ts';

export class Awareness {
  private score = 0;

  constructor(private readonly max: number) {
    assert(Number.isInteger(max) && max >= 1, 'awareness: max multiplier is a positive integer');
  }

  applyDelta(delta: number): number {
    const next = this.score + delta;
    this.score = next < 0 ? 0 : next > this.max - 1 ? this.max - 1 : next;
    assert(this.score >= 0 && this.score < this.max, 'awareness: score within [0, max)');
    return this.score;
  }

  getHealthScore(): number {
    return this.score;
  }

  scaleTimeout(timeoutUs: Micros): Micros {
    return timeoutUs * (this.score + 1);
  }
}
