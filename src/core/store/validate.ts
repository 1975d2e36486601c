/**
 * Shape checks of store commands. A command reaches apply() from the network (clients
 * propose through RPC), so a malformed one must become a refused result on every replica,
 * never an exception (that would stop them all at the same entry). The RPC server runs the
 * same check before proposing, so most bad commands never reach the log.
 */
import { validateCommand } from '../kv/index.ts';
import { isCheckStatus } from '../coord/checks.ts';
import { kvTxnOpsError } from './kv-txn.ts';

const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const MODES = new Set(['persistent', 'ephemeral', 'persistent_sequential', 'ephemeral_sequential', 'container']);

function treeOpError(op: unknown): string | null {
  if (!isObj(op) || !isStr(op.path)) return 'tree op needs a path';
  switch (op.op) {
    case 'create':
      return isStr(op.data) && MODES.has(op.mode as string) ? null : 'create needs data and a mode';
    case 'delete':
    case 'check':
      return Number.isInteger(op.version) ? null : `${op.op} needs an integer version`;
    case 'setData':
      return isStr(op.data) && Number.isInteger(op.version) ? null : 'setData needs data and an integer version';
    default:
      return 'unknown tree op';
  }
}

/** null when the command is well formed, else why not. */
export function validateStoreCommand(cmd: unknown): string | null {
  if (!isObj(cmd) || !isStr(cmd.type)) return 'command must be an object with a type';
  if (cmd.atUs !== undefined && !isNum(cmd.atUs)) return 'atUs must be a number';
  const c = cmd; // narrowed to a record of unknown fields above; each field is checked before use
  switch (c.type) {
    case 'noop':
      return null;
    case 'kv':
      return isObj(c.cmd) ? validateCommand(c.cmd) : 'kv needs a cmd';
    case 'kv.acquire':
      return isStr(c.session) ? validateCommand({ type: 'put', key: c.key, value: c.value, ...(c.flags !== undefined ? { flags: c.flags } : {}) }) : 'acquire needs a session';
    case 'kv.release':
      if (!isStr(c.session) || !isStr(c.key)) return 'release needs a key and a session';
      return c.value === undefined ? null : validateCommand({ type: 'put', key: c.key, value: c.value });
    case 'kv.txn':
      return kvTxnOpsError(c.ops);
    case 'lease.grant':
      return isNum(c.ttlUs) && (c.name === undefined || isStr(c.name)) ? null : 'grant needs ttlUs';
    case 'lease.revoke':
    case 'lease.expire':
    case 'session.destroy':
      return isStr(c.id) ? null : `${c.type} needs an id`;
    case 'session.invalidate':
      return isStr(c.id) && isStr(c.reason) ? null : 'invalidate needs an id and a reason';
    case 'lease.put':
      return isStr(c.lease) ? validateCommand({ type: 'put', key: c.key, value: c.value, ...(c.flags !== undefined ? { flags: c.flags } : {}) }) : 'lease.put needs a lease';
    case 'session.create': {
      const i = c.input as unknown;
      if (!isObj(i) || !isStr(i.node)) return 'session.create needs input.node';
      if (i.ttlUs !== undefined && !isNum(i.ttlUs)) return 'ttlUs must be a number';
      if (i.lockDelayUs !== undefined && !isNum(i.lockDelayUs)) return 'lockDelayUs must be a number';
      if (i.checks !== undefined && !(Array.isArray(i.checks) && i.checks.every(isStr))) return 'checks must be strings';
      return null;
    }
    case 'catalog.register': {
      if (!isStr(c.node)) return 'register needs a node';
      if (c.service !== undefined && (!isObj(c.service) || !isStr(c.service.service))) return 'service needs a name';
      if (c.checks !== undefined && !(Array.isArray(c.checks) && c.checks.every((k) => isObj(k) && isStr(k.checkId) && (k.status === undefined || isCheckStatus(k.status))))) {
        return 'checks need a checkId and a valid status';
      }
      return null;
    }
    case 'catalog.deregister':
      return isStr(c.node) ? null : 'deregister needs a node';
    case 'check.update':
      return isStr(c.node) && isStr(c.checkId) && isCheckStatus(c.status) && isStr(c.output) ? null : 'check.update needs node, checkId, status, output';
    case 'zk.session.create':
      return isNum(c.timeoutUs) ? null : 'zk session needs timeoutUs';
    case 'zk.session.close':
    case 'zk.session.expire':
      return isStr(c.session) ? null : `${c.type} needs a session`;
    case 'zk.op':
      return isStr(c.session) ? treeOpError(c.op) : 'zk.op needs a session';
    case 'zk.multi':
      if (!isStr(c.session) || !Array.isArray(c.ops)) return 'zk.multi needs a session and ops';
      for (const op of c.ops) {
        const e = treeOpError(op);
        if (e) return e;
      }
      return null;
    case 'zk.reap':
      return isStr(c.path) ? null : 'zk.reap needs a path';
    default:
      return `unknown command type ${String((c as { type: unknown }).type)}`;
  }
}
