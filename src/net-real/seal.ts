/**
 * Optional authenticated encryption of every packet and frame with a shared cluster key:
 * AES-256-GCM, as memberlist does for gossip (security.go: a version byte, a random 96-bit
 * nonce, ciphertext and the 16-byte GCM tag), and as Consul's `encrypt` key is used.
 * A packet that fails authentication is dropped; nothing of it is decoded.
 *
 * Random nonces: with 96 bits, NIST SP 800-38D bounds one key to 2^32 messages for a
 * collision risk below 2^-32; rotate the key well before that.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
/** Bytes a sealed payload adds: version + nonce + tag. */
export const SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;
const AAD = Buffer.from([VERSION]);

/** A key given as 32 raw bytes or as their base64 (Consul's `consul keygen` format). */
export function parseKey(key: Uint8Array | string): Buffer {
  const buf = typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key);
  if (buf.length !== KEY_BYTES) throw new RangeError(`cluster key must be ${KEY_BYTES} bytes (base64 of 32 random bytes), got ${buf.length}`);
  return buf;
}

/** A fresh random key, base64. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export function seal(key: Buffer, plaintext: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(AAD);
  const body = cipher.update(plaintext);
  const fin = cipher.final();
  return Buffer.concat([AAD, nonce, body, fin, cipher.getAuthTag()]);
}

/** The plaintext, or null when the packet is not from a holder of the key (or was altered). */
export function unseal(key: Buffer, packet: Uint8Array): Buffer | null {
  if (packet.length < SEAL_OVERHEAD || packet[0] !== VERSION) return null;
  const nonce = packet.subarray(1, 1 + NONCE_BYTES);
  const tag = packet.subarray(packet.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    const body = decipher.update(packet.subarray(1 + NONCE_BYTES, packet.length - TAG_BYTES));
    return Buffer.concat([body, decipher.final()]);
  } catch {
    return null;
  }
}

/**
 * Keys for rotation without downtime, as memberlist's Keyring (keyring.go): packets are
 * sealed with the primary key and opened with any installed key. Rotate by installing the
 * new key everywhere, then making it primary everywhere, then removing the old one.
 */
export class Keyring {
  /** Each extra key costs one failed GCM open per foreign packet; a few suffice for rotation. */
  static readonly MAX_KEYS = 8;
  readonly keys: readonly Buffer[];

  private constructor(keys: Buffer[]) {
    if (keys.length === 0 || keys.length > Keyring.MAX_KEYS) throw new RangeError(`a keyring holds 1..${Keyring.MAX_KEYS} keys, got ${keys.length}`);
    this.keys = keys;
  }

  /** One key, or several with the primary first; each 32 raw bytes or their base64. */
  static from(keys: Uint8Array | string | readonly (Uint8Array | string)[]): Keyring {
    const list = typeof keys === 'string' || keys instanceof Uint8Array ? [keys] : [...keys];
    return new Keyring(list.map(parseKey));
  }

  get primary(): Buffer {
    return this.keys[0]!;
  }

  seal(plaintext: Uint8Array): Buffer {
    return seal(this.primary, plaintext);
  }

  unseal(packet: Uint8Array): Buffer | null {
    for (const k of this.keys) {
      const p = unseal(k, packet);
      if (p !== null) return p;
    }
    return null;
  }
}
