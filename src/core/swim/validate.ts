/**
 * Shape of every SWIM message as it arrives from a peer (wire-schema.ts): piggybacked
 * updates, push-pull member states and application state included, since the node walks
 * all of them (a `u: null` or a push-pull `app: 1` used to throw inside the core). The forge
 * nemesis found `u` on a nack (stress/forge-nemesis seeds 555 and 912): checked on every type.
 */
import { any, arr, bool, lit, nat, nodeId, obj, opt, record, str, tagged, union, type Check, type Validator } from '../wire-schema.ts';

/** Updates in one packet or members in one push-pull: far above a 1,400-byte packet's worth or any cluster we run. */
const MAX_UPDATES = 10_000;
const MAX_MEMBERS = 100_000;

const meta = record(str(4096), 256);
const update = tagged('t', {
  alive: obj({ node: nodeId, inc: nat, meta }),
  suspect: obj({ node: nodeId, inc: nat, from: nodeId }),
  dead: obj({ node: nodeId, inc: nat, from: nodeId }),
  user: obj({ origin: nodeId, seq: nat, key: str(1024), payload: any }),
});
const updates = arr(update, MAX_UPDATES);
const memberState = obj({ node: nodeId, inc: nat, status: lit('alive', 'suspect', 'dead', 'left'), meta });

/** The node applies a message's piggybacked `u` whatever its type, so every type's schema checks it. */
const piggyback = obj({ u: opt(updates) });
const withU = (shape: Check): Check => (v) => piggyback(v) && shape(v);

export const validateSwimMessage: Validator = union('swim', {
  'swim.ping': withU(obj({ seq: nat, target: nodeId, rel: opt(bool) })),
  'swim.ack': withU(obj({ seq: nat })),
  'swim.ping-req': withU(obj({ seq: nat, target: nodeId, nack: bool })),
  'swim.nack': withU(obj({ seq: nat })),
  'swim.gossip': obj({ u: updates }),
  'swim.push-pull': withU(obj({ join: bool, reply: bool, states: arr(memberState, MAX_MEMBERS), app: opt(record(any, 64)) })),
});
