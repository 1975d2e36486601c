/**
 * A primary-backup replicated log, written the way a user of hasim would write one: against
 * the Env interface only (time, messages, storage, randomness and trace all come from `env`),
 * so the same code runs in the simulator and on real sockets.
 *
 * Views: the primary of view v is nodes[v % n]. The primary appends one write per tick, syncs
 * it, and ships its log suffix to every backup; a backup that stops hearing from its primary
 * for an election timeout moves to the next view. A backup accepts appends only from the
 * primary of a view at least as high as its own, and adopts the primary's log from `start`.
 *
 * A write is acknowledged (`pb.ack`, what a client would be told) once EVERY backup has it on
 * disk. With `config.buggy: true` the primary acknowledges as soon as its own disk has it
 * (asynchronous replication): a primary cut off from the others keeps acknowledging writes
 * that the next view overwrites. The checker in checks.ts finds it.
 */
import type { AppNodeInfo, Core, Env, Message, NodeId, Timer } from '../../src/api/index.ts'; // 'hasim' in your project

export interface RegisterConfig {
  /** Acknowledge before the backups have the write (the bug). */
  readonly buggy?: boolean;
}

interface Entry {
  readonly id: string;
  readonly view: number;
}

type PbMessage =
  | { readonly type: 'append'; readonly view: number; readonly start: number; readonly entries: readonly Entry[] }
  | { readonly type: 'ack'; readonly view: number; readonly len: number; readonly ok: boolean };

/** Primary tick: heartbeat and one new write (a choice of this example: 20 writes a second). */
const TICK_US = 50_000;
/** A backup waits this long (plus up to half again, randomised) before moving to the next view. */
const ELECTION_US = 300_000;

export class PrimaryBackup implements Core {
  private view: number;
  private timer: Timer | undefined;
  /** Per backup: the log length it confirmed in this view (0: unknown, send everything). */
  private matched = new Map<NodeId, number>();
  /** Highest index acknowledged to clients by this node as primary. */
  private acked = 0;

  constructor(
    private readonly env: Env,
    private readonly info: AppNodeInfo<RegisterConfig>,
  ) {
    this.view = env.storage.load<number>('view') ?? 0;
  }

  start(): void {
    this.env.onMessage((from, msg) => this.receive(from, msg as Message as PbMessage));
    if (this.isPrimary()) this.becomePrimary();
    else this.armElection();
  }

  stop(): void {
    this.timer?.cancel();
  }

  /** The log, for checkers: entry ids by index (1-based). */
  log(): string[] {
    const s = this.env.storage;
    return s.slice<Entry>(s.first(), s.last() + 1).map((e) => e.id);
  }

  private primaryOf(view: number): NodeId {
    return this.info.nodes[view % this.info.nodes.length]!;
  }

  private isPrimary(): boolean {
    return this.primaryOf(this.view) === this.env.self;
  }

  private others(): NodeId[] {
    return this.info.nodes.filter((n) => n !== this.env.self);
  }

  private setView(v: number): void {
    this.view = v;
    this.env.storage.save('view', v);
    this.env.storage.sync();
  }

  private becomePrimary(): void {
    this.matched = new Map(this.others().map((n) => [n, 0]));
    this.acked = 0;
    this.env.trace('pb.primary', { view: this.view, len: this.env.storage.last(), note: `primary of view ${this.view}` });
    this.tick();
  }

  private tick(): void {
    this.timer?.cancel();
    if (!this.isPrimary()) return;
    const s = this.env.storage;
    // One write in flight at a time when waiting for the backups; every tick when not.
    if (this.info.config.buggy || this.acked >= s.last()) {
      const index = s.last() + 1;
      s.append([{ id: `${this.env.self}.${this.view}.${index}`, view: this.view }]);
      s.sync();
      if (this.info.config.buggy) this.ack(index);
    }
    for (const n of this.others()) {
      const start = (this.matched.get(n) ?? 0) + 1;
      this.sendTo(n, { type: 'append', view: this.view, start, entries: s.slice<Entry>(start, s.last() + 1) });
    }
    this.timer = this.env.after(TICK_US, () => this.tick());
  }

  /** On the stream channel (TCP on real sockets): FIFO, so appends arrive in order. */
  private sendTo(to: NodeId, msg: PbMessage): void {
    this.env.send(to, msg, { reliable: true });
  }

  private ack(index: number): void {
    for (let i = this.acked + 1; i <= index; i++) {
      this.env.trace('pb.ack', { index: i, id: this.env.storage.get<Entry>(i).id });
    }
    this.acked = Math.max(this.acked, index);
  }

  private armElection(): void {
    this.timer?.cancel();
    const wait = ELECTION_US + this.env.random.int(ELECTION_US / 2);
    this.timer = this.env.after(wait, () => {
      this.setView(this.view + 1);
      if (this.isPrimary()) this.becomePrimary();
      else this.armElection();
    });
  }

  private receive(from: NodeId, msg: PbMessage): void {
    if (typeof msg !== 'object' || msg === null || typeof msg.view !== 'number') return;
    if (msg.view < this.view) return; // a stale view
    if (msg.type === 'append') {
      if (from !== this.primaryOf(msg.view) || !Array.isArray(msg.entries)) return;
      if (msg.view > this.view) this.setView(msg.view);
      if (this.isPrimary()) return; // cannot happen: the sender is the primary of this view
      const s = this.env.storage;
      if (msg.start > s.last() + 1) {
        this.sendTo(from, { type: 'ack', view: this.view, len: 0, ok: false });
      } else {
        s.truncateFrom(msg.start);
        if (msg.entries.length > 0) s.append(msg.entries);
        s.sync();
        this.sendTo(from, { type: 'ack', view: this.view, len: s.last(), ok: true });
      }
      this.armElection();
      return;
    }
    if (msg.type === 'ack') {
      if (msg.view > this.view) {
        this.setView(msg.view);
        this.armElection();
        return;
      }
      if (!this.isPrimary() || !this.matched.has(from)) return;
      this.matched.set(from, msg.ok ? msg.len : 0);
      if (!this.info.config.buggy) {
        const all = Math.min(...this.matched.values(), this.env.storage.last());
        if (all > this.acked) this.ack(all);
      }
    }
  }
}

export function createCore(env: Env, info: AppNodeInfo<RegisterConfig>): PrimaryBackup {
  return new PrimaryBackup(env, info);
}

export { checkers } from './checks.ts';
