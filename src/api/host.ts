/**
 * The same user core on real sockets: `hostApp` runs an app module (the file an `app:`
 * section names) on a RealHost (UDP/TCP on the given address, MemoryStorage unless a storage
 * factory is given), under the service name 'app' as in the simulator.
 */
import type { Core, NodeId } from '../core/env.ts';
import { RealHost, type RealHostOptions } from '../net-real/real-host.ts';
import { loadUserModule } from '../scenario/modules/user-module.ts';
import type { AppModule } from '../scenario/modules/user-module.ts';
import { resolve } from 'node:path';

export interface HostAppOptions extends RealHostOptions {
  /** Every node running the app (this one included), as in the scenario's `app.nodes`. */
  readonly nodes: readonly NodeId[];
  /** Handed to createCore as info.config. */
  readonly config?: unknown;
}

/** Builds (not starts) a RealHost running the app module at `modulePath`; `await host.start()`, later `host.close()`. */
export function hostApp(modulePath: string, opts: HostAppOptions): RealHost<{ app: Core }> {
  const mod = loadUserModule(resolve(modulePath));
  if (typeof mod.createCore !== 'function') throw new Error(`${modulePath} exports no createCore(env, info)`);
  const createCore = mod.createCore as AppModule['createCore'];
  const host = new RealHost<{ app: Core }>(opts);
  host.setup((ctx) => {
    const core = createCore(ctx.env('app'), { config: opts.config ?? {}, nodes: opts.nodes, restarts: ctx.restarts });
    core.start?.();
    return { app: core };
  });
  return host;
}
