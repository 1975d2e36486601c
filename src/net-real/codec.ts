/**
 * The one msgpack codec of the real runtime (wire envelopes, log records, state values).
 * Records extension off: every packet and record stands alone, decodable by any msgpack
 * reader and without shared structure state that a lost packet or a restart would break.
 */
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, moreTypes: false });

export function encode(value: unknown): Buffer {
  return packr.pack(value);
}

export function decode(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
