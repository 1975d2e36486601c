/** The echo/heartbeat core: the smallest protocol that exercises every part of the Env. */
export { EchoNode, type EchoConfig, type PeerView } from './echo-node.ts';
export type { EchoMessage, EchoPing, EchoPong, EchoNote } from './messages.ts';
