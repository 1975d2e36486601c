/** What every route module gets, and the helpers they share. */
import type { StoreCommandBody, StoreResult } from '../../core/store/index.ts';
import type { Backend } from '../backend.ts';
import { HttpError, noLeader } from '../http/errors.ts';
import type { QueryOptions } from '../http/query.ts';
import type { BlockingHub } from '../../core/coord/blocking.ts';
import type { ScriptPolicy } from '../script-policy.ts';

export interface RouteContext {
  readonly backend: Backend;
  readonly hub: BlockingHub;
  /** Who may register scripts (src/hanode/script-policy.ts); absent: nobody. */
  readonly scripts?: ScriptPolicy;
}

/** Proposes and waits for the applied result; any failure to commit becomes Consul's 500. */
export async function commit(ctx: RouteContext, cmd: StoreCommandBody): Promise<{ index: number; result: StoreResult }> {
  const r = await ctx.backend.propose(cmd);
  if (r.ok) return { index: r.index, result: r.result };
  if (r.error === 'not-leader') throw noLeader();
  throw new HttpError(500, r.reason);
}

/** A refused command (bad argument, unknown session) is the client's fault: 400 with its reason. */
export function okResult<T extends StoreResult>(result: StoreResult): Extract<T, { ok: true }> | never {
  if ('ok' in result && result.ok === false) throw new HttpError(400, result.error);
  return result as Extract<T, { ok: true }>;
}

/**
 * The read guarantee of each mode (docs/consistency.md):
 * - ?consistent: a read barrier with a quorum round (Consul's consistent mode verifies leadership);
 * - default: the leader answers within its lease (Raft dissertation §6.4.1), a quorum round
 *   only when the lease lapsed: linearizable while clocks drift less than maxClockDriftRatio.
 *   Stronger than Consul's default ("leader, no quorum check"), which may answer stale values
 *   from a deposed leader;
 * - ?stale: this agent's state as it is, no leader involved.
 */
export async function readMode(ctx: RouteContext, opts: QueryOptions): Promise<void> {
  if (opts.consistency === 'stale') return;
  const r = await ctx.backend.readBarrier(opts.consistency === 'default' ? { lease: true } : undefined);
  if (!r.ok) throw noLeader();
}

/** Parses a JSON body; 400 with the parser's message otherwise (Consul: "Request decode failed: ..."). */
export function jsonBody(body: Buffer, allowEmpty = false): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') {
    if (allowEmpty) return undefined;
    throw new HttpError(400, 'Request decode failed: empty body');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `Request decode failed: ${(err as Error).message}`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
