/**
 * A SWIM member with Lifeguard (Das et al. 2002; Dadgar et al. 2018), after hashicorp
 * memberlist's state machine (state.go), written for our Env: no goroutines, only timers
 * and message handlers, so the simulator decides every interleaving.
 *
 * One protocol period: ping the next member of a shuffled round-robin order (or, with
 * probeTarget: 'random', a uniformly random member as in SWIM §3.1); no ack within
 * the probe timeout → ping-req through k members (who nack if their own ping fails) and a
 * fallback ping over the reliable channel; still no ack at the end of the period → suspect.
 * Suspicion ends in a refutation (the suspect raises its incarnation) or, after the
 * (dynamic) suspicion timeout, in "dead". Updates ride on every packet (probes, acks,
 * ping-reqs, gossip rounds), each sent RetransmitMult × ceil(log10(n+1)) times.
 */
import { assert, sec, type Core, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import type { MemberInfo, StateDelegate, SwimEvent, SwimEventKind, SwimListener, SwimStats, UserListener } from './api.ts';
import { newStats } from './api.ts';
import { Awareness } from './awareness.ts';
import { BroadcastQueue } from './broadcast-queue.ts';
import { swimConfig, type SwimConfig, type SwimConfigInput } from './config.ts';
import { MemberTable, isLive, type MemberRecord } from './member-table.ts';
import { pushPullIntervalUs, retransmitLimit, suspicionTimeoutUs } from './math.ts';
import {
  HEADER_BYTES,
  updateSizeBytes,
  type AckMsg,
  type AliveUpdate,
  type DeadUpdate,
  type MemberState,
  type PingMsg,
  type PingReqMsg,
  type PushPullMsg,
  type SuspectUpdate,
  type SwimMessage,
  type Update,
  type UserUpdate,
} from './messages.ts';
import { EMPTY_META, checkMeta, metaEqual, type Meta } from './meta.ts';
import { estimateBytes } from './size.ts';
import { Suspicion } from './suspicion.ts';
import { UserDedup } from './user-dedup.ts';
import { testMutant } from '../test-mutants.ts';

/** Storage key of the last incarnation used, so a restarted node outranks its old death. */
const INC_KEY = 'swim.incarnation';
/** Bound on updates processed from one packet (a 1,400-byte packet holds far fewer). */
const MAX_UPDATES_PER_PACKET = 256;
/** Bound on member states merged from one push-pull. */
const MAX_STATES_PER_PUSH_PULL = 1 << 16;
/** User broadcast seqs are offset by the boot incarnation so a restart never reuses one. */
const USER_SEQ_PER_BOOT = 1 << 20;
/** serf config.go BroadcastTimeout: 5 s to push a leave out before shutting down. */
const LEAVE_TIMEOUT_US = sec(5);

interface OwnProbe {
  readonly seq: number;
  readonly target: MemberRecord;
  acked: boolean;
  expectedNacks: number;
  nacks: number;
}

interface Relay {
  readonly origin: NodeId;
  readonly originSeq: number;
  readonly nack: boolean;
  timer: Timer | undefined;
}

export class SwimNode implements Core {
  readonly config: SwimConfig;
  readonly stats: SwimStats = newStats();
  private readonly env: Env;
  private readonly selfName: NodeId;
  private readonly table: MemberTable;
  private readonly selfRec: MemberRecord;
  private readonly awareness: Awareness;
  private readonly queue: BroadcastQueue<Update>;
  private readonly dedup = new UserDedup();
  private readonly listeners: SwimListener[] = [];
  private readonly userListeners: UserListener[] = [];
  private readonly delegates = new Map<string, StateDelegate>();
  private readonly relays = new Map<number, Relay>();
  private inc: number;
  private meta: Meta;
  private seq = 0;
  private userSeq: number;
  private running = false;
  private leaving = false;
  private probe: OwnProbe | undefined;
  private probeTimer: Timer | undefined;
  private probeTimeoutTimer: Timer | undefined;
  private gossipTimer: Timer | undefined;
  /** Local time of one gossip tick: rounds happen at this phase + k × gossipIntervalUs. */
  private gossipPhaseUs = 0;
  private pushPullTimer: Timer | undefined;
  private rejoinTimer: Timer | undefined;
  private rejoinCursor = 0;

  constructor(env: Env, config: SwimConfigInput = {}) {
    this.env = env;
    this.config = swimConfig(config);
    checkMeta(this.config.meta, this.config.metaMaxBytes);
    this.selfName = env.self;
    this.table = new MemberTable(env.random, this.config.maxTombstones, this.config.tombstoneUs);
    this.awareness = new Awareness(this.config.awarenessMaxMultiplier);
    // the smallest update is an alive of a one-letter name without meta
    this.queue = new BroadcastQueue<Update>(this.config.maxQueuedBroadcasts, updateSizeBytes({ t: 'alive', node: 'x', inc: 0, meta: EMPTY_META }));
    const stored = env.storage.load<number>(INC_KEY);
    assert(stored === undefined || (Number.isInteger(stored) && stored >= 0), 'swim: stored incarnation is a non-negative integer');
    this.inc = stored === undefined ? 0 : stored + 1;
    this.userSeq = this.inc * USER_SEQ_PER_BOOT;
    this.meta = this.config.meta;
    this.selfRec = { node: this.selfName, inc: this.inc, status: 'alive', meta: this.meta, sinceUs: env.now(), suspicion: undefined, quiet: false };
    this.table.add(this.selfRec);
    env.onMessage((from, msg) => this.onMessage(from, msg as SwimMessage));
  }

  // ---------------------------------------------------------------- lifecycle

  start(): void {
    assert(!this.running, 'swim: started twice');
    this.running = true;
    this.env.storage.save(INC_KEY, this.inc);
    this.env.storage.sync();
    this.queueAlive(this.aliveSelf());
    const c = this.config;
    // random stagger of the first tick of every loop so nodes do not march in step (memberlist schedule)
    this.probeTimer = this.env.after(this.env.random.int(c.probeIntervalUs), this.probeTick);
    this.gossipPhaseUs = this.env.now() + this.env.random.int(c.gossipIntervalUs);
    this.gossipTimer = this.env.after(this.gossipPhaseUs - this.env.now(), this.gossipTick);
    if (c.pushPullIntervalUs > 0) this.pushPullTimer = this.env.after(this.env.random.int(c.pushPullIntervalUs), this.pushPullTick);
    if (c.rejoinIntervalUs > 0) this.rejoinTimer = this.env.after(c.rejoinIntervalUs, this.rejoinTick);
    this.join(c.seeds);
  }

  /** Stops every timer and ignores every message from now on (clean host shutdown, no announcement). */
  stop(): void {
    this.running = false;
    this.probeTimer?.cancel();
    this.probeTimeoutTimer?.cancel();
    this.gossipTimer?.cancel();
    this.pushPullTimer?.cancel();
    this.rejoinTimer?.cancel();
    this.probe = undefined;
    for (const r of this.relays.values()) r.timer?.cancel();
    this.relays.clear();
    for (const m of this.table.all()) {
      m.suspicion?.cancel();
      m.suspicion = undefined;
    }
  }

  /**
   * Contacts seeds with a full state exchange (memberlist Join). Returns how many were
   * contacted; answers arrive asynchronously.
   */
  join(seeds: readonly NodeId[]): number {
    let sent = 0;
    for (const s of seeds) {
      if (s === this.selfName) continue;
      this.sendPushPull(s, true, false);
      sent++;
    }
    return sent;
  }

  /**
   * Graceful leave: gossips "left" (a dead update from the node itself), stops probing, and
   * stops entirely once the update went out or LEAVE_TIMEOUT_US passed; then `done` runs.
   */
  leave(done?: () => void): void {
    if (!this.running || this.leaving) return;
    this.leaving = true;
    this.probeTimer?.cancel();
    this.probeTimeoutTimer?.cancel();
    this.pushPullTimer?.cancel();
    this.rejoinTimer?.cancel();
    this.probe = undefined;
    this.table.setStatus(this.selfRec, 'left', this.env.now());
    const d: DeadUpdate = { t: 'dead', node: this.selfName, inc: this.inc, from: this.selfName };
    this.queuePush(d);
    this.env.trace('swim.leave', { inc: this.inc });
    const key = memberKey(this.selfName);
    const deadline = this.env.now() + LEAVE_TIMEOUT_US;
    const check = (): void => {
      if (!this.running) return;
      if (!this.queue.has(key) || this.env.now() >= deadline) {
        this.stop();
        done?.();
        return;
      }
      this.env.after(this.config.gossipIntervalUs, check);
    };
    this.gossipTimer?.cancel();
    this.gossipTick(); // push the news out now, not at the next round
    this.env.after(this.config.gossipIntervalUs, check);
  }

  // ---------------------------------------------------------------- public view

  members(): MemberInfo[] {
    return this.table.all().map(info);
  }

  /** Same number ⇒ members() lists the same nodes in the same order with the same statuses. */
  membershipVersion(): number {
    return this.table.version;
  }

  member(node: NodeId): MemberInfo | undefined {
    const m = this.table.get(node);
    return m === undefined ? undefined : info(m);
  }

  /** Alive or suspect members, self included (the n of the scaling formulas). */
  numLive(): number {
    return this.table.live;
  }

  /** Names of members currently alive (not suspect), self included. */
  aliveNodes(): NodeId[] {
    const out: NodeId[] = [];
    for (const m of this.table.all()) if (m.status === 'alive') out.push(m.node);
    return out;
  }

  /** Lifeguard local health score: 0 is healthy, up to awarenessMaxMultiplier − 1. */
  healthScore(): number {
    return this.awareness.getHealthScore();
  }

  incarnation(): number {
    return this.inc;
  }

  localMeta(): Meta {
    return this.meta;
  }

  isRunning(): boolean {
    return this.running;
  }

  /** Updates in the broadcast queue, waiting to be piggybacked. */
  pendingBroadcasts(): number {
    return this.queue.length;
  }

  /** Replaces this node's metadata and gossips it (others see an `update` event). */
  setMeta(meta: Meta): void {
    checkMeta(meta, this.config.metaMaxBytes);
    this.meta = meta;
    this.selfRec.meta = meta;
    this.setIncarnation(this.inc + 1);
    this.queueAlive(this.aliveSelf());
  }

  /** Subscribes to membership events; returns the unsubscribe function. */
  on(listener: SwimListener): () => void {
    this.listeners.push(listener);
    return () => removeFrom(this.listeners, listener);
  }

  /** Subscribes to application broadcasts from other members. */
  onUser(listener: UserListener): () => void {
    this.userListeners.push(listener);
    return () => removeFrom(this.userListeners, listener);
  }

  /** Registers application state carried by every push-pull under `name`. */
  setStateDelegate(name: string, delegate: StateDelegate | undefined): void {
    if (delegate === undefined) this.delegates.delete(name);
    else this.delegates.set(name, delegate);
  }

  /**
   * Gossips a small application payload to every member (delivered once per member through
   * onUser). A later broadcast with the same key replaces this one in queues not yet drained.
   */
  broadcast(key: string, payload: unknown, payloadBytes: number = estimateBytes(payload)): void {
    const maxBytes = this.config.packetBudgetBytes - HEADER_BYTES - 64;
    if (payloadBytes > maxBytes) throw new Error(`swim broadcast: ${payloadBytes} bytes exceeds the ${maxBytes}-byte packet budget`);
    const u: UserUpdate = { t: 'user', origin: this.selfName, seq: ++this.userSeq, key, payload };
    this.queue.push(userKey(this.selfName, key), u, updateSizeBytes(u, payloadBytes));
    this.armGossip();
  }

  // ---------------------------------------------------------------- probing

  private readonly probeTick = (): void => {
    this.probeTimer = undefined;
    if (!this.running || this.leaving) return;
    this.concludeProbe();
    const c = this.config;
    this.probeTimer = this.env.after(this.scaled(c.probeIntervalUs), this.probeTick);
    const target =
      c.probeTarget === 'random'
        ? this.table.randomProbeTarget(this.selfName, this.env.now(), c.gossipToTheDeadUs, this.onReap)
        : this.table.nextProbeTarget(this.selfName, this.env.now(), c.gossipToTheDeadUs, this.onReap);
    if (target !== undefined) this.startProbe(target);
  };

  private startProbe(target: MemberRecord): void {
    assert(target.node !== this.selfName && isLive(target.status), 'swim: probe targets a live peer');
    assert(this.probe === undefined, 'swim: one own probe at a time');
    const seq = ++this.seq;
    this.probe = { seq, target, acked: false, expectedNacks: 0, nacks: 0 };
    const u = this.piggyback(HEADER_BYTES + target.node.length, this.config.lifeguard.buddy ? target : undefined);
    const ping: PingMsg = u === undefined ? { type: 'swim.ping', seq, target: target.node } : { type: 'swim.ping', seq, target: target.node, u };
    this.send(target.node, ping);
    this.stats.pingsSent++;
    this.probeTimeoutTimer = this.env.after(this.scaled(this.config.probeTimeoutUs), this.probeTimeout);
  }

  /** No direct ack in time: go indirect through k alive members, and try the reliable channel. */
  private readonly probeTimeout = (): void => {
    this.probeTimeoutTimer = undefined;
    const p = this.probe;
    if (!this.running || p === undefined || p.acked) return;
    const c = this.config;
    const relays = this.table.randomMembers(c.indirectChecks, isAlive, this.selfName, p.target.node);
    const nack = c.lifeguard.nacks;
    for (const r of relays) {
      const u = this.piggyback(HEADER_BYTES + p.target.node.length);
      const req: PingReqMsg =
        u === undefined ? { type: 'swim.ping-req', seq: p.seq, target: p.target.node, nack } : { type: 'swim.ping-req', seq: p.seq, target: p.target.node, nack, u };
      this.send(r.node, req);
      this.stats.pingReqsSent++;
    }
    p.expectedNacks = nack ? relays.length : 0;
    if (c.reliableFallback) {
      this.send(p.target.node, { type: 'swim.ping', seq: p.seq, target: p.target.node, rel: true } satisfies PingMsg, { reliable: true });
      this.stats.fallbackPingsSent++;
    }
  };

  /** End of the protocol period of the current probe: no ack at all → suspect the target. */
  private concludeProbe(): void {
    const p = this.probe;
    if (p === undefined) return;
    this.probe = undefined;
    this.probeTimeoutTimer?.cancel();
    this.probeTimeoutTimer = undefined;
    if (p.acked) return;
    this.stats.probesFailed++;
    if (this.config.lifeguard.awareness) {
      // Missing nacks mean our own messages (or we) are the problem, not the target (Lifeguard §IV-A).
      const delta = p.expectedNacks > 0 ? Math.max(0, p.expectedNacks - p.nacks) : 1;
      if (delta > 0) this.changeAwareness(delta);
    }
    const t = p.target;
    if (this.table.get(t.node) !== t || !isLive(t.status)) return;
    this.suspectNode(t.node, t.inc, this.selfName, undefined);
  }

  private onPing(from: NodeId, m: PingMsg): void {
    if (m.target !== this.selfName) return; // misrouted (memberlist drops these too)
    let u = this.piggyback(HEADER_BYTES);
    if (this.config.lifeguard.buddy && m.u !== undefined && suspectsStale(m.u, this.selfName, this.inc)) {
      // Buddy system, answering side: the prober still suspects an incarnation we already
      // refuted (it missed the gossip), so our current alive rides on this very ack.
      const alive = this.aliveSelf();
      if (u === undefined) u = [alive];
      else if (!u.some((x) => x.t === 'alive' && x.node === this.selfName)) u.push(alive);
    }
    const ack: AckMsg = u === undefined ? { type: 'swim.ack', seq: m.seq } : { type: 'swim.ack', seq: m.seq, u };
    this.send(from, ack, m.rel === true ? RELIABLE : undefined);
  }

  private onAck(m: AckMsg): void {
    const p = this.probe;
    if (p !== undefined && p.seq === m.seq) {
      if (p.acked) return;
      p.acked = true;
      this.stats.acksReceived++;
      this.probeTimeoutTimer?.cancel();
      this.probeTimeoutTimer = undefined;
      if (this.config.lifeguard.awareness) this.changeAwareness(-1);
      return;
    }
    const r = this.relays.get(m.seq);
    if (r === undefined) return; // late ack of a finished probe
    this.relays.delete(m.seq);
    r.timer?.cancel();
    const u = this.piggyback(HEADER_BYTES);
    this.send(r.origin, u === undefined ? { type: 'swim.ack', seq: r.originSeq } : { type: 'swim.ack', seq: r.originSeq, u });
  }

  private onNack(seq: number): void {
    const p = this.probe;
    if (p === undefined || p.seq !== seq || p.nacks >= p.expectedNacks) return;
    p.nacks++;
    this.stats.nacksReceived++;
  }

  private onPingReq(from: NodeId, m: PingReqMsg): void {
    if (m.target === this.selfName) {
      // we are the target: answer the requester directly
      this.send(from, { type: 'swim.ack', seq: m.seq } satisfies AckMsg);
      return;
    }
    if (this.relays.size >= this.config.maxPendingRelays) {
      this.stats.relaysDropped++;
      return;
    }
    const seq = ++this.seq;
    const relay: Relay = { origin: from, originSeq: m.seq, nack: m.nack, timer: undefined };
    // The nack goes at 80 % of the probe timeout (Lifeguard paper §IV-A), so it reaches the
    // requester before its protocol period ends; a late ack is still relayed until 100 %.
    const nackAtUs = Math.floor((this.config.probeTimeoutUs * 4) / 5);
    relay.timer = this.env.after(nackAtUs, () => {
      if (this.relays.get(seq) !== relay) return;
      if (relay.nack && this.running) this.send(relay.origin, { type: 'swim.nack', seq: relay.originSeq });
      relay.timer = this.env.after(this.config.probeTimeoutUs - nackAtUs, () => {
        if (this.relays.get(seq) === relay) this.relays.delete(seq);
      });
    });
    this.relays.set(seq, relay);
    const u = this.piggyback(HEADER_BYTES + m.target.length);
    this.send(m.target, u === undefined ? { type: 'swim.ping', seq, target: m.target } : { type: 'swim.ping', seq, target: m.target, u });
    assert(this.relays.size <= this.config.maxPendingRelays, 'swim: relays bounded');
  }

  // ---------------------------------------------------------------- gossip and push-pull

  /**
   * The gossip round behaves as memberlist's fixed ticker, but sleeps while there is nothing
   * to send: an idle 1,000-node cluster would otherwise spend 5,000 timer events a second
   * finding empty queues. The next round keeps the ticker's phase.
   */
  private readonly gossipTick = (): void => {
    this.gossipTimer = undefined;
    if (!this.running || this.queue.length === 0) return;
    this.armGossip();
    const targets = this.table.randomMembers(this.config.gossipNodes, this.gossipable, this.selfName);
    for (const t of targets) {
      const u = this.piggyback(HEADER_BYTES);
      if (u === undefined) break;
      this.send(t.node, { type: 'swim.gossip', u });
      this.stats.gossipsSent++;
    }
  };

  private armGossip(): void {
    if (!this.running || this.gossipTimer !== undefined) return;
    const interval = this.config.gossipIntervalUs;
    const sincePhase = (((this.env.now() - this.gossipPhaseUs) % interval) + interval) % interval;
    this.gossipTimer = this.env.after(interval - sincePhase, this.gossipTick);
  }

  /** Live members, and the dead for a while so they learn of their death and can refute. */
  private readonly gossipable = (r: MemberRecord): boolean =>
    isLive(r.status) || (r.status === 'dead' && this.env.now() - r.sinceUs <= this.config.gossipToTheDeadUs);

  private readonly pushPullTick = (): void => {
    if (!this.running || this.leaving) return;
    this.pushPullTimer = this.env.after(pushPullIntervalUs(this.config.pushPullIntervalUs, this.table.live), this.pushPullTick);
    const peer = this.table.randomMembers(1, isAlive, this.selfName)[0];
    if (peer !== undefined) this.sendPushPull(peer.node, false, false);
  };

  /**
   * Re-join: a seed we do not see alive is contacted again, and so is one member we hold
   * failed (serf's reconnect): after a partition heals, the two sides each hold the other
   * dead and would otherwise never talk again.
   */
  private readonly rejoinTick = (): void => {
    if (!this.running || this.leaving) return;
    this.rejoinTimer = this.env.after(this.config.rejoinIntervalUs, this.rejoinTick);
    const seeds = this.config.seeds;
    for (let i = 0; i < seeds.length; i++) {
      const s = seeds[(this.rejoinCursor + i) % seeds.length]!;
      if (s === this.selfName) continue;
      const m = this.table.get(s);
      if (m !== undefined && isLive(m.status)) continue;
      this.rejoinCursor = (this.rejoinCursor + i + 1) % seeds.length;
      this.sendPushPull(s, true, false);
      break;
    }
    const failed = this.table.randomMembers(1, isDead, this.selfName)[0];
    if (failed !== undefined) this.sendPushPull(failed.node, true, false);
  };

  private sendPushPull(to: NodeId, join: boolean, reply: boolean): void {
    const states: MemberState[] = [];
    for (const m of this.table.all()) states.push({ node: m.node, inc: m.inc, status: m.status, meta: m.meta });
    if (this.table.get(to) === undefined) {
      // We buried `to` (reaped after a partition, or it restarted on a lost disk): its alive
      // news at that incarnation would be ignored forever, so show it its death; it refutes.
      const tomb = this.table.tombstone(to, this.env.now());
      if (tomb !== undefined) states.push({ node: to, inc: tomb.inc, status: 'dead', meta: EMPTY_META });
    }
    let app: Record<string, unknown> | undefined;
    if (this.delegates.size > 0) {
      app = {};
      for (const [name, d] of this.delegates) app[name] = d.localState(join);
    }
    const msg: PushPullMsg = app === undefined ? { type: 'swim.push-pull', join, reply, states } : { type: 'swim.push-pull', join, reply, states, app };
    this.send(to, msg, RELIABLE);
    this.stats.pushPullsSent++;
  }

  private onPushPull(from: NodeId, m: PushPullMsg): void {
    if (!m.reply) this.sendPushPull(from, m.join, true);
    const joinReply = m.join && m.reply;
    const n = Math.min(m.states.length, MAX_STATES_PER_PUSH_PULL);
    for (let i = 0; i < n; i++) {
      const s = m.states[i]!;
      switch (s.status) {
        case 'alive':
          // A join reply is the whole cluster, old news to everyone but the joiner: gossip on
          // only the sender's own state from it. Other merges re-gossip what they teach us.
          this.aliveNode(s.node, s.inc, s.meta, undefined, !joinReply || s.node === from);
          break;
        case 'left':
          this.deadNode(s.node, s.inc, s.node, undefined);
          break;
        case 'suspect':
        case 'dead':
          // a remote "dead" is only a suspicion here: we let our own timers judge (memberlist mergeState)
          this.suspectNode(s.node, s.inc, from, undefined);
          break;
      }
    }
    if (m.app !== undefined) {
      for (const [name, d] of this.delegates) {
        if (name in m.app) d.mergeRemoteState(m.app[name], m.join, from);
      }
    }
  }

  // ---------------------------------------------------------------- message dispatch

  private onMessage(from: NodeId, msg: SwimMessage): void {
    if (!this.running) return;
    const u = (msg as { u?: readonly Update[] }).u;
    if (u !== undefined) {
      // updates first: a refutation they cause can then ride on our answer
      const n = Math.min(u.length, MAX_UPDATES_PER_PACKET);
      for (let i = 0; i < n; i++) this.applyUpdate(u[i]!);
    }
    switch (msg.type) {
      case 'swim.ping':
        this.onPing(from, msg);
        break;
      case 'swim.ack':
        this.onAck(msg);
        break;
      case 'swim.ping-req':
        this.onPingReq(from, msg);
        break;
      case 'swim.nack':
        this.onNack(msg.seq);
        break;
      case 'swim.gossip':
        break;
      case 'swim.push-pull':
        this.onPushPull(from, msg);
        break;
    }
  }

  private applyUpdate(u: Update): void {
    switch (u.t) {
      case 'alive':
        this.aliveNode(u.node, u.inc, u.meta, u, true);
        break;
      case 'suspect':
        this.suspectNode(u.node, u.inc, u.from, u);
        break;
      case 'dead':
        this.deadNode(u.node, u.inc, u.from, u);
        break;
      case 'user':
        this.userUpdate(u);
        break;
    }
  }

  // ---------------------------------------------------------------- state transitions

  /** Someone says `node` is alive at `inc` (memberlist aliveNode). */
  /**
   * `regossip` is false for third-party alive states learned from the reply to our join:
   * that is old news to the rest of the cluster (a joiner learns all n members at once);
   * memberlist re-gossips it, which made a 1,000-node cold start ~3x more expensive in
   * bench/swim-scale.ts. Such a member is `quiet` until the same news reaches us by
   * gossip, when we join the epidemic (else the nodes that learned a joiner from their own
   * join reply would absorb its news and slow convergence down to push-pull speed).
   * Periodic merges, the sender's own state, and suspect/dead news are gossiped as usual.
   */
  private aliveNode(node: NodeId, inc: number, meta: Meta, msg: AliveUpdate | undefined, regossip: boolean): void {
    if (node === this.selfName) {
      if (this.leaving || inc < this.inc) return;
      if (inc === this.inc && metaEqual(meta, this.meta)) return; // our own news coming back
      // a newer or different "us" (an earlier life of this node): out-bid it
      this.refute(inc);
      return;
    }
    const now = this.env.now();
    let m = this.table.get(node);
    if (m === undefined) {
      const tomb = this.table.tombstone(node, now);
      // Stale news must not revive a member that left; a failed member reaped after a
      // partition may come back at the same incarnation (if it really is dead, probing
      // will find out again), else the two sides of a healed partition could stay apart.
      if (tomb !== undefined && (inc < tomb.inc || (inc === tomb.inc && tomb.status === 'left'))) return;
      m = { node, inc, status: 'alive', meta, sinceUs: now, suspicion: undefined, quiet: !regossip };
      this.table.add(m);
      if (regossip) this.queueAlive(msg ?? { t: 'alive', node, inc, meta });
      if (this.config.traceJoins) this.env.trace('swim.join', { target: node, inc });
      this.emit('join', m);
      return;
    }
    if (inc <= m.inc) {
      if (m.quiet && regossip && inc === m.inc && m.status === 'alive') {
        m.quiet = false;
        this.queueAlive(msg ?? { t: 'alive', node, inc, meta });
      }
      return;
    }
    m.quiet = !regossip;
    const prev = m.status;
    const metaChanged = !metaEqual(m.meta, meta);
    // Only a higher incarnation changes a known member (SWIM §4.2; the early returns above).
    assert(inc > m.inc, () => `swim: alive ${node} at inc ${inc} not above ${m.inc}`);
    m.inc = inc;
    m.meta = meta;
    if (m.suspicion !== undefined) {
      m.suspicion.cancel();
      m.suspicion = undefined;
    }
    if (prev !== 'alive') this.table.setStatus(m, 'alive', now);
    assert(m.status === 'alive', 'swim: aliveNode leaves the member alive');
    if (regossip) this.queueAlive(msg ?? { t: 'alive', node, inc, meta });
    else this.queue.remove(memberKey(node)); // our queued older news of it is stale now
    if (prev === 'suspect') {
      this.env.trace('swim.alive', { target: node, inc, was: prev });
      this.emit('alive', m);
    } else if (prev === 'dead' || prev === 'left') {
      this.env.trace('swim.alive', { target: node, inc, was: prev });
      this.emit('join', m);
    } else if (metaChanged) {
      this.env.trace('swim.update', { target: node, inc });
      this.emit('update', m);
    }
  }

  /** `from` suspects `node` at `inc` (memberlist suspectNode). */
  private suspectNode(node: NodeId, inc: number, from: NodeId, msg: SuspectUpdate | undefined): void {
    if (node === this.selfName) {
      if (!this.leaving && inc >= this.inc && !testMutant('swimNoRefute')) this.refute(inc, from); // TEST ONLY: 3rd operand
      return;
    }
    const m = this.table.get(node);
    if (m === undefined || inc < m.inc) return;
    if (m.status === 'suspect' && m.suspicion !== undefined) {
      // an independent confirmation shortens the timeout; re-gossip it so others count it too
      if (m.suspicion.confirm(from)) this.queuePush(msg ?? { t: 'suspect', node, inc, from });
      return;
    }
    if (m.status !== 'alive') return; // dead or left: suspicion is old news
    assert(inc >= m.inc, () => `swim: suspect ${node} at inc ${inc} below ${m.inc}`);
    // An alive member has no suspicion timer: aliveNode cancels it, and it clears itself when it fires.
    assert(m.suspicion === undefined, () => `swim: alive ${node} with a suspicion running`);
    const now = this.env.now();
    m.inc = inc;
    this.table.setStatus(m, 'suspect', now);
    this.queuePush(msg ?? { t: 'suspect', node, inc, from });
    const c = this.config;
    const n = this.table.live;
    // k independent confirmations expected: SuspicionMult − 2, none in a cluster too small to give them
    let k = c.lifeguard.dynamicSuspicion ? c.suspicionMult - 2 : 0;
    if (n - 2 < k) k = 0;
    const minUs = suspicionTimeoutUs(c.suspicionMult, n, c.probeIntervalUs);
    const maxUs = c.lifeguard.dynamicSuspicion ? c.suspicionMaxTimeoutMult * minUs : minUs;
    const rec = m;
    rec.suspicion = new Suspicion(this.env, from, k, minUs, maxUs, () => {
      rec.suspicion = undefined;
      if (!this.running || this.table.get(rec.node) !== rec || rec.status !== 'suspect' || rec.inc !== inc) return;
      this.deadNode(rec.node, rec.inc, this.selfName, undefined);
    });
    this.env.trace('swim.suspect', { target: node, inc, from });
    this.emit('suspect', m);
  }

  /** `from` declares `node` dead at `inc`; from === node is a graceful leave (memberlist deadNode). */
  private deadNode(node: NodeId, inc: number, from: NodeId, msg: DeadUpdate | undefined): void {
    if (node === this.selfName) {
      if (!this.leaving && inc >= this.inc) this.refute(inc, from);
      return;
    }
    const m = this.table.get(node);
    if (m === undefined || inc < m.inc) return;
    if (m.status === 'dead' || m.status === 'left') return;
    assert(isLive(m.status), () => `swim: dead news for ${node} in status ${m.status}`);
    m.inc = inc;
    if (m.suspicion !== undefined) {
      m.suspicion.cancel();
      m.suspicion = undefined;
    }
    const left = from === node;
    this.table.setStatus(m, left ? 'left' : 'dead', this.env.now());
    assert(m.suspicion === undefined, 'swim: a dead member has no suspicion timer');
    this.queuePush(msg ?? { t: 'dead', node, inc, from });
    this.env.trace(left ? 'swim.left' : 'swim.dead', { target: node, inc, from });
    this.emit(left ? 'leave' : 'failed', m);
  }

  /** We are accused: raise our incarnation past the accusation and gossip that we are alive. */
  private refute(accusedInc: number, accuser?: NodeId): void {
    this.setIncarnation(Math.max(this.inc, accusedInc) + 1);
    this.queueAlive(this.aliveSelf());
    this.stats.refutes++;
    // being suspected is a hint that we are the slow one (Lifeguard §IV-A)
    if (this.config.lifeguard.awareness) this.changeAwareness(1);
    this.env.trace('swim.refute', { inc: this.inc, accused: accusedInc, by: accuser ?? null });
  }

  private userUpdate(u: UserUpdate): void {
    if (u.origin === this.selfName) return;
    if (!this.dedup.firstTime(u.origin, u.seq)) return;
    const key = userKey(u.origin, u.key);
    const queued = this.queue.get(key);
    if (queued === undefined || (queued.t === 'user' && queued.seq < u.seq)) {
      this.queue.push(key, u, updateSizeBytes(u, estimateBytes(u.payload)));
      this.armGossip();
    }
    for (const l of this.userListeners) l(u.payload, u.origin, u.key);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Updates for one outgoing packet within the byte budget, or undefined when there are
   * none. A suspect target also hears, inside the probe, that it is suspected (buddy system).
   */
  private piggyback(overheadBytes: number, buddy?: MemberRecord): Update[] | undefined {
    let budget = this.config.packetBudgetBytes - overheadBytes;
    let out: Update[] | undefined;
    if (buddy !== undefined && buddy.status === 'suspect') {
      const s: SuspectUpdate = { t: 'suspect', node: buddy.node, inc: buddy.inc, from: this.selfName };
      out = [s];
      budget -= updateSizeBytes(s);
    }
    if (this.queue.length === 0) return out;
    out ??= [];
    this.queue.take(budget, retransmitLimit(this.config.retransmitMult, this.table.live), out);
    if (out.length === 0) return undefined;
    this.stats.updatesSent += out.length;
    assert(out.length <= MAX_UPDATES_PER_PACKET, 'swim: packet update count bounded');
    return out;
  }

  /** Typed send: every SWIM packet is one of the SwimMessage shapes. */
  private send(to: NodeId, msg: SwimMessage, opts?: typeof RELIABLE): void {
    this.env.send(to, msg, opts);
  }

  private queueAlive(u: AliveUpdate): void {
    this.queuePush(u);
  }

  private queuePush(u: AliveUpdate | SuspectUpdate | DeadUpdate): void {
    this.queue.push(memberKey(u.node), u, updateSizeBytes(u));
    this.armGossip();
  }

  private aliveSelf(): AliveUpdate {
    return { t: 'alive', node: this.selfName, inc: this.inc, meta: this.meta };
  }

  private setIncarnation(inc: number): void {
    assert(inc > this.inc || (inc === this.inc && !this.running), 'swim: incarnation only grows');
    this.inc = inc;
    this.selfRec.inc = inc;
    this.env.storage.save(INC_KEY, inc);
    this.env.storage.sync();
  }

  private changeAwareness(delta: number): void {
    const before = this.awareness.getHealthScore();
    const after = this.awareness.applyDelta(delta);
    if (after !== before) this.env.trace('swim.health', { score: after });
  }

  private scaled(us: Micros): Micros {
    return this.config.lifeguard.awareness ? this.awareness.scaleTimeout(us) : us;
  }

  private readonly onReap = (m: MemberRecord): void => {
    assert(m.status === 'dead' || m.status === 'left', 'swim: only dead or left members are reaped');
    this.env.trace('swim.reap', { target: m.node, inc: m.inc, status: m.status });
  };

  private emit(kind: SwimEventKind, m: MemberRecord): void {
    if (this.listeners.length === 0) return;
    const ev: SwimEvent = { kind, member: info(m) };
    for (const l of this.listeners) l(ev);
  }
}

const RELIABLE = { reliable: true } as const;

/** A suspect/dead update about `self` at an incarnation below `inc` (already refuted). */
function suspectsStale(u: readonly Update[], self: NodeId, inc: number): boolean {
  for (let i = 0; i < u.length && i < MAX_UPDATES_PER_PACKET; i++) {
    const x = u[i]!;
    if ((x.t === 'suspect' || x.t === 'dead') && x.node === self && x.inc < inc) return true;
  }
  return false;
}

function isAlive(r: MemberRecord): boolean {
  return r.status === 'alive';
}

function isDead(r: MemberRecord): boolean {
  return r.status === 'dead';
}

function memberKey(node: NodeId): string {
  return 'm:' + node;
}

function userKey(origin: NodeId, key: string): string {
  return 'u:' + origin + ':' + key;
}

function info(m: MemberRecord): MemberInfo {
  return { node: m.node, status: m.status, incarnation: m.inc, meta: m.meta, sinceUs: m.sinceUs };
}

function removeFrom<T>(list: T[], x: T): void {
  const i = list.indexOf(x);
  if (i >= 0) list.splice(i, 1);
}

