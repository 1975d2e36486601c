/**
 * The contract between hasim and a user's own protocol (docs/your-own-protocol.md), and the
 * loader of the user's TypeScript or JavaScript module.
 *
 * A user module is loaded synchronously through tsx's CommonJS API (`tsx/cjs/api`), so a
 * `.ts` file needs no build step and scenario loading stays synchronous everywhere it happens
 * (the CLI, swarm workers, shrink, the TUI). Each file is loaded once per process.
 */
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import type { Core, Env, Micros, NodeId } from '../../core/env.ts';
import type { TraceEvent } from '../../sim/types.ts';

/** What createCore learns besides its Env. */
export interface AppNodeInfo<C = unknown> {
  /** The scenario's `app.config`, as written (plain data). */
  readonly config: C;
  /** Every node running the app, in topology order (this one included). */
  readonly nodes: readonly NodeId[];
  /** How many times this node restarted before this boot (0 on the first). */
  readonly restarts: number;
}

/** A user module (`app.module`): builds the core of one node from its Env. Called at boot and after every restart. */
export interface AppModule<C = unknown, N extends Core = Core> {
  createCore(env: Env, info: AppNodeInfo<C>): N;
}

/** What a checker sees of a finished run. */
export interface AppRunView<N extends Core = Core> {
  /** Trace events of the app's cores (env.trace of service 'app'), in order. */
  readonly events: readonly TraceEvent[];
  /** Every node running the app. */
  readonly nodes: readonly NodeId[];
  /** The core currently running on a node; undefined when the node is down. */
  core(node: NodeId): N | undefined;
  isUp(node: NodeId): boolean;
  readonly endUs: Micros;
  /** The scenario's `app.config`. */
  readonly config: unknown;
}

/**
 * A checker: undefined or true when the property held; a string saying what went wrong otherwise.
 * Return `{ vacuous: why }` when the run did not exercise the property (no operation completed):
 * the run fails, but shrink does not take it for a found bug.
 */
export type AppChecker<N extends Core = Core> = (run: AppRunView<N>) => undefined | true | string | { readonly vacuous: string };

/** A checkers module (`app.checkers`, or the app module itself): named checkers. */
export interface AppCheckersModule {
  readonly checkers: Readonly<Record<string, AppChecker<any>>>;
}

const cache = new Map<string, Record<string, unknown>>();

/** Resolves `spec` against the scenario file's directory (the working directory for inline text). */
export function resolveUserPath(spec: string, scenarioFile: string): string {
  if (isAbsolute(spec)) return spec;
  const base = scenarioFile.startsWith('<') ? process.cwd() : resolve(scenarioFile, '..');
  return resolve(base, spec);
}

type TsxRequire = (id: string, fromFile: string | URL) => unknown;
let tsxRequireFn: TsxRequire | undefined;

/**
 * tsx's require, loaded on first use: tsx brings esbuild, a tenth of a second of start-up that
 * every `hasim run` of a built-in scenario would otherwise pay for nothing.
 */
function tsxRequire(): TsxRequire {
  tsxRequireFn ??= (createRequire(import.meta.url)('tsx/cjs/api') as { require: TsxRequire }).require;
  return tsxRequireFn;
}

/** Loads a user module (cached); throws an Error whose message is one line on failure. */
export function loadUserModule(absPath: string): Record<string, unknown> {
  const hit = cache.get(absPath);
  if (hit) return hit;
  let m: Record<string, unknown>;
  try {
    m = tsxRequire()(absPath, import.meta.url) as Record<string, unknown>;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    throw new Error(`cannot load ${absPath}: ${msg}`);
  }
  // `export default { createCore }` arrives as m.default.
  const flat = m.default && typeof m.default === 'object' ? { ...(m.default as Record<string, unknown>), ...m } : m;
  cache.set(absPath, flat);
  return flat;
}
