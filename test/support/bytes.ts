/**
 * Damaging bytes on purpose in storage and transport tests. An index outside the buffer is a
 * test bug (a write past the end of a Uint8Array is silently dropped, so the "damage" would
 * be none), hence the range check instead of a non-null assertion.
 */
export function flipByte(buf: Uint8Array, at: number): void {
  const b = buf[at];
  if (b === undefined) throw new RangeError(`flipByte: index ${at} outside a ${buf.length}-byte buffer`);
  buf[at] = b ^ 0xff;
}
