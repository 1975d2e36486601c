/**
 * /v1/txn — Consul's KV transactions: every operation's precondition must hold or nothing
 * changes (409 with the failing OpIndex). Translated into one KV `txn` command: the checks
 * become compares, the writes and reads the success branch.
 */
import { compareHolds, KV_MAX_VALUE_CHARS, type KvCompare, type TxnOp, type TxnOpResult } from '../../core/kv/index.ts';
import { badRequest, HttpError } from '../http/errors.ts';
import type { ApiReply, ApiRequest, Route } from '../http/types.ts';
import { kvJson } from '../shapes.ts';
import { commit, isObject, jsonBody, type RouteContext } from './context.ts';

/** Consul limits a transaction to 64 operations (api docs, /v1/txn: "up to 64 operations"). */
export const TXN_MAX_OPS = 64;

export function txnRoutes(ctx: RouteContext): Route[] {
  return [{ path: '/v1/txn', methods: { PUT: { handler: (r) => txn(ctx, r), placement: 'leader', write: true } } }];
}

interface Planned {
  readonly compares: KvCompare[];
  /** compare i belongs to operation compareOp[i]. */
  readonly compareOp: number[];
  readonly ops: TxnOp[];
  /** success op i belongs to operation opOf[i]. */
  readonly opOf: number[];
}

function plan(body: unknown): Planned {
  if (!Array.isArray(body)) throw badRequest('Failed to parse body: expected a JSON array of operations');
  if (body.length > TXN_MAX_OPS) throw new HttpError(413, `Transaction contains too many operations (${body.length} > ${TXN_MAX_OPS})`);
  const p: Planned = { compares: [], compareOp: [], ops: [], opOf: [] };
  body.forEach((item, i) => {
    const kv = isObject(item) ? item.KV : undefined;
    if (!isObject(kv)) throw badRequest(`Operation ${i}: only KV operations are supported`);
    const verb = kv.Verb;
    const key = kv.Key;
    if (typeof verb !== 'string') throw badRequest(`Operation ${i}: missing Verb`);
    if (typeof key !== 'string') throw badRequest(`Operation ${i}: missing Key`);
    const index = kv.Index === undefined ? 0 : kv.Index;
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) throw badRequest(`Operation ${i}: invalid Index`);
    const value = decodeValue(kv.Value, i);
    const flags = kv.Flags === undefined ? undefined : String(kv.Flags);
    if (flags !== undefined && !/^\d{1,20}$/.test(flags)) throw badRequest(`Operation ${i}: invalid Flags`);
    const cmp = (c: KvCompare) => {
      p.compares.push(c);
      p.compareOp.push(i);
    };
    const op = (o: TxnOp) => {
      p.ops.push(o);
      p.opOf.push(i);
    };
    const put: TxnOp = { op: 'put', key, value, ...(flags !== undefined ? { flags } : {}) };
    switch (verb) {
      case 'set':
        op(put);
        break;
      case 'cas':
        cmp({ key, target: 'modifyIndex', op: '==', value: index });
        op(put);
        break;
      case 'get':
        cmp({ key, target: 'version', op: '>', value: 0 });
        op({ op: 'get', key });
        break;
      case 'get-tree':
        op({ op: 'range', prefix: key });
        break;
      case 'check-index':
        cmp({ key, target: 'modifyIndex', op: '==', value: index });
        op({ op: 'get', key });
        break;
      case 'check-not-exists':
        cmp({ key, target: 'version', op: '==', value: 0 });
        break;
      case 'delete':
        op({ op: 'delete', key });
        break;
      case 'delete-tree':
        op({ op: 'delete-prefix', prefix: key });
        break;
      case 'delete-cas':
        cmp({ key, target: 'modifyIndex', op: '==', value: index });
        op({ op: 'delete', key });
        break;
      default:
        throw badRequest(`Operation ${i}: unsupported KV verb ${JSON.stringify(verb)}`);
    }
  });
  return p;
}

function decodeValue(v: unknown, i: number): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw badRequest(`Operation ${i}: Value must be base64`);
  const bytes = Buffer.from(v, 'base64');
  if (bytes.length > KV_MAX_VALUE_CHARS) throw new HttpError(413, `Operation ${i}: value exceeds ${KV_MAX_VALUE_CHARS} bytes`);
  return bytes.toString('latin1');
}

async function txn(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const p = plan(jsonBody(req.body));
  const { index, result } = await commit(ctx, { type: 'kv', cmd: { type: 'txn', compare: p.compares, success: p.ops, failure: [] } });
  if (result.type !== 'kv' || !('result' in result)) throw badRequest('error' in result ? result.error : 'unexpected result');
  const r = result.result;
  if (r.type === 'error') throw badRequest(r.reason);
  if (r.type !== 'txn') throw new HttpError(500, 'unexpected txn result');
  if (!r.succeeded) {
    // The state right after the apply is the state the compares saw (a failed txn changes nothing).
    const store = ctx.backend.store.kv;
    const errors = p.compares.flatMap((c, i) =>
      compareHolds(store.get(c.key), c) ? [] : [{ OpIndex: p.compareOp[i], What: failureText(c) }],
    );
    return { status: 409, json: { Results: null, Errors: errors.length > 0 ? errors.slice(0, 1) : [{ OpIndex: 0, What: 'transaction failed' }] }, index };
  }
  const results: unknown[] = [];
  r.results.forEach((res: TxnOpResult) => {
    if (res.op === 'get' && res.entry) results.push({ KV: kvJson(res.entry) });
    else if (res.op === 'range') for (const e of res.entries) results.push({ KV: kvJson(e) });
    else if (res.op === 'put') results.push({ KV: { ...kvJson(res.entry), Value: null } });
  });
  return { json: { Results: results, Errors: null }, index };
}

function failureText(c: KvCompare): string {
  if (c.target === 'version' && c.op === '>') return `key "${c.key}" doesn't exist`;
  if (c.target === 'version' && c.op === '==') return `key "${c.key}" exists`;
  return `current modify index for "${c.key}" does not match`;
}
