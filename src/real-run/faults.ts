/**
 * Plays a scenario's fault timeline on real processes:
 *   crash   = SIGKILL, restarted with the same data dir and flags after `for` (or at `restart`);
 *   restart = SIGTERM + start (start only, when the node is down);
 *   pause / resume = SIGSTOP / SIGCONT;
 *   partition (both ways or oneWay), isolate, heal = drop rules in our nft table (nft.ts).
 * Every other kind (loss, latency, clock skew, duplication, reordering, slow nodes, storage
 * damage, forged peers) is NOT played: it is listed as skipped, and the verdict says so. So is a
 * partition when nft or root is missing. Links to client nodes are not cut: the clients run in
 * this process on 127.0.0.1.
 */
import type { Micros, NodeId } from '../core/env.ts';
import type { TopologyIndex } from '../scenario/topology.ts';
import type { Fault, ScheduledFault, Selector } from '../sim/types.ts';
import type { RealCluster, RealNode } from './cluster.ts';
import type { Cut, NftTable } from './nft.ts';

export interface PlayedFault {
  /** Milliseconds since the run started. */
  readonly atMs: number;
  readonly text: string;
}

export interface SkippedFault {
  readonly atMs: number;
  readonly kind: string;
  readonly reason: string;
}

/** Kinds a real run plays (with nft for the network ones). */
export const REAL_FAULT_KINDS = ['crash', 'restart', 'pause', 'resume', 'partition', 'isolate', 'heal'] as const;
const NET_KINDS = new Set(['partition', 'isolate', 'heal']);

export class FaultPlayer {
  readonly played: PlayedFault[] = [];
  readonly skipped: SkippedFault[] = [];
  readonly errors: string[] = [];
  /** Active cuts, by the id of the fault that made them. */
  private readonly cuts = new Map<number, Cut[]>();
  private nextCut = 1;
  private readonly timers = new Set<NodeJS.Timeout>();
  private pending = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly cluster: RealCluster,
    private readonly topo: TopologyIndex,
    /** undefined: partitions are skipped, for this reason. */
    private readonly nft: NftTable | undefined,
    private readonly nftReason: string | undefined,
    private readonly t0: number,
    /** Told each played or skipped fault as it happens (progress output). */
    private readonly onNote: (line: string) => void = () => {},
  ) {}

  /** Schedules every fault at its time (relative to t0). */
  schedule(faults: readonly ScheduledFault[]): void {
    for (const sf of faults) this.at(sf.at, () => this.play(sf.fault));
  }

  /** Cancels what has not fired and waits for the fault being played. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.pending;
  }

  private at(us: Micros, fn: () => Promise<void>): void {
    const delay = Math.max(0, us / 1000 - (performance.now() - this.t0));
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stopped) return;
      // One fault at a time, in order: a restart must not race the kill before it.
      this.pending = this.pending.then(() => (this.stopped ? undefined : fn())).catch((e: Error) => {
        this.errors.push(e.message);
      });
    }, delay);
    this.timers.add(t);
  }

  private now(): number {
    return Math.round(performance.now() - this.t0);
  }

  private note(text: string): void {
    this.played.push({ atMs: this.now(), text });
    this.onNote(`${(this.now() / 1000).toFixed(1)}s ${text}`);
  }

  private skip(kind: string, reason: string): void {
    this.skipped.push({ atMs: this.now(), kind, reason });
    this.onNote(`${(this.now() / 1000).toFixed(1)}s SKIPPED ${kind}: ${reason}`);
  }

  private after(f: Fault, fn: () => Promise<void>): void {
    const forUs = (f as { for?: Micros }).for;
    if (forUs !== undefined) this.at((this.now() * 1000) + forUs, fn);
  }

  private async play(f: Fault): Promise<void> {
    if (!(REAL_FAULT_KINDS as readonly string[]).includes(f.kind)) {
      return this.skip(f.kind, f.kind === 'clock' ? 'clock skew cannot be applied to a real process here' : `a real run cannot play ${f.kind} (no tc netem / storage / forge hooks)`);
    }
    if (NET_KINDS.has(f.kind) && !this.nft) return this.skip(f.kind, this.nftReason ?? 'nft unavailable');
    switch (f.kind) {
      case 'crash': {
        const n = await this.one(f.node, f.kind);
        if (!n) return;
        await this.cluster.kill(n);
        this.note(`crash ${n.name} (SIGKILL)`);
        this.after(f, async () => {
          await this.cluster.start(n);
          this.note(`restart ${n.name} (same data dir)`);
        });
        return;
      }
      case 'restart': {
        const n = await this.one(f.node, f.kind);
        if (!n) return;
        if (n.state !== 'down') await this.cluster.terminate(n);
        await this.cluster.start(n);
        this.note(`restart ${n.name} (SIGTERM + start)`);
        return;
      }
      case 'pause': {
        const n = await this.one(f.node, f.kind);
        if (!n) return;
        this.cluster.pause(n);
        this.note(`pause ${n.name} (SIGSTOP)`);
        this.after(f, async () => {
          this.cluster.resume(n);
          this.note(`resume ${n.name} (SIGCONT)`);
        });
        return;
      }
      case 'resume': {
        const n = await this.one(f.node, f.kind);
        if (!n) return;
        this.cluster.resume(n);
        this.note(`resume ${n.name} (SIGCONT)`);
        return;
      }
      case 'partition': {
        const sides: RealNode[][] = [];
        for (const side of f.sides) {
          const ns: RealNode[] = [];
          for (const sel of side) for (const n of await this.many(sel, f.kind)) if (!ns.includes(n)) ns.push(n);
          sides.push(ns);
        }
        const cuts: Cut[] = [];
        for (let i = 0; i < sides.length; i++) {
          for (let j = 0; j < sides.length; j++) {
            if (i === j || (f.oneWay && !(i === 0 && j === 1))) continue;
            for (const a of sides[i]!) for (const b of sides[j]!) cuts.push({ from: a.addr, to: b.addr });
          }
        }
        const text = sides.map((s) => s.map((n) => n.name).join(',')).join(f.oneWay ? ' -> ' : ' | ');
        this.addCuts(cuts, `partition ${text}`, f);
        return;
      }
      case 'isolate': {
        const inside = await this.many(f.target, f.kind);
        const names = new Set(inside.map((n) => n.name));
        const cuts: Cut[] = [];
        for (const a of inside) {
          for (const b of this.cluster.nodes) {
            if (names.has(b.name)) continue;
            cuts.push({ from: a.addr, to: b.addr }, { from: b.addr, to: a.addr });
          }
        }
        this.addCuts(cuts, `isolate ${[...names].join(',')}`, f);
        return;
      }
      case 'heal':
        this.cuts.clear();
        this.nft!.setCuts([]);
        this.note('heal (every nft rule removed)');
        return;
    }
  }

  private addCuts(cuts: Cut[], text: string, f: Fault): void {
    if (cuts.length === 0) return this.skip(f.kind, `${text}: no link between two servers to cut`);
    const id = this.nextCut++;
    this.cuts.set(id, cuts);
    this.nft!.setCuts([...this.cuts.values()].flat());
    this.note(`${text} (${cuts.length} nft drop rules)`);
    this.after(f, async () => {
      if (!this.cuts.delete(id)) return; // healed already
      this.nft!.setCuts([...this.cuts.values()].flat());
      this.note(`end of ${text}`);
    });
  }

  /** One server node for a node fault; skipped (with the reason) when it names none. */
  private async one(sel: NodeId, kind: string): Promise<RealNode | undefined> {
    const ns = await this.many(sel, kind);
    if (ns.length !== 1) {
      if (ns.length > 1) this.skip(kind, `${sel} names ${ns.length} servers`);
      return undefined;
    }
    return ns[0];
  }

  /** The server nodes a selector names now (client nodes dropped: they are this process). */
  private async many(sel: Selector, kind: string): Promise<RealNode[]> {
    if (sel === 'leader' || sel === 'followers' || sel === 'a-follower') {
      const leader = await this.leaderNode();
      if (!leader) {
        this.skip(kind, `${sel}: no leader known when the fault fired`);
        return [];
      }
      if (sel === 'leader') return [leader];
      const f = this.cluster.nodes.filter((n) => n !== leader && n.state !== 'down');
      return sel === 'followers' ? f : f.slice(0, 1);
    }
    if (!this.topo.has(sel)) {
      this.skip(kind, `the role selector ${sel} is not resolved in a real run`);
      return [];
    }
    const names = new Set(this.topo.expand(sel));
    const servers = this.cluster.nodes.filter((n) => names.has(n.name));
    const clients = [...names].filter((x) => !servers.some((n) => n.name === x));
    if (clients.length > 0) this.skip(kind, `${clients.join(',')}: not a server; client links are not cut (the clients run in this process on 127.0.0.1)`);
    return servers;
  }

  private async leaderNode(): Promise<RealNode | undefined> {
    for (const n of this.cluster.nodes.filter((x) => x.state === 'up')) {
      try {
        const r = await fetch(`http://${this.cluster.http(n)}/v1/status/leader`, { signal: AbortSignal.timeout(2000) });
        const addr = String(await r.json()).split(':')[0];
        const l = this.cluster.nodes.find((x) => x.addr === addr);
        if (l) return l;
      } catch {
        // ask the next node
      }
    }
    return undefined;
  }
}
