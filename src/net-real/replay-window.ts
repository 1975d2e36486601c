/**
 * Replay protection for authenticated packets and frames.
 *
 * Every sealed message carries (session, counter, sentAtMs) inside its authenticated
 * plaintext (auth-channel.ts). `session` is 64 random bits drawn by the sender for each
 * process and channel; `counter` increases by one per message. A receiver keeps, per session,
 * the sliding window of RFC 4303 §3.4.3 (IPsec ESP anti-replay): the highest counter seen and
 * a bitmap of the WINDOW counters below it. A counter left of the window, or already marked,
 * is a replay. The window is 1024 messages wide rather than ESP's default 64, because
 * datagrams of a gossip burst are reordered by more than 64 on a busy host; RFC 6479 shows
 * windows of thousands of packets are cheap.
 *
 * The window lives in memory: a receiver that restarts forgets it, and a session it has
 * never seen starts a fresh window. The time bound closes that gap: a message sent more
 * than MAX_AGE_MS ago (or that far in the future) is refused, so an attacker can replay a
 * captured message only within 60 s of its sending, and only to a receiver that restarted
 * in between. 60 s: far above NTP-disciplined skew plus delivery time, and a third of
 * WireGuard's Reject-After-Time of 180 s for a session key (WireGuard paper, §6.1). Cluster
 * clocks must agree within it (run NTP, as Consul and etcd deployments do).
 */

/** Width of the sliding window, in messages (a multiple of 32). */
export const REPLAY_WINDOW = 1024;
/** Largest accepted |receiver clock - sentAtMs|. */
export const MAX_AGE_MS = 60_000;
/**
 * Sessions remembered at once. Only authenticated messages create one (after the AEAD tag
 * checked), so only key holders can fill it; the least recently used session is forgotten.
 */
export const MAX_SESSIONS = 4096;

const WORDS = REPLAY_WINDOW / 32;

/** One sender session's window (RFC 4303 §3.4.3, "Sequence Number Verification"). */
export class ReplayWindow {
  private highest = -1;
  /** Bit i set: counter (highest - i) was seen. */
  private readonly bits = new Uint32Array(WORDS);

  /** True (and the counter is marked) when `counter` was never seen and is not left of the window. */
  check(counter: number): boolean {
    if (!Number.isSafeInteger(counter) || counter < 0) return false;
    if (counter > this.highest) {
      this.shift(counter - this.highest);
      this.highest = counter;
      this.bits[0]! |= 1;
      return true;
    }
    const offset = this.highest - counter;
    if (offset >= REPLAY_WINDOW) return false; // left of the window: too old to tell, refuse
    const word = offset >>> 5;
    const mask = 1 << (offset & 31);
    if ((this.bits[word]! & mask) !== 0) return false; // seen: a replay
    this.bits[word]! |= mask;
    return true;
  }

  private shift(by: number): void {
    if (by >= REPLAY_WINDOW) {
      this.bits.fill(0);
      return;
    }
    const words = by >>> 5;
    const rest = by & 31;
    for (let i = WORDS - 1; i >= 0; i--) {
      const src = i - words;
      const lo = src >= 0 ? this.bits[src]! : 0;
      const carry = rest !== 0 && src - 1 >= 0 ? this.bits[src - 1]! >>> (32 - rest) : 0;
      this.bits[i] = ((lo << rest) | carry) >>> 0;
    }
  }
}

export type ReplayVerdict = 'ok' | 'replay' | 'stale';

/** Every session's window, bounded, plus the time bound. */
export class ReplayGuard {
  private readonly sessions = new Map<string, ReplayWindow>();

  constructor(private readonly maxSessions: number = MAX_SESSIONS) {}

  check(session: string, counter: number, sentAtMs: number, nowMs: number): ReplayVerdict {
    if (!Number.isFinite(sentAtMs) || Math.abs(nowMs - sentAtMs) > MAX_AGE_MS) return 'stale';
    let w = this.sessions.get(session);
    if (w === undefined) {
      if (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
      w = new ReplayWindow();
    } else {
      this.sessions.delete(session); // re-inserted below: Map order is recency order
    }
    this.sessions.set(session, w);
    return w.check(counter) ? 'ok' : 'replay';
  }

  size(): number {
    return this.sessions.size;
  }
}
