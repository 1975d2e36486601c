/**
 * Consul's manual recovery file (docs "Outage Recovery"): `<data-dir>/raft/peers.json`, a
 * JSON array of the servers that remain, `[{"id": "n1", "address": "10.0.0.1:8300",
 * "non_voter": false}, ...]` (a plain array of names is accepted too). Read once at start;
 * after the node booted with it, it is renamed to peers.info so it is not applied again.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

export const PEERS_JSON = 'peers.json';

export function peersJsonPath(dataDir: string): string {
  return join(dataDir, 'raft', PEERS_JSON);
}

/** The voters listed in peers.json, or undefined when there is no such file. Throws on a malformed one. */
export function readPeersJson(dataDir: string): string[] | undefined {
  const path = peersJsonPath(dataDir);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error(`${path}: want a non-empty JSON array`);
  const voters: string[] = [];
  for (const [i, p] of parsed.entries()) {
    if (typeof p === 'string' && p !== '') voters.push(p);
    else if (typeof p === 'object' && p !== null && typeof (p as { id?: unknown }).id === 'string') {
      if ((p as { non_voter?: unknown }).non_voter === true) continue;
      voters.push((p as { id: string }).id);
    } else throw new Error(`${path}: entry ${i} needs an "id"`);
  }
  if (voters.length === 0) throw new Error(`${path}: no voters listed`);
  if (new Set(voters).size !== voters.length) throw new Error(`${path}: duplicate ids`);
  return voters;
}

/** Marks the file applied (Consul renames it to peers.info). */
export function retirePeersJson(dataDir: string): void {
  renameSync(peersJsonPath(dataDir), join(dataDir, 'raft', 'peers.info'));
}
