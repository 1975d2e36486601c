/**
 * Where the agent's cluster key comes from, and the rule that a cluster of more than one
 * node must have one (issue 12): `--encrypt KEY`, env HANODE_ENCRYPT, or `--encrypt-file PATH`
 * (a file holding the base64 key, so it stays out of argv and `ps`). Without a key every
 * Raft and SWIM message is taken from anyone who can reach the cluster ports, so a multi-node
 * agent refuses to start unless `--insecure-cluster` says so on purpose. Keys are made by
 * `hanode keygen`, as by `consul keygen`: base64 of 32 random bytes (AES-256).
 */
import { readFileSync } from 'node:fs';
import { generateKey, parseKey } from '../net-real/seal.ts';

export interface KeySources {
  readonly encrypt?: string;
  readonly encryptFile?: string;
  readonly insecureCluster?: boolean;
}

export type KeyChoice = { readonly ok: true; readonly key?: string } | { readonly ok: false; readonly error: string };

/** Largest key file read: a base64 key is 44 characters. */
const MAX_KEY_FILE_BYTES = 4096;

export function chooseClusterKey(o: KeySources, env: NodeJS.ProcessEnv, multiNode: boolean): KeyChoice {
  const given = [o.encrypt !== undefined ? '--encrypt' : undefined, o.encryptFile !== undefined ? '--encrypt-file' : undefined].filter(Boolean);
  if (given.length > 1) return { ok: false, error: 'give only one of --encrypt and --encrypt-file' };
  let key = o.encrypt ?? env.HANODE_ENCRYPT;
  if (o.encryptFile !== undefined) {
    let text: string;
    try {
      const buf = readFileSync(o.encryptFile);
      if (buf.length > MAX_KEY_FILE_BYTES) return { ok: false, error: `--encrypt-file ${o.encryptFile}: not a key file (over ${MAX_KEY_FILE_BYTES} bytes)` };
      text = buf.toString('utf8');
    } catch (err) {
      return { ok: false, error: `--encrypt-file ${o.encryptFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}` };
    }
    key = text.trim();
  }
  if (key !== undefined && key !== '') {
    try {
      parseKey(key);
    } catch {
      return { ok: false, error: 'the cluster key must be base64 of 32 bytes (make one with `hanode keygen`)' };
    }
    return { ok: true, key };
  }
  if (multiNode && o.insecureCluster !== true) {
    return { ok: false, error: 'a cluster of more than one node needs a key: --encrypt-file PATH, HANODE_ENCRYPT or --encrypt (make one with `hanode keygen`), or --insecure-cluster to accept anyone on the cluster ports' };
  }
  return { ok: true };
}

export { generateKey };
