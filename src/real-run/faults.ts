/**
 * Plays a scenario's fault timeline on real processes:
 *   crash   = SIGKILL, restarted with the same data dir and flags after `for` (or at `restart`);
 *   restart = SIGTERM + start (start only, when the node is down);
 *   pause / resume = SIGSTOP / SIGCONT;
 *   partition (both ways or oneWay), isolate, heal = drop rules in our nft table (nft.ts);
 *   corrupt (where mid / tail) / wipe = SIGKILL, the stopped node's files damaged with the
 *   helpers the real-process storage tests use (src/net-real/disk-damage.ts), restart after `for`.
 * Every other kind (loss, latency, clock skew, duplication, reordering, slow nodes,
 * restore-stale, disk-full, corrupt of the state file, forged peers) is NOT played: it is listed as skipped, and the verdict says so. So is a
 * partition when nft or root is missing. Client nodes run in this process, each sending from an
 * address of its own (client-nodes.ts): cutting one is an nft rule too; crash/pause stop it.
 * Role selectors are resolved by the simulator's resolver over the agents' view (roles.ts).
 */
import type { Micros, NodeId } from '../core/env.ts';
import type { TopologyIndex } from '../scenario/topology.ts';
import type { Fault, ScheduledFault, Selector } from '../sim/types.ts';
import type { RealCluster, RealNode } from './cluster.ts';
import type { Cut, NftTable } from './nft.ts';
import { splitSelector } from '../sim/roles.ts';
import { basename } from 'node:path';
import { flipMidSegment, tearSegmentTail, wipeDataDir } from '../net-real/disk-damage.ts';
import type { ClientNode, ClientNodes } from './client-nodes.ts';
import type { RealRoleView } from './roles.ts';

/** What a node fault acts on: an agent process, or a client node of this process. */
type Target = { readonly kind: 'server'; readonly node: RealNode } | { readonly kind: 'client'; readonly node: ClientNode };

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
export const REAL_FAULT_KINDS = ['crash', 'restart', 'pause', 'resume', 'partition', 'isolate', 'heal', 'corrupt', 'wipe'] as const;
const NET_KINDS = new Set(['partition', 'isolate', 'heal']);

export class FaultPlayer {
  readonly played: PlayedFault[] = [];
  readonly skipped: SkippedFault[] = [];
  readonly errors: string[] = [];
  /** Faults played, by kind (progress lines and the run's summary). */
  readonly counts = new Map<string, number>();
  /** Active cuts, by the id of the fault that made them. */
  private readonly cuts = new Map<number, Cut[]>();
  private nextCut = 1;
  private readonly timers = new Set<NodeJS.Timeout>();
  private pending = Promise.resolve();
  private stopped = false;
  /** Addresses a selector names besides nodes (the failover module's targets, failover.ts). */
  extraAddrs: ((sel: string) => readonly { name: string; addr: string }[]) | undefined;

  constructor(
    private readonly cluster: RealCluster,
    private readonly topo: TopologyIndex,
    /** undefined: partitions are skipped, for this reason. */
    private readonly nft: NftTable | undefined,
    private readonly nftReason: string | undefined,
    private readonly t0: number,
    private readonly roles: RealRoleView,
    private readonly clients: ClientNodes | undefined,
    /** Told each played or skipped fault as it happens (progress output). */
    private readonly onNote: (line: string) => void = () => {},
  ) {}

  /** The cuts in force now. */
  cutsNow(): Cut[] {
    return [...this.cuts.values()].flat();
  }

  /** Schedules every fault at its time (relative to t0). */
  schedule(faults: readonly ScheduledFault[]): void {
    for (const sf of faults) {
      this.at(sf.at, async () => {
        const [skipped, errors] = [this.skipped.length, this.errors.length];
        await this.play(sf.fault);
        if (this.skipped.length === skipped && this.errors.length === errors) this.counts.set(sf.fault.kind, (this.counts.get(sf.fault.kind) ?? 0) + 1);
      });
    }
  }

  /** Lists a fault as skipped now (a nemesis draw the player cannot take). */
  skipNow(kind: string, reason: string): void {
    this.skip(kind, reason);
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

  private async play(written: Fault): Promise<void> {
    if (!(REAL_FAULT_KINDS as readonly string[]).includes(written.kind)) {
      return this.skip(written.kind, written.kind === 'clock' ? 'clock skew cannot be applied to a real process here' : `a real run cannot play ${written.kind} (no tc netem, restore-stale, disk-full or forge hooks here)`);
    }
    if (NET_KINDS.has(written.kind) && !this.nft) return this.skip(written.kind, this.nftReason ?? 'nft unavailable');
    // Role selectors: the simulator's resolver over the agents' view (roles.ts).
    const r = await this.roles.resolve(written);
    if (!r.ok) return this.skip(written.kind, r.reason);
    const f = r.fault;
    const roles = r.roles ? ` [${r.roles}]` : '';
    switch (f.kind) {
      case 'crash': {
        const n = this.one(f.node, f.kind);
        if (!n) return;
        if (n.kind === 'client') {
          n.node.state = 'down';
          this.note(`crash client ${n.node.name} (its requests stop)${roles}`);
          this.after(f, async () => {
            n.node.state = 'up';
            this.note(`restart client ${n.node.name}`);
          });
          return;
        }
        await this.cluster.kill(n.node);
        this.note(`crash ${n.node.name} (SIGKILL)${roles}`);
        this.after(f, async () => {
          await this.cluster.start(n.node);
          this.note(`restart ${n.node.name} (same data dir)`);
        });
        return;
      }
      case 'restart': {
        const n = this.one(f.node, f.kind);
        if (!n) return;
        if (n.kind === 'client') {
          n.node.state = 'up';
          this.note(`restart client ${n.node.name}`);
          return;
        }
        if (n.node.state !== 'down') await this.cluster.terminate(n.node);
        await this.cluster.start(n.node);
        this.note(`restart ${n.node.name} (SIGTERM + start)${roles}`);
        return;
      }
      case 'pause': {
        const n = this.one(f.node, f.kind);
        if (!n) return;
        if (n.kind === 'client') {
          if (n.node.state === 'up') n.node.state = 'paused';
          this.note(`pause client ${n.node.name}`);
        } else {
          this.cluster.pause(n.node);
          this.note(`pause ${n.node.name} (SIGSTOP)${roles}`);
        }
        this.after(f, async () => this.resume(n));
        return;
      }
      case 'resume': {
        const n = this.one(f.node, f.kind);
        if (n) this.resume(n);
        return;
      }
      case 'partition': {
        const sides = f.sides.map((side) => this.addrsOf(side));
        const cuts: Cut[] = [];
        for (let i = 0; i < sides.length; i++) {
          for (let j = 0; j < sides.length; j++) {
            if (i === j || (f.oneWay && !(i === 0 && j === 1))) continue;
            for (const a of sides[i]!) for (const b of sides[j]!) if (a.kind !== 'client' || b.kind !== 'client') cuts.push({ from: a.addr, to: b.addr });
          }
        }
        const text = sides.map((s) => s.map((n) => n.name).join(',')).join(f.oneWay ? ' -> ' : ' | ');
        this.addCuts(cuts, `partition ${text}${roles}`, f);
        return;
      }
      case 'isolate': {
        const inside = this.addrsOf([f.target]);
        const names = new Set(inside.map((n) => n.name));
        const outside = this.addrsOf(['*']).filter((n) => !names.has(n.name));
        const cuts: Cut[] = [];
        for (const a of inside) {
          for (const b of outside) if (a.kind !== 'client' || b.kind !== 'client') cuts.push({ from: a.addr, to: b.addr }, { from: b.addr, to: a.addr });
        }
        this.addCuts(cuts, `isolate ${[...names].join(',')}${roles}`, f);
        return;
      }
      case 'corrupt':
      case 'wipe': {
        if (f.kind === 'corrupt' && f.where === 'state') return this.skip(f.kind, 'corrupting the hard-state file is not done on real processes (only the log: where mid or tail)');
        const n = this.one(f.node, f.kind);
        if (!n) return;
        if (n.kind === 'client') return this.skip(f.kind, `${n.node.name} is a client node: it has no data dir`);
        // As in the simulator: the node crashes now, its stopped files are damaged, it restarts after `for`.
        await this.cluster.kill(n.node);
        let what: string;
        if (f.kind === 'wipe') {
          wipeDataDir(n.node.dataDir);
          what = 'data dir wiped';
        } else {
          const seg = f.where === 'mid' ? flipMidSegment(n.node.dataDir) : tearSegmentTail(n.node.dataDir);
          what = seg === undefined ? 'no Raft log segment to damage (nothing changed)' : f.where === 'mid' ? `one byte flipped mid ${basename(seg)}` : `${basename(seg)} torn (last bytes cut)`;
          if (f.records !== undefined || f.key !== undefined || f.svc !== undefined) what += '; records/key/svc not applied (real damage is one byte or a torn tail of the Raft log)';
        }
        this.note(`${f.kind} ${n.node.name}: SIGKILL, ${what}${roles}`);
        this.after(f, async () => {
          this.cluster.startNoWait(n.node);
          this.note(`restart ${n.node.name} (damaged data dir; not waiting for it to answer: it may be repairing)`);
        });
        return;
      }
      case 'heal':
        this.cuts.clear();
        this.nft!.setCuts([]);
        this.note('heal (every nft rule removed)');
        return;
    }
  }

  private resume(n: Target): void {
    if (n.kind === 'client') {
      if (n.node.state === 'paused') n.node.state = 'up';
      this.note(`resume client ${n.node.name}`);
      return;
    }
    this.cluster.resume(n.node);
    this.note(`resume ${n.node.name} (SIGCONT)`);
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

  /** Node names a (resolved) selector slot names: 'n1+n2' is several (src/sim/roles.ts). */
  private names(sel: Selector): string[] {
    return this.topo.expandAll(splitSelector(sel));
  }

  /** The one node of a node fault; skipped (with the reason) when it names none or several. */
  private one(sel: NodeId, kind: string): Target | undefined {
    const ns = this.names(sel);
    if (ns.length !== 1) {
      this.skip(kind, `${sel} names ${ns.length} nodes`);
      return undefined;
    }
    const server = this.cluster.nodes.find((n) => n.name === ns[0]);
    if (server) return { kind: 'server', node: server };
    const client = this.clients?.get(ns[0]!);
    if (client) return { kind: 'client', node: client };
    this.skip(kind, `${ns[0]} runs nothing in this real run`);
    return undefined;
  }

  /** Addresses of the nodes some selectors name (servers, client nodes, targets; others run nothing). */
  private addrsOf(sels: readonly Selector[]): { name: string; addr: string; kind: 'server' | 'client' | 'target' }[] {
    const out: { name: string; addr: string; kind: 'server' | 'client' | 'target' }[] = [];
    const split = sels.flatMap((s) => splitSelector(s));
    for (const name of this.topo.expandAll(split)) {
      const server = this.cluster.nodes.find((n) => n.name === name);
      if (server) out.push({ name, addr: server.addr, kind: 'server' });
      else {
        const c = this.clients?.get(name);
        if (c) out.push({ name, addr: c.addr, kind: 'client' });
      }
    }
    for (const s of split) for (const t of this.extraAddrs?.(s) ?? []) if (!out.some((o) => o.addr === t.addr)) out.push({ ...t, kind: 'target' });
    return out;
  }
}
