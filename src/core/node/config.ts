/**
 * Options of one composed server node, with defaults and their sources.
 */
import type { NodeId } from '../env.ts';
import type { RaftConfig } from '../raft/index.ts';
import type { SwimConfigInput } from '../swim/index.ts';
import type { AddressCard } from './hello.ts';
import type { HaConfig, NotificationAction, Probe } from '../ha/index.ts';

export interface ServerNodeOptions {
  /** Raft timings and bounds (voters are decided by the node: see `voters` / `bootstrapExpect`). */
  readonly raft?: Partial<Omit<RaftConfig, 'voters'>>;
  /** SWIM profile and overrides; seeds here are node names already known. */
  readonly swim?: SwimConfigInput;
  /**
   * Voters to start with when nothing is stored yet: [self] for `--dev`, the full list when
   * every name is known up front (the simulator). Persisted, so a restart uses the same set.
   */
  readonly voters?: readonly NodeId[];
  /**
   * Consul's bootstrap_expect: when nothing is stored, wait until this many servers are alive
   * in the gossip pool, then bootstrap Raft with exactly them (every node computes the same
   * set, as Consul's servers do before raft.BootstrapCluster).
   */
  readonly bootstrapExpect?: number;
  /**
   * Recovery without quorum (Consul's raft/peers.json): reset the membership to these voters
   * before Raft boots. The host passes it once, on an operator's request.
   */
  readonly recoverVoters?: readonly NodeId[];
  /** Runs this node's HTTP / TCP / script service checks (Consul agent checks); absent: TTL checks only. */
  readonly checkProbe?: import('../coord/index.ts').Probe;
  /** The failover service (targets, checks, quorum, events); absent: not run on this node. */
  readonly ha?: { readonly probe: Probe; readonly notify?: NotificationAction; readonly config?: Partial<HaConfig> };
  /** This node's addresses (host, udp, tcp, http): gossiped in SWIM meta and in hello. */
  readonly card?: AddressCard;
  /** Provisional seed ids (`join@HOST:PORT`) to greet, then join SWIM through. */
  readonly join?: readonly NodeId[];
  /** Runs the ZooKeeper-style tree server (service 'zk') for clients of this node (hanode --zk). */
  readonly zk?: boolean;
}

/** SWIM meta key marking a server (Consul's serf tag role=consul). */
export const ROLE_KEY = 'role';
export const ROLE_SERVER = 'server';
/**
 * SWIM meta keys a server sets once its Raft runs: `voters` = the bootstrap voters it started
 * with (so a server still counting towards bootstrap_expect adopts exactly that set instead
 * of racing to its own), `raft` = '1' when it runs Raft without having bootstrapped (it was
 * added by a leader). A server that sees either and is not among those voters joins the
 * existing cluster instead of bootstrapping a new one (Consul's servers likewise skip
 * bootstrapping when a peer already reports Raft peers).
 */
export const VOTERS_META_KEY = 'voters';
export const BOOTSTRAPPED_KEY = 'raft';
/** Longest voters list advertised in meta (SWIM meta is capped at 512 bytes, memberlist MetaMaxSize). */
export const MAX_VOTERS_META_CHARS = 256;
/** Node-level storage key holding the bootstrap voters once decided. */
export const VOTERS_KEY = 'voters';
