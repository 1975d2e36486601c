/** Public surface of the SWIM + Lifeguard membership core. */
export { SwimNode } from './node.ts';
export type { MemberInfo, StateDelegate, SwimEvent, SwimEventKind, SwimListener, SwimStats, UserListener } from './api.ts';
export { LAN, WAN, LOCAL, PROFILES, LIFEGUARD_ON, LIFEGUARD_OFF, swimConfig, validateConfig } from './config.ts';
export type { LifeguardOptions, ProfileName, SwimConfig, SwimConfigInput, SwimTiming } from './config.ts';
export type { MemberStatus, MemberState, SwimMessage, Update } from './messages.ts';
export type { Meta } from './meta.ts';
export { dynamicSuspicionUs, pushPullIntervalUs, retransmitLimit, suspicionTimeoutUs } from './math.ts';
export { Awareness } from './awareness.ts';
export { BroadcastQueue } from './broadcast-queue.ts';
