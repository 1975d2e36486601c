/**
 * Length-prefixed frames on a byte stream: [u32 BE length][payload]. The reader refuses a
 * frame above the limit before buffering it, so a bad or hostile peer cannot make us
 * allocate without bound.
 */

export const FRAME_HEADER_BYTES = 4;

export class FrameTooLargeError extends Error {
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`frame of ${length} bytes exceeds the ${limit}-byte limit`);
    this.name = 'FrameTooLargeError';
  }
}

export function buildFrame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private maxFrameBytes: number) {}

  /** Raises (or lowers) the frame limit from the next frame on: a connection that authenticated gets the full limit. */
  setLimit(maxFrameBytes: number): void {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held waiting for the rest of a frame. */
  bufferedBytes(): number {
    return this.buffered;
  }

  /** Feeds bytes from the stream; returns the frames completed by them (in order). */
  push(chunk: Buffer): Buffer[] {
    this.feed(chunk);
    const frames: Buffer[] = [];
    // Each frame consumes >= FRAME_HEADER_BYTES bytes, so this is bounded by the input.
    for (let f = this.next(); f !== null; f = this.next()) frames.push(f);
    return frames;
  }

  /** Feeds bytes without parsing; take frames with next(). */
  feed(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame, or null; throws FrameTooLargeError for a header above the current limit. */
  next(): Buffer | null {
    if (this.buffered < FRAME_HEADER_BYTES) return null;
    if (this.chunks[0]!.length < FRAME_HEADER_BYTES) this.coalesce();
    const length = this.chunks[0]!.readUInt32BE(0);
    if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes);
    const total = FRAME_HEADER_BYTES + length;
    if (this.buffered < total) return null;
    if (this.chunks[0]!.length < total) this.coalesce();
    const head = this.chunks[0]!;
    const frame = head.subarray(FRAME_HEADER_BYTES, total);
    if (head.length === total) this.chunks.shift();
    else this.chunks[0] = head.subarray(total);
    this.buffered -= total;
    return frame;
  }

  private coalesce(): void {
    this.chunks = [Buffer.concat(this.chunks)];
  }
}
