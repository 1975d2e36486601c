/**
 * One service's Env shared by several cores of one node: the data node, the shard server
 * (master candidate) and the routing client all speak service 'shard', and a host keeps one
 * handler per service. Each core gets a view of the same Env whose onMessage adds a handler;
 * every delivered message goes to each of them. Their message types are disjoint (a core
 * ignores the types it does not serve), so each message still reaches only the core it is for.
 */
import type { Env, Message, NodeId } from '../../core/env.ts';

export class EnvMux {
  private readonly handlers: ((from: NodeId, msg: Message) => void)[] = [];

  constructor(private readonly base: Env) {
    base.onMessage((from, msg) => {
      for (const h of this.handlers) h(from, msg);
    });
  }

  /** A view for one more core. */
  env(): Env {
    const base = this.base;
    const handlers = this.handlers;
    return {
      self: base.self,
      service: base.service,
      now: () => base.now(),
      after: (delay, fn) => base.after(delay, fn),
      send: (to, msg, opts) => base.send(to, msg, opts),
      onMessage: (h) => {
        handlers.push(h);
      },
      storage: base.storage,
      random: base.random,
      trace: (kind, fields) => base.trace(kind, fields),
    };
  }
}
