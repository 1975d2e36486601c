/**
 * Test harness: a simulated Raft cluster running a tiny append-only-list state machine, with the
 * safety checker attached to every incarnation of every node, and a retrying client.
 */
import { ms, sec, type Micros, type NodeId } from '../../src/core/env.ts';
import type { StateMachine } from '../../src/core/sm.ts';
import { RaftNode, type RaftConfig } from '../../src/core/raft/index.ts';
import { RaftSafetyChecker } from '../../src/sim/checkers/raft-safety.ts';
import { World } from '../../src/sim/index.ts';
import type { DiskSpec, LatencySpec, NetworkSpec } from '../../src/sim/index.ts';

/** The test state machine: an append-only list; a command appends its string and returns the new length. */
export class ListSM implements StateMachine<string, number> {
  items: string[] = [];
  apply(cmd: string): number {
    this.items.push(cmd);
    return this.items.length;
  }
  snapshot(): unknown {
    return [...this.items];
  }
  restore(s: unknown): void {
    this.items = [...(s as string[])];
  }
}

export interface RaftApp {
  readonly raft: RaftNode<string, number>;
  readonly sm: ListSM;
  start(): void;
}

export interface ClusterOptions {
  readonly seed: number | string;
  /** Initial voters. */
  readonly voters: readonly NodeId[];
  /** Nodes that exist in the topology and start with no membership (to be added later). */
  readonly joiners?: readonly NodeId[];
  readonly raft?: Partial<RaftConfig>;
  /** Per-node overrides (e.g. a deliberately broken node). */
  readonly raftFor?: (id: NodeId) => Partial<RaftConfig>;
  readonly network?: NetworkSpec;
  readonly disk?: DiskSpec;
  readonly latency?: Partial<LatencySpec>;
  readonly throwOnViolation?: boolean;
  readonly recordTrace?: boolean;
}

export class Cluster {
  readonly world: World;
  readonly checker: RaftSafetyChecker;
  readonly ids: NodeId[];

  constructor(readonly opts: ClusterOptions) {
    this.ids = [...opts.voters, ...(opts.joiners ?? [])];
    this.world = World.lan(this.ids, opts.seed, {
      dc: 'dc',
      latency: opts.latency ?? { sameDc: { kind: 'uniform', min: ms(0.5), max: ms(2) } },
      network: opts.network ?? {},
      disk: opts.disk ?? {},
      recordTrace: opts.recordTrace ?? false,
    });
    this.checker = new RaftSafetyChecker({ throwOnViolation: opts.throwOnViolation ?? true });
    const joiners = new Set(opts.joiners ?? []);
    this.world.setup<RaftApp>((ctx) => {
      const sm = new ListSM();
      const raft = new RaftNode<string, number>(ctx.env('raft'), sm, {
        ...opts.raft,
        ...(opts.raftFor?.(ctx.id) ?? {}),
        voters: joiners.has(ctx.id) ? [] : opts.voters,
      });
      this.checker.attach(raft);
      return { raft, sm, start: () => raft.start() };
    });
  }

  start(): this {
    this.world.start();
    return this;
  }

  app(id: NodeId): RaftApp | undefined {
    return this.world.app<RaftApp>(id);
  }

  raft(id: NodeId): RaftNode<string, number> {
    const a = this.app(id);
    if (!a) throw new Error(`${id} is down`);
    return a.raft;
  }

  live(): RaftNode<string, number>[] {
    return this.ids.filter((id) => this.world.isUp(id)).map((id) => this.app(id)!.raft);
  }

  /** The live leader with the highest term, if any. */
  leader(): RaftNode<string, number> | undefined {
    let best: RaftNode<string, number> | undefined;
    for (const r of this.live()) if (r.isLeader() && (!best || r.term() > best.term())) best = r;
    return best;
  }

  /** Runs until some node leads and a quorum of live nodes follows it (same term), or the limit. */
  waitStableLeader(limitUs: Micros): RaftNode<string, number> | undefined {
    const ok = this.world.runUntil(() => {
      const l = this.leader();
      if (!l) return false;
      const followers = this.live().filter((r) => r.term() === l.term() && r.leader() === l.id()).length;
      return followers >= Math.floor(l.membership().voters.length / 2) + 1;
    }, this.world.now() + limitUs);
    return ok ? this.leader() : undefined;
  }

  /** Proposes `value` through whoever leads now; calls back with the result (or an error string). */
  proposeOnce(value: string, done: (r: { ok: true; index: number } | { ok: false; error: string }) => void, dedup?: { client: string; seq: number }): void {
    const l = this.leader();
    if (!l) return done({ ok: false, error: 'no-leader' });
    l.propose(value, (r) => done(r.ok ? { ok: true, index: r.index } : { ok: false, error: r.error }), dedup);
  }

  /** Runs until `value` is committed via a leader, or the limit; returns the index or undefined. */
  write(value: string, limitUs: Micros): number | undefined {
    let index: number | undefined;
    let inFlight = false;
    const deadline = this.world.now() + limitUs;
    let attemptUntil = 0;
    this.world.runUntil(() => {
      if (index !== undefined) return true;
      if (!inFlight || this.world.now() >= attemptUntil) {
        const l = this.leader();
        if (l) {
          inFlight = true;
          attemptUntil = this.world.now() + ms(500);
          l.propose(value, (r) => {
            inFlight = false;
            if (r.ok) index = r.index;
          }, { client: 'writer', seq: this.writeSeq });
        }
      }
      return false;
    }, deadline);
    this.writeSeq++;
    return index;
  }
  private writeSeq = 1;

  checkLogs(): void {
    this.checker.checkLogs(this.live());
  }
}

/**
 * A steady client load: every `periodUs` a free slot proposes a new value through the current leader.
 * Each slot is one dedup client with sequential sequence numbers (one command outstanding per client,
 * as the dissertation's §6.3 sessions assume); failures are retried with the same sequence number.
 */
export class Workload {
  readonly completed: { value: string; index: number; atUs: Micros }[] = [];
  private readonly busy: boolean[];
  private readonly slotSeq: number[];
  private stopped = false;
  issued = 0;

  constructor(private readonly c: Cluster, private readonly periodUs: Micros, private readonly name = 'w', slots = 8) {
    this.busy = new Array<boolean>(slots).fill(false);
    this.slotSeq = new Array<number>(slots).fill(0);
  }

  start(): this {
    const tick = () => {
      if (this.stopped) return;
      const k = this.busy.indexOf(false);
      if (k >= 0) {
        this.busy[k] = true;
        this.issue(k, ++this.slotSeq[k]!, 0);
      }
      this.c.world.after(this.periodUs, tick);
    };
    this.c.world.after(this.periodUs, tick);
    return this;
  }

  stop(): void {
    this.stopped = true;
  }

  private issue(slot: number, seq: number, attempt: number): void {
    if (this.stopped || attempt > 100) {
      this.busy[slot] = false;
      return;
    }
    this.issued++;
    const client = `${this.name}.${slot}`;
    const value = `${client}#${seq}`;
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      return true;
    };
    const retry = () => this.c.world.after(ms(100), () => this.issue(slot, seq, attempt + 1));
    // A proposal to a node that crashes never calls back: time out and retry (same seq: dedup).
    const timeout = this.c.world.after(sec(1), () => {
      if (settle()) retry();
    });
    this.c.proposeOnce(value, (r) => {
      if (!settle()) return;
      timeout.cancel();
      if (r.ok) {
        this.completed.push({ value, index: r.index, atUs: this.c.world.now() });
        this.busy[slot] = false;
      } else retry();
    }, { client, seq });
  }
}
