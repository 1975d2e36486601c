/**
 * /v1/ha/* — the failover service of the seeds over HTTP: monitored targets (with their
 * verification and notification), this node's detector results, every node's gossiped
 * results, the declared events, and failover groups.
 */
import type { HaApplyResult, HaCommand, HaService, HaStateMachine } from '../../core/ha/index.ts';
import { badRequest, HttpError, notFound } from '../http/errors.ts';
import type { ApiReply, Route } from '../http/types.ts';
import { parseTargetSpec, specError, type TargetSpec } from '../ha/target-spec.ts';
import { isObject, jsonBody, type RouteContext } from './context.ts';
import { requireScriptAllowed } from '../script-policy.ts';

export interface HaBackend {
  readonly state: HaStateMachine;
  readonly service: HaService;
  readonly self: string;
  propose(cmd: HaCommand): Promise<{ ok: true; result: HaApplyResult } | { ok: false; reason: string }>;
}

export function haRoutes(ctx: RouteContext, ha: () => HaBackend | undefined): Route[] {
  const get = (): HaBackend => {
    const h = ha();
    if (!h) throw notFound('the failover service is not running on this agent');
    return h;
  };
  const commit = async (cmd: HaCommand): Promise<ApiReply> => {
    const r = await get().propose(cmd);
    if (!r.ok) throw new HttpError(500, r.reason);
    if (!r.result.ok) throw badRequest(r.result.reason);
    return { json: true };
  };
  const targetJson = (h: HaBackend, key: string, value: string) => {
    const spec = parseTargetSpec(value);
    return { Key: key, Value: spec.Value, Check: spec.Check ?? null, Notify: spec.Notify ?? null, Health: h.state.health(key) ?? null };
  };
  return [
    {
      path: '/v1/ha/targets',
      methods: {
        GET: {
          placement: 'read',
          handler: () => {
            const h = get();
            return { json: h.state.targets().map((t) => targetJson(h, t.key, t.value)), index: h.state.revision() };
          },
        },
      },
    },
    {
      path: '/v1/ha/targets/',
      prefix: true,
      methods: {
        GET: {
          placement: 'read',
          handler: (req) => {
            const h = get();
            const t = h.state.target(req.rest);
            if (!t) return { status: 404, index: h.state.revision() };
            return { json: targetJson(h, t.key, t.value), index: h.state.revision() };
          },
        },
        PUT: {
          placement: 'leader',
          write: true,
          handler: (req) => {
            if (req.rest === '') throw badRequest('Missing target key');
            const body = jsonBody(req.body);
            const err = specError(body);
            if (err) throw badRequest(err);
            const b = body as Partial<TargetSpec>;
            // A script target runs its Check / Notify command on every server: remote code, refused by default.
            if (b.Check?.Args !== undefined || b.Notify?.Args !== undefined) requireScriptAllowed(ctx.scripts ?? {}, req.remoteAddress);
            const spec: TargetSpec = { Value: b.Value ?? '', ...(b.Check ? { Check: b.Check } : {}), ...(b.Notify ? { Notify: b.Notify } : {}) };
            return commit({ type: 'ha.target.put', key: req.rest, value: JSON.stringify(spec) });
          },
        },
        DELETE: { placement: 'leader', write: true, handler: (req) => commit({ type: 'ha.target.delete', key: req.rest }) },
      },
    },
    {
      path: '/v1/ha/detector',
      methods: {
        GET: {
          placement: 'local',
          handler: () => {
            const h = get();
            return {
              json: {
                Node: h.self,
                Results: h.state.targets().map((t) => {
                  const r = h.service.db.get(t.key, h.self)?.result;
                  return { Target: t.key, Status: r ? r.status.toUpperCase() : null, Boot: r?.boot ?? null, Seq: r?.seq ?? null };
                }),
              },
            };
          },
        },
      },
    },
    {
      path: '/v1/ha/gossip',
      methods: {
        GET: {
          placement: 'local',
          handler: () => ({
            json: get()
              .service.db.dump()
              .map((s) => ({ Target: s.result.target, Observer: s.result.observer, Status: s.result.status.toUpperCase(), Boot: s.result.boot, Seq: s.result.seq })),
          }),
        },
      },
    },
    {
      path: '/v1/ha/events',
      methods: {
        GET: {
          placement: 'read',
          handler: () => {
            const h = get();
            return {
              json: h.state.events().map((e) => ({ ID: e.id, Key: e.key, From: e.from.toUpperCase(), To: e.to.toUpperCase(), DecidedBy: e.decidedBy, Agree: e.agree, Live: e.live, Known: e.known })),
              index: h.state.revision(),
            };
          },
        },
      },
    },
    {
      path: '/v1/ha/groups',
      methods: {
        GET: {
          placement: 'read',
          handler: () => ({ json: get().state.groups().map((g) => ({ Name: g.name, Targets: [...g.targets], Active: g.active, Unavailable: g.unavailable })) }),
        },
      },
    },
    {
      path: '/v1/ha/groups/',
      prefix: true,
      methods: {
        PUT: {
          placement: 'leader',
          write: true,
          handler: (req) => {
            const body = jsonBody(req.body);
            if (!isObject(body) || !Array.isArray(body.Targets) || !body.Targets.every((t) => typeof t === 'string')) throw badRequest('want {"Targets": ["key", ...]}');
            return commit({ type: 'ha.group.put', name: req.rest, targets: body.Targets as string[] });
          },
        },
        DELETE: { placement: 'leader', write: true, handler: (req) => commit({ type: 'ha.group.delete', name: req.rest }) },
      },
    },
  ];
}
