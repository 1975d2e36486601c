/**
 * A replicated state machine: deterministic code that Raft feeds committed commands to.
 *
 * Every replica applies the same commands in the same order and so reaches the same state.
 * `apply` must be a pure function of (state, command, ctx): no clocks, no randomness. Time
 * that matters (lease expiry, session TTLs) is decided by the leader and carried inside the
 * command, so all replicas agree on it.
 */
export interface ApplyContext {
  /** Raft log index of the entry being applied (a natural, unique, increasing id). */
  readonly index: number;
  /** Raft term of the entry. */
  readonly term: number;
}

export interface StateMachine<Cmd = unknown, Result = unknown> {
  apply(command: Cmd, ctx: ApplyContext): Result;
  /** A plain, msgpack-serialisable copy of the whole state. */
  snapshot(): unknown;
  /** Replaces the whole state with a snapshot taken by `snapshot()`. */
  restore(snapshot: unknown): void;
}
