/**
 * Step-level Raft harness, in the style of etcd-io/raft's raft_paper_test.go: RaftNodes on fake
 * Envs that share one manual clock; no World, no network. A test builds nodes in a given state
 * (term, vote, log), delivers messages by hand (`deliver`), fires timers (`fire`, `advance`) and
 * takes what the nodes sent (`drain`). Nothing moves unless the test moves it.
 *
 * Defaults are the paper's plain Raft (no PreVote, no CheckQuorum); a test opts in via `config`.
 * Entry 1 of every prebuilt log is the bootstrap membership (as hashicorp/raft's BootstrapCluster
 * writes it), so a new leader appends just its no-op.
 */
import type { Env, Message, Micros, NodeId, Timer, TraceFields } from '../../src/core/env.ts';
import { RaftNode, makeMembership, type RaftConfig, type RaftMutation } from '../../src/core/raft/index.ts';
import type { Entry } from '../../src/core/raft/entry.ts';
import type { RaftMessage } from '../../src/core/raft/messages.ts';
import { MemoryStorage } from '../../src/sim/index.ts';
import { randomStream } from '../../src/host/random.ts';
import { armAsyncSync } from '../../src/sim/disk-sync.ts';
import { ListSM } from './cluster.ts';

export interface Sent {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: RaftMessage;
  /** Storage mutations of the sender not yet synced when the message left (persist-before-send). */
  readonly unsynced: number;
}

export interface NodeSpec {
  readonly voters: readonly NodeId[];
  /** Current term (default: the last log term, at least 1). */
  readonly term?: number;
  readonly vote?: NodeId;
  /** Terms of the log entries 1..n; entry 1 is the bootstrap config (default [1]). */
  readonly log?: readonly number[];
  readonly config?: Partial<RaftConfig>;
  readonly mutations?: readonly RaftMutation[];
}

interface PendingTimer {
  readonly at: Micros;
  readonly seq: number;
  readonly node: NodeId;
  readonly gen: number;
  readonly fn: () => void;
  cancelled: boolean;
}

type Filter = { readonly from?: NodeId; readonly to?: NodeId; readonly type?: RaftMessage['type'] };

export const PAPER_CONFIG: Partial<RaftConfig> = { preVote: false, checkQuorum: false };

/** A prebuilt log: entry 1 the membership, then a command per term given. */
export function buildLog(voters: readonly NodeId[], terms: readonly number[]): Entry[] {
  return terms.map((term, k) =>
    k === 0 ? { index: 1, term, kind: 'config', membership: makeMembership(voters) } : { index: k + 1, term, kind: 'cmd', data: `e${k + 1}` },
  );
}

export class StepHarness {
  private nowUs = 0;
  private seq = 0;
  private timers: PendingTimer[] = [];
  private readonly gens = new Map<NodeId, number>();
  private readonly handlers = new Map<NodeId, (from: NodeId, msg: Message) => void>();
  private readonly specs = new Map<NodeId, NodeSpec>();
  private outbox: Sent[] = [];
  readonly storages = new Map<NodeId, MemoryStorage>();
  readonly nodes = new Map<NodeId, RaftNode<string, number>>();
  readonly sms = new Map<NodeId, ListSM>();
  readonly traces: { node: NodeId; kind: string; fields: TraceFields }[] = [];

  constructor(private readonly seed = 1) {}

  now(): Micros {
    return this.nowUs;
  }

  /** A node with the given persistent state, started. */
  add(id: NodeId, spec: NodeSpec): RaftNode<string, number> {
    const st = new MemoryStorage();
    const terms = spec.log ?? [1];
    const log = buildLog(spec.voters, terms);
    if (log.length > 0) st.append(log);
    const term = spec.term ?? Math.max(1, terms[terms.length - 1] ?? 1);
    st.save('hs', { term, vote: spec.vote ?? null });
    st.sync();
    this.storages.set(id, st);
    this.specs.set(id, spec);
    return this.boot(id);
  }

  /**
   * A crash and restart: unsynced storage mutations are lost (all of them), timers and handlers of
   * the old incarnation are gone, and a new RaftNode recovers from what was synced.
   */
  restart(id: NodeId): RaftNode<string, number> {
    this.storages.get(id)!.crash(randomStream(this.seed, `disk-${id}`), 1, 0);
    return this.boot(id);
  }

  private boot(id: NodeId): RaftNode<string, number> {
    const gen = (this.gens.get(id) ?? 0) + 1;
    this.gens.set(id, gen);
    for (const t of this.timers) if (t.node === id) t.cancelled = true;
    const spec = this.specs.get(id)!;
    const sm = new ListSM();
    const config: Partial<RaftConfig> = {
      ...PAPER_CONFIG,
      ...spec.config,
      voters: spec.voters,
      ...(spec.mutations !== undefined ? { mutations: new Set(spec.mutations) } : {}),
    };
    const node = new RaftNode<string, number>(this.envOf(id, gen), sm, config);
    this.nodes.set(id, node);
    this.sms.set(id, sm);
    node.start();
    return node;
  }

  private envOf(id: NodeId, gen: number): Env {
    const storage = this.storages.get(id)!;
    // Asynchronous writes complete on the node's next turn (a zero-latency disk), as a timer of this incarnation.
    armAsyncSync(storage, 0, (delay, fn) => {
      const t: PendingTimer = { at: this.nowUs + delay, seq: this.seq++, node: id, gen, fn, cancelled: false };
      this.timers.push(t);
      return { cancel: () => void (t.cancelled = true) } satisfies Timer;
    });
    return {
      self: id,
      service: 'raft',
      now: () => this.nowUs,
      after: (delay, fn) => {
        const t: PendingTimer = { at: this.nowUs + delay, seq: this.seq++, node: id, gen, fn, cancelled: false };
        this.timers.push(t);
        return { cancel: () => void (t.cancelled = true) } satisfies Timer;
      },
      send: (to, msg) => {
        if (this.gens.get(id) !== gen) return;
        this.outbox.push({ from: id, to, msg: msg as RaftMessage, unsynced: storage.unsyncedCount() });
      },
      onMessage: (handler) => void this.handlers.set(id, handler),
      storage,
      random: randomStream(this.seed, `raft-${id}-${gen}`),
      trace: (kind, fields) => void this.traces.push({ node: id, kind, fields: fields ?? {} }),
    };
  }

  node(id: NodeId): RaftNode<string, number> {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Hands `msg` from `from` to `to`, then runs whatever became due (the zero-delay flushes). */
  deliver(to: NodeId, from: NodeId, msg: RaftMessage): void {
    const h = this.handlers.get(to);
    if (h === undefined) throw new Error(`no node ${to}`);
    h(from, msg);
    this.runDue();
  }

  /** Delivers every drained message whose destination is a node of this harness; returns how many. */
  deliverAll(sent: readonly Sent[]): number {
    let n = 0;
    for (const s of sent) {
      if (!this.handlers.has(s.to)) continue;
      this.deliver(s.to, s.from, s.msg);
      n++;
    }
    return n;
  }

  /** Takes (and removes) the messages sent so far that match the filter. */
  drain(filter: Filter = {}): Sent[] {
    const match = (s: Sent) =>
      (filter.from === undefined || s.from === filter.from) && (filter.to === undefined || s.to === filter.to) && (filter.type === undefined || s.msg.type === filter.type);
    const out = this.outbox.filter(match);
    this.outbox = this.outbox.filter((s) => !match(s));
    return out;
  }

  /** Runs the earliest pending timer of `id` (moving the clock to it), then what became due. */
  fire(id: NodeId): boolean {
    const next = this.live()
      .filter((t) => t.node === id)
      .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
    if (next === undefined) return false;
    if (next.at > this.nowUs) this.nowUs = next.at;
    this.run(next);
    this.runDue();
    return true;
  }

  /** Fires `id`'s timers until its election timeout starts a campaign (bounded). */
  timeout(id: NodeId): void {
    const r = this.node(id);
    const term = r.term();
    const role = r.role();
    for (let k = 0; k < 20; k++) {
      if (r.term() !== term || r.role() !== role) return;
      if (!this.fire(id)) break;
    }
    if (r.term() === term && r.role() === role) throw new Error(`${id} did not time out`);
  }

  /** Moves the clock forward, running every timer of every node that falls due, in time order. */
  advance(us: Micros): void {
    const end = this.nowUs + us;
    for (let k = 0; k < 100_000; k++) {
      const next = this.live()
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.nowUs = Math.max(this.nowUs, next.at);
      this.run(next);
    }
    this.nowUs = end;
  }

  /** Runs the timers due now (zero-delay flushes, heartbeats scheduled "now"). */
  runDue(): void {
    this.advance(0);
  }

  private live(): PendingTimer[] {
    this.timers = this.timers.filter((t) => !t.cancelled && this.gens.get(t.node) === t.gen);
    return this.timers;
  }

  private run(t: PendingTimer): void {
    t.cancelled = true;
    t.fn();
  }

  /**
   * Makes `id` leader: it times out and campaigns, every harness node answers, and the answers go
   * back. Messages to nodes outside the harness are dropped.
   */
  elect(id: NodeId): RaftNode<string, number> {
    this.timeout(id);
    this.deliverAll(this.drain({ from: id, type: 'raft.vote' }));
    this.deliverAll(this.drain({ to: id, type: 'raft.vote.resp' }));
    const r = this.node(id);
    if (!r.isLeader()) throw new Error(`${id} was not elected (role ${r.role()}, term ${r.term()})`);
    return r;
  }

  /**
   * Delivers messages back and forth among harness nodes until none is left (bounded): the
   * network of a test that wants replication to simply happen.
   */
  exchange(maxRounds = 100): void {
    for (let k = 0; k < maxRounds; k++) {
      const batch = this.drain();
      if (this.deliverAll(batch) === 0) return;
    }
    throw new Error('messages still flowing after the round bound');
  }

  /** Terms of a node's log entries 1..last (the compacted prefix as undefined). */
  terms(id: NodeId): (number | undefined)[] {
    const r = this.node(id);
    return Array.from({ length: r.lastIndex() }, (_, k) => r.entryAt(k + 1)?.term);
  }
}
