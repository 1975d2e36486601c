/**
 * The virtual network's state: latency model, partitions (cuts), loss bursts, slow links,
 * duplication and reordering. It decides the fate of each message; the world schedules it.
 */
import type { Micros, Random } from '../core/env.ts';
import { DEFAULT_LATENCY, sampleLatency } from './latency.ts';
import type { Topology } from './topology.ts';
import type { LatencyDist, LatencySpec, NetworkSpec } from './types.ts';

interface LinkRule {
  readonly id: number;
  readonly a: Uint8Array | null; // null: every node
  readonly b: Uint8Array | null;
  readonly value: number;
}

/** Reorder window default: a few same-region round trips, enough to overtake a later packet. */
const DEFAULT_REORDER_WINDOW_US = 5_000;

export class Network {
  private readonly n: number;
  /** cutCount[a * n + b] > 0 ⇔ messages from a to b are dropped. Allocated on first cut. */
  private cutCount: Uint16Array | null = null;
  private readonly cuts = new Map<number, { from: Uint8Array; to: Uint8Array; bothWays: boolean }>();
  /** Bumped at every change of the cut pairs: a watcher that sees the same value knows isCut() answers as before. */
  cutVersion = 0;
  private lossRules: LinkRule[] = [];
  private slowRules: LinkRule[] = [];
  private dupRules: LinkRule[] = [];
  private reorderRules: (LinkRule & { window: Micros })[] = [];
  /**
   * What duplicateP / reorderP / reorderWindow and a datagram's base loss come to, computed
   * (by the same formulas, so to the same numbers) when a rule changes rather than on every
   * message.
   */
  private dupP = 0;
  private reoP = 0;
  private reoWindow: Micros = 0;
  private readonly datagramLossP: number;
  /** The latency distributions: the three link classes, then each override. */
  private readonly dists: LatencyDist[];
  /** distOf[a * n + b]: index into dists of the link a→b (one lookup per message, no class test). */
  private readonly distOf: Uint16Array;

  constructor(
    private readonly topology: Topology,
    latency: Partial<LatencySpec> | undefined,
    private readonly spec: NetworkSpec = {},
  ) {
    this.n = topology.size;
    this.dists = [
      latency?.sameDc ?? DEFAULT_LATENCY.sameDc,
      latency?.sameRegion ?? DEFAULT_LATENCY.sameRegion,
      latency?.crossRegion ?? DEFAULT_LATENCY.crossRegion,
    ];
    const classIndex = { local: 0, sameDc: 0, sameRegion: 1, crossRegion: 2 } as const;
    this.distOf = new Uint16Array(this.n * this.n);
    for (let a = 0; a < this.n; a++) for (let b = 0; b < this.n; b++) this.distOf[a * this.n + b] = classIndex[topology.linkClass(a, b)];
    this.datagramLossP = 1 - (1 - (spec.loss ?? 0));
    this.rulesChanged();
    for (const o of latency?.overrides ?? []) {
      const k = this.dists.push(o.dist) - 1;
      const a = topology.resolve(o.between[0]);
      const b = topology.resolve(o.between[1]);
      for (const x of a) for (const y of b) {
        this.distOf[x * this.n + y] = k;
        this.distOf[y * this.n + x] = k;
      }
    }
  }

  /** One-way delay of a message from a to b, before slow-link extras. */
  latency(a: number, b: number, random: Random): Micros {
    if (a === b) return 0;
    return sampleLatency(this.dists[this.distOf[a * this.n + b]!]!, random);
  }

  isCut(a: number, b: number): boolean {
    return this.cutCount !== null && this.cutCount[a * this.n + b]! > 0;
  }

  hasCuts(): boolean {
    return this.cuts.size > 0;
  }

  addCut(id: number, from: Uint8Array, to: Uint8Array, bothWays: boolean): void {
    if (!this.cutCount) this.cutCount = new Uint16Array(this.n * this.n);
    this.cuts.set(id, { from, to, bothWays });
    this.applyCut(from, to, bothWays, 1);
  }

  removeCut(id: number): boolean {
    const c = this.cuts.get(id);
    if (!c) return false;
    this.cuts.delete(id);
    this.applyCut(c.from, c.to, c.bothWays, -1);
    return true;
  }

  removeAllCuts(): number {
    const ids = [...this.cuts.keys()];
    for (const id of ids) this.removeCut(id);
    return ids.length;
  }

  /** Directed pairs currently cut, as [from, to] node indices (for reports and the TUI). */
  cutPairs(): [number, number][] {
    const out: [number, number][] = [];
    if (!this.cutCount) return out;
    for (let a = 0; a < this.n; a++) for (let b = 0; b < this.n; b++) if (this.cutCount[a * this.n + b]! > 0) out.push([a, b]);
    return out;
  }

  addLoss(id: number, p: number, a: Uint8Array | null, b: Uint8Array | null): void {
    this.lossRules = [...this.lossRules, { id, a, b, value: p }];
  }
  addSlow(id: number, extra: Micros, a: Uint8Array, b: Uint8Array): void {
    this.slowRules = [...this.slowRules, { id, a, b, value: extra }];
  }
  addDuplicate(id: number, p: number): void {
    this.dupRules = [...this.dupRules, { id, a: null, b: null, value: p }];
    this.rulesChanged();
  }
  addReorder(id: number, p: number, window: Micros): void {
    this.reorderRules = [...this.reorderRules, { id, a: null, b: null, value: p, window }];
    this.rulesChanged();
  }

  /** Removes a loss / slow / duplicate / reorder rule by id. */
  removeRule(id: number): boolean {
    const before = this.lossRules.length + this.slowRules.length + this.dupRules.length + this.reorderRules.length;
    this.lossRules = this.lossRules.filter((r) => r.id !== id);
    this.slowRules = this.slowRules.filter((r) => r.id !== id);
    this.dupRules = this.dupRules.filter((r) => r.id !== id);
    this.reorderRules = this.reorderRules.filter((r) => r.id !== id);
    this.rulesChanged();
    return this.lossRules.length + this.slowRules.length + this.dupRules.length + this.reorderRules.length < before;
  }

  /** Probability that a message a→b is lost (datagram: base loss + bursts; reliable: bursts only). */
  lossP(a: number, b: number, reliable: boolean): number {
    if (this.lossRules.length === 0) return reliable ? 0 : this.datagramLossP;
    let keep = reliable ? 1 : 1 - (this.spec.loss ?? 0);
    for (const r of this.lossRules) if (matches(r, a, b)) keep *= 1 - r.value;
    return 1 - keep;
  }

  duplicateP(): number {
    return this.dupP;
  }

  private rulesChanged(): void {
    this.dupP = this.computeDuplicateP();
    this.reoP = this.computeReorderP();
    this.reoWindow = this.computeReorderWindow();
  }

  private computeDuplicateP(): number {
    let p = this.spec.duplicate ?? 0;
    for (const r of this.dupRules) p = 1 - (1 - p) * (1 - r.value);
    return p;
  }

  /** Probability that a datagram gets an extra reordering delay. */
  reorderP(): number {
    return this.reoP;
  }

  private computeReorderP(): number {
    let p = this.spec.reorder ?? 0;
    for (const r of this.reorderRules) p = 1 - (1 - p) * (1 - r.value);
    return p;
  }

  /** The extra reordering delay is uniform in [0, window]. */
  reorderWindow(): Micros {
    return this.reoWindow;
  }

  private computeReorderWindow(): Micros {
    let w = this.spec.reorderWindow ?? DEFAULT_REORDER_WINDOW_US;
    for (const r of this.reorderRules) w = Math.max(w, r.window);
    return w;
  }

  /** Extra delay of slow links between a and b. */
  extraDelay(a: number, b: number): Micros {
    if (this.slowRules.length === 0) return 0;
    let d = 0;
    for (const r of this.slowRules) if (matches(r, a, b)) d += r.value;
    return d;
  }

  private applyCut(from: Uint8Array, to: Uint8Array, bothWays: boolean, delta: number): void {
    const cc = this.cutCount!;
    const n = this.n;
    this.cutVersion++;
    for (let a = 0; a < n; a++) {
      if (!from[a]) continue;
      for (let b = 0; b < n; b++) {
        if (!to[b] || a === b) continue;
        bump(cc, a * n + b, delta);
        if (bothWays) bump(cc, b * n + a, delta);
      }
    }
  }
}

/** A rule between sets A and B applies to messages in either direction. */
function matches(r: LinkRule, a: number, b: number): boolean {
  if (r.a === null || r.b === null) {
    const s = r.a ?? r.b;
    return s === null || s[a] === 1 || s[b] === 1;
  }
  return (r.a[a] === 1 && r.b[b] === 1) || (r.a[b] === 1 && r.b[a] === 1);
}

/** Adds `delta` to one pair's cut count; `i` < n·n by the loops that compute it. */
function bump(cc: Uint16Array, i: number, delta: number): void {
  const v = cc[i];
  if (v === undefined) throw new RangeError(`cut index ${i} outside ${cc.length}`);
  cc[i] = v + delta;
}
