/**
 * ZooKeeper's client requests by op code (ZooDefs.OpCode) and their jute records
 * (zookeeper.jute): decoding a request body into what the tree core serves, and encoding the
 * core's reply as the op's response record. Ops the tree does not model answer
 * Unimplemented, as a ZooKeeper server does for an op it does not support.
 */
import type { MultiResult, TreeOp, WatchKind, WatchRegistration, ZkReply, ZkRequest } from '../../core/coord/tree/index.ts';
import { createModeFromFlags, dataToTree, dataToWire, errorCode, WIRE_ERRORS, writeStat } from './convert.ts';
import { JuteError, type JuteReader, type JuteWriter } from './jute.ts';

export const OP = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;

/** Reserved xids (ClientCnxn): watch notifications, pings, auth, SetWatches. */
export const XID_NOTIFICATION = -1;
export const XID_PING = -2;
export const XID_AUTH = -4;

/** What one request asks of the gateway. */
export type Decoded =
  | { readonly kind: 'ping' }
  | { readonly kind: 'auth'; readonly scheme: string; readonly auth: Buffer }
  | { readonly kind: 'close' }
  /** Served by the tree core; `ctx` carries what the response record needs besides the reply. */
  | { readonly kind: 'core'; readonly req: ZkRequest; readonly ctx: ReplyContext }
  /** multiRead (3.6): independent reads, answered together in order (no all-or-nothing). */
  | { readonly kind: 'multiRead'; readonly reads: readonly ({ readonly op: number; readonly req: ZkRequest } | { readonly op: number; readonly err: number })[] }
  /** Answered by the gateway itself with this error code. */
  | { readonly kind: 'error'; readonly err: number };

export interface ReplyContext {
  readonly op: number;
  /** multi(): the op code of each sub-op (create and create2 answer differently). */
  readonly subOps?: readonly number[];
  /** sync: the path echoed back. */
  readonly path?: string;
  /** setACL: the expected ACL version. */
  readonly version?: number;
}

const REMOVE_KINDS: Record<number, readonly WatchKind[]> = {
  1: ['child'],
  2: ['data', 'exists'],
  3: ['data', 'exists', 'child', 'persistent', 'persistentRecursive'],
  4: ['persistent'],
  5: ['persistentRecursive'],
};

/** Bound on ops in one multi() frame, before the tree core applies its own (MAX_MULTI_OPS). */
const MAX_MULTI_FRAME_OPS = 10_000;
/** An ACL entry is at least perms (4) + two empty strings (4 + 4). */
const MIN_ACL_BYTES = 12;

function readAcls(r: JuteReader): number {
  const acls = r.vector(() => {
    r.int();
    r.ustring();
    r.ustring();
    return 1;
  }, MIN_ACL_BYTES);
  return acls?.length ?? 0;
}

/** A create's body (CreateRequest), as a TreeOp, or the error code to answer with. */
function readCreate(r: JuteReader, op: number): { op: TreeOp } | { err: number } {
  const path = r.path();
  const data = r.buffer();
  const nAcl = readAcls(r);
  const flags = r.int();
  const mode = createModeFromFlags(flags);
  if (mode === undefined) return { err: WIRE_ERRORS.BadArguments };
  if (mode === 'ttl') return { err: WIRE_ERRORS.Unimplemented };
  if (nAcl === 0) return { err: WIRE_ERRORS.InvalidACL };
  // createContainer makes a container whatever the (valid) flags say, as ZooKeeper 3.8 does.
  return { op: { op: 'create', path, data: dataToTree(data), mode: op === OP.createContainer ? 'container' : mode } };
}

function readMulti(r: JuteReader): Decoded {
  const ops: TreeOp[] = [];
  const subOps: number[] = [];
  let err: number | undefined;
  for (;;) {
    const type = r.int();
    const done = r.bool();
    r.int(); // err, unused in requests
    if (done) break;
    if (ops.length >= MAX_MULTI_FRAME_OPS) throw new JuteError('multi: too many ops');
    let op: TreeOp;
    switch (type) {
      case OP.create:
      case OP.create2:
      case OP.createContainer: {
        const c = readCreate(r, type);
        if ('err' in c) {
          err ??= c.err;
          continue;
        }
        op = c.op;
        break;
      }
      case OP.delete:
        op = { op: 'delete', path: r.path(), version: r.int() };
        break;
      case OP.setData: {
        const path = r.path();
        const data = dataToTree(r.buffer());
        op = { op: 'setData', path, data, version: r.int() };
        break;
      }
      case OP.check:
        op = { op: 'check', path: r.path(), version: r.int() };
        break;
      default:
        // An op we cannot even parse: the rest of the frame is unreadable.
        throw new JuteError(`multi: op ${type} not allowed`);
    }
    ops.push(op);
    subOps.push(type);
  }
  if (err !== undefined) return { kind: 'error', err };
  return { kind: 'core', req: { op: 'multi', ops }, ctx: { op: OP.multi, subOps } };
}

function readMultiRead(r: JuteReader): Decoded {
  const reads: ({ op: number; req: ZkRequest } | { op: number; err: number })[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    r.int();
    if (done) break;
    if (reads.length >= MAX_MULTI_FRAME_OPS) throw new JuteError('multiRead: too many ops');
    // GetDataRequest / GetChildrenRequest: path, watch (a multiRead sets no watches).
    if (type !== OP.getData && type !== OP.getChildren) throw new JuteError(`multiRead: op ${type} not allowed`);
    const path = r.path();
    r.bool();
    reads.push({ op: type, req: type === OP.getData ? { op: 'getData', path, watch: false } : { op: 'getChildren', path, watch: false } });
  }
  return { kind: 'multiRead', reads };
}

/** One multiRead result: MultiHeader, then GetDataResponse / GetChildrenResponse, or ErrorResponse. */
export function encodeReadResult(w: JuteWriter, op: number, reply: ZkReply): void {
  if (!reply.ok) {
    const code = errorCode(reply.error);
    w.int(OP.error).bool(false).int(code).int(code);
    return;
  }
  w.int(op).bool(false).int(0);
  if (reply.op === 'getData') writeStat(w.buffer(dataToWire(reply.data)), reply.stat);
  else if (reply.op === 'getChildren') w.strings(reply.children);
}

function readSetWatches(r: JuteReader, v2: boolean): ZkRequest {
  const relativeZxid = Number(r.long());
  const watches: WatchRegistration[] = [];
  for (const path of r.strings()) watches.push({ path, kind: 'data' });
  for (const path of r.strings()) watches.push({ path, kind: 'exists' });
  for (const path of r.strings()) watches.push({ path, kind: 'child' });
  if (v2) {
    for (const path of r.strings()) watches.push({ path, kind: 'persistent' });
    for (const path of r.strings()) watches.push({ path, kind: 'persistentRecursive' });
  }
  return { op: 'setWatches', relativeZxid, watches };
}

/** Decodes the body of a request with op code `type`. Throws JuteError on a malformed body. */
export function decodeRequest(type: number, r: JuteReader): Decoded {
  switch (type) {
    case OP.ping:
      return { kind: 'ping' };
    case OP.auth: {
      r.int();
      const scheme = r.ustring() ?? '';
      return { kind: 'auth', scheme, auth: r.buffer() ?? Buffer.alloc(0) };
    }
    case OP.closeSession:
      return { kind: 'close' };
    case OP.create:
    case OP.create2:
    case OP.createContainer: {
      const c = readCreate(r, type);
      if ('err' in c) return { kind: 'error', err: c.err };
      const op = c.op as Extract<TreeOp, { op: 'create' }>;
      return { kind: 'core', req: { op: 'create', path: op.path, data: op.data, mode: op.mode }, ctx: { op: type } };
    }
    case OP.delete:
      return { kind: 'core', req: { op: 'delete', path: r.path(), version: r.int() }, ctx: { op: type } };
    case OP.setData: {
      const path = r.path();
      const data = dataToTree(r.buffer());
      return { kind: 'core', req: { op: 'setData', path, data, version: r.int() }, ctx: { op: type } };
    }
    case OP.getData:
      return { kind: 'core', req: { op: 'getData', path: r.path(), watch: r.bool() }, ctx: { op: type } };
    case OP.exists:
      return { kind: 'core', req: { op: 'exists', path: r.path(), watch: r.bool() }, ctx: { op: type } };
    case OP.getChildren:
    case OP.getChildren2:
      return { kind: 'core', req: { op: 'getChildren', path: r.path(), watch: r.bool() }, ctx: { op: type } };
    case OP.getACL:
      return { kind: 'core', req: { op: 'exists', path: r.path(), watch: false }, ctx: { op: type } };
    case OP.setACL: {
      // Accepted and ignored (ACLs are not modelled): the node's stat, aversion stays 0.
      const path = r.path();
      readAcls(r);
      return { kind: 'core', req: { op: 'exists', path, watch: false }, ctx: { op: type, version: r.int() } };
    }
    case OP.sync: {
      const path = r.path();
      return { kind: 'core', req: { op: 'sync', path }, ctx: { op: type, path } };
    }
    case OP.multi:
      return readMulti(r);
    case OP.multiRead:
      return readMultiRead(r);
    case OP.setWatches:
    case OP.setWatches2:
      return { kind: 'core', req: readSetWatches(r, type === OP.setWatches2), ctx: { op: type } };
    case OP.addWatch: {
      const path = r.path();
      const mode = r.int();
      // AddWatchMode: 0 PERSISTENT, 1 PERSISTENT_RECURSIVE.
      if (mode !== 0 && mode !== 1) return { kind: 'error', err: WIRE_ERRORS.BadArguments };
      return { kind: 'core', req: { op: 'addWatch', path, mode: mode === 0 ? 'persistent' : 'persistentRecursive' }, ctx: { op: type } };
    }
    case OP.checkWatches:
    case OP.removeWatches: {
      const path = r.path();
      // WatcherType: 1 Children, 2 Data (data and exists watches), 3 Any, 4 Persistent, 5 PersistentRecursive.
      const kinds = REMOVE_KINDS[r.int()];
      if (!kinds) return { kind: 'error', err: WIRE_ERRORS.BadArguments };
      return { kind: 'core', req: { op: type === OP.checkWatches ? 'checkWatch' : 'removeWatch', path, kinds }, ctx: { op: type } };
    }
    default:
      // reconfig, TTL nodes, multiRead, sasl, ...: not modelled.
      return { kind: 'error', err: WIRE_ERRORS.Unimplemented };
  }
}

/** OPEN_ACL_UNSAFE: world:anyone with every permission (ACLs are not modelled). */
function writeOpenAcl(w: JuteWriter): void {
  w.int(1).int(31).ustring('world').ustring('anyone');
}

function writeMulti(w: JuteWriter, result: MultiResult, subOps: readonly number[]): void {
  if (result.ok) {
    result.results.forEach((res, i) => {
      const op = subOps[i] ?? OP.error;
      w.int(op).bool(false).int(0);
      if (res.op === 'create') {
        w.ustring(res.path);
        if (op === OP.create2 || op === OP.createContainer) writeStat(w, res.stat);
      } else if (res.op === 'setData') writeStat(w, res.stat);
    });
  } else {
    for (const e of result.errors) {
      const code = errorCode(e);
      w.int(OP.error).bool(false).int(code).int(code);
    }
  }
  w.int(-1).bool(true).int(-1);
}

/**
 * The reply's error code (for the ReplyHeader) and body writer. A body is written only when
 * the code is 0, as ZooKeeper does.
 */
export function encodeReply(reply: ZkReply, ctx: ReplyContext): { err: number; body?: (w: JuteWriter) => void } {
  if (!reply.ok) return { err: errorCode(reply.error) };
  if (ctx.op === OP.closeSession) return { err: 0 };
  switch (reply.op) {
    case 'create':
      return {
        err: 0,
        body: (w) => {
          w.ustring(reply.path);
          if (ctx.op !== OP.create) writeStat(w, reply.stat);
        },
      };
    case 'setData':
      return { err: 0, body: (w) => writeStat(w, reply.stat) };
    case 'getData':
      return { err: 0, body: (w) => writeStat(w.buffer(dataToWire(reply.data)), reply.stat) };
    case 'exists': {
      const st = reply.stat;
      if (!st) return { err: WIRE_ERRORS.NoNode };
      if (ctx.op === OP.getACL) return { err: 0, body: (w) => { writeOpenAcl(w); writeStat(w, st); } };
      if (ctx.op === OP.setACL && ctx.version !== undefined && ctx.version !== -1 && ctx.version !== st.aversion) return { err: WIRE_ERRORS.BadVersion };
      return { err: 0, body: (w) => writeStat(w, st) };
    }
    case 'getChildren':
      return {
        err: 0,
        body: (w) => {
          w.strings(reply.children);
          if (ctx.op === OP.getChildren2) writeStat(w, reply.stat);
        },
      };
    case 'sync':
      return { err: 0, body: (w) => w.ustring(ctx.path ?? '/') };
    case 'multi':
      return { err: 0, body: (w) => writeMulti(w, reply.result, ctx.subOps ?? []) };
    case 'addWatch':
      // The Java client reads an ErrorResponse body for addWatch.
      return { err: 0, body: (w) => w.int(0) };
    default:
      return { err: 0 };
  }
}
