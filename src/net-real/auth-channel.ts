/**
 * Authenticated cluster traffic: every datagram and every TCP frame is sealed with the
 * cluster key (AES-256-GCM, seal.ts) around a small header that makes it fresh:
 *
 *   [session: 8 bytes][counter: u64 BE][sentAtMs: float64 BE][payload]
 *
 * all inside the authenticated plaintext, so none of it can be altered. The receiver opens
 * the packet (the AEAD tag proves a key holder sealed it), then asks its ReplayGuard
 * (replay-window.ts) whether this (session, counter) is new and recent enough. Anything else
 * is dropped and counted: bad authentication, replay, stale.
 *
 * The sender draws one random session per channel (UDP, TCP) for the life of the process, so
 * a restarted sender never reuses a counter the receivers remember. An empty payload is a
 * handshake (TCP's first frame): authenticated and checked like any frame, never delivered.
 */
import { randomBytes } from 'node:crypto';
import { ReplayGuard, type ReplayVerdict } from './replay-window.ts';
import { SEAL_OVERHEAD, type Keyring } from './seal.ts';

export const AUTH_HEADER_BYTES = 24;
/** Bytes sealing adds to a payload: the AEAD overhead and the freshness header. */
export const AUTH_OVERHEAD = SEAL_OVERHEAD + AUTH_HEADER_BYTES;

export interface AuthStats {
  /** Failed the AEAD check: not sealed with a cluster key, or altered. */
  droppedBadAuth: number;
  /** A (session, counter) already seen, or left of the window. */
  droppedReplay: number;
  /** Sent more than 60 s before (or after) the receiver's clock. */
  droppedStale: number;
}

export type OpenResult = { readonly ok: true; readonly payload: Buffer } | { readonly ok: false; readonly reason: 'bad-auth' | Exclude<ReplayVerdict, 'ok'> };

/** One sender session: its random id and next counter. */
export class AuthSession {
  private readonly id = randomBytes(8);
  private counter = 0;

  header(nowMs: number): Buffer {
    const h = Buffer.allocUnsafe(AUTH_HEADER_BYTES);
    this.id.copy(h, 0);
    h.writeBigUInt64BE(BigInt(this.counter++), 8);
    h.writeDoubleBE(nowMs, 16);
    return h;
  }
}

/** Counts a refused packet or frame under its reason (the transports' stats use AuthStats' names). */
export function countAuthDrop(stats: AuthStats, reason: 'bad-auth' | 'replay' | 'stale'): void {
  if (reason === 'bad-auth') stats.droppedBadAuth++;
  else if (reason === 'replay') stats.droppedReplay++;
  else stats.droppedStale++;
}

export class AuthChannel {
  readonly stats: AuthStats = { droppedBadAuth: 0, droppedReplay: 0, droppedStale: 0 };

  constructor(
    readonly keyring: Keyring,
    private readonly guard: ReplayGuard = new ReplayGuard(),
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** A new sending session (one per channel). */
  session(): AuthSession {
    return new AuthSession();
  }

  seal(session: AuthSession, payload: Uint8Array): Buffer {
    return this.keyring.seal(Buffer.concat([session.header(this.nowMs()), payload]));
  }

  open(packet: Uint8Array): OpenResult {
    const plain = this.keyring.unseal(packet);
    if (plain === null || plain.length < AUTH_HEADER_BYTES) {
      this.stats.droppedBadAuth++;
      return { ok: false, reason: 'bad-auth' };
    }
    const session = plain.toString('hex', 0, 8);
    const counter = Number(plain.readBigUInt64BE(8));
    const sentAtMs = plain.readDoubleBE(16);
    const verdict = this.guard.check(session, counter, sentAtMs, this.nowMs());
    if (verdict === 'replay') {
      this.stats.droppedReplay++;
      return { ok: false, reason: verdict };
    }
    if (verdict === 'stale') {
      this.stats.droppedStale++;
      return { ok: false, reason: verdict };
    }
    return { ok: true, payload: plain.subarray(AUTH_HEADER_BYTES) };
  }
}
