/**
 * /v1/agent/* — this agent's services and checks (registered into the replicated catalog
 * under this node's name, as Consul's anti-entropy would put them), TTL check updates,
 * members, self, leave.
 */
import type { ServiceInput } from '../../core/coord/catalog.ts';
import type { CheckDefinition, CheckInput, CheckStatus, ProbeSpec } from '../../core/coord/checks.ts';
import { DEREGISTER_CRITICAL_MIN_US, SERF_HEALTH_CHECK } from '../../core/coord/config.ts';
import { parseGoDuration } from '../http/duration.ts';
import { badRequest, HttpError, notFound } from '../http/errors.ts';
import type { ApiReply, ApiRequest, Route } from '../http/types.ts';
import { checkJson, serviceJson } from '../shapes.ts';
import { MAX_RUNNING as MAX_NODE_PROBES } from '../../core/coord/probe-runner.ts';
import { clampInterval, clampTimeout, requireScriptAllowed } from '../script-policy.ts';
import { commit, isObject, jsonBody, okResult, type RouteContext } from './context.ts';

/** Bound on checks one service registration may carry (ours). */
const MAX_CHECKS_PER_REGISTRATION = 32;

export function agentRoutes(ctx: RouteContext, hooks: { leave: () => Promise<void>; self: () => unknown; metrics: (req: ApiRequest) => ApiReply }): Route[] {
  const b = ctx.backend;
  const local = <T>(fn: (req: ApiRequest) => Promise<ApiReply> | ApiReply, write = false) => ({ handler: fn, placement: 'local' as const, write });
  const status = (s: CheckStatus) => local((req) => updateCheck(ctx, req.rest, s, req.query.get('note') ?? ''), true);
  return [
    { path: '/v1/agent/service/register', methods: { PUT: local((r) => registerService(ctx, r), true) } },
    {
      path: '/v1/agent/service/deregister/',
      prefix: true,
      methods: {
        PUT: local(async (req) => {
          if (!b.store.catalog.servicesOfNode(b.nodeName).some((s) => s.id === req.rest)) throw notFound(`Unknown service ID "${req.rest}". Ensure that the service ID is passed, not the service name.`);
          await commit(ctx, { type: 'catalog.deregister', node: b.nodeName, serviceId: req.rest });
          return {};
        }, true),
      },
    },
    {
      path: '/v1/agent/services',
      methods: {
        GET: local(() => {
          const out: Record<string, unknown> = {};
          for (const s of b.store.catalog.servicesOfNode(b.nodeName)) out[s.id] = serviceJson(s, b.datacenter);
          return { json: out };
        }),
      },
    },
    { path: '/v1/agent/check/register', methods: { PUT: local((r) => registerCheck(ctx, r), true) } },
    {
      path: '/v1/agent/check/deregister/',
      prefix: true,
      methods: {
        PUT: local(async (req) => {
          if (!b.store.catalog.getCheck(b.nodeName, req.rest)) throw notFound(`Unknown check ID "${req.rest}"`);
          await commit(ctx, { type: 'catalog.deregister', node: b.nodeName, checkId: req.rest });
          return {};
        }, true),
      },
    },
    { path: '/v1/agent/check/pass/', prefix: true, methods: { PUT: status('passing') } },
    { path: '/v1/agent/check/warn/', prefix: true, methods: { PUT: status('warning') } },
    { path: '/v1/agent/check/fail/', prefix: true, methods: { PUT: status('critical') } },
    {
      path: '/v1/agent/check/update/',
      prefix: true,
      methods: {
        PUT: local((req) => {
          const body = jsonBody(req.body);
          if (!isObject(body)) throw badRequest('Request decode failed: expected an object');
          const s = body.Status;
          if (s !== 'passing' && s !== 'warning' && s !== 'critical') throw badRequest(`Invalid check status: "${String(s)}"`);
          return updateCheck(ctx, req.rest, s, typeof body.Output === 'string' ? body.Output : '');
        }, true),
      },
    },
    {
      path: '/v1/agent/checks',
      methods: {
        GET: local(() => {
          const out: Record<string, unknown> = {};
          const tags = new Map(b.store.catalog.servicesOfNode(b.nodeName).map((s) => [s.id, s.tags] as const));
          // serfHealth is the servers' view of this node, not an agent check (Consul lists it only in the catalog).
          for (const c of b.store.catalog.checksOfNode(b.nodeName)) if (c.checkId !== SERF_HEALTH_CHECK) out[c.checkId] = checkJson(c, tags.get(c.serviceId) ?? []);
          return { json: out };
        }),
      },
    },
    {
      path: '/v1/agent/members',
      methods: {
        GET: local(() => ({
          json: b.members().map((m) => ({
            Name: m.name,
            Addr: m.addr,
            Port: m.port,
            Tags: { ...m.tags },
            Status: m.status,
            ProtocolMin: 1,
            ProtocolMax: 5,
            ProtocolCur: 2,
            DelegateMin: 2,
            DelegateMax: 5,
            DelegateCur: 4,
          })),
        })),
      },
    },
    { path: '/v1/agent/self', methods: { GET: local(() => ({ json: hooks.self() })) } },
    { path: '/v1/agent/leave', methods: { PUT: local(async () => (await hooks.leave(), {}), true) } },
    { path: '/v1/agent/metrics', methods: { GET: local((r) => hooks.metrics(r)) } },
  ];
}

function optDuration(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw badRequest(`Invalid ${what}`);
  const us = parseGoDuration(v);
  if (us === undefined) throw badRequest(`Invalid ${what}: ${JSON.stringify(v)}`);
  return us;
}

function stringMap(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) throw badRequest(`Invalid ${what}`);
  return v as Record<string, string>;
}

/** Consul's names for a script check's command: Args (and its alias ScriptArgs), and the pre-1.1 Script string. */
const SCRIPT_FIELDS = ['Args', 'ScriptArgs', 'Script'] as const;

/**
 * A Consul check definition (CheckType) → our CheckInput. A script check is refused (403)
 * unless the script policy lets this client register one (src/hanode/script-policy.ts);
 * Interval and Timeout below Consul's 1 s minimum are raised to it.
 */
function checkInput(ctx: RouteContext, req: ApiRequest, def: Record<string, unknown>, id: string, serviceId: string, defaultName: string): CheckInput {
  if (SCRIPT_FIELDS.some((f) => def[f] !== undefined && def[f] !== null)) requireScriptAllowed(ctx.scripts ?? {}, req.remoteAddress);
  if (def.Script !== undefined && def.Script !== null) throw badRequest('Invalid check: Script is not supported (removed in Consul 1.1); use Args');
  const ttlUs = optDuration(def.TTL, 'TTL');
  const rawInterval = optDuration(def.Interval, 'Interval');
  const rawTimeout = optDuration(def.Timeout, 'Timeout');
  const intervalUs = rawInterval === undefined ? undefined : clampInterval(rawInterval);
  const timeoutUs = rawTimeout === undefined ? undefined : clampTimeout(rawTimeout);
  const scriptArgs = def.Args ?? def.ScriptArgs;
  const deregUs = optDuration(def.DeregisterCriticalServiceAfter, 'DeregisterCriticalServiceAfter');
  let probe: ProbeSpec | undefined;
  if (typeof def.HTTP === 'string' && def.HTTP !== '') probe = { kind: 'http', url: def.HTTP, ...(typeof def.Method === 'string' ? { method: def.Method } : {}) };
  else if (typeof def.TCP === 'string' && def.TCP !== '') probe = { kind: 'tcp', address: def.TCP };
  else if (scriptArgs !== undefined && scriptArgs !== null) {
    if (!Array.isArray(scriptArgs) || scriptArgs.length === 0 || !scriptArgs.every((a) => typeof a === 'string')) throw badRequest('Invalid check: Args must be a non-empty list of strings');
    probe = { kind: 'script', args: scriptArgs as string[] };
  }
  if (ttlUs === undefined && probe === undefined) throw badRequest('Invalid check: one of TTL, HTTP, TCP or Args is required');
  if (probe !== undefined && intervalUs === undefined) throw badRequest('Invalid check: Interval is required with HTTP, TCP or Args');
  const definition: CheckDefinition = {
    ...(ttlUs !== undefined ? { ttlUs } : {}),
    ...(intervalUs !== undefined ? { intervalUs } : {}),
    ...(timeoutUs !== undefined ? { timeoutUs } : {}),
    ...(probe !== undefined ? { probe } : {}),
    ...(deregUs !== undefined ? { deregisterCriticalServiceAfterUs: Math.max(deregUs, DEREGISTER_CRITICAL_MIN_US) } : {}),
  };
  const st = def.Status;
  if (st !== undefined && st !== 'passing' && st !== 'warning' && st !== 'critical') throw badRequest(`Invalid check status: "${String(st)}"`);
  return {
    checkId: id,
    name: typeof def.Name === 'string' && def.Name !== '' ? def.Name : defaultName,
    // Consul: a new check starts critical unless its definition says otherwise.
    status: (st as CheckStatus | undefined) ?? 'critical',
    output: typeof def.Notes === 'string' ? '' : '',
    serviceId,
    definition,
  };
}

/** 400 past the probe runner's bound on node-run checks (it would not run the excess). */
function checkProbeRoom(ctx: RouteContext, checks: readonly CheckInput[]): void {
  const b = ctx.backend;
  const adding = new Set(checks.filter((c) => c.definition?.probe !== undefined).map((c) => c.checkId));
  if (adding.size === 0) return;
  const others = b.store.catalog.checksOfNode(b.nodeName).filter((c) => c.definition.probe !== undefined && !adding.has(c.checkId)).length;
  if (others + adding.size > MAX_NODE_PROBES) throw badRequest(`Too many HTTP/TCP/script checks on this node (max ${MAX_NODE_PROBES})`);
}

async function registerService(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const body = jsonBody(req.body);
  if (!isObject(body)) throw badRequest('Request decode failed: expected an object');
  const name = body.Name;
  if (typeof name !== 'string' || name === '') throw badRequest('Missing service name');
  const id = typeof body.ID === 'string' && body.ID !== '' ? body.ID : name;
  const tags = body.Tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw badRequest('Invalid Tags');
  const port = body.Port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw badRequest('Invalid Port');
  const meta = stringMap(body.Meta, 'Meta');
  const service: ServiceInput = {
    id,
    service: name,
    tags: tags as string[],
    port,
    ...(typeof body.Address === 'string' ? { address: body.Address } : {}),
    ...(meta ? { meta } : {}),
  };
  const defs: Record<string, unknown>[] = [];
  if (isObject(body.Check)) defs.push(body.Check);
  if (Array.isArray(body.Checks)) for (const c of body.Checks) if (isObject(c)) defs.push(c);
  if (defs.length > MAX_CHECKS_PER_REGISTRATION) throw badRequest(`Too many checks (max ${MAX_CHECKS_PER_REGISTRATION})`);
  const checks = defs.map((d, i) => {
    const cid = typeof d.CheckID === 'string' && d.CheckID !== '' ? d.CheckID : defs.length === 1 ? `service:${id}` : `service:${id}:${i + 1}`;
    return checkInput(ctx, req, d, cid, id, `Service '${name}' check`);
  });
  const b = ctx.backend;
  checkProbeRoom(ctx, checks);
  const { result } = await commit(ctx, { type: 'catalog.register', node: b.nodeName, address: b.advertiseAddr, service, checks });
  okResult(result);
  return {};
}

async function registerCheck(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const body = jsonBody(req.body);
  if (!isObject(body)) throw badRequest('Request decode failed: expected an object');
  const name = body.Name;
  if (typeof name !== 'string' || name === '') throw badRequest('Missing check name');
  const id = typeof body.ID === 'string' && body.ID !== '' ? body.ID : typeof body.CheckID === 'string' && body.CheckID !== '' ? body.CheckID : name;
  const serviceId = typeof body.ServiceID === 'string' ? body.ServiceID : '';
  const b = ctx.backend;
  if (serviceId !== '' && !b.store.catalog.servicesOfNode(b.nodeName).some((s) => s.id === serviceId)) {
    throw badRequest(`ServiceID "${serviceId}" does not exist`);
  }
  const input = checkInput(ctx, req, body, id, serviceId, name);
  checkProbeRoom(ctx, [input]);
  const { result } = await commit(ctx, { type: 'catalog.register', node: b.nodeName, address: b.advertiseAddr, checks: [input] });
  okResult(result);
  return {};
}

async function updateCheck(ctx: RouteContext, id: string, status: CheckStatus, output: string): Promise<ApiReply> {
  const b = ctx.backend;
  const c = b.store.catalog.getCheck(b.nodeName, id);
  if (!c) throw notFound(`Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
  if (c.definition.ttlUs === undefined) throw new HttpError(500, `CheckID "${id}" does not have associated TTL`);
  const { result } = await commit(ctx, { type: 'check.update', node: b.nodeName, checkId: id, status, output });
  okResult(result);
  return {};
}
