/**
 * HTTP-level calls of the lock and lease workloads: one request to hanode's API (served
 * in-process, ./kv-api.ts), recorded in the client history (docs/formats.md `--history`) as
 * one operation: `f` the operation (`register`, `session-create`, `session-renew`,
 * `session-destroy`, `acquire`, `release`, `put`), `key` the lock / key / session it touches,
 * `value` on invoke the request line (`PUT /v1/kv/locks/L0?acquire=<session>`), on completion
 * the answer (`{status, json}`). ok: a 2xx answer; fail: a 4xx, or 500 "No cluster leader"
 * (refused before any proposal); info: no answer in time, or another 5xx (it may have happened).
 *
 * Each workload thread (a client's lock loop, its renew loop) is a history process; an
 * operation that overlaps the thread's open one, or follows an `info`, takes a fresh process
 * number, as the format requires.
 */
import type { Micros, NodeId } from '../../core/env.ts';
import { HistoryRecorder } from '../../sim/history.ts';
import type { WorldPort } from '../world-port.ts';
import type { ApiKvClient } from './kv-api.ts';

export interface ApiAnswer {
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
}

export interface ApiCall {
  readonly f: string;
  readonly key: string;
  readonly method: 'GET' | 'PUT' | 'DELETE';
  /** The path after /v1/. */
  readonly path: string;
  readonly query?: string;
  readonly body?: string;
}

/** How much longer than the request's own timeout the world waits before declaring it lost (its node crashed). */
const LOST_MARGIN_US = 100_000;

export class ApiCalls {
  readonly history = new HistoryRecorder();
  private nextProcess: number;
  private readonly threads = new Map<string, number>();

  /**
   * @param processBase first process number (the modules' histories are merged: each module
   *   numbers its processes from its own base so they never collide).
   */
  constructor(
    private readonly world: WorldPort,
    processBase: number,
    private readonly timeoutUs: Micros,
  ) {
    this.nextProcess = processBase;
  }

  /**
   * Sends `call` from client node `node` on behalf of `thread`; done(answer) or done(undefined)
   * when no answer came (timeout, or the node is down or restarted meanwhile).
   */
  send(node: NodeId, thread: string, call: ApiCall, done: (r: ApiAnswer | undefined) => void): void {
    const process = this.processOf(`${node}/${thread}`);
    const query = call.query ?? '';
    const line = `${call.method} /v1/${call.path}${query ? `?${query}` : ''}`;
    this.history.invoke(process, call.f, call.key, line, this.world.now());
    let settled = false;
    let lost: { cancel(): void } | undefined;
    const finish = (r: ApiAnswer | undefined) => {
      if (settled) return;
      settled = true;
      lost?.cancel();
      const type = r === undefined ? 'info' : r.status >= 200 && r.status < 300 ? 'ok' : (r.status >= 400 && r.status < 500) || (r.status === 500 && r.text === 'No cluster leader') ? 'fail' : 'info';
      this.history.complete(process, type, this.world.now(), r === undefined ? null : { status: r.status, ...(r.json !== undefined ? { json: r.json } : {}), ...(r.text !== undefined ? { text: r.text } : {}) });
      if (type === 'info') this.threads.delete(`${node}/${thread}`);
      done(r);
    };
    const client = this.world.app<{ apiClient?: ApiKvClient }>(node)?.apiClient;
    if (!client || !this.world.isUp(node)) return finish(undefined);
    // A crash drops the client's timers with it: the world's own timer closes the call then.
    lost = this.world.after(this.timeoutUs + LOST_MARGIN_US, () => finish(undefined));
    client.request(call.method, call.path, query, call.body ?? '', finish, this.timeoutUs);
  }

  /** Closes what is still open (unknown outcome) at the end of the run. */
  finish(): void {
    this.history.closeAll(this.world.now());
  }

  private processOf(thread: string): number {
    const p = this.threads.get(thread);
    if (p !== undefined && !this.history.isOpen(p)) return p;
    const fresh = this.nextProcess++;
    this.threads.set(thread, fresh);
    return fresh;
  }
}
