/**
 * Learners of a scenario's `raft: learners:` join through each new leader (addLearner). A
 * leader refuses a membership change until its term's first entry committed (the
 * single-server change rule, dissertation §4.1 erratum), which it has not at the instant it is
 * elected: asked then, it refused, and the learners never joined any run. This retries every
 * heartbeat-ish interval while the same node still leads, a bounded number of times.
 */
import type { NodeId } from '../../core/env.ts';
import type { RaftNode } from '../../core/raft/index.ts';

/** Retry period: 50 ms, the default Raft heartbeat (src/core/raft/config.ts, etcd's 100 ms halved). */
const RETRY_US = 50_000;
/** Bound on retries per election: 200 × 50 ms = 10 s, far beyond one commit round. */
const MAX_TRIES = 200;

export function addMissingLearners(
  leader: NodeId,
  learners: ReadonlySet<NodeId>,
  raftOf: (n: NodeId) => RaftNode<unknown, unknown> | undefined,
  after: (us: number, fn: () => void) => void,
): void {
  const attempt = (tries: number) => {
    const r = raftOf(leader);
    if (!r || !r.isLeader()) return;
    const m = r.membership();
    const missing = [...learners].filter((l) => !m.voters.includes(l) && !m.learners.includes(l));
    if (missing.length === 0) return;
    // One change at a time: the next learner after this one's entry is applied (or refused).
    r.addLearner(missing[0]!, (res) => {
      if (res.ok) return after(0, () => attempt(tries));
      if (tries < MAX_TRIES) after(RETRY_US, () => attempt(tries + 1));
    });
  };
  after(0, () => attempt(0));
}
