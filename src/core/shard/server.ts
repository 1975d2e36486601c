/**
 * A shard server: takes part in master election; the master keeps the placement table from
 * data nodes' heartbeats, promotes standbys when a primary dies, admits synced standbys and
 * pushes configurations; it also answers clients' routing requests.
 *
 * The placement (every group's configuration and the ring) lives in the coordination store
 * (the registry), not in the master: a new master reads it from there, never from what data
 * nodes report (a node paused through its own removal reports a stale configuration, and a
 * master that adopted it would promote a standby missing acknowledged writes). Every change is
 * written there (compare-and-set on the version read) before any data node hears of it, so
 * what nodes are told is always the latest stored state, and of two masters (a deposed one
 * that has not noticed yet) only the one working from the latest state can change it. A new
 * master also listens for one dead-after period before it acts, so it knows who is alive.
 * The master also drives the ring (ring-state.ts): a group that appears is added and the old
 * groups hand its keys over (handover.ts) before the ring is complete.
 */
import { assert, sec, ms, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import { compareEpoch, epochString } from './epoch.ts';
import { MasterElection, type ElectionView } from './election.ts';
import type { ConfigPush, HbAck, Heartbeat, Migrated, RingPush, Route, ShardMessage, Synced } from './messages.ts';
import { bump, EMPTY_RING, newerRing, previousGroups, type RingState } from './ring-state.ts';
import { membersOf, PlacementTable, type GroupConfig, type PlacementChange } from './placement.ts';
import { BoundedRegistry, type Registry } from './registry.ts';

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
  /** Where the placement is stored (outside `dir`, whose children are the election). */
  readonly statePath: string;
  /** Retry delay after a failed read or write of the stored placement (as the election's). */
  readonly retryUs: Micros;
  /**
   * Longest wait for an answer of the coordination store before retrying. 3 s: under the
   * ZooKeeper client's read timeout for our 4 s sessions (2/3 of it, ClientCnxn), after which
   * it would give up on the server anyway.
   */
  readonly requestTimeoutUs: Micros;
}

export const DEFAULT_SHARD_SERVER_CONFIG: ShardServerConfig = {
  dir: '/shard/servers',
  deadAfterUs: sec(4),
  tickUs: ms(200),
  refreshUs: sec(1),
  statePath: '/shard/placement',
  // 500 ms: as the data nodes' retry (memberlist's LAN ProbeTimeout).
  retryUs: ms(500),
  requestTimeoutUs: sec(3),
};

/** The placement as stored: every group's configuration and the ring. */
interface StoredPlacement {
  readonly configs: ReadonlyMap<string, GroupConfig>;
  readonly ring: RingState;
  /** The stored value's version (compare-and-set) and text. */
  readonly version: number;
  readonly text: string;
}

function encode(configs: readonly GroupConfig[], ring: RingState): string {
  return JSON.stringify({ configs, ring });
}

export class ShardServer {
  readonly cfg: ShardServerConfig;
  private readonly election: MasterElection;
  /** While master: the placement being decided (ahead of `stored` until written). */
  private table: PlacementTable | undefined;
  private term = 0;
  /** While master: the election entry it was elected with, which every write of it checks (registry.ts). */
  private fence: string | undefined;
  /** While master: the ring being decided (ahead of `stored` until written). */
  private ring: RingState = EMPTY_RING;
  /** While master: the placement as last read from or written to the registry (undefined: loading). */
  private stored: StoredPlacement | undefined;
  private writing = false;
  /** No write before this local time (after a failed one). */
  private retryAtUs = 0;
  private readonly registry: Registry;
  /** Bumped when mastership begins, ends or restarts from the store: older callbacks are ignored. */
  private gen = 0;
  private masterSinceUs = 0;
  private readonly lastSeen = new Map<string, Micros>(); // `${group}\u0000${node}` -> local time
  /** Rejoins handled, by member, at the (stale) epoch it reported: handled once, not per heartbeat. */
  private readonly rejoins = new Map<string, string>();
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
    this.registry = new BoundedRegistry(env, registry, this.cfg.requestTimeoutUs);
    this.election = new MasterElection(env, this.registry, { dir: this.cfg.dir, refreshUs: this.cfg.refreshUs, retryUs: this.cfg.retryUs }, (v) => this.onElection(v));
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

  /** Elected and working from the stored placement (not while loading it, nor if a newer master wrote it). */
  isMaster(): boolean {
    return this.table !== undefined && this.stored !== undefined;
  }

  view(): ElectionView {
    return this.election.current();
  }

  /** The stored (published) configurations, while master. */
  configs(): GroupConfig[] {
    const st = this.stored;
    return st ? [...st.configs.keys()].sort().map((g) => st.configs.get(g)!) : [];
  }

  /** The stored (published) ring, while master. */
  ringState(): RingState {
    return this.stored?.ring ?? EMPTY_RING;
  }

  private onElection(v: ElectionView): void {
    // +1: ZooKeeper sequences start at 0 and epochs reserve term 0 for "never configured".
    if (v.isMaster && (!this.table || this.term !== v.masterSeq! + 1)) {
      this.term = v.masterSeq! + 1;
      this.fence = v.masterEntry === undefined ? undefined : `${this.cfg.dir}/${v.masterEntry}`;
      this.masterSinceUs = this.env.now();
      this.lastSeen.clear();
      this.restart();
    } else if (!v.isMaster && this.table) {
      this.gen++;
      this.table = undefined;
      this.stored = undefined;
      this.writing = false;
    }
  }

  /** (Re)starts mastership from the stored placement. */
  private restart(): void {
    this.gen++;
    this.table = new PlacementTable(this.term);
    this.ring = EMPTY_RING;
    this.stored = undefined;
    this.writing = false;
    this.rejoins.clear();
    this.load(this.gen);
  }

  private load(gen: number): void {
    this.registry.read(this.cfg.statePath, (r) => {
      if (gen !== this.gen || !this.running) return;
      if (!r.ok) {
        this.env.after(this.cfg.retryUs, () => { if (gen === this.gen) this.load(gen); });
        return;
      }
      const parsed = r.data === null ? { configs: [] as GroupConfig[], ring: EMPTY_RING } : (JSON.parse(r.data) as { configs: GroupConfig[]; ring: RingState });
      const terms = [...parsed.configs.map((c) => c.epoch[0]), parsed.ring.rev[0]];
      if (terms.some((x) => x > this.term)) {
        // A newer master wrote it: we are deposed and the election will tell us soon; until
        // then, change nothing (and look again, in case we were re-elected meanwhile).
        this.env.trace('shard.deposed', { term: this.term, stored: Math.max(...terms) });
        this.env.after(this.cfg.refreshUs, () => { if (gen === this.gen) this.load(gen); });
        return;
      }
      const t = this.table!;
      for (const c of parsed.configs) t.adopt(c);
      this.ring = parsed.ring;
      this.stored = { configs: new Map(parsed.configs.map((c) => [c.group, c])), ring: parsed.ring, version: r.version, text: r.data ?? '' };
      this.env.trace('shard.loaded', { term: this.term, version: r.version, groups: parsed.configs.length, ring: parsed.ring.version });
      this.flush();
    });
  }

  /**
   * Writes the placement decided so far if it differs from the stored one, then tells the
   * data nodes; one write at a time (later changes go in the next one). A conflict means
   * another master wrote meanwhile: start again from what is stored.
   */
  private flush(): void {
    const st = this.stored;
    if (!this.table || !st || this.writing || this.env.now() < this.retryAtUs) return;
    const configs = this.table.all();
    const ring = this.ring;
    const text = encode(configs, ring);
    if (text === st.text) return;
    this.writing = true;
    const gen = this.gen;
    this.registry.write(this.cfg.statePath, text, st.version, (r) => {
      if (gen !== this.gen || !this.running) return;
      this.writing = false;
      if (!r.ok) {
        this.env.trace('shard.store.failed', { error: r.error, conflict: r.conflict, fenced: r.fenced === true });
        // A lost answer may hide a write that happened: retrying it then conflicts, and we reload.
        if (r.conflict) this.restart();
        else this.retryAtUs = this.env.now() + this.cfg.retryUs; // the master's tick retries; fenced ones fail until the election deposes us
        return;
      }
      assert(r.version > st.version, 'shard server: stored version grows');
      this.stored = { configs: new Map(configs.map((c) => [c.group, c])), ring, version: r.version, text };
      for (const c of configs) {
        const old = st.configs.get(c.group);
        if (old && compareEpoch(old.epoch, c.epoch) === 0) continue;
        for (const n of membersOf(c)) this.send(n, { type: 'shard.config', config: c } satisfies ConfigPush);
      }
      if (newerRing(ring, st.ring) && ring.version > 0) {
        for (const c of configs) for (const n of membersOf(c)) this.send(n, { type: 'shard.ring', ring } satisfies RingPush);
      }
      this.flush();
    }, this.fence);
  }

  private acting(): boolean {
    return this.table !== undefined && this.stored !== undefined && this.env.now() - this.masterSinceUs >= this.cfg.deadAfterUs;
  }

  private onMessage(from: NodeId, m: ShardMessage): void {
    if (!this.running) return;
    if (m.type === 'shard.route.req') {
      // Only a stored ring routes: before the first one, no group may take any key.
      const st = this.stored;
      if (!this.table || !st || st.ring.version === 0) return;
      this.send(from, { type: 'shard.route', configs: this.configs(), master: this.env.self, ring: st.ring } satisfies Route);
      return;
    }
    if (!this.table) return;
    if (m.type === 'shard.hb') this.onHeartbeat(from, m as Heartbeat);
    else if (m.type === 'shard.migrated') {
      const x = m as Migrated;
      const r = this.ring;
      if (this.acting() && r.adding !== null && x.version === r.version && previousGroups(r).includes(x.group) && !r.done.includes(x.group)) {
        this.ring = bump(r, this.term, { done: [...r.done, x.group].sort() });
        this.flush();
      }
    } else if (m.type === 'shard.synced') {
      const s = m as Synced;
      if (this.acting()) this.apply(this.table.synced(s.group, s.node, s.epoch));
    }
  }

  private onHeartbeat(from: NodeId, hb: Heartbeat): void {
    const t = this.table!;
    const key = `${hb.group}\u0000${from}`;
    this.lastSeen.set(key, this.env.now());
    const st = this.stored;
    if (!this.acting() || !st) return;
    if (st.ring.version > 0 && (!hb.ring || newerRing(st.ring, hb.ring))) this.send(from, { type: 'shard.ring', ring: st.ring } satisfies RingPush);
    if (hb.rejoin && membersOf(t.config(hb.group)).includes(from)) {
      // It restarted: whatever it was, it leaves and comes back as a syncing standby (or, as the
      // group's only holder of every acknowledged write, as primary again once unavailable).
      // Once per restart: it reports rejoin until the new configuration reaches it.
      const at = hb.config ? epochString(hb.config.epoch) : '-';
      if (this.rejoins.get(key) !== at) {
        this.rejoins.set(key, at);
        this.apply(t.dead(hb.group, from));
      }
    }
    this.apply(t.alive(hb.group, from));
    const cur = t.config(hb.group);
    // Read lease: only the acting master, only to the primary of its current configuration.
    if (cur.primary === from && !cur.unavailable && hb.config && compareEpoch(hb.config.epoch, cur.epoch) === 0) {
      this.send(from, { type: 'shard.hb.ack', group: hb.group, sentAtUs: hb.sentAtUs, epoch: cur.epoch } satisfies HbAck);
    }
    // Only what is stored is ever told to a data node.
    const pub = st.configs.get(hb.group);
    if (pub && (!hb.config || hb.rejoin || compareEpoch(hb.config.epoch, pub.epoch) < 0)) this.send(from, { type: 'shard.config', config: pub } satisfies ConfigPush);
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
    this.flush();
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
    this.ring = r;
  }

  private apply(changes: PlacementChange[]): void {
    if (changes.length === 0) return;
    for (const ch of changes) {
      this.changes.push(ch);
      this.env.trace('shard.placement', { change: ch.kind, group: ch.group, node: 'node' in ch ? ch.node : null });
    }
    if (this.changes.length > 10_000) this.changes.splice(0, this.changes.length - 10_000);
    this.flush();
  }

  private send(to: NodeId, m: ShardMessage): void {
    this.env.send(to, m, { reliable: true });
  }
}
