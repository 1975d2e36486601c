/**
 * A data node: one replica of one data group. As primary it serves reads and writes; a
 * write is applied and made durable locally, sent to every standby that must acknowledge it
 * (the in-sync standbys, and syncing ones from the moment they received a snapshot), and
 * acknowledged to the client only when all of them have made it durable. A standby applies
 * the primary's writes in sequence order; a syncing standby first installs a snapshot.
 * Configurations come from the master with epochs; a standby only takes writes from the
 * primary of its latest configuration, which fences a deposed primary.
 */
import { assert, ms, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import { compareEpoch, epochString, type Epoch } from './epoch.ts';
import type { Heartbeat, HbAck, PutReq, GetReq, Repl, ReplAck, SyncReq, SyncSnap, ShardMessage, ConfigPush, RingPush } from './messages.ts';
import type { GroupConfig } from './placement.ts';
import { Handover } from './handover.ts';
import { newerRing, previousGroups, RingCache, type RingState } from './ring-state.ts';

export interface DataNodeConfig {
  /** Heartbeats to the servers. 200 ms: memberlist's gossip interval, the cadence of its liveness traffic. */
  readonly heartbeatUs: Micros;
  /**
   * Re-sends unacknowledged replication, sync requests and hand-over puts. 500 ms: memberlist's
   * ProbeTimeout for a LAN, the delay after which it too assumes a message was lost.
   */
  readonly retryUs: Micros;
  /**
   * How long after sending a heartbeat the master acknowledged, the primary may serve reads.
   * It must be shorter than the master's dead-after (4 s), with a margin for clock drift and
   * delay, as a Raft leader lease is shorter than the election timeout (Raft thesis §6.4.1):
   * the master cannot have promoted another primary before this lease ends.
   */
  readonly readLeaseUs: Micros;
  /** Bounds (ours): writes awaiting acknowledgement, keys held (snapshots carry them all). */
  readonly maxPending: number;
  readonly maxKeys: number;
}

export const DEFAULT_DATA_NODE_CONFIG: DataNodeConfig = {
  heartbeatUs: ms(200),
  retryUs: ms(500),
  readLeaseUs: ms(3000),
  maxPending: 1024,
  maxKeys: 100_000,
};

interface Pending {
  readonly seq: number;
  readonly key: string;
  readonly value: string;
  readonly client: NodeId | undefined;
  readonly req: number;
  readonly waiting: Set<NodeId>;
}

interface LogRecord {
  readonly seq: number;
  readonly key: string;
  readonly value: string;
}

export class DataNode {
  private readonly cfg: DataNodeConfig;
  private kv = new Map<string, string>();
  private applied = 0;
  private conf: GroupConfig | null = null;
  /**
   * After a restart the persisted configuration is stale: the node may have been the primary
   * and missed that it was replaced, or lost the tail of its replication stream. Until the
   * master issues it a newer configuration it serves nothing and asks to rejoin (as a newcomer).
   */
  private rejoining = false;
  /** The ring as last published by the master (null before the first one). */
  private ring: RingState | null = null;
  private readonly ringCache = new RingCache();
  private readonly prevRingCache = new RingCache();
  private handover: Handover | undefined;
  private movedOut = 0;
  /** Local time until which reads may be served (see readLeaseUs). */
  private leaseUntilUs = Number.NEGATIVE_INFINITY;
  /** Primary only: standbys whose acknowledgement every new write needs. */
  private mustAck = new Set<NodeId>();
  /**
   * Primary only: syncing standbys that got a snapshot (at `seq`, under `epoch`), and whether
   * the standby has acknowledged that seq (or later) since: only then is it reported synced.
   */
  private snapshotAt = new Map<NodeId, { readonly seq: number; readonly epoch: Epoch; acked: boolean }>();
  private readonly pending = new Map<number, Pending>();
  /**
   * Standby only: the primary whose snapshot this node installed while syncing. Until then a
   * syncing node acknowledges no write: its log may hold writes the primary never had (as a
   * deposed primary, or a standby of one) under the same seqs, and acking "seq <= applied"
   * would count it in sync without the primary's data. Volatile: a restart forgets it.
   */
  private snapshotFrom: NodeId | undefined;
  private timers: Timer[] = [];
  private running = false;

  constructor(
    private readonly env: Env,
    readonly group: string,
    private readonly servers: readonly NodeId[],
    config: Partial<DataNodeConfig> = {},
  ) {
    this.cfg = { ...DEFAULT_DATA_NODE_CONFIG, ...config };
    env.onMessage((from, msg) => this.onMessage(from, msg as ShardMessage));
  }

  start(): void {
    this.running = true;
    this.recover();
    const tick = (): void => {
      if (!this.running) return;
      this.heartbeat();
      this.retry();
      this.pumpHandover();
      this.timers[0] = this.env.after(this.cfg.heartbeatUs, tick);
    };
    tick();
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) t.cancel();
  }

  // ---- inspection (tests, status pages) ----
  config(): GroupConfig | null { return this.conf; }
  isPrimary(): boolean { return !this.rejoining && this.conf?.primary === this.env.self && !this.conf.unavailable; }
  appliedSeq(): number { return this.applied; }
  read(key: string): string | undefined { return this.kv.get(key); }
  keys(): number { return this.kv.size; }
  ringState(): RingState | null { return this.ring; }
  /** Keys this node started handing over as a source primary, over all rebalancings. */
  handedOver(): number { return this.movedOut; }

  // ---- persistence: a snapshot plus a log of writes after it; synced before any ack ----
  private recover(): void {
    const st = this.env.storage;
    const snap = st.load<{ seq: number; entries: [string, string][] }>('snap');
    if (snap) {
      this.kv = new Map(snap.entries);
      this.applied = snap.seq;
    }
    for (let i = st.first(); i <= st.last(); i++) {
      const r = st.get<LogRecord>(i);
      if (r.seq <= this.applied) continue;
      assert(r.seq === this.applied + 1, () => `data node: log gap at seq ${r.seq} after ${this.applied}`);
      this.kv.set(r.key, r.value);
      this.applied = r.seq;
    }
    this.conf = st.load<GroupConfig>('config') ?? null;
    this.ring = st.load<RingState>('ring') ?? null;
    this.rejoining = this.conf !== null;
  }

  private persistWrite(r: LogRecord): void {
    assert(r.seq === this.applied + 1, () => `data node: write seq ${r.seq} after ${this.applied}`);
    this.kv.set(r.key, r.value);
    this.applied = r.seq;
    this.env.storage.append([r]);
    this.env.storage.sync();
  }

  // ---- messages ----
  /** Typed send; reliable (the stream channel) unless said otherwise. */
  private send(to: NodeId, m: ShardMessage, reliable = true): void {
    this.env.send(to, m, { reliable });
  }

  private onMessage(from: NodeId, m: ShardMessage): void {
    if (!this.running) return;
    switch (m.type) {
      case 'shard.config': return this.onConfig((m as ConfigPush).config);
      case 'shard.ring': return this.onRing((m as RingPush).ring);
      case 'shard.hb.ack': return this.onHbAck(m as HbAck);
      case 'shard.put.ok': return this.onHandoverAnswer(m.req, true);
      case 'shard.err': return this.onHandoverAnswer(m.req, false);
      case 'shard.put': return this.onPut(from, m);
      case 'shard.get': return this.onGet(from, m);
      case 'shard.repl': return this.onRepl(from, m);
      case 'shard.repl.ack': return this.onAck(from, m);
      case 'shard.sync.req': return this.onSyncReq(from, m);
      case 'shard.sync.snap': return this.onSnapshot(from, m);
      default: return;
    }
  }

  private onConfig(c: GroupConfig): void {
    if (c.group !== this.group) return;
    if (this.conf && compareEpoch(c.epoch, this.conf.epoch) <= 0) return; // a rejoining node waits for a newer one
    const wasPrimary = this.isPrimary();
    const prev = this.conf;
    if (!prev || !prev.syncing.includes(this.env.self) || prev.primary !== c.primary) this.snapshotFrom = undefined;
    this.conf = c;
    this.rejoining = false;
    // A lease survives configuration changes that keep us primary (the master would have to
    // declare us dead, after dead-after of silence, to replace us); otherwise it ends now.
    if (c.primary !== this.env.self || c.unavailable) this.leaseUntilUs = Number.NEGATIVE_INFINITY;
    this.env.storage.save('config', c);
    this.env.storage.sync();
    this.env.trace('shard.config', { group: c.group, epoch: epochString(c.epoch), primary: c.primary ?? null, standbys: c.standbys.join(','), syncing: c.syncing.join(','), unavailable: c.unavailable });
    if (this.isPrimary()) {
      const members = new Set([...c.standbys, ...c.syncing]);
      if (!wasPrimary) {
        this.mustAck = new Set(c.standbys);
        this.snapshotAt.clear();
        assert(this.pending.size === 0, 'data node: a new primary has no pending writes');
      } else {
        for (const n of [...this.mustAck]) if (!members.has(n)) this.mustAck.delete(n);
        for (const n of c.standbys) this.mustAck.add(n);
        for (const n of [...this.snapshotAt.keys()]) if (!members.has(n)) this.snapshotAt.delete(n);
      }
      this.releasePending();
    } else {
      // No longer primary: writes awaiting acks will never be acknowledged by us.
      this.pending.clear();
      this.mustAck.clear();
      this.snapshotAt.clear();
      if (c.syncing.includes(this.env.self) && c.primary) this.send(c.primary, { type: 'shard.sync.req', epoch: c.epoch } satisfies SyncReq);
    }
  }

  // ---- read lease ----
  private onHbAck(m: HbAck): void {
    if (!this.isPrimary() || m.group !== this.group || compareEpoch(m.epoch, this.conf!.epoch) !== 0) return;
    this.leaseUntilUs = Math.max(this.leaseUntilUs, m.sentAtUs + this.cfg.readLeaseUs);
  }

  /** Whether this primary may serve reads now (a deposed primary stops before it is replaced). */
  canServeReads(): boolean {
    return this.isPrimary() && this.env.now() < this.leaseUntilUs;
  }

  // ---- rebalancing ----
  private onRing(r: RingState): void {
    if (!newerRing(r, this.ring)) return;
    this.ring = r;
    this.env.storage.save('ring', r);
    this.env.storage.sync();
    this.pumpHandover();
  }

  /** Whether this group serves `key` now: it owns it and is not still receiving it. */
  private serves(key: string, migrate: boolean): 'ok' | 'wrong-group' | 'busy' {
    const r = this.ring;
    // No ring yet: we cannot know the key is ours (the master may place it elsewhere once it
    // publishes the first ring, with no hand-over from us), so refuse until it comes.
    if (!r || r.groups.length === 0) return 'busy';
    if (this.ringCache.owner(r.groups, key) !== this.group) return 'wrong-group';
    if (r.adding === this.group && !migrate) return 'busy';
    if (migrate && r.adding !== this.group) return 'wrong-group'; // late hand-over after completion
    return 'ok';
  }

  private pumpHandover(): void {
    const r = this.ring;
    const source = r !== null && r.adding !== null && r.adding !== this.group && r.groups.includes(this.group) && !r.done.includes(this.group);
    if (!this.isPrimary() || !source) {
      this.handover = undefined;
      return;
    }
    if (!this.handover || this.handover.version !== r.version) {
      // Only keys we owned before this version: copies left behind by an earlier hand-over are
      // stale (their owner has moved on) and must never be handed over again.
      const prev = previousGroups(r);
      const moved = [...this.kv.keys()].filter((k) => this.prevRingCache.owner(prev, k) === this.group && this.ringCache.owner(r.groups, k) !== this.group);
      this.handover = new Handover(this.env, this.group, r.version, moved, (k) => this.kv.get(k), this.servers, this.cfg.retryUs);
      this.movedOut += moved.length;
    }
    this.handover.pump(r);
  }

  private onHandoverAnswer(req: number, ok: boolean): void {
    if (req >= 0 || !this.handover) return; // handover requests use negative ids
    if (this.handover.onAnswer(-req, ok) && this.ring) this.handover.pump(this.ring);
  }

  private onPut(from: NodeId, m: PutReq): void {
    if (m.group !== this.group) return this.send(from, { type: 'shard.err', req: m.req, error: 'wrong-group' });
    if (!this.isPrimary()) {
      return this.send(from, { type: 'shard.err', req: m.req, error: this.conf?.unavailable ? 'unavailable' : 'not-primary', primary: this.conf?.primary });
    }
    const serves = this.serves(m.key, m.migrate === true);
    if (serves !== 'ok') return this.send(from, { type: 'shard.err', req: m.req, error: serves });
    if (this.pending.size >= this.cfg.maxPending || (!this.kv.has(m.key) && this.kv.size >= this.cfg.maxKeys)) {
      return this.send(from, { type: 'shard.err', req: m.req, error: 'busy' });
    }
    const r: LogRecord = { seq: this.applied + 1, key: m.key, value: m.value };
    this.persistWrite(r);
    const p: Pending = { ...r, client: from, req: m.req, waiting: new Set(this.mustAck) };
    this.pending.set(r.seq, p);
    for (const n of p.waiting) this.sendRepl(n, r);
    this.releasePending();
  }

  private onGet(from: NodeId, m: GetReq): void {
    if (m.group !== this.group) return this.send(from, { type: 'shard.err', req: m.req, error: 'wrong-group' });
    if (!this.isPrimary()) {
      return this.send(from, { type: 'shard.err', req: m.req, error: this.conf?.unavailable ? 'unavailable' : 'not-primary', primary: this.conf?.primary });
    }
    const serves = this.serves(m.key, false);
    if (serves !== 'ok') return this.send(from, { type: 'shard.err', req: m.req, error: serves });
    if (!this.canServeReads()) return this.send(from, { type: 'shard.err', req: m.req, error: 'busy' });
    this.send(from, { type: 'shard.get.ok', req: m.req, value: this.kv.get(m.key) ?? null, seq: this.applied });
  }

  private sendRepl(to: NodeId, r: LogRecord): void {
    this.send(to, { type: 'shard.repl', epoch: this.conf!.epoch, seq: r.seq, key: r.key, value: r.value } satisfies Repl);
  }

  /** Standby side: fenced by the configuration's primary. */
  private onRepl(from: NodeId, m: Repl): void {
    if (!this.acceptsFrom(from, m.epoch)) return;
    if (this.conf?.syncing.includes(this.env.self) && this.snapshotFrom !== from) return; // snapshot first
    if (m.seq <= this.applied) {
      this.send(from, { type: 'shard.repl.ack', epoch: m.epoch, seq: m.seq } satisfies ReplAck);
      return;
    }
    if (m.seq !== this.applied + 1) return; // a gap: the primary re-sends in order
    this.persistWrite({ seq: m.seq, key: m.key, value: m.value });
    this.send(from, { type: 'shard.repl.ack', epoch: m.epoch, seq: m.seq } satisfies ReplAck);
  }

  private acceptsFrom(from: NodeId, epoch: Epoch): boolean {
    if (this.isPrimary() || this.rejoining) return false;
    if (!this.conf) return true;
    return from === this.conf.primary || compareEpoch(epoch, this.conf.epoch) > 0;
  }

  private onAck(from: NodeId, m: ReplAck): void {
    if (!this.isPrimary()) return;
    // Acks are cumulative: a standby applies in order, so acking seq acks everything before it.
    for (const p of this.pending.values()) if (p.seq <= m.seq) p.waiting.delete(from);
    // Only an ack sent for the snapshot or a later write (its epoch is not older) confirms it.
    const snap = this.snapshotAt.get(from);
    if (snap !== undefined && m.seq >= snap.seq && compareEpoch(m.epoch, snap.epoch) >= 0) {
      snap.acked = true;
      this.reportSynced(from);
    }
    this.releasePending();
  }

  private onSyncReq(from: NodeId, m: SyncReq): void {
    if (!this.isPrimary() || !this.conf!.syncing.includes(from)) return;
    if (compareEpoch(m.epoch, this.conf!.epoch) > 0) return; // we are behind; our config will come
    // From the snapshot on, the newcomer must acknowledge every write: when the master counts
    // it in-sync it then holds every acknowledged write (the snapshot covers the ones before).
    const entries = [...this.kv].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.snapshotAt.set(from, { seq: this.applied, epoch: this.conf!.epoch, acked: false });
    this.mustAck.add(from);
    this.send(from, { type: 'shard.sync.snap', epoch: this.conf!.epoch, seq: this.applied, entries } satisfies SyncSnap);
    this.env.trace('shard.sync', { group: this.group, to: from, seq: this.applied, keys: entries.length });
  }

  private onSnapshot(from: NodeId, m: SyncSnap): void {
    if (!this.acceptsFrom(from, m.epoch)) return;
    assert(m.entries.length <= this.cfg.maxKeys, 'data node: snapshot over maxKeys');
    this.kv = new Map(m.entries.map(([k, v]) => [k, v]));
    this.applied = m.seq;
    const st = this.env.storage;
    st.save('snap', { seq: m.seq, entries: m.entries });
    st.compactTo(st.last());
    st.sync();
    this.snapshotFrom = from;
    this.send(from, { type: 'shard.repl.ack', epoch: m.epoch, seq: m.seq } satisfies ReplAck);
  }

  private reportSynced(node: NodeId): void {
    for (const s of this.servers) this.send(s, { type: 'shard.synced', group: this.group, node, epoch: this.conf!.epoch });
  }

  /** Acknowledges, in order, every write no standby is still waiting for. */
  private releasePending(): void {
    for (const p of [...this.pending.values()].sort((a, b) => a.seq - b.seq)) {
      for (const n of [...p.waiting]) if (!this.mustAck.has(n)) p.waiting.delete(n);
      if (p.waiting.size > 0) break; // keep acknowledgements in seq order
      this.pending.delete(p.seq);
      if (p.client !== undefined) this.send(p.client, { type: 'shard.put.ok', req: p.req, seq: p.seq });
    }
  }

  private heartbeat(): void {
    const hb: Heartbeat = { type: 'shard.hb', group: this.group, config: this.conf, applied: this.applied, rejoin: this.rejoining, ring: this.ring, sentAtUs: this.env.now() };
    for (const s of this.servers) this.send(s, hb, false);
  }

  private retry(): void {
    const c = this.conf;
    if (!c) return;
    if (this.isPrimary()) {
      // Re-send what is still unacknowledged (reliable links are still cut by partitions).
      let budget = this.cfg.maxPending;
      for (const p of [...this.pending.values()].sort((a, b) => a.seq - b.seq)) {
        for (const n of p.waiting) if (budget-- > 0) this.sendRepl(n, p);
      }
      // Re-report (the report may be lost) only standbys that acknowledged their snapshot.
      for (const [n, snap] of this.snapshotAt) if (c.syncing.includes(n) && snap.acked) this.reportSynced(n);
    } else if (c.syncing.includes(this.env.self) && c.primary) {
      this.send(c.primary, { type: 'shard.sync.req', epoch: c.epoch } satisfies SyncReq);
    }
  }
}

