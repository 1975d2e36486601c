/**
 * Shape of the server assembly's own messages (wire-schema.ts): the hello exchange
 * ('hello'). The 'node' service sends nothing; anything addressed to it is refused.
 */
import { nodeId, obj, record, str, union, type Validator } from '../wire-schema.ts';

const card = record(str(1024), 64);

export const validateHelloMessage: Validator = union('hello', {
  hello: obj({ card }),
  'hello.ack': obj({ to: nodeId, card }),
});

export const validateNodeMessage: Validator = union('node', {});
