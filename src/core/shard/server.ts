/**
 * A shard server: takes part in master election; the master keeps the placement table from
 * data nodes' heartbeats, promotes standbys when a primary dies, admits synced standbys and
 * pushes configurations; it also answers clients' routing requests.
 *
 * A new master first listens for one dead-after period, adopting the newest configuration
 * (and ring) any member reports, before it acts: it must not re-place a group on a stale view.
 * The master also drives the ring (ring-state.ts): a group that appears is added and the old
 * groups hand its keys over (handover.ts) before the ring is complete.
 */
import { sec, ms, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import { compareEpoch } from './epoch.ts';
import { MasterElection, type ElectionView } from './election.ts';
import type { ConfigPush, HbAck, Heartbeat, Migrated, RingPush, Route, ShardMessage, Synced } from './messages.ts';
import { bump, EMPTY_RING, newerRing, previousGroups, type RingState } from './ring-state.ts';
import { membersOf, PlacementTable, type GroupConfig, type PlacementChange } from './placement.ts';
import type { Registry } from './registry.ts';

export interface ShardServerConfig {
  /** Registry directory of the servers. */
  readonly dir: string;
  /**
   * A data node silent this long is dead. 4 s: ZooKeeper's minimum session timeout
   * (2 x tickTime, tickTime 2000 ms), what the seed's ephemeral data nodes relied on.
   */
  readonly deadAfterUs: Micros;
  /** How often the master looks for dead members: the data nodes' heartbeat period (200 ms). */
  readonly tickUs: Micros;
  /**
   * Periodic re-list of the election directory, so a lost watch only delays. 1 s (our choice):
   * small against the 4 s session timeout that bounds how fast a master can be replaced anyway.
   */
  readonly refreshUs: Micros;
}

export const DEFAULT_SHARD_SERVER_CONFIG: ShardServerConfig = {
  dir: '/shard/servers',
  deadAfterUs: sec(4),
  tickUs: ms(200),
  refreshUs: sec(1),
};

export class ShardServer {
  readonly cfg: ShardServerConfig;
  private readonly election: MasterElection;
  private table: PlacementTable | undefined;
  private term = 0;
  /** The ring as this master knows it (adopted from data nodes' heartbeats, then driven). */
  private ring: RingState = EMPTY_RING;
  private masterSinceUs = 0;
  private readonly lastSeen = new Map<string, Micros>(); // `${group}\u0000${node}` -> local time
  private timer: Timer | undefined;
  private running = false;
  /** Changes this server made while master (tests, reports). */
  readonly changes: PlacementChange[] = [];

  constructor(
    private readonly env: Env,
    registry: Registry,
    config: Partial<ShardServerConfig> = {},
  ) {
    this.cfg = { ...DEFAULT_SHARD_SERVER_CONFIG, ...config };
    // retry 500 ms: as the data nodes' retry (memberlist's LAN ProbeTimeout).
    this.election = new MasterElection(env, registry, { dir: this.cfg.dir, refreshUs: this.cfg.refreshUs, retryUs: ms(500) }, (v) => this.onElection(v));
    env.onMessage((from, m) => this.onMessage(from, m as ShardMessage));
  }

  start(): void {
    this.running = true;
    this.election.start();
    const tick = (): void => {
      if (!this.running) return;
      this.tick();
      this.timer = this.env.after(this.cfg.tickUs, tick);
    };
    this.timer = this.env.after(this.cfg.tickUs, tick);
  }

  stop(): void {
    this.running = false;
    this.election.stop();
    this.timer?.cancel();
  }

  isMaster(): boolean {
    return this.table !== undefined;
  }

  view(): ElectionView {
    return this.election.current();
  }

  configs(): GroupConfig[] {
    return this.table?.all() ?? [];
  }

  private onElection(v: ElectionView): void {
    if (v.isMaster && !this.table) {
      // +1: ZooKeeper sequences start at 0 and epochs reserve term 0 for "never configured".
      this.term = v.masterSeq! + 1;
      this.table = new PlacementTable(this.term);
      this.ring = EMPTY_RING;
      this.masterSinceUs = this.env.now();
      this.lastSeen.clear();
    } else if (!v.isMaster) {
      this.table = undefined;
    }
  }

  private acting(): boolean {
    return this.table !== undefined && this.env.now() - this.masterSinceUs >= this.cfg.deadAfterUs;
  }

  private onMessage(from: NodeId, m: ShardMessage): void {
    if (!this.running) return;
    if (m.type === 'shard.route.req') {
      if (!this.table) return;
      this.send(from, { type: 'shard.route', configs: this.table.all(), master: this.env.self, ring: this.ring.version > 0 ? this.ring : null } satisfies Route);
      return;
    }
    if (!this.table) return;
    if (m.type === 'shard.hb') this.onHeartbeat(from, m as Heartbeat);
    else if (m.type === 'shard.migrated') {
      const x = m as Migrated;
      const r = this.ring;
      if (this.acting() && r.adding !== null && x.version === r.version && previousGroups(r).includes(x.group) && !r.done.includes(x.group)) {
        this.setRing(bump(r, this.term, { done: [...r.done, x.group].sort() }));
      }
    } else if (m.type === 'shard.synced') {
      const s = m as Synced;
      if (this.acting()) this.apply(this.table.synced(s.group, s.node, s.epoch));
    }
  }

  private onHeartbeat(from: NodeId, hb: Heartbeat): void {
    const t = this.table!;
    this.lastSeen.set(`${hb.group}\u0000${from}`, this.env.now());
    if (hb.config) t.adopt(hb.config);
    if (hb.ring && newerRing(hb.ring, this.ring)) this.ring = hb.ring;
    if (this.acting() && this.ring.version > 0 && (!hb.ring || newerRing(this.ring, hb.ring))) this.send(from, { type: 'shard.ring', ring: this.ring } satisfies RingPush);
    if (!this.acting()) return;
    if (hb.rejoin && membersOf(t.config(hb.group)).includes(from)) {
      // It restarted: whatever it was, it leaves and comes back as a syncing standby (or, as the
      // group's only holder of every acknowledged write, as primary again once unavailable).
      this.apply(t.dead(hb.group, from));
    }
    this.apply(t.alive(hb.group, from));
    const cur = t.config(hb.group);
    // Read lease: only the acting master, only to the primary of its current configuration.
    if (cur.primary === from && !cur.unavailable && hb.config && compareEpoch(hb.config.epoch, cur.epoch) === 0) {
      this.send(from, { type: 'shard.hb.ack', group: hb.group, sentAtUs: hb.sentAtUs, epoch: cur.epoch } satisfies HbAck);
    }
    if (!hb.config || hb.rejoin || compareEpoch(hb.config.epoch, cur.epoch) < 0) this.send(from, { type: 'shard.config', config: cur } satisfies ConfigPush);
  }

  private tick(): void {
    if (!this.acting()) return;
    const t = this.table!;
    const now = this.env.now();
    for (const c of t.all()) {
      for (const n of membersOf(c)) {
        const seen = this.lastSeen.get(`${c.group}\u0000${n}`);
        if (seen === undefined || now - seen > this.cfg.deadAfterUs) this.apply(t.dead(c.group, n));
      }
    }
    this.driveRing();
  }

  /**
   * The ring: created from the groups serving when the first master acts; a group that
   * appears later is added (one at a time) and the old groups hand its keys over; when all
   * have, the ring is complete. Primaries are kept current so sources know where to send.
   */
  private driveRing(): void {
    const t = this.table!;
    const serving = t.all().filter((c) => c.primary !== undefined).map((c) => c.group).sort();
    let r = this.ring;
    if (r.version === 0) {
      if (serving.length === 0) return;
      r = bump(r, this.term, { version: 1, groups: serving, adding: null, done: [] });
    } else if (r.adding === null) {
      const fresh = serving.find((g) => !r.groups.includes(g));
      if (fresh !== undefined) r = bump(r, this.term, { version: r.version + 1, groups: [...r.groups, fresh].sort(), adding: fresh, done: [] });
    } else if (previousGroups(r).every((g) => r.done.includes(g))) {
      r = bump(r, this.term, { adding: null, done: [] });
      this.env.trace('shard.rebalanced', { version: r.version, groups: r.groups.join(',') });
    }
    const primaries: Record<string, NodeId> = {};
    for (const c of t.all()) if (c.primary !== undefined && r.groups.includes(c.group)) primaries[c.group] = c.primary;
    if (JSON.stringify(primaries) !== JSON.stringify(r.primaries)) r = bump(r, this.term, { primaries });
    if (r !== this.ring) this.setRing(r);
  }

  private setRing(r: RingState): void {
    this.ring = r;
    for (const c of this.table!.all()) for (const n of membersOf(c)) this.send(n, { type: 'shard.ring', ring: r } satisfies RingPush);
  }

  ringState(): RingState {
    return this.ring;
  }

  private apply(changes: PlacementChange[]): void {
    if (changes.length === 0) return;
    const touched = new Set<string>();
    for (const ch of changes) {
      this.changes.push(ch);
      touched.add(ch.group);
      this.env.trace('shard.placement', { change: ch.kind, group: ch.group, node: 'node' in ch ? ch.node : null });
    }
    for (const g of touched) {
      const c = this.table!.config(g);
      for (const n of membersOf(c)) this.send(n, { type: 'shard.config', config: c } satisfies ConfigPush);
    }
    if (this.changes.length > 10_000) this.changes.splice(0, this.changes.length - 10_000);
  }

  private send(to: NodeId, m: ShardMessage): void {
    this.env.send(to, m, { reliable: true });
  }
}
