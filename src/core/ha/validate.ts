/**
 * Shape of the failover service's messages (wire-schema.ts): check results, whether they
 * arrive as 'ha.results' datagrams (DirectFanout) or as SWIM broadcasts and push-pull state
 * (SwimTransport, which applies `isCheckResult` to each payload).
 */
import { lit, nat, nodeId, num, obj, opt, str, union, arr, type Check, type Validator } from '../wire-schema.ts';
import { MAX_RESULTS_PER_MESSAGE } from './transport.ts';
import type { CheckResult } from './types.ts';

const checkResult: Check = obj({ target: str(1024), observer: nodeId, status: lit('up', 'down'), boot: nat, seq: nat, checkedAtUs: opt(num) });

export function isCheckResult(x: unknown): x is CheckResult {
  return checkResult(x);
}

export const validateHaMessage: Validator = union('ha', {
  'ha.results': obj({ results: arr(checkResult, MAX_RESULTS_PER_MESSAGE) }),
});
