/**
 * A Replicator seen through a narrower command language: proposals are wrapped into the log's
 * commands and results unwrapped into the view's, everything else passes through. The server's
 * one log carries NodeCommands; the store sees StoreCommands, with the results of its own
 * language and no cast.
 */
import type { ProposeResult, ReadOptions, ReadResult, Replicator } from '../raft/api.ts';

export function replicatorView<C, R, VC, VR>(r: Replicator<C, R>, wrap: (cmd: VC) => C, unwrap: (res: R) => VR): Replicator<VC, VR> {
  return {
    propose: (cmd: VC, done: (x: ProposeResult<VR>) => void, dedup?: { client: string; seq: number }) =>
      r.propose(wrap(cmd), (x) => done(x.ok ? { ...x, result: unwrap(x.result) } : x), dedup),
    readBarrier: (done: (x: ReadResult) => void, opts?: ReadOptions) => r.readBarrier(done, opts),
    isLeader: () => r.isLeader(),
    leader: () => r.leader(),
    role: () => r.role(),
    term: () => r.term(),
    commitIndex: () => r.commitIndex(),
    appliedIndex: () => r.appliedIndex(),
    onRoleChange: (l) => r.onRoleChange(l),
  };
}
