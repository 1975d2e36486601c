/**
 * A client of the sharded store: routes a key to its group on the ring, sends the request to
 * the group's primary and retries (bounded) through routing refreshes when the primary moved.
 * A put whose attempts all time out has an unknown outcome: it may have been applied.
 */
import { assert, ms, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import type { GetReq, PutReq, Route, ShardMessage } from './messages.ts';
import type { GroupConfig } from './placement.ts';
import { compareEpoch } from './epoch.ts';
import { HashRing } from './ring.ts';
import { newerRing, type RingState } from './ring-state.ts';

export type PutOutcome = { readonly ok: true; readonly seq: number } | { readonly ok: false; readonly error: string };
export type GetOutcome = { readonly ok: true; readonly value: string | null } | { readonly ok: false; readonly error: string };

export interface ShardClientConfig {
  /** Per attempt. 1 s (our choice): hundreds of same-region RTTs (~1 ms in src/sim/latency.ts), so only a dead or moved primary hits it. */
  readonly attemptTimeoutUs: Micros;
  /**
   * Attempts per operation. 10 x 1 s outlasts a primary failover (dead-after 4 s + promotion),
   * so a client rides through one instead of failing (bench/shard-failover.ts measures ~4.2 s).
   */
  readonly maxAttempts: number;
  /** Operations in flight (our bound). */
  readonly maxInFlight: number;
}

export const DEFAULT_SHARD_CLIENT_CONFIG: ShardClientConfig = { attemptTimeoutUs: ms(1000), maxAttempts: 10, maxInFlight: 256 };

interface Op {
  readonly kind: 'put' | 'get';
  readonly key: string;
  readonly value: string;
  attempts: number;
  req: number;
  timer: Timer | undefined;
  readonly done: (r: { ok: true; seq?: number; value?: string | null } | { ok: false; error: string }) => void;
}

export class ShardClient {
  private readonly cfg: ShardClientConfig;
  private routes = new Map<string, GroupConfig>();
  private ring = new HashRing([]);
  /** The newest ring a master published (null: none yet, so no key is routed). */
  private ringState: RingState | null = null;
  private nextReq = 1;
  private readonly ops = new Map<number, Op>();

  constructor(
    private readonly env: Env,
    private readonly servers: readonly NodeId[],
    config: Partial<ShardClientConfig> = {},
  ) {
    this.cfg = { ...DEFAULT_SHARD_CLIENT_CONFIG, ...config };
    env.onMessage((_from, m) => this.onMessage(m as ShardMessage));
  }

  refreshRoutes(): void {
    for (const s of this.servers) this.env.send(s, { type: 'shard.route.req' }, { reliable: true });
  }

  groupOf(key: string): string | undefined {
    return this.ring.lookup(key);
  }

  put(key: string, value: string, done: (r: PutOutcome) => void): void {
    this.submit({ kind: 'put', key, value, attempts: 0, req: 0, timer: undefined, done: done as Op['done'] });
  }

  get(key: string, done: (r: GetOutcome) => void): void {
    this.submit({ kind: 'get', key, value: '', attempts: 0, req: 0, timer: undefined, done: done as Op['done'] });
  }

  inFlight(): number {
    return this.ops.size;
  }

  private submit(op: Op): void {
    if (this.ops.size >= this.cfg.maxInFlight) return op.done({ ok: false, error: 'too-many-in-flight' });
    this.attempt(op);
  }

  private attempt(op: Op): void {
    if (op.attempts >= this.cfg.maxAttempts) {
      this.ops.delete(op.req);
      return op.done({ ok: false, error: op.kind === 'put' ? 'unknown-outcome' : 'timeout' });
    }
    op.attempts++;
    this.ops.delete(op.req);
    op.req = this.nextReq++;
    this.ops.set(op.req, op);
    assert(this.ops.size <= this.cfg.maxInFlight, 'shard client: in-flight bound');
    op.timer = this.env.after(this.cfg.attemptTimeoutUs, () => {
      this.refreshRoutes();
      this.attempt(op);
    });
    const group = this.ring.lookup(op.key);
    const primary = group ? this.routes.get(group)?.primary : undefined;
    if (!group || !primary) return this.refreshRoutes(); // the timer retries once routes arrive
    const m: PutReq | GetReq = op.kind === 'put'
      ? { type: 'shard.put', req: op.req, group, key: op.key, value: op.value }
      : { type: 'shard.get', req: op.req, group, key: op.key };
    this.env.send(primary, m, { reliable: true });
  }

  private onMessage(m: ShardMessage): void {
    if (m.type === 'shard.route') return this.onRoute(m as Route);
    if (m.type !== 'shard.put.ok' && m.type !== 'shard.get.ok' && m.type !== 'shard.err') return;
    const op = this.ops.get(m.req);
    if (!op) return; // late answer of a superseded attempt
    op.timer?.cancel();
    this.ops.delete(m.req);
    if (m.type === 'shard.put.ok') return op.done({ ok: true, seq: m.seq });
    if (m.type === 'shard.get.ok') return op.done({ ok: true, value: m.value });
    // not-primary / unavailable / busy: refresh and retry after a short pause
    this.ops.set(m.req, op);
    this.refreshRoutes();
    op.timer = this.env.after(ms(100), () => this.attempt(op));
  }

  private onRoute(r: Route): void {
    // Several servers may answer (a deposed master among them): keep the newest of each.
    for (const c of r.configs) {
      const cur = this.routes.get(c.group);
      if (!cur || compareEpoch(c.epoch, cur.epoch) > 0) this.routes.set(c.group, c);
    }
    // Only the master's ring decides ownership: without one, the groups configured so far are
    // not the ring (a group not yet serving would own keys we sent elsewhere). No ring, no routing.
    if (!r.ring || !newerRing(r.ring, this.ringState)) return;
    this.ringState = r.ring;
    const groups = [...r.ring.groups];
    if (groups.join('\u0000') !== this.ring.groups().join('\u0000')) this.ring = new HashRing(groups);
  }
}
