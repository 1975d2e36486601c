// An AppendEntries envelope built from the entries' cached log records (record-cache.ts) is the
// very bytes msgpack gives for the whole envelope, and decodes back to the message: whatever the
// entries hold, whether their records were cached (appended to a FileStorage) or not.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { decode, encode } from '../../src/net-real/codec.ts';
import { decodeEnvelope, encodeEnvelope } from '../../src/net-real/envelope.ts';
import { framedRecordOf } from '../../src/net-real/record-cache.ts';
import { frameRecord, RECORD_HEADER_BYTES } from '../../src/net-real/record-format.ts';

const WIRE_VERSION = 1;

const dataArb = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.record({ op: fc.constantFrom('kv.put', 'kv.delete'), key: fc.string(), value: fc.string({ maxLength: 400 }), flags: fc.nat() }),
  fc.array(fc.oneof(fc.string(), fc.boolean(), fc.constant(null)), { maxLength: 40 }),
);
const entryArb = fc.oneof(
  fc.record({ index: fc.nat(), term: fc.nat(), kind: fc.constant('noop') }),
  fc.record({ index: fc.nat(), term: fc.nat(), kind: fc.constant('cmd'), data: dataArb, client: fc.string(), seq: fc.nat() }, { requiredKeys: ['index', 'term', 'kind', 'data'] }),
);
const msgArb = fc.record({
  type: fc.constant('raft.append'),
  term: fc.nat(),
  prevIndex: fc.nat(),
  prevTerm: fc.nat(),
  // 0..40 entries, and sometimes more than 15 (array16 header) or 65,535 would be too slow: 16..20
  entries: fc.oneof(fc.array(entryArb, { maxLength: 40 }), fc.array(entryArb, { minLength: 16, maxLength: 20 })),
  commit: fc.nat(),
});

it('is byte-identical to encoding the whole envelope, cached or not, and decodes back', () => {
  fc.assert(
    fc.property(msgArb, fc.option(fc.string(), { nil: undefined }), fc.string(), fc.array(fc.boolean(), { maxLength: 40 }), (msg, to, from, cached) => {
      msg.entries.forEach((e, k) => {
        if (cached[k] === true) framedRecordOf(e);
      });
      const plain = encode(to === undefined ? [WIRE_VERSION, from, 'raft', msg] : [WIRE_VERSION, from, 'raft', msg, to]);
      const built = encodeEnvelope({ from, service: 'raft', msg, ...(to === undefined ? {} : { to }) });
      expect(built.equals(plain)).toBe(true);
      // Decodes as the plain encoding does (msgpack itself keeps no -0: compare with it, not with msg).
      const back = decodeEnvelope(built);
      expect(back).not.toBeNull();
      expect(back).toEqual(decodeEnvelope(plain));
      expect(back!.msg.type).toBe('raft.append');
    }),
    { numRuns: Number(process.env.ENV_RUNS ?? 300) },
  );
});

it('uses the cached record of an entry (the encoding is done once)', () => {
  const e = { index: 7, term: 2, kind: 'cmd', data: 'x' };
  const rec = framedRecordOf(e);
  expect(framedRecordOf(e)).toBe(rec);
  // The cache, not a fresh encoding, goes on the wire: a marked cached record shows in the envelope.
  rec[rec.length - 1] = 'y'.charCodeAt(0);
  const msg = { type: 'raft.append', term: 2, prevIndex: 6, prevTerm: 2, entries: [e], commit: 0 };
  const back = decodeEnvelope(encodeEnvelope({ from: 'a', service: 'raft', msg }));
  expect((back!.msg as unknown as typeof msg).entries[0]!.data).toBe('y');
});

it('a received envelope seeds its entries\' log records with their bytes from the wire, identical to fresh encodings', () => {
  fc.assert(
    fc.property(msgArb, fc.option(fc.string(), { nil: undefined }), (msg, to) => {
      const bytes = encodeEnvelope({ from: 'leader', service: 'raft', msg, ...(to === undefined ? {} : { to }) });
      const back = decodeEnvelope(bytes)!;
      const entries = (back.msg as unknown as typeof msg).entries;
      for (const e of entries) {
        const fresh = frameRecord(encode(e));
        // Seeded from the wire: a change to the decoded object after the decode does not show.
        (e as { term: number }).term += 1;
        const rec = framedRecordOf(e);
        (e as { term: number }).term -= 1;
        expect(rec.equals(fresh)).toBe(true);
      }
    }),
    { numRuns: Number(process.env.ENV_RUNS ?? 300) },
  );
});

it('damaged envelopes that still decode never seed a record that differs from its entry', () => {
  fc.assert(
    fc.property(msgArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (msg, flips, cut) => {
      const good = encodeEnvelope({ from: 'leader', service: 'raft', msg });
      const bad = Buffer.from(good.subarray(0, Math.max(1, good.length - (cut % 4))));
      for (const [at, v] of flips) bad[at % bad.length] = v;
      const back = decodeEnvelope(bad); // never throws
      const entries = (back?.msg as { entries?: unknown } | undefined)?.entries;
      if (!Array.isArray(entries)) return;
      for (const e of entries) {
        if (typeof e !== 'object' || e === null) continue;
        expect(decode(framedRecordOf(e).subarray(RECORD_HEADER_BYTES))).toEqual(decode(encode(e)));
      }
    }),
    { numRuns: Number(process.env.ENV_RUNS ?? 300) },
  );
});

it('a message with a second "entries" key spelled as str8 seeds nothing the decoder does not keep', () => {
  // ["v", from, service, {entries: [A], entries(str8): [B]}]: msgpack decoding keeps the last key's
  // value (B); a scan that took the first fixstr key would frame A's bytes as B's log record.
  const a = { index: 1, term: 1, kind: 'noop' };
  const b = { index: 1, term: 2, kind: 'noop' };
  const str8Entries = Buffer.concat([Buffer.from([0xd9, 7]), Buffer.from('entries', 'latin1')]);
  const body = Buffer.concat([
    Buffer.from([0x94]),
    encode(WIRE_VERSION),
    encode('leader'),
    encode('raft'),
    Buffer.from([0x83]),
    encode('type'),
    encode('raft.append'),
    encode('entries'),
    encode([a]),
    str8Entries,
    encode([b]),
  ]);
  const back = decodeEnvelope(body);
  const entries = (back?.msg as { entries?: unknown[] } | undefined)?.entries;
  expect(entries).toEqual([b]);
  expect(decode(framedRecordOf(entries![0]).subarray(RECORD_HEADER_BYTES))).toEqual(b);
});
