/**
 * The forge nemesis: hostile input to every core, as an attacker on the cluster network would
 * send it (issue 12). While a `forge` fault is active the world delivers, at its rate, a mix of:
 *
 * - garbage: random values (numbers, strings, arrays, objects with a real or made-up `type`
 *   and random fields) to a random service of a random node, from a random node;
 * - mutations of captured traffic: a real message with one field deleted, retyped or replaced,
 *   from its real sender; a mutation that still passes its schema is a well-formed lie, and is
 *   sent from a non-member instead (below);
 * - forgeries from non-members: well-formed Raft messages at far higher terms (the issue's
 *   "raft.append from evil"), SWIM death notices and joins, from ids outside the cluster;
 * - stale replays: a captured message delivered again, much later, from its real sender.
 *
 * What the real runtime guarantees decides what is sent from members. Every message from a
 * member is authentic in hanode (the cluster key; src/net-real/auth-channel.ts), so members
 * only ever "send" malformed messages (which the wire schema must refuse) and replays. Replays
 * are of datagrams (the network may duplicate and delay them anyway) and of Raft messages,
 * which Raft must take any number of times in any order; replays of the other reliable
 * services' requests are stopped by the channel's replay window and are not forged here.
 * Non-members' messages must be stopped at the boundary (World.injectRaw counts them).
 *
 * Deterministic: all choices come from the world's 'forge' random stream.
 */
import type { Message, Micros, NodeId, Random } from '../core/env.ts';
import { validateWire } from '../core/wire-validators.ts';

/** What the forger needs of the world. */
export interface ForgeWorld {
  readonly topology: { readonly nodes: readonly NodeId[] };
  now(): Micros;
  isUp(id: NodeId): boolean;
  servicesOf(id: NodeId): string[];
  injectRaw(to: NodeId, from: NodeId, svc: string, msg: unknown, delayUs?: Micros): boolean;
  tapDeliveries(fn: (to: NodeId, from: NodeId, svc: string, msg: Message, reliable: boolean) => void): void;
  atTime(t: Micros, fn: () => void): unknown;
}

interface Capture {
  readonly to: NodeId;
  readonly from: NodeId;
  readonly svc: string;
  readonly msg: Message;
  readonly replayable: boolean;
}

/** Captured messages kept for mutation and replay (a reservoir sample of all deliveries). */
const CAPTURE_SLOTS = 512;
const NON_MEMBERS = ['evil', 'intruder-1', 'n-forged'];
const WRONG: readonly unknown[] = [null, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '', 'x'.repeat(300), true, [], {}, [null], { type: 7 }, 2 ** 60];

export interface ForgeStats {
  sent: number;
  garbage: number;
  mutated: number;
  nonMember: number;
  replayed: number;
}

export class Forger {
  readonly stats: ForgeStats = { sent: 0, garbage: 0, mutated: 0, nonMember: 0, replayed: 0 };
  private readonly captured: Capture[] = [];
  private seen = 0;
  private untilUs = 0;
  private ticking = false;
  private readonly types = new Set<string>();

  constructor(
    private readonly w: ForgeWorld,
    private readonly random: Random,
  ) {
    w.tapDeliveries((to, from, svc, msg, reliable) => this.capture({ to, from, svc, msg, replayable: !reliable || svc === 'raft' }));
  }

  /** Forges `ratePerSec` messages a second until `untilUs` (overlapping faults: the higher rate and later end win). */
  start(ratePerSec: number, untilUs: Micros): void {
    this.untilUs = Math.max(this.untilUs, untilUs);
    this.rateUsGap = Math.min(this.rateUsGap, Math.max(1, Math.round(1_000_000 / ratePerSec)));
    if (this.ticking) return;
    this.ticking = true;
    this.w.atTime(this.w.now() + this.rateUsGap, () => this.tick());
  }

  private rateUsGap = Number.MAX_SAFE_INTEGER;

  private tick(): void {
    if (this.w.now() > this.untilUs) {
      this.ticking = false;
      this.rateUsGap = Number.MAX_SAFE_INTEGER;
      return;
    }
    this.forgeOne();
    this.w.atTime(this.w.now() + this.rateUsGap, () => this.tick());
  }

  private capture(c: Capture): void {
    if (typeof c.msg !== 'object' || c.msg === null || typeof c.msg.type !== 'string') return; // only real traffic
    this.seen++;
    this.types.add(c.msg.type);
    if (this.captured.length < CAPTURE_SLOTS) {
      this.captured.push({ ...c, msg: structuredClone(c.msg) });
      return;
    }
    // Reservoir sampling (Vitter's algorithm R): every delivery so far is equally likely kept,
    // so old messages stay available for stale replays.
    const j = this.random.int(this.seen);
    if (j < CAPTURE_SLOTS) this.captured[j] = { ...c, msg: structuredClone(c.msg) };
  }

  private forgeOne(): void {
    const r = this.random.next();
    const nodes = this.w.topology.nodes;
    const pick = <T>(xs: readonly T[]): T => xs[this.random.int(xs.length)]!;
    if (r < 0.3 || this.captured.length === 0) {
      const to = pick(nodes);
      const services = this.w.servicesOf(to);
      if (services.length === 0) return;
      this.stats.garbage++;
      this.send(to, pick(nodes), pick(services), this.garbage(2));
      return;
    }
    const c = pick(this.captured);
    if (r < 0.6) {
      const m = mutateMessage(c.msg, this.random, (depth) => this.garbage(depth));
      this.stats.mutated++;
      // A mutation the schema accepts is a well-formed lie: only a non-member could send it.
      this.send(c.to, validateWire(c.svc, m) === null ? pick(NON_MEMBERS) : c.from, c.svc, m);
      return;
    }
    if (r < 0.75) {
      this.stats.nonMember++;
      this.send(c.to, pick(NON_MEMBERS), c.svc, this.forgery(c.msg));
      return;
    }
    if (!c.replayable) return;
    this.stats.replayed++;
    this.send(c.to, c.from, c.svc, structuredClone(c.msg));
  }

  private send(to: NodeId, from: NodeId, svc: string, msg: unknown): void {
    this.stats.sent++;
    // A little spread so forged messages interleave with real ones rather than arrive at once.
    this.w.injectRaw(to, from, svc, msg, this.random.int(5_000));
  }

  /** A well-formed message a non-member might send: far higher terms and incarnations. */
  private forgery(msg: Message): unknown {
    const m: Record<string, unknown> = { ...structuredClone(msg) };
    for (const k of ['term', 'inc', 'commit', 'seq', 'index']) if (typeof m[k] === 'number') m[k] = (m[k] as number) + 1_000_000;
    return m;
  }

  private garbage(depth: number): unknown {
    switch (this.random.int(depth > 0 ? 8 : 5)) {
      case 0:
        return this.random.int(2 ** 31) - 2 ** 30;
      case 1:
        return this.random.next() * 1e6;
      case 2:
        return 'x'.repeat(this.random.int(40));
      case 3:
        return this.random.chance(0.5) ? null : undefined;
      case 4:
        return WRONG[this.random.int(WRONG.length)];
      case 5:
        return Array.from({ length: this.random.int(4) }, () => this.garbage(depth - 1));
      default: {
        const types = [...this.types];
        const o: Record<string, unknown> = { type: types.length > 0 && this.random.chance(0.8) ? types[this.random.int(types.length)] : `bogus.${this.random.int(10)}` };
        const keys = ['term', 'seq', 'u', 'node', 'app', 'entries', 'states', 'id', 'cmd', 'req', 'results', 'card', 'membership', 'cid'];
        for (let i = this.random.int(5); i > 0; i--) o[keys[this.random.int(keys.length)]!] = this.garbage(depth - 1);
        return o;
      }
    }
  }
}

/**
 * One field of a message, at any depth, deleted, set to a wrong-typed value or to `garbage(depth)`;
 * or its type changed. The message itself is not touched (a copy is mutated).
 */
export function mutateMessage(msg: Message, random: Random, garbage: (depth: number) => unknown): unknown {
  const clone: unknown = structuredClone(msg);
  // A service may send a bare value (not a record): replace it with garbage instead.
  if (typeof clone !== 'object' || clone === null) return garbage(0);
  const copy = clone as Record<string, unknown>;
  const slots: { holder: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 5 || slots.length > 300 || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) v.forEach((x, i) => (slots.push({ holder: v, key: i }), walk(x, depth + 1)));
    else for (const k of Object.keys(v)) (slots.push({ holder: v as Record<string, unknown>, key: k }), walk((v as Record<string, unknown>)[k], depth + 1));
  };
  walk(copy, 0);
  const mode = random.int(4);
  if (mode === 0 || slots.length === 0) {
    copy.type = random.chance(0.5) ? `${String(copy.type)}.x` : garbage(0);
    return copy;
  }
  const s = slots[random.int(slots.length)]!;
  const holder = s.holder as Record<string | number, unknown>;
  if (mode === 1) {
    if (Array.isArray(s.holder)) s.holder.splice(s.key as number, 1);
    else delete holder[s.key];
  } else if (mode === 2) holder[s.key] = WRONG[random.int(WRONG.length)];
  else holder[s.key] = garbage(1);
  return copy;
}
