/**
 * The scenario's KV workload against real agents, through the Consul HTTP API, recorded in the
 * history format of src/sim/history.ts (docs/formats.md), times in µs since the run started.
 * Ops map onto the API as the simulator's API client does (src/scenario/modules/kv-api.ts):
 * read → GET ?consistent, write → PUT, delete → DELETE, cas [expected, new] → PUT ?cas=<the
 * ModifyIndex this client last read with `expected`> (values are unique, so that index names
 * the entry holding it; null → ?cas=0); a cas whose index this client never read fails unsent.
 * Outcomes: 200 → ok; 4xx or 500 "No cluster leader" or a refused connection → fail (nothing
 * was applied); no answer in time or another 5xx → info (it may have committed; the process
 * retires and the client goes on under a new process number, as in Jepsen).
 */
import type { Random } from '../core/env.ts';
import { HistoryRecorder } from '../sim/history.ts';
import { DEFAULT_MIX, KV_OPS, type KvOpName } from '../sim/workload/index.ts';
import type { KvModuleConfig } from '../scenario/modules/kv.ts';
import { keyChooser } from '../sim/workload/key-dist.ts';
import { sleep } from '../hanode/launcher.ts';
import { httpCall, type Answer } from './http-call.ts';
import type { ClientNodes } from './client-nodes.ts';

export interface RealKvOptions {
  readonly cfg: KvModuleConfig;
  /**
   * HTTP addresses (host:port) of the servers clients talk to, in the scenario's order (its
   * `servers:` or the Raft voters), as the simulator's API clients get them: client i calls
   * servers[i mod n] first (its local agent) and moves to the next one only when a call gets no
   * answer (src/scenario/modules/kv.ts, kv-api.ts ApiKvClient).
   */
  readonly servers: readonly string[];
  readonly random: Random;
  readonly t0: number;
  /** The client nodes: each thread sends from its node's address and only while it is up. */
  readonly clients?: ClientNodes;
  /** TEST ONLY, the broken variant: reads with ?stale (any server's local state), judged as linearizable. */
  readonly staleReads?: boolean;
}

export interface RealKvStats {
  invoked: number;
  ok: number;
  fail: number;
  info: number;
  /** Ops the system answered (ok, or a cas refused by a mismatch), as the simulator counts availability. */
  answered: number;
}

export class RealKvWorkload {
  readonly history = new HistoryRecorder();
  readonly stats: RealKvStats = { invoked: 0, ok: 0, fail: 0, info: 0, answered: 0 };
  private stopping = false;
  private lastTime = 0;
  private nextProcess: number;
  private nextValue = 1;
  private readonly ops: (readonly [KvOpName, number])[];
  private readonly total: number;
  private readonly threads: Promise<void>[] = [];

  constructor(private readonly o: RealKvOptions) {
    const mix = { ...DEFAULT_MIX, ...o.cfg.mix };
    this.ops = KV_OPS.filter((f) => (mix[f] ?? 0) > 0).map((f) => [f, mix[f]] as const);
    this.total = this.ops.reduce((s, [, w]) => s + w, 0);
    this.nextProcess = Math.max(1, o.cfg.clients.length);
  }

  start(): void {
    const n = Math.max(1, this.o.cfg.clients.length);
    for (let i = 0; i < n; i++) this.threads.push(this.thread(i));
  }

  /** Stops issuing, waits for open requests (each bounded by the timeout), closes leftovers as info. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.threads);
    this.history.closeAll(this.now());
  }

  private now(): number {
    this.lastTime = Math.max(this.lastTime, Math.round((performance.now() - this.o.t0) * 1000));
    return this.lastTime;
  }

  private async thread(index: number): Promise<void> {
    let process = index;
    let server = index % this.o.servers.length;
    const lastSeen = new Map<string, string | null>();
    const indexOf = new Map<string, Map<string, number>>();
    // The scenario's rate is per client; think times are exponential, as the simulator draws them
    // (src/sim/workload/kv-workload.ts thinkTime).
    const meanGapMs = 1000 / this.o.cfg.ratePerSec;
    const readFlag = this.o.staleReads ? 'stale' : this.o.cfg.reads === 'default' ? '' : this.o.cfg.reads;
    // The scenario's key distribution, as the simulated workload draws it (src/sim/workload/key-dist.ts).
    const nextKey = keyChooser(this.o.cfg.keys, { kind: this.o.cfg.distribution }, this.o.random);
    for (let i = 0; i < 1_000_000 && !this.stopping; i++) {
      await sleep(-Math.log(1 - this.o.random.next()) * meanGapMs);
      if (this.stopping) break;
      const me = this.o.cfg.clients[index];
      if (me !== undefined && this.o.clients && !this.o.clients.isUp(me)) continue; // crashed or paused: sends nothing
      const from = me === undefined ? undefined : this.o.clients?.addr(me);
      const key = `k${nextKey()}`;
      const f = this.pickOp();
      const base = `http://${this.o.servers[server]}/v1/kv/${key}`;
      this.stats.invoked++;
      let type: 'ok' | 'fail' | 'info';
      let value: unknown;
      if (f === 'read') {
        this.history.invoke(process, 'read', key, null, this.now());
        const a = await this.call('GET', readFlag === '' ? base : `${base}?${readFlag}`, from);
        if (!answered(a)) server = this.next(server);
        if (typeof a !== 'string' && a.status === 404) [type, value] = ['ok', null];
        else if (typeof a !== 'string' && a.status === 200) {
          const e = parseEntry(a.text);
          if (e === undefined) type = 'fail';
          else {
            remember(indexOf, key, e.value, e.index);
            [type, value] = ['ok', e.value];
          }
        } else type = 'fail'; // a read that failed changed nothing
        if (type === 'ok') lastSeen.set(key, value as string | null);
      } else if (f === 'write' || f === 'cas') {
        const v = `v${this.nextValue++}`;
        const expected = lastSeen.get(key) ?? null;
        this.history.invoke(process, f, key, f === 'write' ? v : [expected, v], this.now());
        const idx = f === 'write' ? undefined : expected === null ? 0 : indexOf.get(key)?.get(expected);
        if (f === 'cas' && idx === undefined) type = 'fail';
        else {
          const a = await this.call('PUT', idx === undefined ? base : `${base}?cas=${idx}`, from, v);
          if (!answered(a)) server = this.next(server);
          const mismatch = f === 'cas' && typeof a !== 'string' && a.status === 200 && a.text.trim() === 'false';
          type = mismatch ? 'fail' : writeOutcome(a);
          if (mismatch) this.stats.answered++;
        }
        if (type === 'ok') lastSeen.set(key, v);
      } else {
        this.history.invoke(process, 'delete', key, null, this.now());
        const a = await this.call('DELETE', base, from);
        if (!answered(a)) server = this.next(server);
        type = writeOutcome(a);
        if (type === 'ok') lastSeen.set(key, null);
      }
      this.history.complete(process, type, this.now(), value);
      this.stats[type]++;
      if (type === 'ok') this.stats.answered++;
      if (type === 'info') process = this.nextProcess++;
    }
  }

  /**
   * After the faults, on a healed cluster: reads every key the workload touched with
   * `?consistent`, as one more client (a fresh process number), recorded in the history so the
   * linearizability checker judges these reads too. A read that fails is retried on the next
   * server (each try bounded by the timeout, all of them by `limitMs`); a key still unread at
   * the limit maps to undefined. Returns key → value (null: absent).
   */
  async readBack(limitMs: number): Promise<Map<string, string | null | undefined>> {
    const keys = [...new Set(this.history.events().map((e) => e.key))].sort();
    const out = new Map<string, string | null | undefined>();
    const process = this.nextProcess++;
    const end = performance.now() + limitMs;
    let server = 0;
    for (const key of keys) {
      out.set(key, undefined);
      for (let attempt = 0; attempt < 1000 && performance.now() < end; attempt++) {
        this.history.invoke(process, 'read', key, null, this.now());
        const a = await this.call('GET', `http://${this.o.servers[server % this.o.servers.length]}/v1/kv/${key}?consistent`, undefined);
        const e = typeof a !== 'string' && a.status === 200 ? parseEntry(a.text) : undefined;
        const value = typeof a !== 'string' && a.status === 404 ? null : e?.value;
        this.history.complete(process, value === undefined ? 'fail' : 'ok', this.now(), value);
        if (value !== undefined) {
          out.set(key, value);
          break;
        }
        server++;
        await sleep(200);
      }
    }
    return out;
  }

  /** The server after `server` for a client whose call got no answer; a sticky client stays. */
  private next(server: number): number {
    return this.o.cfg.sticky ? server : (server + 1) % this.o.servers.length;
  }

  private pickOp(): KvOpName {
    let r = this.o.random.next() * this.total;
    for (const [f, w] of this.ops) {
      if (r < w) return f;
      r -= w;
    }
    return this.ops[this.ops.length - 1]![0];
  }

  private call(method: string, url: string, from: string | undefined, body?: string): Promise<Answer> {
    return httpCall(method, url, { timeoutMs: this.o.cfg.timeoutUs / 1000, ...(from !== undefined ? { from } : {}), ...(body !== undefined ? { body } : {}) });
  }
}

/** The server answered (any status): a timeout or a refused connection moves a client on. */
function answered(a: Answer): boolean {
  return typeof a !== 'string';
}

function writeOutcome(a: Answer): 'ok' | 'fail' | 'info' {
  if (a === 'refused') return 'fail';
  if (a === 'timeout') return 'info';
  if (a.status === 200) return a.text.trim() === 'false' ? 'fail' : 'ok';
  if ((a.status === 500 && a.text.trim() === 'No cluster leader') || (a.status >= 400 && a.status < 500)) return 'fail';
  return 'info';
}

function remember(indexOf: Map<string, Map<string, number>>, key: string, value: string, index: number): void {
  if (!Number.isInteger(index) || index <= 0) return;
  let m = indexOf.get(key);
  if (m === undefined) indexOf.set(key, (m = new Map()));
  m.set(value, index);
  if (m.size > 64) m.delete(m.keys().next().value!);
}

/** The first entry of a GET /v1/kv answer (untrusted input: undefined when it is not one). */
function parseEntry(text: string): { value: string; index: number } | undefined {
  try {
    const list = JSON.parse(text) as unknown;
    const e = Array.isArray(list) ? (list[0] as { Value?: unknown; ModifyIndex?: unknown } | undefined) : undefined;
    if (e === undefined || e === null || typeof e !== 'object') return undefined;
    const value = typeof e.Value === 'string' ? Buffer.from(e.Value, 'base64').toString('utf8') : '';
    return { value, index: Number(e.ModifyIndex) };
  } catch {
    return undefined;
  }
}
