/**
 * /v1/kv/:key — Consul's KV endpoint (GET recurse|keys+separator|raw, PUT cas|flags|acquire|
 * release, DELETE recurse|cas), over the replicated store.
 */
import { KV_MAX_VALUE_CHARS } from '../../core/kv/commands.ts';
import type { KvEntry } from '../../core/kv/types.ts';
import { badRequest, HttpError } from '../http/errors.ts';
import { parseU64, toJson } from '../http/json.ts';
import { queryOptions, type Query, type QueryOptions } from '../http/query.ts';
import type { CoordStore, StoreCommandBody, StoreResult } from '../../core/store/index.ts';
import { kvWatchFor } from '../http/kv-watch.ts';
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

/**
 * A KV request split into what it needs from the node and how the answer is built from that,
 * so the same route logic runs behind hanode's HTTP server (awaiting each step) and inside the
 * simulator, whose loop is synchronous (each step a callback): a read needs its mode's
 * barrier and then the store; a write needs one command committed and then its result.
 */
export type KvPlan =
  | { readonly kind: 'read'; readonly opts: QueryOptions; answer(store: CoordStore, index: number): ApiReply }
  | { readonly kind: 'write'; readonly cmd: StoreCommandBody; answer(result: StoreResult): ApiReply };

/** Plans a /v1/kv/ request (`rest` is the key); throws HttpError on bad input, as the handler would. */
export function planKv(req: ApiRequest): KvPlan {
  if (req.method === 'GET') return planGet(req);
  if (req.method === 'PUT') return planPut(req);
  if (req.method === 'DELETE') return planDel(req);
  throw badRequest(`method ${req.method} not allowed`);
}

async function get(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const plan = planGet(req);
  await readMode(ctx, plan.opts);
  // Every KV read answers with the KV table's index; a blocked read is woken by a change to
  // its key (or under its prefix for ?recurse / ?keys), as Consul's per-key watches do.
  const store = ctx.backend.store;
  const index = await kvWatchFor(store).block(req.rest, req.query.has('recurse') || req.query.has('keys'), plan.opts, req.signal);
  return plan.answer(store, index);
}

async function put(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const plan = planPut(req);
  const { result } = await commit(ctx, plan.cmd);
  return plan.answer(result);
}

async function del(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const plan = planDel(req);
  const { result } = await commit(ctx, plan.cmd);
  return plan.answer(result);
}

function planGet(req: ApiRequest): Extract<KvPlan, { kind: 'read' }> {
  const opts = queryOptions(req.query);
  return { kind: 'read', opts, answer: (store, index) => readAnswer(req, store, index) };
}

function readAnswer(req: ApiRequest, store: CoordStore, index: number): ApiReply {
  const key = req.rest;
  const q = req.query;
  if (q.has('keys')) {
    const keys = listKeys(store.kv.range(key), key, q.get('separator') ?? '');
    if (keys.length === 0) return { status: 404, index };
    return { json: keys, index };
  }
  if (q.has('recurse')) {
    const entries = store.kv.range(key).slice(0, MAX_LIST);
    if (entries.length === 0) return { status: 404, index };
    const size = recurseBytes(entries);
    if (size > MAX_RECURSE_BYTES) {
      throw new HttpError(413, `Response too large: ${entries.length} keys under ${JSON.stringify(key)} encode to about ${size} bytes, over the ${MAX_RECURSE_BYTES}-byte limit of one recurse read; read a narrower prefix, or list ?keys and read them one by one`);
    }
    // The entries are a snapshot (a write replaces an entry object, never mutates it), encoded while they are written.
    return { jsonChunks: recurseJson(entries), index };
  }
  const entry = store.kv.get(key);
  if (!entry) return { status: 404, index };
  if (q.has('raw')) return { raw: Buffer.from(entry.value, 'latin1'), contentType: 'application/octet-stream', index };
  return { json: [kvJson(entry)], index };
}

/**
 * Largest recurse answer (ours; Consul has none, but three concurrent reads of 50 MB stalled
 * a leader for seconds): 16 MiB, 32 full-size (512 KiB) values.
 */
export const MAX_RECURSE_BYTES = 16 * 1024 * 1024;

/** The JSON size of a recurse answer, estimated without building it: base64 values plus per-entry fields. */
function recurseBytes(entries: readonly KvEntry[]): number {
  let n = 2;
  for (const e of entries) n += 160 + e.key.length * 2 + Math.ceil(e.value.length / 3) * 4 + (e.session?.length ?? 0);
  return n;
}

function* recurseJson(entries: readonly KvEntry[]): Generator<string> {
  yield '[';
  for (let i = 0; i < entries.length; i++) yield (i > 0 ? ',' : '') + toJson(kvJson(entries[i]!));
  yield ']';
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

function planPut(req: ApiRequest): Extract<KvPlan, { kind: 'write' }> {
  const key = req.rest;
  if (key === '') throw badRequest('Missing key name');
  const q = req.query;
  if (req.body.length > KV_MAX_VALUE_CHARS) {
    throw new HttpError(413, `Request body(${req.body.length} bytes) too large, max size: ${KV_MAX_VALUE_CHARS} bytes`);
  }
  const value = req.body.toString('latin1');
  let flags: string | undefined;
  const f = q.get('flags');
  if (f !== undefined) {
    flags = parseU64(f);
    if (flags === undefined) throw badRequest(`Invalid flags: ${JSON.stringify(f)}`);
  }
  conflictingFlags(q, 'cas', 'acquire', 'release');
  const acquire = q.get('acquire');
  const release = q.get('release');
  if (acquire !== undefined) {
    return {
      kind: 'write',
      cmd: { type: 'kv.acquire', key, value, session: acquire, ...(flags !== undefined ? { flags } : {}) },
      answer: (result) => {
        const r = okResult<typeof result>(result);
        return { json: r.type === 'kv.acquire' && r.acquired };
      },
    };
  }
  if (release !== undefined) {
    return {
      kind: 'write',
      cmd: { type: 'kv.release', key, value, session: release, ...(flags !== undefined ? { flags } : {}) },
      answer: (result) => {
        const r = okResult<typeof result>(result);
        return { json: r.type === 'kv.release' && r.released };
      },
    };
  }
  const cas = q.uint('cas');
  const put = { op: 'put' as const, key, value, ...(flags !== undefined ? { flags } : {}) };
  if (cas !== undefined) {
    // cas=0: only if absent (a missing key compares as ModifyIndex 0, as in Consul).
    return {
      kind: 'write',
      cmd: { type: 'kv', cmd: { type: 'txn', compare: [{ key, target: 'modifyIndex', op: '==', value: cas }], success: [put], failure: [] } },
      answer: (result) => ({ json: kvOutcome(result) }),
    };
  }
  return { kind: 'write', cmd: { type: 'kv', cmd: { type: 'put', key, value, ...(flags !== undefined ? { flags } : {}) } }, answer: written };
}

/** A plain write's answer: true once applied (400 for a malformed command). */
function written(result: StoreResult): ApiReply {
  kvOutcome(result);
  return { json: true };
}

function planDel(req: ApiRequest): Extract<KvPlan, { kind: 'write' }> {
  const key = req.rest;
  const q = req.query;
  conflictingFlags(q, 'recurse', 'cas');
  if (q.has('recurse')) return { kind: 'write', cmd: { type: 'kv', cmd: { type: 'delete-prefix', prefix: key } }, answer: written };
  if (key === '') throw badRequest('Missing key name');
  const cas = q.uint('cas');
  if (cas !== undefined) {
    return {
      kind: 'write',
      cmd: { type: 'kv', cmd: { type: 'txn', compare: [{ key, target: 'modifyIndex', op: '==', value: cas }], success: [{ op: 'delete', key }], failure: [] } },
      answer: (result) => ({ json: kvOutcome(result) }),
    };
  }
  return { kind: 'write', cmd: { type: 'kv', cmd: { type: 'delete', key } }, answer: written };
}

/**
 * Consul refuses flags that do not compose (agent/kvs_endpoint.go conflictingFlags: PUT with two
 * of cas / acquire / release, DELETE with recurse and cas): 400 "Conflicting flags: <query>".
 */
function conflictingFlags(q: Query, ...flags: string[]): void {
  if (flags.filter((f) => q.has(f)).length > 1) throw badRequest(`Conflicting flags: ${q.params.toString()}`);
}

/** Unwraps a KV result: true/false for a txn or cas, 400 for a malformed command. */
function kvOutcome(result: StoreResult): boolean {
  if (result.type !== 'kv' || !('result' in result)) {
    const err = 'error' in result ? result.error : 'unexpected result';
    throw badRequest(err);
  }
  const r = result.result;
  if (r.type === 'error') throw badRequest(r.reason);
  if (r.type === 'txn' || r.type === 'cas') return r.succeeded;
  return true;
}
