/**
 * `app:` — the user's own protocol core (docs/your-own-protocol.md). The module file exports
 * `createCore(env, info)` (src/scenario/modules/user-module.ts); it runs on every listed node
 * under the service name 'app', with the simulator's faults, and is rebuilt on every restart.
 * Checkers come from `checkers:` (a module exporting `checkers`) or the app module itself.
 * Expectations: `app-check: NAME` (one checker) and `app-checks` (every checker).
 *
 *   app:
 *     module: ./register.ts       # relative to the scenario file; .ts loads without a build
 *     checkers: ./checks.ts       # optional
 *     nodes: '*'
 *     config: { buggy: true }     # handed to createCore as info.config
 */
import type { Core, NodeId } from '../../core/env.ts';
import type { TraceEvent } from '../../sim/types.ts';
import type { ExpectationSpec, ModuleInstance, ScenarioModule, TimelineItem } from '../types.ts';
import { fail, pass, vacuous } from '../verdict.ts';
import { loadUserModule, resolveUserPath, type AppChecker, type AppModule, type AppRunView } from './user-module.ts';

export interface AppModuleConfig {
  readonly modulePath: string;
  readonly nodes: readonly NodeId[];
  readonly config: unknown;
  readonly createCore: AppModule['createCore'];
  readonly checkers: Readonly<Record<string, AppChecker>>;
}

/** Bound on app trace events kept for the checkers: a long run must not hold millions. */
const MAX_EVENTS = 500_000;

export const appModule: ScenarioModule<AppModuleConfig> = {
  name: 'app',
  doc: "the user's own protocol core (app.module exports createCore(env, info))",
  parse(v, ctx) {
    v.allowKeys(['module', 'checkers', 'nodes', 'config']);
    const file = v.src.file;
    const modV = v.get('module').required();
    const modulePath = resolveUserPath(modV.str(), file);
    let mod: Record<string, unknown>;
    try {
      mod = loadUserModule(modulePath);
    } catch (e) {
      return modV.fail(`a loadable module (${(e as Error).message})`);
    }
    if (typeof mod.createCore !== 'function') modV.fail(`a module exporting createCore(env, info); ${modulePath} has none`);
    let checkers = (mod.checkers ?? {}) as Record<string, AppChecker>;
    const chV = v.get('checkers');
    if (chV.present) {
      const p = resolveUserPath(chV.str(), file);
      let cm: Record<string, unknown>;
      try {
        cm = loadUserModule(p);
      } catch (e) {
        return chV.fail(`a loadable module (${(e as Error).message})`);
      }
      if (!cm.checkers || typeof cm.checkers !== 'object') chV.fail(`a module exporting checkers: { name: (run) => ... }; ${p} has none`);
      checkers = { ...checkers, ...(cm.checkers as Record<string, AppChecker>) };
    }
    for (const [k, f] of Object.entries(checkers)) {
      if (typeof f !== 'function') (chV.present ? chV : modV).fail(`checker "${k}" to be a function`);
    }
    const nodes = v.get('nodes').present ? ctx.topology.nodesOf(v.get('nodes')) : ctx.topology.expand('*');
    return { modulePath, nodes, config: v.get('config').raw() ?? {}, createCore: mod.createCore as AppModule['createCore'], checkers };
  },
  expectations: {
    'app-check': {
      parse(v, ctx) {
        const name = v.str();
        const cfg = ctx.modules.get('app') as AppModuleConfig | undefined;
        if (cfg && !Object.hasOwn(cfg.checkers, name)) v.fail(`one of the app's checkers: ${Object.keys(cfg.checkers).join(', ') || '(it exports none)'}`);
        return name;
      },
      name: (p) => `app checker ${String(p)}`,
    },
    'app-checks': {
      parse: () => null,
      name: () => 'every app checker',
    },
  },
  instantiate(cfg, run): ModuleInstance {
    const members = new Set(cfg.nodes);
    const { world } = run;
    const events: TraceEvent[] = [];
    let dropped = 0;
    const view: AppRunView = {
      events,
      nodes: cfg.nodes,
      core: (n) => world.app<{ app?: Core }>(n)?.app,
      isUp: (n) => world.isUp(n),
      endUs: run.endUs,
      config: cfg.config,
    };
    const check = (exp: ExpectationSpec, names: readonly string[]) => {
      if (names.length === 0) return fail(exp, 'the app module exports no checkers');
      const failed: string[] = [];
      for (const name of names) {
        let out: ReturnType<AppChecker>;
        try {
          out = cfg.checkers[name]!(view);
        } catch (e) {
          out = `checker threw: ${e instanceof Error ? e.message : String(e)}`;
        }
        if (out && typeof out === 'object') return vacuous(exp, `${name}: ${out.vacuous}`);
        if (typeof out === 'string') failed.push(`${name}: ${out}`);
      }
      const note = dropped > 0 ? ` (only the first ${MAX_EVENTS} app trace events were kept; ${dropped} dropped)` : '';
      return failed.length > 0 ? fail(exp, failed.join('; ') + note) : pass(exp, `${names.join(', ')} held${note}`);
    };
    return {
      setupNode(ctx, app) {
        if (!members.has(ctx.id)) return;
        const core = cfg.createCore(ctx.env('app'), { config: cfg.config, nodes: cfg.nodes, restarts: ctx.restarts });
        app.parts.app = core;
        app.starters.push(() => core.start?.());
      },
      onTrace(ev) {
        if (ev.svc !== 'app') return;
        if (events.length < MAX_EVENTS) events.push(ev);
        else dropped++;
      },
      timeline(ev): TimelineItem | undefined {
        // An app event with a `note` field is shown on the timeline (the user picks what matters).
        if (ev.svc !== 'app' || typeof ev.note !== 'string') return undefined;
        return { t: ev.t, ...(ev.node ? { node: ev.node } : {}), category: 'app', text: `${ev.node ?? ''} ${ev.note}`.trim() };
      },
      evaluate(exp) {
        return check(exp, exp.kind === 'app-check' ? [exp.params as string] : Object.keys(cfg.checkers));
      },
    };
  },
};
