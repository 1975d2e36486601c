/**
 * A granted vote is durable before the answer leaves (Raft Figure 2, "Persistent state on all
 * servers: updated on stable storage before responding to RPCs"). Histories cannot show a vote
 * forgotten in a crash, and a test that compares a restarted node's vote with its storage
 * passes when the vote was never written. This checks the message itself: when a node sends
 * `raft.vote.resp` granting its vote in term T to C, the hard state its storage holds DURABLY at
 * that instant (what a crash now would leave: MemoryStorage.durableLoad) must say term T, vote C.
 *
 * The simulator wraps each Raft node's Env (`wrap`), so the check sees exactly what leaves,
 * before the network. A violation throws RaftSafetyViolation (the run stops there), unless told not to.
 */
import type { Env, Message, NodeId } from '../../core/env.ts';
import { MessageChecker } from './message-checker.ts';

/** The Raft hard state as stored under 'hs' (src/core/raft/node.ts, index.ts "Storage layout"). */
interface StoredHardState {
  readonly term: number;
  readonly vote: NodeId | null;
}

interface DurableView {
  durableLoad<T = unknown>(key: string): T | undefined;
}

const HS_KEY = 'hs';

function hasDurableView(s: unknown): s is DurableView {
  return typeof (s as Partial<DurableView> | null)?.durableLoad === 'function';
}

/** `checked` counts: granted votes checked against durable storage. */
export class VoteDurabilityChecker extends MessageChecker {
  /** The same Env, whose sends of granted votes are checked first (storage without a durable view: not judged). */
  wrap(env: Env): Env {
    const storage = env.storage;
    if (!hasDurableView(storage)) return env;
    return {
      ...env,
      send: (to: NodeId, msg: Message, opts?: Parameters<Env['send']>[2]) => {
        this.check(env.self, to, msg, storage);
        env.send(to, msg, opts);
      },
    };
  }

  private check(self: NodeId, to: NodeId, msg: Message, storage: DurableView): void {
    const m = msg as { type?: unknown; term?: unknown; granted?: unknown };
    if (m.type !== 'raft.vote.resp' || m.granted !== true) return;
    this.checked++;
    const hs = storage.durableLoad<StoredHardState>(HS_KEY);
    if (hs !== undefined && hs.term === m.term && hs.vote === to) return;
    const held = hs === undefined ? 'nothing' : `term ${hs.term}, vote ${hs.vote ?? 'none'}`;
    const v = `vote not durable: ${self} granted its term-${String(m.term)} vote to ${to} while its disk held ${held}`;
    this.report(v);
  }
}
