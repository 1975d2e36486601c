/**
 * Shape of the client ↔ KV server messages (service 'kv', wire-schema.ts). The request body
 * is checked only down to its kind: the server answers a malformed read or command with
 * 'invalid' (validateRead / validateCommand), which a client can act on.
 */
import { any, int, isPlainObject, lit, nodeId, obj, opt, str, tagged, union, type Check, type Validator } from '../wire-schema.ts';

const body = tagged('kind', { read: obj({ read: (v) => isPlainObject(v) }), write: obj({ cmd: (v) => isPlainObject(v) }) });
const response: Check = (v) =>
  isPlainObject(v) &&
  (v.outcome === 'ok'
    ? isPlainObject(v.result) && any(v.result)
    : lit('fail', 'unknown')(v.outcome) &&
      lit('not-leader', 'read-timeout', 'unknown-outcome', 'rejected', 'invalid', 'overloaded')(v.error) &&
      opt(str())(v.reason) &&
      opt(nodeId)(v.leader));

export const validateKvMessage: Validator = union('kv', {
  'kv.request': obj({ client: str(1024), seq: int, body }),
  'kv.response': (v) => obj({ client: str(1024), seq: int })(v) && response(v),
});
