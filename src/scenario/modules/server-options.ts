/**
 * What the other modules add to a server's ServerNode options under `raft: { bootstrap: expect }`
 * (./raft-bootstrap.ts): there each server is hanode's whole ServerNode, which runs its own SWIM
 * and, with `ha`, its own HA service, so the `swim` module configures that gossip (profile,
 * timings) and the `failover` module that HA service (probe, notifier, timings) instead of
 * building their own. Contributions are registered while modules are instantiated (every
 * instantiate runs before the first node is set up) and read when a server is built.
 */
import type { ServerNodeOptions } from '../../core/node/index.ts';
import type { SwimConfigInput } from '../../core/swim/index.ts';
import type { NodeSetupContext, RunContext } from '../types.ts';

/** What one module adds for one node (nothing: `{}`). */
export type ServerOptionsContribution = (ctx: NodeSetupContext) => { readonly swim?: SwimConfigInput; readonly ha?: ServerNodeOptions['ha'] };

const contributions = new WeakMap<RunContext, ServerOptionsContribution[]>();

/** Registers a module's contribution to the run's bootstrap-mode servers. */
export function contributeServerOptions(run: RunContext, c: ServerOptionsContribution): void {
  const list = contributions.get(run) ?? [];
  list.push(c);
  contributions.set(run, list);
}

/** Every contribution for one node, merged (SWIM settings field by field; one module owns `ha`). */
export function serverOptionsFor(run: RunContext, ctx: NodeSetupContext): { swim?: SwimConfigInput; ha?: ServerNodeOptions['ha'] } {
  let swim: SwimConfigInput | undefined;
  let ha: ServerNodeOptions['ha'] | undefined;
  for (const c of contributions.get(run) ?? []) {
    const o = c(ctx);
    if (o.swim) swim = { ...swim, ...o.swim };
    if (o.ha) ha = o.ha;
  }
  return { ...(swim ? { swim } : {}), ...(ha ? { ha } : {}) };
}
