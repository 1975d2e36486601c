/** Shape of the echo protocol's messages (wire-schema.ts). */
import { nat, num, obj, union, type Validator } from '../wire-schema.ts';

export const validateEchoMessage: Validator = union('echo', {
  'echo.ping': obj({ seq: nat, sentUs: num }),
  'echo.pong': obj({ seq: nat, sentUs: num }),
  'echo.note': obj({ boot: nat, seq: nat }),
});
