/**
 * Raft's election restriction (§5.4.1; dissertation §9.6 for pre-votes): a server grants its vote,
 * and its pre-vote, only to a candidate whose log is at least as up-to-date as its own: the
 * candidate's last entry has a later term, or the same term and an index at least as high.
 * Histories show a broken restriction only when a stale candidate wins and then loses committed
 * entries; for pre-votes never, as the real vote checks again. This checks each grant as it
 * leaves: the request's lastTerm / lastIndex against the granter's own log when the request
 * arrived (the moment it decided), so it fires on the first wrong grant of any kind.
 *
 * The simulator wraps each Raft node's Env (`wrap`): incoming `raft.vote` / `raft.prevote` requests
 * are noted with the granter's log tail (from the node given to `attach`) before the node handles
 * them; a granted `raft.vote.resp` / `raft.prevote.resp` sent while handling one is judged against
 * it. The comparison is written out here, not imported from the core (src/core/raft/election.ts):
 * an oracle must not share the code it judges. A violation throws RaftSafetyViolation (the run
 * stops there), unless told not to.
 */
import type { Env, Message, NodeId } from '../../core/env.ts';
import { MessageChecker } from './message-checker.ts';

/** What the checker reads of the granter: its log's last index and term. */
export interface LogTail {
  lastIndex(): number;
  lastTerm(): number;
}

interface Pending {
  readonly from: NodeId;
  readonly kind: 'vote' | 'pre-vote';
  readonly term: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly mineIndex: number;
  readonly mineTerm: number;
}

/** §5.4.1: "If the logs have last entries with different terms, then the log with the later term is more up-to-date. If the logs end with the same term, then whichever log is longer is more up-to-date." */
function candidateUpToDate(p: Pending): boolean {
  if (p.lastTerm !== p.mineTerm) return p.lastTerm > p.mineTerm;
  return p.lastIndex >= p.mineIndex;
}

/** `checked` counts: granted votes and pre-votes checked. */
export class VoteRestrictionChecker extends MessageChecker {
  /** The same Env, watched; `attach` names the node built on it (until then nothing is judged). */
  wrap(env: Env): { readonly env: Env; attach(node: LogTail): void } {
    let node: LogTail | undefined;
    let pending: Pending | undefined;
    const wrapped: Env = {
      ...env,
      onMessage: (handler) =>
        env.onMessage((from, msg) => {
          pending = node === undefined ? undefined : this.request(from, msg, node);
          try {
            handler(from, msg);
          } finally {
            pending = undefined;
          }
        }),
      send: (to: NodeId, msg: Message, opts?: Parameters<Env['send']>[2]) => {
        if (pending !== undefined) this.check(env.self, to, msg, pending);
        env.send(to, msg, opts);
      },
    };
    return {
      env: wrapped,
      attach: (n) => {
        node = n;
      },
    };
  }

  private request(from: NodeId, msg: Message, node: LogTail): Pending | undefined {
    const m = msg as { type?: unknown; term?: unknown; lastIndex?: unknown; lastTerm?: unknown };
    if (m.type !== 'raft.vote' && m.type !== 'raft.prevote') return undefined;
    if (typeof m.term !== 'number' || typeof m.lastIndex !== 'number' || typeof m.lastTerm !== 'number') return undefined;
    const kind = m.type === 'raft.vote' ? 'vote' : 'pre-vote';
    return { from, kind, term: m.term, lastIndex: m.lastIndex, lastTerm: m.lastTerm, mineIndex: node.lastIndex(), mineTerm: node.lastTerm() };
  }

  private check(self: NodeId, to: NodeId, msg: Message, p: Pending): void {
    const m = msg as { type?: unknown; granted?: unknown };
    if (m.granted !== true || to !== p.from) return;
    if (m.type !== (p.kind === 'vote' ? 'raft.vote.resp' : 'raft.prevote.resp')) return;
    this.checked++;
    if (candidateUpToDate(p)) return;
    const v = `election restriction: ${self} granted its term-${p.term} ${p.kind} to ${to}, whose log (last entry ${p.lastIndex}, term ${p.lastTerm}) is behind its own (last entry ${p.mineIndex}, term ${p.mineTerm})`;
    this.report(v);
  }
}
