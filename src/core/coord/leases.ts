/**
 * The replicated lease table (etcd / raftd style): the pure state-machine part.
 *
 * Expiry is not decided here: replicas do not look at clocks. The leader's LeaseDriver
 * (lease-driver.ts) watches deadlines and proposes `lease.expire`; keep-alives only touch the
 * leader's deadlines, never the log (as in etcd, where LeaseKeepAlive is served by the
 * leader's lessor without a Raft write).
 */
import { assert, type Micros } from '../env.ts';
import { LEASE_MAX_TTL_US, LEASE_MIN_TTL_US, MAX_LEASES } from './config.ts';
import { leaseIdFromIndex } from './ids.ts';

export interface LeaseRecord {
  readonly id: string;
  /** Free-form name (raftd: the service instance the lease stands for). */
  readonly name: string;
  /** Granted TTL after clamping to [LEASE_MIN_TTL_US, LEASE_MAX_TTL_US]. */
  readonly ttlUs: Micros;
  /** Raft index of the grant (the id is derived from it). */
  readonly grantIndex: number;
}

export interface LeaseSnapshot {
  readonly leases: readonly LeaseRecord[];
}

export function clampLeaseTtl(ttlUs: Micros): Micros {
  return Math.min(LEASE_MAX_TTL_US, Math.max(LEASE_MIN_TTL_US, Math.round(ttlUs)));
}

export class LeaseTable {
  private readonly leases = new Map<string, LeaseRecord>();
  /** lease id → keys attached to it. Derived from the KV entries' `lease` field. */
  private readonly attached = new Map<string, Set<string>>();

  grant(index: number, ttlUs: Micros, name: string): LeaseRecord | 'too-many' {
    if (this.leases.size >= MAX_LEASES) return 'too-many';
    const id = leaseIdFromIndex(index);
    assert(!this.leases.has(id), () => `lease ${id} granted twice`);
    const rec: LeaseRecord = { id, name, ttlUs: clampLeaseTtl(ttlUs), grantIndex: index };
    this.leases.set(id, rec);
    this.attached.set(id, new Set());
    return rec;
  }

  get(id: string): LeaseRecord | undefined {
    return this.leases.get(id);
  }

  has(id: string): boolean {
    return this.leases.has(id);
  }

  size(): number {
    return this.leases.size;
  }

  /** Every lease, in grant order (ids come from increasing indexes). */
  list(): LeaseRecord[] {
    return [...this.leases.values()].sort((a, b) => a.grantIndex - b.grantIndex);
  }

  /** Keys attached to a lease, sorted. */
  keysOf(id: string): string[] {
    return [...(this.attached.get(id) ?? [])].sort();
  }

  attach(id: string, key: string): void {
    const set = this.attached.get(id);
    assert(set !== undefined, () => `attach ${key} to unknown lease ${id}`);
    set.add(key);
  }

  detach(id: string, key: string): void {
    const set = this.attached.get(id);
    // A lease may already be gone when its last key is deleted during its own revocation.
    if (set) set.delete(key);
  }

  /** Removes the lease; returns the keys that were attached (the caller deletes them). */
  remove(id: string): string[] {
    const keys = this.keysOf(id);
    this.leases.delete(id);
    this.attached.delete(id);
    return keys;
  }

  snapshot(): LeaseSnapshot {
    return { leases: this.list().map((l) => ({ ...l })) };
  }

  /** Attachments are rebuilt by the store from the KV entries after this. */
  restore(snap: LeaseSnapshot): void {
    this.leases.clear();
    this.attached.clear();
    for (const l of snap.leases) {
      assert(l.id === leaseIdFromIndex(l.grantIndex), () => `lease ${l.id} does not match its index`);
      this.leases.set(l.id, { ...l });
      this.attached.set(l.id, new Set());
    }
  }
}
