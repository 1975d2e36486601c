/**
 * Timing and limits of the failover service, with the source of every default, and the
 * detection bound that follows from them.
 */
import { assert, sec, type Micros } from '../env.ts';

export interface HaConfig {
  /**
   * Time between two checks of one target by one observer. 10 s: the interval Consul's
   * check documentation uses in its examples ("interval": "10s"); the seed used 60 s, too
   * slow to fail a cluster over.
   */
  readonly checkIntervalUs: Micros;
  /**
   * A probe not answered within this counts as DOWN. Consul caps a check's timeout at its
   * interval (hashicorp/consul#5835); half the interval leaves room for the next check.
   */
  readonly checkTimeoutUs: Micros;
  /**
   * Consecutive failed checks before an observer reports DOWN. 3: Kubernetes' probe
   * failureThreshold default (Consul's failures_before_critical plays the same role).
   */
  readonly failuresBeforeDown: number;
  /**
   * Consecutive good checks before an observer reports UP again. Kubernetes uses 1, but a
   * flapping target must not flap events: we make the hysteresis symmetric (our choice).
   */
  readonly successesBeforeUp: number;
  /** How often the leader evaluates the gossip DB. 1 s: memberlist's ProbeInterval, the cadence of its failure detection. */
  readonly evalIntervalUs: Micros;
  /** Consecutive evaluations that must see the same quorum before an event is proposed (our choice: 2, a second look). */
  readonly confirmEvals: number;
  /**
   * A result not refreshed for this long no longer counts (its observer is silent). Every
   * observer republishes each check, so 3 intervals + a timeout tolerate two lost gossips.
   */
  readonly staleAfterUs: Micros;
  /** Scavenger period. 60 s: the seed's scavenge timer (main.go: GoRoutineInTimer(60s, sc.scavenge)). */
  readonly scavengeIntervalUs: Micros;
  /** Bounds: targets monitored, events kept in the replicated log. */
  readonly maxTargets: number;
  readonly maxEvents: number;
}

export const DEFAULT_HA_CONFIG: HaConfig = {
  checkIntervalUs: sec(10),
  checkTimeoutUs: sec(5),
  failuresBeforeDown: 3,
  successesBeforeUp: 3,
  evalIntervalUs: sec(1),
  confirmEvals: 2,
  staleAfterUs: sec(35),
  scavengeIntervalUs: sec(60),
  maxTargets: 1024,
  maxEvents: 1000,
};

/** Fills defaults and checks the relations the bound relies on. */
export function haConfig(partial: Partial<HaConfig> = {}): HaConfig {
  const c: HaConfig = { ...DEFAULT_HA_CONFIG, ...partial };
  if (partial.staleAfterUs === undefined) {
    (c as { staleAfterUs: Micros }).staleAfterUs = 3 * c.checkIntervalUs + c.checkTimeoutUs;
  }
  assert(c.checkIntervalUs > 0 && c.checkTimeoutUs > 0, 'ha: check interval and timeout must be > 0');
  assert(c.checkTimeoutUs <= c.checkIntervalUs, 'ha: check timeout must not exceed the interval');
  assert(c.failuresBeforeDown >= 1 && c.successesBeforeUp >= 1, 'ha: thresholds must be >= 1');
  assert(c.confirmEvals >= 1 && c.evalIntervalUs > 0, 'ha: confirmEvals >= 1, evalInterval > 0');
  assert(c.staleAfterUs > c.checkIntervalUs + c.checkTimeoutUs, 'ha: staleAfter must outlive one check round');
  assert(c.maxTargets >= 1 && c.maxEvents >= 1, 'ha: bounds must be >= 1');
  return c;
}

/** The terms of the detection bound, for printing. */
export interface DetectionBound {
  readonly checksUs: Micros;
  readonly gossipUs: Micros;
  readonly quorumUs: Micros;
  readonly commitUs: Micros;
  readonly totalUs: Micros;
}

/**
 * Worst case from a target's death to its DOWN event being applied, with a stable leader
 * and no lost gossip:
 *  - checks: the k-th check after the death starts at most k intervals later and answers
 *    within the timeout, so an observer reports DOWN by failuresBeforeDown * interval + timeout;
 *  - gossip: one dissemination delay (transport dependent: one hop for direct fan-out,
 *    rounds * gossipInterval for SWIM piggybacking);
 *  - quorum: the leader looks every evalInterval and wants confirmEvals looks in a row,
 *    so at most confirmEvals * evalInterval after the quorum formed;
 *  - commit: one Raft round (a few RTTs).
 * Observers check in parallel, so a quorum forms within the same bound as one observer.
 */
export function detectionBoundUs(c: HaConfig, gossipDelayUs: Micros, commitUs: Micros): DetectionBound {
  const checksUs = c.failuresBeforeDown * c.checkIntervalUs + c.checkTimeoutUs;
  const quorumUs = c.confirmEvals * c.evalIntervalUs;
  return { checksUs, gossipUs: gossipDelayUs, quorumUs, commitUs, totalUs: checksUs + gossipDelayUs + quorumUs + commitUs };
}
