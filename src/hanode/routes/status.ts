/** /v1/status/* and /v1/operator/raft|autopilot/* — Raft leadership and membership. */
import { formatGoDuration, parseGoDuration } from '../http/duration.ts';
import { badRequest, HttpError } from '../http/errors.ts';
import type { ApiReply, Route } from '../http/types.ts';
import { autopilotHealth } from '../autopilot-health.ts';
import { isObject, jsonBody, type RouteContext } from './context.ts';

/**
 * Autopilot settings (Consul defaults, docs "Autopilot": CleanupDeadServers true,
 * LastContactThreshold 200ms, MaxTrailingLogs 250, ServerStabilizationTime 10s). Held per
 * agent in memory: we report and accept them; our reconciler applies the add/remove part.
 */
interface Autopilot {
  CleanupDeadServers: boolean;
  LastContactThreshold: string;
  MaxTrailingLogs: number;
  MinQuorum: number;
  ServerStabilizationTime: string;
  RedundancyZoneTag: string;
  DisableUpgradeMigration: boolean;
  UpgradeVersionTag: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/** Bound on servers whose stability is tracked (far above any server count we run). */
const MAX_TRACKED_SERVERS = 1024;

export function statusRoutes(ctx: RouteContext): Route[] {
  const b = ctx.backend;
  const autopilot: Autopilot = {
    CleanupDeadServers: true,
    LastContactThreshold: '200ms',
    MaxTrailingLogs: 250,
    MinQuorum: 0,
    ServerStabilizationTime: '10s',
    RedundancyZoneTag: '',
    DisableUpgradeMigration: false,
    UpgradeVersionTag: '',
    CreateIndex: 1,
    ModifyIndex: 1,
  };
  const raftIndex = () => b.store.appliedIndex();
  // Autopilot's StableSince: when each server's health last changed, as this agent saw it.
  const stable = new Map<string, { healthy: boolean; since: number }>();
  const stableSince = (id: string, healthy: boolean): string => {
    let s = stable.get(id);
    if (s === undefined || s.healthy !== healthy) {
      s = { healthy, since: b.wallClockMs() };
      if (stable.size < MAX_TRACKED_SERVERS || stable.has(id)) stable.set(id, s);
    }
    return new Date(s.since).toISOString();
  };
  // The leader's view of a follower: how long ago its last Raft message arrived.
  const lastContact = (id: string, leader: boolean): string => {
    if (leader) return '0s';
    const ms = b.sinceHeardFromMs(id);
    return ms === undefined ? '0s' : formatGoDuration(Math.round(ms * 1000));
  };
  return [
    {
      path: '/v1/status/leader',
      methods: {
        GET: {
          placement: 'local',
          handler: () => {
            const l = b.leader();
            // Consul answers "ip:port" or "" (no leader known); never a node name, even before
            // the leader's address was learned after a restart.
            const s = l === undefined ? undefined : b.raftServers().find((x) => x.id === l);
            return { json: s !== undefined && s.address !== s.id ? s.address : '' };
          },
        },
      },
    },
    { path: '/v1/status/peers', methods: { GET: { placement: 'local', handler: () => ({ json: b.raftServers().filter((s) => s.voter).map((s) => s.address) }) } } },
    {
      path: '/v1/operator/raft/configuration',
      methods: {
        GET: {
          placement: 'read',
          handler: (): ApiReply => ({
            json: {
              Servers: b.raftServers().map((s) => ({ ID: s.id, Node: s.id, Address: s.address, Leader: s.leader, ProtocolVersion: '3', Voter: s.voter })),
              Index: raftIndex(),
            },
            index: raftIndex(),
          }),
        },
      },
    },
    {
      path: '/v1/operator/raft/peer',
      methods: {
        DELETE: {
          placement: 'leader',
          write: true,
          handler: async (req) => {
            const target = req.query.get('id') ?? req.query.get('address');
            if (target === undefined || target === '') throw badRequest('Must specify either ?id with the server\'s ID or ?address with IP:port of peer to remove');
            const r = await b.removeRaftPeer(target);
            if (!r.ok) throw new HttpError(500, r.error);
            return {};
          },
        },
      },
    },
    {
      path: '/v1/operator/autopilot/configuration',
      methods: {
        GET: { placement: 'read', handler: () => ({ json: autopilot }) },
        PUT: {
          placement: 'leader',
          write: true,
          handler: (req) => {
            const body = jsonBody(req.body);
            if (!isObject(body)) throw badRequest('Request decode failed: expected an object');
            for (const k of ['LastContactThreshold', 'ServerStabilizationTime'] as const) {
              if (body[k] !== undefined) {
                const us = typeof body[k] === 'string' ? parseGoDuration(body[k] as string) : undefined;
                if (us === undefined) throw badRequest(`Invalid ${k}`);
                autopilot[k] = formatGoDuration(us);
              }
            }
            for (const k of ['CleanupDeadServers', 'DisableUpgradeMigration'] as const) if (typeof body[k] === 'boolean') autopilot[k] = body[k] as boolean;
            for (const k of ['MaxTrailingLogs', 'MinQuorum'] as const) {
              if (body[k] !== undefined) {
                if (typeof body[k] !== 'number' || !Number.isInteger(body[k]) || (body[k] as number) < 0) throw badRequest(`Invalid ${k}`);
                autopilot[k] = body[k] as number;
              }
            }
            autopilot.ModifyIndex++;
            return { json: true };
          },
        },
      },
    },
    {
      path: '/v1/operator/autopilot/health',
      methods: {
        GET: {
          placement: 'read',
          handler: () => autopilotHealth(b, { maxTrailingLogs: autopilot.MaxTrailingLogs, lastContact, stableSince }),
        },
      },
    },
  ];
}
