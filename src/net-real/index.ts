/**
 * The real runtime's public surface: the Env (src/core/env.ts) on the real clock, sockets
 * and files, so the cores that run in the simulator run unchanged in hanode.
 *
 * - RealHost: World.setup's factory and NodeContext on one process; per-service Envs whose
 *   datagram sends go over UdpTransport and reliable sends over TcpTransport, each wire
 *   message an Envelope { from, service, msg, to } in msgpack, sealed with AES-256-GCM under a
 *   shared cluster key around a replay-proof header (auth-channel.ts, replay-window.ts) when
 *   a key is given. Peers live in a PeerBook.
 * - Storage: FileStorage (checksummed segment log + atomic state files, group commit,
 *   recovery that cuts torn or corrupt tails) inside a locked DataDir; MemoryStorage (the
 *   simulator's) for --dev.
 */
export { RealHost, type RealHostOptions, type RealHostStats } from './real-host.ts';
export { PeerBook, MAX_PEERS, addressCard, addressFromCard, type PeerAddress } from './peer-book.ts';
export { RealClock, type Clock } from './clock.ts';
export { UdpTransport, MAX_UDP_PAYLOAD_BYTES, type UdpStats, type UdpTransportOptions } from './udp-transport.ts';
export { TcpTransport, type TcpStats, type TcpTransportOptions } from './tcp-transport.ts';
export { FrameReader, FrameTooLargeError, buildFrame } from './frame-reader.ts';
export { encodeEnvelope, decodeEnvelope, type Envelope } from './envelope.ts';
export { seal, unseal, parseKey, generateKey, Keyring, KEY_BYTES, SEAL_OVERHEAD } from './seal.ts';
export { AuthChannel, AuthSession, AUTH_OVERHEAD, type AuthStats } from './auth-channel.ts';
export { ReplayGuard, ReplayWindow, REPLAY_WINDOW, MAX_AGE_MS } from './replay-window.ts';
export { FileStorage, type FileStorageOptions, type FileStorageStats, type RecoveryReport } from './file-storage.ts';
export { type LogCut } from './log-segments.ts';
export { CorruptStateError } from './state-files.ts';
export { DataDir } from './data-dir.ts';
export { lockDataDir, DataDirLockedError, LOCK_FILE, type DataDirLock } from './data-dir-lock.ts';
/** --dev mode storage: the simulator's MemoryStorage, same semantics, nothing on disk. */
export { MemoryStorage } from '../host/memory-storage.ts';
