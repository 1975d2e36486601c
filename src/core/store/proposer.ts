/**
 * StoreProposer: proposes a store command from any node.
 *
 * On the leader it stamps `atUs` with the local clock and proposes through the Replicator.
 * On a follower it forwards the command to the leader's proposer over its own Env channel
 * (as Consul agents and ZooKeeper followers forward writes to the leader) and relays the
 * outcome. The leader, not the origin, stamps the time: only the leader's clock decides.
 * Every wait is bounded: pending forwards are capped and time out.
 */
import { assert, sec, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import type { ProposeResult, Replicator } from '../raft/api.ts';
import type { StoreCommandBody, StoreResult } from './commands.ts';

export type ProposeOutcome = ProposeResult<StoreResult>;

/** What the store's users ask of a proposer: a store command in, the store's outcome out. */
export interface Proposer<B = StoreCommandBody, R = StoreResult> {
  propose(cmd: B, done: (r: ProposeResult<R>) => void): void;
}

interface ForwardRequest<B> {
  readonly type: 'coord.fwd';
  readonly id: number;
  readonly cmd: B;
}
interface ForwardReply<R> {
  readonly type: 'coord.fwd.reply';
  readonly id: number;
  readonly outcome: ProposeResult<R>;
}
type ProposerMessage<B, R> = ForwardRequest<B> | ForwardReply<R>;

export interface ProposerOptions {
  /**
   * How long a forwarded proposal may take before the origin reports unknown-outcome.
   * 5 s: well above an election (hashicorp/raft's default election timeout is 1 s) plus a
   * commit round; Consul's RPC hold timeout for a leaderless cluster is 7 s (rpc_hold_timeout).
   */
  readonly forwardTimeoutUs?: Micros;
  /** Bound on forwarded proposals in flight from this node (ours). */
  readonly maxPending?: number;
}

/**
 * Generic in the log's command bodies and results: a server's log carries the store's commands
 * and others beside them (the node's 'ha.*'), and one proposer (one forwarding channel) serves
 * them all; the store's users see it through Proposer<StoreCommandBody, StoreResult>.
 */
export class StoreProposer<B extends { readonly type: string } = StoreCommandBody, R = StoreResult> implements Proposer<B, R> {
  private readonly pending = new Map<number, { done: (r: ProposeResult<R>) => void; timer: Timer }>();
  private nextId = 1;
  private readonly forwardTimeoutUs: Micros;
  private readonly maxPending: number;

  constructor(
    private readonly env: Env,
    private readonly raft: Replicator<B & { readonly atUs?: Micros }, R>,
    opts: ProposerOptions = {},
  ) {
    this.forwardTimeoutUs = opts.forwardTimeoutUs ?? sec(5);
    this.maxPending = opts.maxPending ?? 1024;
    env.onMessage((from, msg) => this.onMessage(from, msg as ProposerMessage<B, R>));
  }

  /** Proposes cmd on the leader (directly or forwarded); done runs exactly once. */
  propose(cmd: B, done: (r: ProposeResult<R>) => void): void {
    if (this.raft.isLeader()) {
      this.raft.propose({ ...cmd, atUs: this.env.now() }, done);
      return;
    }
    const leader = this.raft.leader();
    if (leader === undefined || leader === this.env.self) {
      done({ ok: false, error: 'not-leader' });
      return;
    }
    if (this.pending.size >= this.maxPending) {
      done({ ok: false, error: 'rejected', reason: 'too many forwarded proposals' });
      return;
    }
    const id = this.nextId++;
    const timer = this.env.after(this.forwardTimeoutUs, () => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      p.done({ ok: false, error: 'unknown-outcome', leader });
    });
    this.pending.set(id, { done, timer });
    const req: ForwardRequest<B> = { type: 'coord.fwd', id, cmd };
    this.env.send(leader, req, { reliable: true });
  }

  private onMessage(from: NodeId, msg: ProposerMessage<B, R>): void {
    if (msg.type === 'coord.fwd') {
      // Forward once only: a follower that is asked does not forward again (no loops).
      if (!this.raft.isLeader()) {
        const leader = this.raft.leader();
        this.reply(from, msg.id, { ok: false, error: 'not-leader', ...(leader !== undefined ? { leader } : {}) });
        return;
      }
      this.raft.propose({ ...msg.cmd, atUs: this.env.now() }, (r) => this.reply(from, msg.id, r));
    } else if (msg.type === 'coord.fwd.reply') {
      const p = this.pending.get(msg.id);
      if (!p) return; // timed out already
      this.pending.delete(msg.id);
      p.timer.cancel();
      p.done(msg.outcome);
    }
  }

  private reply(to: NodeId, id: number, outcome: ProposeResult<R>): void {
    assert(Number.isInteger(id), 'forward id must be an integer');
    const rep: ForwardReply<R> = { type: 'coord.fwd.reply', id, outcome };
    this.env.send(to, rep, { reliable: true });
  }
}
