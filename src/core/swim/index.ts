/**
 * Public surface of the SWIM + Lifeguard membership core.
 *
 * Usage on a node (simulated or real):
 *   const swim = new SwimNode(env, { profile: 'lan', seeds: ['n1', 'n2'], meta: { role: 'db' } });
 *   swim.on((ev) => ...);                       // join | update | suspect | alive | failed | leave
 *   swim.onUser((payload, origin, key) => ...); // application broadcasts of other members
 *   swim.broadcast('health/db1', result);       // piggybacked to every member; same key replaces
 *   swim.setStateDelegate('ha', { localState, mergeRemoteState }); // rides every push-pull
 *   swim.start(); ... swim.members(); swim.healthScore(); swim.leave(done);
 * Trace events: swim.join, swim.suspect, swim.alive, swim.dead, swim.left, swim.refute,
 * swim.update, swim.reap, swim.health, swim.leave (fields: target, inc, from, ...).
 */
export { SwimNode } from './node.ts';
export type { MemberInfo, StateDelegate, SwimEvent, SwimEventKind, SwimListener, SwimStats, UserListener } from './api.ts';
export { LAN, WAN, LOCAL, PROFILES, LIFEGUARD_ON, LIFEGUARD_OFF, swimConfig, validateConfig } from './config.ts';
export type { LifeguardOptions, ProbeTargetMode, ProfileName, SwimConfig, SwimConfigInput, SwimTiming } from './config.ts';
export type { MemberStatus, MemberState, SwimMessage, Update } from './messages.ts';
export type { Meta } from './meta.ts';
export { dynamicSuspicionUs, pushPullIntervalUs, retransmitLimit, suspicionTimeoutUs } from './math.ts';
export { Awareness } from './awareness.ts';
export { BroadcastQueue } from './broadcast-queue.ts';
