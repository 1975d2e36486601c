/**
 * /v1/txn — Consul's KV transactions: one `kv.txn` store command (one Raft entry) whose
 * operations run in order and are kept only if none failed; every failing op is reported as
 * {OpIndex, What} with 409 (Consul's agent/txn_endpoint.go and state/txn.go). lock / unlock
 * are the store's acquire / release; check-session, check-index, check-not-exists, cas,
 * delete-cas, get, get-tree, set, delete, delete-tree as in Consul (see core/store/kv-txn.ts).
 */
import { KV_MAX_TXN_OPS, KV_MAX_VALUE_CHARS } from '../../core/kv/index.ts';
import { kvTxnOpsError, type KvTxnOp } from '../../core/store/index.ts';
import { badRequest, HttpError } from '../http/errors.ts';
import type { ApiReply, ApiRequest, Route } from '../http/types.ts';
import { kvJson } from '../shapes.ts';
import { commit, isObject, jsonBody, okResult, type RouteContext } from './context.ts';

export function txnRoutes(ctx: RouteContext): Route[] {
  return [{ path: '/v1/txn', methods: { PUT: { handler: (r) => txn(ctx, r), placement: 'leader', write: true } } }];
}

/** Consul's api.TxnOps JSON → store ops. Absent fields are Consul's zero values (Key "" fails at apply: "Must provide key"). */
function parseOps(body: unknown): KvTxnOp[] {
  if (!Array.isArray(body)) throw badRequest('Failed to parse body: expected a JSON array of operations');
  if (body.length > KV_MAX_TXN_OPS) throw new HttpError(413, `Transaction contains too many operations (${body.length} > ${KV_MAX_TXN_OPS})`);
  return body.map((item, i): KvTxnOp => {
    const kv = isObject(item) ? item.KV : undefined;
    if (!isObject(kv)) throw badRequest(`Operation ${i}: only KV operations are supported`);
    const verb = kv.Verb ?? '';
    const key = kv.Key ?? '';
    if (typeof verb !== 'string') throw badRequest(`Failed to parse body: operation ${i}: Verb must be a string`);
    if (typeof key !== 'string') throw badRequest(`Failed to parse body: operation ${i}: Key must be a string`);
    const index = kv.Index ?? 0;
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) throw badRequest(`Failed to parse body: operation ${i}: invalid Index`);
    const session = kv.Session ?? '';
    if (typeof session !== 'string') throw badRequest(`Failed to parse body: operation ${i}: Session must be a string`);
    const value = decodeValue(kv.Value, key, i);
    const flags = kv.Flags === undefined || kv.Flags === null ? undefined : String(kv.Flags);
    if (flags !== undefined && !/^\d{1,20}$/.test(flags)) throw badRequest(`Failed to parse body: operation ${i}: invalid Flags`);
    return {
      verb,
      key,
      ...(value !== '' ? { value } : {}),
      ...(flags !== undefined ? { flags } : {}),
      ...(index !== 0 ? { index } : {}),
      ...(session !== '' ? { session } : {}),
    };
  });
}

function decodeValue(v: unknown, key: string, i: number): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw badRequest(`Failed to parse body: operation ${i}: Value must be base64`);
  const bytes = Buffer.from(v, 'base64');
  if (bytes.length > KV_MAX_VALUE_CHARS) throw new HttpError(413, `Value for key ${JSON.stringify(key)} is too large (${bytes.length} > ${KV_MAX_VALUE_CHARS} bytes)`);
  return bytes.toString('latin1');
}

async function txn(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const ops = parseOps(jsonBody(req.body));
  const bad = kvTxnOpsError(ops);
  if (bad !== null) throw badRequest(bad);
  const { index, result } = await commit(ctx, { type: 'kv.txn', ops });
  const r = okResult(result);
  if (r.type !== 'kv.txn') throw new HttpError(500, 'unexpected txn result');
  if (r.errors !== null) {
    return { status: 409, json: { Results: null, Errors: r.errors.map((e) => ({ OpIndex: e.opIndex, What: e.what })) }, index };
  }
  // Consul returns the value only for get and get-tree; other entries come back with Value null.
  const results = (r.results ?? []).map((x) => ({ KV: x.withValue ? kvJson(x.entry) : { ...kvJson(x.entry), Value: null } }));
  return { json: { Results: results, Errors: null }, index };
}
