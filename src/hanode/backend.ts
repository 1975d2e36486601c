/**
 * What the HTTP API needs from the node it runs on. The agent implements it over the
 * composed server node (src/core/node) and the real host; tests can implement it over a
 * single in-process node. Promises are fine here: this is the I/O side, not a core.
 */
import type { NodeId } from '../core/env.ts';
import type { SessionRecord } from '../core/coord/sessions.ts';
import type { BlockingHub } from '../core/coord/blocking.ts';
import type { PeerStatus } from '../core/raft/index.ts';
import type { CoordStore, StoreCommandBody, StoreResult } from '../core/store/index.ts';

export interface RaftServerView {
  readonly id: NodeId;
  /** host:port of its Raft transport. */
  readonly address: string;
  readonly leader: boolean;
  readonly voter: boolean;
}

/** The Raft leader's view of replication (undefined on a follower): what autopilot health reports per server. */
export interface RaftProgressView {
  readonly term: number;
  readonly lastIndex: number;
  readonly commitIndex: number;
  readonly peers: readonly PeerStatus[];
}

export interface MemberView {
  readonly name: NodeId;
  readonly addr: string;
  readonly port: number;
  /** Consul/serf numeric status: 1 alive, 2 leaving, 3 left, 4 failed. */
  readonly status: number;
  readonly tags: Readonly<Record<string, string>>;
}

export type ProposeOutcome =
  | { readonly ok: true; readonly index: number; readonly result: StoreResult }
  | { readonly ok: false; readonly error: 'not-leader'; readonly leader?: NodeId }
  | { readonly ok: false; readonly error: 'unknown-outcome' | 'rejected' | 'timeout'; readonly reason: string };

export interface Backend {
  readonly nodeName: NodeId;
  readonly datacenter: string;
  /** This node's address as other members see it (catalog Address). */
  readonly advertiseAddr: string;
  readonly store: CoordStore;
  readonly hub: BlockingHub;
  isLeader(): boolean;
  leader(): NodeId | undefined;
  /** ms since this node last heard from a leader (0 on the leader), Consul's X-Consul-LastContact. */
  lastContactMs(): number;
  /** ms since this node last heard from `server` over Raft (the leader's view of its followers); undefined: never. */
  sinceHeardFromMs(server: NodeId): number | undefined;
  /** Wall-clock ms (Unix epoch) for timestamps the API reports, such as autopilot's StableSince. */
  wallClockMs(): number;
  /** Proposes a command (the backend stamps the leader clock `atUs`). */
  propose(cmd: StoreCommandBody): Promise<ProposeOutcome>;
  /** True while the local Raft node repairs storage damage (src/core/raft/recovery.ts): its store may lack acknowledged writes. */
  recovering?(): boolean;
  /** The leader's replication progress per follower; undefined when this node does not lead. */
  raftProgress?(): RaftProgressView | undefined;
  /**
   * Linearizable read barrier: resolves once the local store reflects every write committed
   * before the call. `lease`: a leader within its lease skips the quorum round (default mode).
   */
  readBarrier(opts?: { lease?: boolean }): Promise<{ ok: true } | { ok: false; error: string; leader?: NodeId }>;
  /** The leader's HTTP address (host:port) for forwarding; undefined when unknown. */
  httpAddressOf(node: NodeId): string | undefined;
  /** Consul's session renew: the leader re-arms the TTL. */
  renewSession(id: string): Promise<SessionRecord | 'not-found' | 'not-leader'>;
  /** etcd's LeaseKeepAlive: the leader (after a read barrier) restarts the lease's countdown. Optional: /v1/lease answers 501 without it. */
  keepAliveLease?(id: string): Promise<{ ttlUs: number } | 'not-found' | 'not-leader'>;
  raftServers(): readonly RaftServerView[];
  removeRaftPeer(idOrAddress: string): Promise<{ ok: true } | { ok: false; error: string }>;
  members(): readonly MemberView[];
  /** Graceful leave (the agent shuts down afterwards). */
  leave(): Promise<void>;
  /** Extra figures for /v1/agent/self and metrics. */
  stats(): Readonly<Record<string, number>>;
}
