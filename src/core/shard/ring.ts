/**
 * Consistent-hash ring mapping keys to data groups (crc32, virtual nodes per group), as in
 * the seed's sharded store. Each group puts `vnodes` points on the ring at
 * crc32("<group>#<i>"); a key belongs to the group of the first point at or after
 * crc32(key), wrapping around. Adding or removing a group only moves the keys of the arcs
 * it gains or loses: about 1/n of them (bench/shard-ring.ts measures it).
 */
import { assert } from '../env.ts';
import { crc32, fmix32 } from './crc32.ts';

/**
 * Default virtual nodes per group: 128. Measured by bench/shard-ring.ts (exact arc shares,
 * 4..32 groups, mean over group counts of largest-share / mean-share): 2 points (the seed's
 * value) 2.11, 16 → 1.42, 64 → 1.22, 128 → 1.16, 256 → 1.09 (with crc32+fmix; plain crc32
 * is 5.8 / 1.95 / 1.33 / 1.28 / 1.36). 128 keeps the worst group within ~16% of its share at
 * half the points of 256; Ketama (libmemcached) uses 160 points per server for the same reason.
 */
export const DEFAULT_VNODES = 128;
/** See fmix32 in crc32.ts: plain crc32 points cluster; the bench prints both. */
export const DEFAULT_RING_HASH: RingHash = 'crc32-fmix';
/** Upper bound on points per group (memory and rebuild cost). */
export const MAX_VNODES = 4096;
/** Upper bound on groups on one ring. */
export const MAX_GROUPS = 4096;

/** How a string becomes a ring position: the seed's plain crc32, or crc32 then fmix32 (default). */
export type RingHash = 'crc32' | 'crc32-fmix';

export interface RingOptions {
  readonly vnodes?: number;
  readonly hash?: RingHash;
}

interface Point {
  readonly hash: number;
  readonly group: string;
}

export class HashRing {
  private points: Point[] = [];
  private readonly groupSet = new Set<string>();

  readonly vnodes: number;
  readonly hash: RingHash;

  constructor(groups: readonly string[] = [], opts: RingOptions = {}) {
    const vnodes = opts.vnodes ?? DEFAULT_VNODES;
    this.vnodes = vnodes;
    this.hash = opts.hash ?? DEFAULT_RING_HASH;
    assert(Number.isInteger(vnodes) && vnodes >= 1 && vnodes <= MAX_VNODES, () => `ring: vnodes ${vnodes} out of [1, ${MAX_VNODES}]`);
    for (const g of groups) this.groupSet.add(g);
    this.rebuild();
  }

  groups(): string[] {
    return [...this.groupSet].sort();
  }

  size(): number {
    return this.groupSet.size;
  }

  add(group: string): void {
    assert(group.length > 0, 'ring: empty group name');
    if (this.groupSet.has(group)) return;
    assert(this.groupSet.size < MAX_GROUPS, 'ring: too many groups');
    this.groupSet.add(group);
    this.rebuild();
  }

  remove(group: string): void {
    if (this.groupSet.delete(group)) this.rebuild();
  }

  /** The group owning `key`; undefined on an empty ring. */
  lookup(key: string): string | undefined {
    return this.ownerOfHash(this.position(key));
  }

  ownerOfHash(h: number): string | undefined {
    const pts = this.points;
    if (pts.length === 0) return undefined;
    let lo = 0;
    let hi = pts.length; // first index with hash >= h
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pts[mid]!.hash < h) lo = mid + 1;
      else hi = mid;
    }
    return pts[lo === pts.length ? 0 : lo]!.group;
  }

  /** Exact share of the 2^32 hash space each group owns (sums to 1). */
  shares(): Map<string, number> {
    const out = new Map<string, number>(this.groups().map((g) => [g, 0]));
    const pts = this.points;
    const space = 2 ** 32;
    for (let i = 0; i < pts.length; i++) {
      const prev = i === 0 ? pts[pts.length - 1]!.hash - space : pts[i - 1]!.hash;
      out.set(pts[i]!.group, out.get(pts[i]!.group)! + (pts[i]!.hash - prev) / space);
    }
    return out;
  }

  /** Ring position of a key or point name. */
  position(s: string): number {
    const c = crc32(s);
    return this.hash === 'crc32' ? c : fmix32(c);
  }

  private rebuild(): void {
    const pts: Point[] = [];
    for (const g of this.groupSet) for (let i = 0; i < this.vnodes; i++) pts.push({ hash: this.position(`${g}#${i}`), group: g });
    // Ties (crc collisions) are broken by group name so every node builds the same ring.
    pts.sort((a, b) => a.hash - b.hash || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    this.points = pts;
    assert(pts.length === this.groupSet.size * this.vnodes, 'ring: point count');
  }
}
