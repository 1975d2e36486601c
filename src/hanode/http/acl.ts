/**
 * The HTTP API's access control: two fixed tokens and a default policy for requests without
 * a known token (Consul's `acl.default_policy`: `allow` in -dev, `deny` otherwise).
 *
 * - management token (--acl-token-file / HANODE_ACL_TOKEN): reads and writes;
 * - read token (--acl-read-token-file / HANODE_ACL_READ_TOKEN): reads only;
 * - anonymous (no token, or an unknown one): under `deny` nothing; under `allow` reads, and
 *   writes too unless a management token is configured (so `--acl-token` keeps meaning
 *   "writes need this token" in --dev; Consul's anonymous token under `allow` may also write,
 *   we are stricter once a token exists).
 *
 * The token is read as Consul reads it: the X-Consul-Token header, `Authorization: Bearer`,
 * or `?token=`. A refusal is Consul's `403 Permission denied`. Tokens are compared in
 * constant time and never logged. The few endpoints Consul answers without ACLs (status
 * leader / peers, catalog datacenters) stay open so health probes and tooling work.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Query } from './query.ts';

export type AclDefaultPolicy = 'allow' | 'deny';

export interface AclConfig {
  readonly defaultPolicy: AclDefaultPolicy;
  /** Reads and writes. */
  readonly managementToken?: string;
  /** Reads only. */
  readonly readToken?: string;
}

export type Access = 'read' | 'write';

/** Consul serves these without any ACL check (agent/http: status and datacenters are unauthenticated). */
const OPEN_PATHS: ReadonlySet<string> = new Set(['/v1/status/leader', '/v1/status/peers', '/v1/catalog/datacenters']);

export const PERMISSION_DENIED = 'Permission denied';

export function tokenOf(req: http.IncomingMessage, q: Query): string | undefined {
  const h = req.headers['x-consul-token'];
  if (typeof h === 'string' && h !== '') return h;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  return q.get('token');
}

/** Equal strings, in time independent of where they differ (both hashed to 32 bytes first). */
/** Constant-time string equality (hashes first, so lengths do not leak). */
export function same(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function allowed(acl: AclConfig, path: string, token: string | undefined, need: Access): boolean {
  if (OPEN_PATHS.has(path) && need === 'read') return true;
  if (token !== undefined && token !== '') {
    if (acl.managementToken !== undefined && same(token, acl.managementToken)) return true;
    if (acl.readToken !== undefined && same(token, acl.readToken)) return need === 'read';
  }
  if (acl.defaultPolicy === 'deny') return false;
  return need === 'read' || acl.managementToken === undefined;
}

/** One line for the startup log: what is set, never a token. */
export function describeAcl(acl: AclConfig): string {
  return `ACL: default policy ${acl.defaultPolicy}, management token ${acl.managementToken !== undefined ? 'set' : 'not set'}, read token ${acl.readToken !== undefined ? 'set' : 'not set'}`;
}
