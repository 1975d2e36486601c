/**
 * Shape of the coordination services' messages as they arrive from the network
 * (wire-schema.ts): forwarded proposals ('coord'), the client RPC ('coordrpc') and the
 * ZooKeeper-style tree protocol ('zk'). A forwarded or proposed command must also pass the
 * store's own command check, so a malformed one never reaches the log.
 */
import { validateStoreCommand } from '../store/validate.ts';
import { any, arr, bool, int, isPlainObject, lit, nat, nodeId, nullable, num, obj, opt, str, tagged, union, type Check, type Validator } from '../wire-schema.ts';

const storeCommand: Check = (v) => validateStoreCommand(v) === null;

/** ProposeResult (raft/api.ts) as relayed by a leader. */
const proposeOutcome: Check = (v) =>
  isPlainObject(v) &&
  (v.ok === true
    ? nat(v.index) && nat(v.term)
    : v.ok === false && lit('not-leader', 'unknown-outcome', 'rejected')(v.error) && opt(nodeId)(v.leader) && opt(str())(v.reason));

export const validateCoordMessage: Validator = union('coord', {
  'coord.fwd': obj({ id: int, cmd: storeCommand }),
  'coord.fwd.reply': obj({ id: int, outcome: proposeOutcome }),
});

const blocking = { consistent: opt(bool), minIndex: opt(nat), waitUs: opt(num) };
const rpcOp = tagged('kind', {
  propose: obj({ cmd: storeCommand }),
  'session.renew': obj({ id: str() }),
  'lease.keepalive': obj({ id: str() }),
  'lease.ttl': obj({ id: str() }),
  'kv.get': obj({ key: str(), ...blocking }),
  'kv.range': obj({ prefix: str(), ...blocking }),
  health: obj({ service: str(), passingOnly: opt(bool), ...blocking }),
  'session.info': obj({ id: str(), ...blocking }),
  'session.list': obj({ node: opt(str()), ...blocking }),
  'lease.list': obj({ consistent: opt(bool) }),
  'lease.kv': obj({ prefix: str(), ...blocking }),
  'catalog.services': obj(blocking),
  'catalog.nodes': obj(blocking),
  index: obj({ topic: lit('kv', 'leases', 'sessions', 'catalog', 'tree'), ...blocking }),
});
const rpcResult: Check = (v) =>
  isPlainObject(v) &&
  (v.ok === true
    ? nat(v.index) && any(v.value)
    : v.ok === false && lit('not-leader', 'not-found', 'unknown-outcome', 'timeout', 'rejected')(v.error) && opt(nodeId)(v.leader) && opt(str())(v.reason));

export const validateRpcMessage: Validator = union('coordrpc', {
  'rpc.req': obj({ id: int, op: rpcOp }),
  'rpc.res': obj({ id: int, res: rpcResult }),
});

// ---- the tree protocol ----
const path = str(4096);
const zdata = str(1024 * 1024);
const version = int;
const createMode = lit('persistent', 'ephemeral', 'persistent_sequential', 'ephemeral_sequential', 'container');
const watchKind = lit('data', 'exists', 'child', 'persistent', 'persistentRecursive');
const watchKinds = arr(watchKind, 5);
const treeOp = tagged('op', {
  create: obj({ path, data: zdata, mode: createMode }),
  delete: obj({ path, version }),
  setData: obj({ path, data: zdata, version }),
  check: obj({ path, version }),
});
const zkRequest = tagged('op', {
  create: obj({ path, data: zdata, mode: createMode }),
  delete: obj({ path, version }),
  setData: obj({ path, data: zdata, version }),
  getData: obj({ path, watch: bool }),
  exists: obj({ path, watch: bool }),
  getChildren: obj({ path, watch: bool }),
  multi: obj({ ops: arr(treeOp, 10_000) }),
  sync: obj({ path }),
  addWatch: obj({ path, mode: lit('persistent', 'persistentRecursive') }),
  removeWatch: obj({ path, kinds: watchKinds }),
  checkWatch: obj({ path, kinds: watchKinds }),
  setWatches: obj({ relativeZxid: nat, watches: arr(obj({ path, kind: watchKind }), 100_000) }),
});
const stat = obj({ czxid: nat, mzxid: nat, ctime: num, mtime: num, version: int, cversion: int, aversion: int, ephemeralOwner: str(), dataLength: nat, numChildren: nat, pzxid: nat });
const okReply = tagged('op', {
  create: obj({ path, stat }),
  delete: any,
  sync: any,
  addWatch: any,
  removeWatch: any,
  checkWatch: any,
  setWatches: any,
  setData: obj({ stat }),
  getData: obj({ data: zdata, stat }),
  exists: obj({ stat: nullable(stat) }),
  getChildren: obj({ children: arr(str(), 1_000_000), stat }),
  multi: obj({
    result: (v) =>
      isPlainObject(v) && (v.ok === true ? arr(obj({ op: lit('create', 'delete', 'setData', 'check') }), 10_000)(v.results) : v.ok === false && int(v.failedAt) && str()(v.error) && arr(str(), 10_000)(v.errors)),
  }),
});
const zkReply: Check = (v) => isPlainObject(v) && (v.ok === true ? okReply(v) : v.ok === false && str(256)(v.error));
const cid = str(1024);
const session = str(1024);

export const validateZkMessage: Validator = union('zk', {
  'zk.connect': obj({ cid, conn: int, timeoutUs: num, session: opt(session), lastZxid: nat, watches: arr(obj({ path, kind: watchKind }), 100_000) }),
  'zk.req': obj({ cid, conn: int, seq: nat, session, xid: int, req: zkRequest }),
  'zk.ping': obj({ cid, conn: int, seq: nat, session }),
  'zk.close': obj({ cid, conn: int, seq: nat, session, xid: int }),
  'zk.connected': obj({ cid, conn: int, seq: nat, session, timeoutUs: num, zxid: nat }),
  'zk.refused': obj({ cid, conn: int, reason: str(1024) }),
  'zk.expired': obj({ cid, conn: int, session }),
  'zk.res': obj({ cid, conn: int, seq: nat, xid: int, zxid: nat, reply: zkReply }),
  'zk.watch': obj({ cid, conn: int, seq: nat, event: obj({ type: lit('NodeCreated', 'NodeDeleted', 'NodeDataChanged', 'NodeChildrenChanged'), path, zxid: nat }) }),
  'zk.pong': obj({ cid, conn: int, seq: nat, zxid: nat }),
  'zk.touch': obj({ sessions: arr(session, 1_000_000) }),
});
