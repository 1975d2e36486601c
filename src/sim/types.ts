/**
 * Public types of the simulator: topology, latency, faults, options.
 * All times are integer microseconds (see src/core/env.ts).
 */
import type { Micros, NodeId } from '../core/env.ts';
import type { CrashPointKind } from './crash-points.ts';

/** A latency distribution in microseconds. Samples are clamped to >= 0 and rounded. */
export type LatencyDist =
  | { readonly kind: 'constant'; readonly us: Micros }
  | { readonly kind: 'uniform'; readonly min: Micros; readonly max: Micros }
  | { readonly kind: 'normal'; readonly mean: Micros; readonly std: Micros }
  /** median = e^mu; sigma is the shape (0.1 tight, 1 heavy tail). */
  | { readonly kind: 'lognormal'; readonly median: Micros; readonly sigma: number };

export interface DcSpec {
  readonly name: string;
  readonly nodes: readonly NodeId[];
}
export interface RegionSpec {
  readonly name: string;
  readonly dcs: readonly DcSpec[];
}
export interface TopologySpec {
  readonly regions: readonly RegionSpec[];
}

export type LinkClass = 'local' | 'sameDc' | 'sameRegion' | 'crossRegion';

export interface LatencySpec {
  readonly sameDc: LatencyDist;
  readonly sameRegion: LatencyDist;
  readonly crossRegion: LatencyDist;
  /** Per-link overrides; `between` names nodes, DCs or regions; symmetric. */
  readonly overrides?: readonly { readonly between: readonly [string, string]; readonly dist: LatencyDist }[];
}

export interface NetworkSpec {
  /** Probability a datagram is lost (reliable sends are never randomly lost). */
  readonly loss?: number;
  /** Probability a datagram is delivered twice. */
  readonly duplicate?: number;
  /** Probability a datagram gets an extra random delay of up to `reorderWindow` (so it may overtake). */
  readonly reorder?: number;
  readonly reorderWindow?: Micros;
}

export interface DiskSpec {
  /** On a crash, probability that the mutations since the last sync() are (partly) lost. */
  readonly unsyncedLoss?: number;
  /** Given a loss, probability that the last surviving record is torn (detected and cut on restart). */
  readonly tornWrite?: number;
  /** Latency of an asynchronous sync (Storage.syncAsync) until it is durable; default DEFAULT_SYNC_LATENCY_US (src/sim/disk-sync.ts). */
  readonly syncLatencyUs?: number;
  /** Time a process blocks in a synchronous sync() that writes something (src/sim/blocking-sync.ts); default 0: takes no time. */
  readonly blockingSyncLatencyUs?: number;
}

/**
 * A selector names a node, a DC or a region (names are unique across the three levels),
 * or '*' for every node.
 */
export type Selector = string;

/** Faults are data. `for` (when present) reverts the fault after that much virtual time. */
export type Fault =
  /** Cut every link between a node of one side and a node of another side (both ways, or from sides[0] to sides[1] only). */
  | { readonly kind: 'partition'; readonly sides: readonly (readonly Selector[])[]; readonly oneWay?: boolean; readonly for?: Micros }
  /** Cut `target` off from everything else. */
  | { readonly kind: 'isolate'; readonly target: Selector; readonly for?: Micros }
  /** Remove every partition (and every isolate). */
  | { readonly kind: 'heal' }
  | { readonly kind: 'crash'; readonly node: NodeId; readonly for?: Micros }
  | { readonly kind: 'restart'; readonly node: NodeId }
  | { readonly kind: 'pause'; readonly node: NodeId; readonly for?: Micros }
  | { readonly kind: 'resume'; readonly node: NodeId }
  /** From now on the node clock runs `skew` ahead of true time, drifting at `drift` (a ratio: 1e-4 = 100 ppm). Clocks stay monotonic. */
  | { readonly kind: 'clock'; readonly node: NodeId; readonly skew: Micros; readonly drift?: number; readonly for?: Micros }
  /** Extra random loss of datagrams AND reliable messages (a burst) on links touching `between` (or everywhere). */
  | { readonly kind: 'loss'; readonly p: number; readonly between?: readonly [Selector, Selector]; readonly for?: Micros }
  | { readonly kind: 'duplicate'; readonly p: number; readonly for?: Micros }
  | { readonly kind: 'reorder'; readonly p: number; readonly window: Micros; readonly for?: Micros }
  /** Extra latency on links between two selectors. */
  | { readonly kind: 'slow-link'; readonly between: readonly [Selector, Selector]; readonly extra: Micros; readonly for?: Micros }
  /** The node handles each delivery `extra` later (CPU starvation). */
  | { readonly kind: 'slow-node'; readonly node: NodeId; readonly extra: Micros; readonly for?: Micros }
  /**
   * Damage at rest on the disk of service `svc` (default 'raft'), found at the node's next start:
   * `records` (default 1) synced records in the middle or at the tail of the log rot (checksum
   * mismatch), or (`where: state`) the state file `key` (default 'hs') is lost. With `for` the
   * node crashes now and restarts with the damage after `for`. See docs/storage-faults.md.
   */
  | { readonly kind: 'corrupt'; readonly node: NodeId; readonly where: CorruptWhere; readonly records?: number; readonly key?: string; readonly svc?: string; readonly for?: Micros }
  /** The node's data dir is wiped (every service): it crashes and, after `for`, comes back empty under the same id. */
  | { readonly kind: 'wipe'; readonly node: NodeId; readonly for?: Micros }
  /** A copy of the node's data dir is taken now; after `for` the node crashes and restarts from that stale copy. */
  | { readonly kind: 'restore-stale'; readonly node: NodeId; readonly for: Micros }
  /** The node's disk is full: its next sync fails and its process stops (never acknowledging); after `for` the disk has room and the node restarts. */
  | { readonly kind: 'disk-full'; readonly node: NodeId; readonly for?: Micros }
  /** Hostile input (src/sim/forge.ts): `rate` forged, malformed or replayed messages per second, to every core. */
  | { readonly kind: 'forge'; readonly rate: number; readonly for?: Micros };

export type CorruptWhere = 'mid' | 'tail' | 'state';

export type FaultKind = Fault['kind'];

/** Storage faults: opt-in in the nemesis (not in its default spread, so existing runs keep their traces). */
export type StorageFaultKind = 'corrupt' | 'wipe' | 'restore-stale' | 'disk-full';

export interface ScheduledFault {
  readonly at: Micros;
  readonly fault: Fault;
}

/** A random fault generator; rates are expected events per virtual minute. */
export interface NemesisSpec {
  readonly ratePerMin: number;
  /** Kinds to draw from, with weights; default: a spread of all kinds. */
  readonly kinds?: Partial<Record<'partition' | 'isolate' | 'crash' | 'pause' | 'clock' | 'loss' | 'slow-node' | 'slow-link' | StorageFaultKind | 'forge' | CrashPointKind, number>>;
  /** How long a drawn fault lasts: uniform in [min, max]. */
  readonly durationMin: Micros;
  readonly durationMax: Micros;
  /** Do not inject after this time (so the run can heal and recover). */
  readonly until?: Micros;
  /** Whom node faults pick from (names or role selectors, src/sim/roles.ts); default every node / DC. */
  readonly targets?: readonly string[];
}

export interface WorldOptions {
  readonly seed: number | string;
  readonly topology: TopologySpec;
  readonly latency?: Partial<LatencySpec>;
  readonly network?: NetworkSpec;
  readonly disk?: DiskSpec;
  /** Keep every trace event in memory (for --trace and reports). The hash is always computed. */
  readonly recordTrace?: boolean;
  /** Round-trip every message through msgpack (catches non-serialisable messages; slower). */
  readonly checkMessages?: boolean;
}

/** Trace events are the host layer's (src/host/context.ts): the real host emits the same shape. */
export type { TraceEvent } from '../host/context.ts';
