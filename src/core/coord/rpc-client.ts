/**
 * CoordRpcClient: calls a CoordRpcServer from any node (a client node in the simulator).
 * Follows not-leader hints and moves to the next server on a timeout, within a bounded
 * number of hops. A write that timed out is reported as unknown-outcome and never retried
 * blindly (it may have been applied): the caller decides, as a Jepsen client would.
 */
import { assert, sec, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import { BLOCKING_DEFAULT_WAIT_US, BLOCKING_JITTER_FRACTION, BLOCKING_MAX_WAIT_US } from './config.ts';
import type { RpcMessage, RpcOp, RpcResult } from './rpc-protocol.ts';

export interface RpcClientOptions {
  /** Per-attempt timeout. 2 s: above a Raft election (hashicorp/raft 1 s) plus a commit round. */
  readonly attemptTimeoutUs?: Micros;
  /** Bound on attempts (redirects + server changes) per call. */
  readonly maxAttempts?: number;
  readonly maxPending?: number;
}

export class CoordRpcClient {
  private readonly pending = new Map<number, { done: (r: RpcResult) => void; timer: Timer }>();
  private nextId = 1;
  private preferred: NodeId;
  private readonly attemptTimeoutUs: Micros;
  private readonly maxAttempts: number;
  private readonly maxPending: number;

  constructor(
    private readonly env: Env,
    private readonly servers: readonly NodeId[],
    opts: RpcClientOptions = {},
  ) {
    assert(servers.length > 0, 'rpc client needs servers');
    this.preferred = servers[env.random.int(servers.length)]!;
    this.attemptTimeoutUs = opts.attemptTimeoutUs ?? sec(2);
    this.maxAttempts = opts.maxAttempts ?? 6;
    this.maxPending = opts.maxPending ?? 256;
    env.onMessage((_from, msg) => {
      const m = msg as RpcMessage;
      if (m.type !== 'rpc.res') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      p.timer.cancel();
      p.done(m.res);
    });
  }

  call(op: RpcOp, done: (r: RpcResult) => void): void {
    this.attempt(op, done, 1, this.preferred);
  }

  private attempt(op: RpcOp, done: (r: RpcResult) => void, n: number, to: NodeId): void {
    if (this.pending.size >= this.maxPending) return done({ ok: false, error: 'rejected', reason: 'too many calls in flight' });
    const id = this.nextId++;
    const next = (r: RpcResult) => {
      if (r.ok || n >= this.maxAttempts) return done(r);
      if (r.error === 'not-leader') {
        // Definitely not applied: safe to retry, at the hint or the next server.
        const hint = r.leader !== undefined && this.servers.includes(r.leader) ? r.leader : this.rotate(to);
        this.preferred = hint;
        const delay = r.leader !== undefined ? 0 : Math.floor(this.attemptTimeoutUs / 4);
        this.env.after(delay, () => this.attempt(op, done, n + 1, hint));
        return;
      }
      if (r.error === 'timeout' && op.kind !== 'propose') {
        this.preferred = this.rotate(to);
        this.attempt(op, done, n + 1, this.preferred);
        return;
      }
      done(r);
    };
    // A blocking read may legitimately take its whole wait (+ jitter, as in blocking.ts).
    const wait = 'minIndex' in op && op.minIndex !== undefined && op.minIndex > 0 ? Math.min(op.waitUs ?? BLOCKING_DEFAULT_WAIT_US, BLOCKING_MAX_WAIT_US) : 0;
    const timeoutUs = this.attemptTimeoutUs + wait + Math.floor(wait / BLOCKING_JITTER_FRACTION);
    const timer = this.env.after(timeoutUs, () => {
      if (!this.pending.delete(id)) return;
      next(op.kind === 'propose' ? { ok: false, error: 'unknown-outcome' } : { ok: false, error: 'timeout' });
    });
    this.pending.set(id, { done: next, timer });
    const req: RpcMessage = { type: 'rpc.req', id, op };
    this.env.send(to, req, { reliable: true });
  }

  private rotate(from: NodeId): NodeId {
    const i = this.servers.indexOf(from);
    return this.servers[(i + 1) % this.servers.length]!;
  }
}
