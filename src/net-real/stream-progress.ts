/**
 * Progress of a one-way frame stream, so that a stalled connection is noticed and redialed.
 *
 * The stream channel writes on its own outgoing connection only; answers come back on the
 * peer's connection to us. When a link drops packets (a partition made of firewall drop rules, a
 * dead switch port), an established connection does not fail: the kernel keeps retransmitting
 * with exponential backoff (RFC 6298: the timeout doubles each time, 0.2, 0.4, 0.8, ... s on
 * Linux), so after a 10-25 s cut heals the next retransmission, and everything queued behind it,
 * can be seconds away, and nothing ever redials. This is what TCP's user timeout (RFC 5482) is
 * for; Node does not expose TCP_USER_TIMEOUT, so the stream does it itself:
 * - the receiver writes back, on the same connection, the count of frames it has read (a
 *   4-byte big-endian counter, modulo 2^32), at most once per `ACK_INTERVAL_MS`, with a
 *   trailing write so the last frames of a burst are counted too (`FrameCounter`);
 * - the sender counts the frames it wrote and the acknowledged count; when frames are
 *   outstanding and the count has not moved for the stall timeout, the connection is declared
 *   stalled and the sender redials (`AckTracker`).
 * A peer that never sends a count (an older version) is never declared stalled: detection
 * arms with the first count received. A count that goes past what was written is a protocol
 * violation: the connection is closed.
 */

/** The receiver's ack cadence: half the agent's 200 ms heartbeat, so a live peer's count moves several times per stall timeout. */
export const ACK_INTERVAL_MS = 100;
/** Bytes of one count. */
export const ACK_BYTES = 4;

/** Receiver side: counts frames read on one inbound connection and writes the count back. */
export class FrameCounter {
  private received = 0;
  private lastAckAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly write: (ack: Buffer) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `n` more frames were read; writes the count now or arms the trailing write. */
  frames(n: number): void {
    if (n <= 0 || this.closed) return;
    this.received = (this.received + n) >>> 0;
    if (this.timer !== null) return;
    const wait = this.lastAckAt + ACK_INTERVAL_MS - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), Math.ceil(wait));
  }

  /** The connection closed: no more writes. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    this.timer = null;
    if (this.closed) return;
    this.lastAckAt = this.now();
    const ack = Buffer.allocUnsafe(ACK_BYTES);
    ack.writeUInt32BE(this.received, 0);
    this.write(ack);
  }
}

/** Sender side: frames written and acknowledged on the current connection to one peer. */
export class AckTracker {
  private written = 0;
  private acked = 0;
  private progressAt = 0;
  private partial = Buffer.alloc(0);
  /** The peer has sent a count at least once (it speaks acks): stall detection is armed. */
  private peerAcks = false;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** A new connection: counts start from 0 (the peer counts per connection too). */
  reset(): void {
    this.written = 0;
    this.acked = 0;
    this.partial = Buffer.alloc(0);
  }

  /** `n` frames were written on the current connection. */
  wrote(n: number): void {
    if (n <= 0) return;
    if (this.written === this.acked) this.progressAt = this.now();
    this.written += n;
  }

  /**
   * Bytes read back on the outgoing connection. Returns how many more frames the peer has
   * acknowledged, or -1 on a protocol violation (a count beyond what was written), after which
   * the caller closes the connection.
   */
  read(chunk: Buffer): number {
    const before = this.acked;
    let buf = this.partial.length === 0 ? chunk : Buffer.concat([this.partial, chunk]);
    let off = 0;
    // Each pass consumes ACK_BYTES, so the loop is bounded by the chunk's length.
    for (; off + ACK_BYTES <= buf.length; off += ACK_BYTES) {
      const count = buf.readUInt32BE(off);
      const advance = (count - (this.acked >>> 0)) >>> 0;
      if (advance > this.written - this.acked) return -1;
      this.peerAcks = true;
      if (advance > 0) {
        this.acked += advance;
        this.progressAt = this.now();
      }
    }
    buf = buf.subarray(off);
    this.partial = Buffer.from(buf); // at most ACK_BYTES - 1 bytes are kept
    return this.acked - before;
  }

  /** Frames are outstanding and the peer's count has not moved for `timeoutMs`. */
  stalled(timeoutMs: number): boolean {
    return this.peerAcks && this.written > this.acked && this.now() - this.progressAt > timeoutMs;
  }
}
