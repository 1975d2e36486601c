/**
 * Default timings and limits of the coordination services, each with its source.
 * All times are integer microseconds.
 */
import { sec, ms, type Micros } from '../env.ts';

/**
 * Smallest lease TTL. etcd clamps grants up to minLeaseTTL = ceil(3 * electionTicks / 2 *
 * heartbeat): with its defaults (10 ticks x 100 ms) that is 1.5 s, rounded up to 2 s
 * (etcd server/lease/lessor.go, NewLessor minTTL).
 */
export const LEASE_MIN_TTL_US: Micros = sec(2);
/** etcd's MaxLeaseTTL is 9 000 000 000 s; we cap at 1 year so deadlines stay exact integers. */
export const LEASE_MAX_TTL_US: Micros = sec(365 * 24 * 3600);
/**
 * Extra time given to every lease when a node becomes leader (etcd's Promote(extend), where
 * extend is the election timeout: electionTicks x TickMs = 1 s with etcd defaults). It covers
 * the time no leader was counting keep-alives.
 */
export const LEASE_PROMOTE_EXTEND_US: Micros = sec(1);

/** Consul: session_ttl_min defaults to 10 s and the TTL may be at most 24 h (api docs, /v1/session/create). */
export const SESSION_TTL_MIN_US: Micros = sec(10);
export const SESSION_TTL_MAX_US: Micros = sec(24 * 3600);
/**
 * Consul's leader waits TTL x SessionTTLMultiplier (= 2) before invalidating: the TTL is a
 * lower bound, the grace covers requests in flight and clock-rate differences (Chubby's
 * approach, hashicorp/consul PR #524, agent/structs SessionTTLMultiplier).
 */
export const SESSION_TTL_MULTIPLIER = 2;
/** Consul: LockDelay defaults to 15 s and is capped at 60 s (api docs, /v1/session/create). */
export const SESSION_LOCK_DELAY_DEFAULT_US: Micros = sec(15);
export const SESSION_LOCK_DELAY_MAX_US: Micros = sec(60);
/** Consul's default node check a session is bound to (the gossip failure detector's check). */
export const SERF_HEALTH_CHECK = 'serfHealth';

/**
 * Bound on how fast a server's clock may run relative to true time (a ratio: 1e-3 = 1000 ppm),
 * used to pad every leader-side TTL deadline (leases, sessions, TTL checks, ZooKeeper
 * sessions) by TTL x MAX_CLOCK_DRIFT, so a leader whose clock runs fast by up to this much
 * never ends a TTL early in true time. 1e-3 is twice the largest frequency error NTP will
 * ever correct (RFC 5905 sets the clock-frequency tolerance PHI at 15 ppm; the kernel
 * discipline clamps corrections at 500 ppm, RFC 1589 MAXFREQ), well above the ~100 ppm of a
 * disciplined server clock, and above the simulator nemesis's own 500 ppm (src/sim/nemesis.ts).
 * Cost: a 5 s lease lives 5 ms longer, a 10 s session (TTL x 2) 20 ms longer.
 */
export const MAX_CLOCK_DRIFT = 1e-3;

/**
 * Consul: maxInvalidateAttempts = 6, invalidateRetryBase = 10 s (agent/consul/session_ttl.go).
 * We keep the 6 attempts but retry after 1 s x attempt, not 10 s x attempt: a lock held by an
 * expired session stays held until a retry lands, and a proposal here fails fast (it is
 * answered within one proposal timeout), so Consul's base would add up to 10 s of needless
 * lock unavailability after a failed attempt. All six attempts fit in 1+2+3+4+5 = 15 s,
 * within one minimum session TTL x SessionTTLMultiplier (20 s), and they stop when the
 * leadership stint that decided them ends.
 */
export const DRIVER_MAX_ATTEMPTS = 6;
export const DRIVER_RETRY_BASE_US: Micros = sec(1);

/**
 * Consul blocking queries: default wait 5 min, capped at 10 min, plus a random jitter of up
 * to wait/16 so many watchers do not wake at once (Consul docs, "Blocking Queries").
 */
export const BLOCKING_DEFAULT_WAIT_US: Micros = sec(300);
export const BLOCKING_MAX_WAIT_US: Micros = sec(600);
export const BLOCKING_JITTER_FRACTION = 16;
/** Bound on parked blocking reads per node (ours; Consul has no fixed cap, memory is the cap). */
export const BLOCKING_MAX_WAITERS = 10_000;

/**
 * Consul: DeregisterCriticalServiceAfter has a minimum of 1 minute and the reaper runs every
 * 30 s, so removal happens up to 30 s late (agent/agent.go reapServicesInternal). We check on
 * exact timers instead, and keep the 1 minute minimum.
 */
export const DEREGISTER_CRITICAL_MIN_US: Micros = sec(60);

/**
 * ZooKeeper: the negotiated session timeout is clamped to [2 x tickTime, 20 x tickTime] with
 * tickTime = 2000 ms by default (ZooKeeper Administrator's Guide, minSessionTimeout /
 * maxSessionTimeout).
 */
export const ZK_TICK_US: Micros = ms(2000);
export const ZK_SESSION_TIMEOUT_MIN_US: Micros = 2 * ZK_TICK_US;
export const ZK_SESSION_TIMEOUT_MAX_US: Micros = 20 * ZK_TICK_US;
/** ZooKeeper: jute.maxbuffer, the largest znode data, defaults to 1 MiB (0xfffff bytes). */
export const ZK_MAX_DATA_BYTES = 0xfffff;
/** ZooKeeper's ContainerManager checks containers every 60 s (znode.container.checkIntervalMs). */
export const ZK_CONTAINER_CHECK_US: Micros = sec(60);

/** Bounds on replicated tables (ours: a simulated run must not grow without limit). */
export const MAX_LEASES = 100_000;
export const MAX_SESSIONS = 100_000;
export const MAX_ZNODES = 1_000_000;
export const MAX_MULTI_OPS = 1_000;
export const MAX_WATCHES_PER_SESSION = 10_000;
