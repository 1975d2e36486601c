/**
 * The HTTP calls a real-run workload makes (locks, leases), recorded in the `--history` format of
 * docs/formats.md: each call is invoked and completed on the run's clock (µs since the scenario
 * clock started, never going back), numbered from the workload's process base; calls left
 * running in the background are awaited before the history is closed.
 */
import { HistoryRecorder } from '../sim/history.ts';
import type { RealApiClient } from './api-client.ts';
import type { Answer } from './http-call.ts';

export class RecordedCalls {
  readonly history = new HistoryRecorder();
  private lastTime = 0;
  private nextProcess: number;
  private readonly stray = new Set<Promise<unknown>>();

  constructor(
    private readonly t0: number,
    processBase: number,
  ) {
    this.nextProcess = processBase;
  }

  /** µs since the scenario clock started (monotonic). */
  now(): number {
    this.lastTime = Math.max(this.lastTime, Math.round((performance.now() - this.t0) * 1000));
    return this.lastTime;
  }

  /** A call recorded in the history (ok on a 200, fail on a refusal or 4xx, info otherwise). */
  async call(api: RealApiClient, f: string, key: string, method: string, path: string, body?: string): Promise<Answer> {
    const p = this.nextProcess++;
    this.history.invoke(p, f, key, body ?? null, this.now());
    const a = await api.call(method, path, body);
    const type = typeof a !== 'string' && a.status === 200 ? 'ok' : a === 'refused' || (typeof a !== 'string' && a.status < 500) ? 'fail' : 'info';
    this.history.complete(p, type, this.now(), typeof a === 'string' ? null : a.text.slice(0, 200));
    return a;
  }

  /** Runs `p` without waiting for it; settle() waits for it. */
  background(p: Promise<unknown>): void {
    this.stray.add(p);
    void p.finally(() => this.stray.delete(p));
  }

  /** Waits for the background calls, then closes what is still open in the history. */
  async settle(): Promise<void> {
    await Promise.all([...this.stray]);
    this.history.closeAll(this.now());
  }
}
