/**
 * How long the agent's event loop was blocked: Node's perf_hooks monitorEventLoopDelay
 * (a timer every RESOLUTION_MS; its lateness is the delay). A stall longer than the Raft
 * election timeout (1 s) lets followers time out and elect: the metrics show how close the
 * HTTP work comes (bench/hanode-stall.ts samples them under load).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Sampling period; stalls shorter than this are not seen (Node's default is 10 ms). */
const RESOLUTION_MS = 10;
/** Length of the recent window. */
const WINDOW_MS = 1000;

export class LoopMonitor {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private timer: ReturnType<typeof setInterval> | undefined;
  private overallMaxNs = 0;
  private lastWindowMaxNs = 0;

  start(): void {
    this.h.enable();
    this.timer = setInterval(() => this.roll(), WINDOW_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.h.disable();
  }

  private current(): number {
    return this.h.count > 0 ? this.h.max : 0;
  }

  private roll(): void {
    const m = this.current();
    this.lastWindowMaxNs = m;
    this.overallMaxNs = Math.max(this.overallMaxNs, m);
    this.h.reset();
  }

  /** Longest delay since start, in ms. */
  maxMs(): number {
    return Math.max(this.overallMaxNs, this.current()) / 1e6;
  }

  /** Longest delay in the last one to two seconds, in ms. */
  recentMaxMs(): number {
    return Math.max(this.lastWindowMaxNs, this.current()) / 1e6;
  }
}
