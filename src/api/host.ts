/**
 * The same user core on real sockets: `hostApp` runs an app module (the file an `app:`
 * section names) on a RealHost (UDP/TCP on the given address), under the service name 'app' as
 * in the simulator. Storage: files under `dataDir` (one FileStorage a service, as hanode keeps
 * its data dir: the core's log and named values survive a restart), else the `storage` factory
 * given, else memory (lost when the process ends).
 */
import type { Core, NodeId } from '../core/env.ts';
import { DataDir } from '../net-real/data-dir.ts';
import { RealHost, type RealHostOptions } from '../net-real/real-host.ts';
import { loadUserModule } from '../scenario/modules/user-module.ts';
import type { AppModule } from '../scenario/modules/user-module.ts';
import { resolve } from 'node:path';

export interface HostAppOptions extends RealHostOptions {
  /** Every node running the app (this one included), as in the scenario's `app.nodes`. */
  readonly nodes: readonly NodeId[];
  /** Handed to createCore as info.config. */
  readonly config?: unknown;
  /** Keep the core's storage in files under this directory (created if missing; locked while the host runs). */
  readonly dataDir?: string;
}

/** Builds (not starts) a RealHost running the app module at `modulePath`; `await host.start()`, later `host.close()`. */
export function hostApp(modulePath: string, opts: HostAppOptions): RealHost<{ app: Core }> {
  const mod = loadUserModule(resolve(modulePath));
  if (typeof mod.createCore !== 'function') throw new Error(`${modulePath} exports no createCore(env, info)`);
  const createCore = mod.createCore as AppModule['createCore'];
  const dd = opts.dataDir !== undefined ? DataDir.open(opts.dataDir) : undefined;
  const host = new RealHost<{ app: Core }>(dd ? { ...opts, storage: (service) => dd.storage(service) } : opts);
  if (dd) {
    // The files are synced and the directory lock released once the host has stopped.
    const close = host.close.bind(host);
    host.close = async () => {
      try {
        await close();
      } finally {
        dd.close();
      }
    };
  }
  host.setup((ctx) => {
    const core = createCore(ctx.env('app'), { config: opts.config ?? {}, nodes: opts.nodes, restarts: ctx.restarts });
    core.start?.();
    return { app: core };
  });
  return host;
}
