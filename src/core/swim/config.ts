/**
 * SWIM configuration and the three profiles of hashicorp/memberlist (config.go:
 * DefaultLANConfig, DefaultWANConfig, DefaultLocalConfig, memberlist v0.5.x, the versions
 * that carry Lifeguard). Every default below cites the field it comes from.
 */
import { ms, sec, type Micros, type NodeId } from '../env.ts';
import type { Meta } from './meta.ts';

/** Which parts of Lifeguard (Dadgar et al., DSN 2018) are on; all on by default. */
export interface LifeguardOptions {
  /** Local health multiplier: probe interval and timeout scaled by (score + 1) (LHA-Probe). */
  readonly awareness: boolean;
  /** Suspicion timeout starts at max and falls toward min with confirmations (LHA-Suspicion). */
  readonly dynamicSuspicion: boolean;
  /** A suspect target is told it is suspected inside the probe itself (Buddy System). */
  readonly buddy: boolean;
  /** Relays answer a failed indirect probe with a nack, feeding the health score. */
  readonly nacks: boolean;
}

export interface SwimTiming {
  /** memberlist ProbeInterval: one failure-detection round ("protocol period"). */
  readonly probeIntervalUs: Micros;
  /** memberlist ProbeTimeout: wait for a direct ack before going indirect (≈ p99 RTT). */
  readonly probeTimeoutUs: Micros;
  /** memberlist IndirectChecks: members asked to ping-req the target. */
  readonly indirectChecks: number;
  /** memberlist RetransmitMult: each update is sent RetransmitMult × ceil(log10(n+1)) times. */
  readonly retransmitMult: number;
  /** memberlist SuspicionMult: min suspicion = SuspicionMult × max(1, log10 n) × ProbeInterval. */
  readonly suspicionMult: number;
  /** memberlist SuspicionMaxTimeoutMult: max suspicion = this × min suspicion. */
  readonly suspicionMaxTimeoutMult: number;
  /** memberlist AwarenessMaxMultiplier: the health score is in [0, this − 1]. */
  readonly awarenessMaxMultiplier: number;
  /** memberlist GossipInterval: period of the piggyback-free gossip round. */
  readonly gossipIntervalUs: Micros;
  /** memberlist GossipNodes: members gossiped to per round. */
  readonly gossipNodes: number;
  /** memberlist GossipToTheDeadTime: dead members still gossiped to, then reaped. */
  readonly gossipToTheDeadUs: Micros;
  /** memberlist PushPullInterval: full state sync period (scaled up past 32 members); 0 disables. */
  readonly pushPullIntervalUs: Micros;
}

/**
 * How each protocol period picks the member to probe.
 * - 'round-robin' (default): walk a shuffled list, reshuffled after each full pass, newcomers
 *   inserted at a random later slot (SWIM paper §4.3; memberlist state.go probe / resetNodes).
 *   Every member is probed once per pass, so a failed member is found within n − 1 periods.
 * - 'random': a uniformly random live member each period (SWIM paper §3.1, the analysed
 *   protocol: expected time to the first probe of a failed member e/(e − 1) ≈ 1.58 periods for
 *   large n, but no bound on the worst case).
 */
export type ProbeTargetMode = 'round-robin' | 'random';

export interface SwimConfig extends SwimTiming {
  /** Seed nodes contacted at start (memberlist Join), and again while unreachable. */
  readonly seeds: readonly NodeId[];
  /** Period of the re-join to seeds not seen alive (Consul retry_interval default 30 s). */
  readonly rejoinIntervalUs: Micros;
  /** Initial node metadata. */
  readonly meta: Meta;
  /** memberlist MetaMaxSize = 512 bytes. */
  readonly metaMaxBytes: number;
  /** memberlist UDPBufferSize = 1400: budget of one datagram, piggybacked updates included. */
  readonly packetBudgetBytes: number;
  /** memberlist DisableTcpPings = false: a reliable-channel ping runs beside the indirect ones. */
  readonly reliableFallback: boolean;
  /**
   * Bound on relayed (indirect) probes in flight for other members. A bound of our own, sized
   * like memberlist's HandoffQueueDepth = 1024 (memberlist's queue of messages handed from the
   * packet listener to the handler, dropped when full): past it, relay requests are dropped.
   */
  readonly maxPendingRelays: number;
  /** Bound on queued broadcasts; the oldest, most-sent ones go first (serf prunes its queues likewise). */
  readonly maxQueuedBroadcasts: number;
  /** Reaped dead/left members remembered so stale state cannot revive them (serf tombstone_timeout 24 h). */
  readonly tombstoneUs: Micros;
  /** Bound on remembered tombstones. */
  readonly maxTombstones: number;
  readonly lifeguard: LifeguardOptions;
  /** Probe target selection (ProbeTargetMode); default 'round-robin' as memberlist. */
  readonly probeTarget: ProbeTargetMode;
  /** Trace every join (on a 1,000-node start-up that is 10^6 events; benches turn it off). */
  readonly traceJoins: boolean;
}

/** memberlist DefaultLANConfig. */
export const LAN: SwimTiming = {
  probeIntervalUs: sec(1), // ProbeInterval: 1 * time.Second, "Failure check every second"
  probeTimeoutUs: ms(500), // ProbeTimeout: 500 * time.Millisecond, "Reasonable RTT time for LAN"
  indirectChecks: 3, // IndirectChecks: 3, "Use 3 nodes for the indirect ping"
  retransmitMult: 4, // RetransmitMult: 4, "Retransmit a message 4 * log(N+1) nodes"
  suspicionMult: 4, // SuspicionMult: 4, "Suspect a node for 4 * log(N+1) * Interval"
  suspicionMaxTimeoutMult: 6, // SuspicionMaxTimeoutMult: 6, "For 10k nodes this will give a max timeout of 120 seconds"
  awarenessMaxMultiplier: 8, // AwarenessMaxMultiplier: 8, "Probe interval backs off to 8 seconds"
  gossipIntervalUs: ms(200), // GossipInterval: 200 * time.Millisecond, "Gossip more rapidly"
  gossipNodes: 3, // GossipNodes: 3, "Gossip to 3 nodes"
  gossipToTheDeadUs: sec(30), // GossipToTheDeadTime: 30 * time.Second, "Same as push/pull"
  pushPullIntervalUs: sec(30), // PushPullInterval: 30 * time.Second, "Low frequency"
};

/** memberlist DefaultWANConfig: DefaultLANConfig with these changes. */
export const WAN: SwimTiming = {
  ...LAN,
  suspicionMult: 6, // SuspicionMult = 6
  pushPullIntervalUs: sec(60), // PushPullInterval = 60 * time.Second
  probeTimeoutUs: sec(3), // ProbeTimeout = 3 * time.Second
  probeIntervalUs: sec(5), // ProbeInterval = 5 * time.Second
  gossipNodes: 4, // GossipNodes = 4, "Gossip less frequently, but to an additional node"
  gossipIntervalUs: ms(500), // GossipInterval = 500 * time.Millisecond
  gossipToTheDeadUs: sec(60), // GossipToTheDeadTime = 60 * time.Second
};

/** memberlist DefaultLocalConfig: DefaultLANConfig with these changes (loopback). */
export const LOCAL: SwimTiming = {
  ...LAN,
  indirectChecks: 1, // IndirectChecks = 1
  retransmitMult: 2, // RetransmitMult = 2
  suspicionMult: 3, // SuspicionMult = 3
  pushPullIntervalUs: sec(15), // PushPullInterval = 15 * time.Second
  probeTimeoutUs: ms(200), // ProbeTimeout = 200 * time.Millisecond
  probeIntervalUs: sec(1), // ProbeInterval = time.Second
  gossipIntervalUs: ms(100), // GossipInterval = 100 * time.Millisecond
  gossipToTheDeadUs: sec(15), // GossipToTheDeadTime = 15 * time.Second
};

export const PROFILES = { lan: LAN, wan: WAN, local: LOCAL } as const;
export type ProfileName = keyof typeof PROFILES;

export const LIFEGUARD_ON: LifeguardOptions = { awareness: true, dynamicSuspicion: true, buddy: true, nacks: true };
/** Plain SWIM with suspicion (the Lifeguard paper's baseline). */
export const LIFEGUARD_OFF: LifeguardOptions = { awareness: false, dynamicSuspicion: false, buddy: false, nacks: false };

export type SwimConfigInput = Partial<Omit<SwimConfig, 'lifeguard'>> & {
  readonly profile?: ProfileName;
  readonly lifeguard?: Partial<LifeguardOptions> | boolean;
};

/** A full config: the named profile (LAN by default), then the overrides. */
export function swimConfig(input: SwimConfigInput = {}): SwimConfig {
  const { profile, lifeguard, ...rest } = input;
  const lg =
    lifeguard === false ? LIFEGUARD_OFF : lifeguard === true || lifeguard === undefined ? LIFEGUARD_ON : { ...LIFEGUARD_ON, ...lifeguard };
  const cfg: SwimConfig = {
    ...PROFILES[profile ?? 'lan'],
    seeds: [],
    rejoinIntervalUs: sec(30), // Consul agent retry_interval default "30s"
    meta: {},
    metaMaxBytes: 512, // memberlist MetaMaxSize = 512
    packetBudgetBytes: 1400, // memberlist UDPBufferSize = 1400 (safe under a 1500-byte Ethernet MTU)
    reliableFallback: true, // memberlist DisableTcpPings = false
    maxPendingRelays: 1024, // ours, sized as memberlist's HandoffQueueDepth = 1024 (see the field)
    maxQueuedBroadcasts: 4096, // a bound of our own: four times the handoff depth
    tombstoneUs: sec(24 * 3600), // serf tombstone_timeout default 24 h
    maxTombstones: 4096,
    traceJoins: true,
    probeTarget: 'round-robin', // memberlist: shuffled round robin (state.go probe/resetNodes); SWIM §3.1's random target is opt-in
    ...rest,
    lifeguard: lg,
  };
  validateConfig(cfg);
  return cfg;
}

export function validateConfig(c: SwimConfig): void {
  const positive: (keyof SwimTiming)[] = ['probeIntervalUs', 'probeTimeoutUs', 'retransmitMult', 'suspicionMult', 'gossipIntervalUs'];
  for (const k of positive) {
    if (!(Number.isInteger(c[k]) && c[k] > 0)) throw new Error(`swim config: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.probeTimeoutUs >= c.probeIntervalUs) throw new Error('swim config: probeTimeoutUs must be below probeIntervalUs');
  if (c.suspicionMaxTimeoutMult < 1) throw new Error('swim config: suspicionMaxTimeoutMult must be >= 1');
  if (c.awarenessMaxMultiplier < 1) throw new Error('swim config: awarenessMaxMultiplier must be >= 1');
  if (c.indirectChecks < 0 || c.gossipNodes < 0) throw new Error('swim config: counts must be >= 0');
  if (c.packetBudgetBytes < 256) throw new Error('swim config: packetBudgetBytes must be >= 256');
  if (c.probeTarget !== 'round-robin' && c.probeTarget !== 'random') throw new Error(`swim config: probeTarget must be round-robin or random, got ${String(c.probeTarget)}`);
}
