/**
 * /v1/kv/:key — Consul's KV endpoint (GET recurse|keys+separator|raw, PUT cas|flags|acquire|
 * release, DELETE recurse|cas), over the replicated store.
 */
import { kvFullError } from '../../core/kv/capacity.ts';
import { KV_MAX_VALUE_CHARS } from '../../core/kv/commands.ts';
import type { KvEntry } from '../../core/kv/types.ts';
import { badRequest, HttpError } from '../http/errors.ts';
import { parseU64 } from '../http/json.ts';
import { queryOptions } from '../http/query.ts';
import { blockOn } from '../http/blocking.ts';
import type { ApiReply, ApiRequest, Route } from '../http/types.ts';
import { kvJson } from '../shapes.ts';
import { commit, okResult, readMode, type RouteContext } from './context.ts';

/** Bound on keys one ?keys or ?recurse answer lists (ours; Consul streams without a bound). */
const MAX_LIST = 100_000;

export function kvRoutes(ctx: RouteContext): Route[] {
  return [
    {
      path: '/v1/kv/',
      prefix: true,
      methods: {
        GET: { handler: (r) => get(ctx, r), placement: 'read' },
        PUT: { handler: (r) => put(ctx, r), placement: 'leader', write: true },
        DELETE: { handler: (r) => del(ctx, r), placement: 'leader', write: true },
      },
    },
  ];
}

async function get(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const opts = queryOptions(req.query);
  await readMode(ctx, opts);
  const store = ctx.backend.store;
  const key = req.rest;
  const q = req.query;
  // Consul answers every KV read with the KV table's index and wakes a blocked read on any KV change.
  const index = await blockOn(ctx.hub, 'kv', opts);
  if (q.has('keys')) {
    const keys = listKeys(store.kv.range(key), key, q.get('separator') ?? '');
    if (keys.length === 0) return { status: 404, index };
    return { json: keys, index };
  }
  if (q.has('recurse')) {
    const entries = store.kv.range(key).slice(0, MAX_LIST);
    if (entries.length === 0) return { status: 404, index };
    return { json: entries.map(kvJson), index };
  }
  const entry = store.kv.get(key);
  if (!entry) return { status: 404, index };
  if (q.has('raw')) return { raw: Buffer.from(entry.value, 'latin1'), contentType: 'application/octet-stream', index };
  return { json: [kvJson(entry)], index };
}

/** ?keys with a separator: keys up to and including the first separator after the prefix, deduplicated. */
function listKeys(entries: readonly KvEntry[], prefix: string, sep: string): string[] {
  const out: string[] = [];
  for (const e of entries) {
    let k = e.key;
    if (sep !== '') {
      const i = k.indexOf(sep, prefix.length);
      if (i >= 0) k = k.slice(0, i + sep.length);
    }
    if (out[out.length - 1] !== k) out.push(k);
    if (out.length >= MAX_LIST) break;
  }
  return out;
}

async function put(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const key = req.rest;
  if (key === '') throw badRequest('Missing key name');
  const q = req.query;
  if (req.body.length > KV_MAX_VALUE_CHARS) {
    throw new HttpError(413, `Request body(${req.body.length} bytes) too large, max size: ${KV_MAX_VALUE_CHARS} bytes`);
  }
  // A new key past the bound is refused before it is proposed (the store refuses it on apply too,
  // src/core/kv/capacity.ts: this local view may lag, the replicated rule decides).
  const kv = ctx.backend.store.kv;
  const full = q.get('release') === undefined ? kvFullError(kv.get(key) === undefined ? 1 : 0, kv) : null;
  if (full !== null) throw badRequest(full);
  const value = req.body.toString('latin1');
  let flags: string | undefined;
  const f = q.get('flags');
  if (f !== undefined) {
    flags = parseU64(f);
    if (flags === undefined) throw badRequest(`Invalid flags: ${JSON.stringify(f)}`);
  }
  const acquire = q.get('acquire');
  const release = q.get('release');
  if (acquire !== undefined && release !== undefined) throw badRequest('Conflicting flags: acquire and release');
  if (acquire !== undefined) {
    const { result } = await commit(ctx, { type: 'kv.acquire', key, value, session: acquire, ...(flags !== undefined ? { flags } : {}) });
    const r = okResult<typeof result>(result);
    return { json: r.type === 'kv.acquire' && r.acquired };
  }
  if (release !== undefined) {
    const { result } = await commit(ctx, { type: 'kv.release', key, value, session: release, ...(flags !== undefined ? { flags } : {}) });
    const r = okResult<typeof result>(result);
    return { json: r.type === 'kv.release' && r.released };
  }
  const cas = q.uint('cas');
  const put = { op: 'put' as const, key, value, ...(flags !== undefined ? { flags } : {}) };
  if (cas !== undefined) {
    // cas=0: only if absent (a missing key compares as ModifyIndex 0, as in Consul).
    const { result } = await commit(ctx, {
      type: 'kv',
      cmd: { type: 'txn', compare: [{ key, target: 'modifyIndex', op: '==', value: cas }], success: [put], failure: [] },
    });
    return { json: kvOutcome(result) };
  }
  const { result } = await commit(ctx, { type: 'kv', cmd: { type: 'put', key, value, ...(flags !== undefined ? { flags } : {}) } });
  kvOutcome(result);
  return { json: true };
}

async function del(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const key = req.rest;
  const q = req.query;
  if (q.has('recurse')) {
    const { result } = await commit(ctx, { type: 'kv', cmd: { type: 'delete-prefix', prefix: key } });
    kvOutcome(result);
    return { json: true };
  }
  if (key === '') throw badRequest('Missing key name');
  const cas = q.uint('cas');
  if (cas !== undefined) {
    const { result } = await commit(ctx, {
      type: 'kv',
      cmd: { type: 'txn', compare: [{ key, target: 'modifyIndex', op: '==', value: cas }], success: [{ op: 'delete', key }], failure: [] },
    });
    return { json: kvOutcome(result) };
  }
  const { result } = await commit(ctx, { type: 'kv', cmd: { type: 'delete', key } });
  kvOutcome(result);
  return { json: true };
}

/** Unwraps a KV result: true/false for a txn or cas, 400 for a malformed command. */
function kvOutcome(result: import('../../core/store/index.ts').StoreResult): boolean {
  if (result.type !== 'kv' || !('result' in result)) {
    const err = 'error' in result ? result.error : 'unexpected result';
    throw badRequest(err);
  }
  const r = result.result;
  if (r.type === 'error') throw badRequest(r.reason);
  if (r.type === 'txn' || r.type === 'cas') return r.succeeded;
  return true;
}
