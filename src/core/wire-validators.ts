/**
 * The validator of each Env service's message union: what a runtime (the simulator's World,
 * net-real's RealHost) runs on every message before the service's handler sees it. A message
 * that fails is dropped and counted, never delivered. Services not listed here (test-only
 * services of the simulator's own tests) carry no schema and are delivered as they are.
 */
import { validateCoordMessage, validateRpcMessage, validateZkMessage } from './coord/validate.ts';
import { validateEchoMessage } from './echo/validate.ts';
import { validateHaMessage } from './ha/validate.ts';
import { KV_SERVICE } from './kvserver/protocol.ts';
import { validateKvMessage } from './kvserver/validate.ts';
import { validateHelloMessage, validateNodeMessage } from './node/validate.ts';
import { validateRaftMessage } from './raft/validate.ts';
import { validateShardMessage } from './shard/validate.ts';
import { validateSwimMessage } from './swim/validate.ts';
import type { Validator } from './wire-schema.ts';

export const SERVICE_VALIDATORS: Readonly<Record<string, Validator>> = {
  raft: validateRaftMessage,
  swim: validateSwimMessage,
  coord: validateCoordMessage,
  coordrpc: validateRpcMessage,
  zk: validateZkMessage,
  [KV_SERVICE]: validateKvMessage,
  ha: validateHaMessage,
  shard: validateShardMessage,
  hello: validateHelloMessage,
  node: validateNodeMessage,
  echo: validateEchoMessage,
};

/** null when `msg` may be delivered to `service`, else why not. */
export function validateWire(service: string, msg: unknown): string | null {
  const v = Object.hasOwn(SERVICE_VALIDATORS, service) ? SERVICE_VALIDATORS[service] : undefined;
  return v === undefined ? null : v(msg);
}
