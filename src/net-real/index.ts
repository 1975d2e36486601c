/** The real runtime's public surface: the Env on real clock, sockets and files. */
export { RealHost, type RealHostOptions, type RealHostStats } from './real-host.ts';
export { PeerBook, MAX_PEERS, addressCard, addressFromCard, type PeerAddress } from './peer-book.ts';
export { RealClock, type Clock } from './clock.ts';
export { UdpTransport, MAX_UDP_PAYLOAD_BYTES, type UdpStats, type UdpTransportOptions } from './udp-transport.ts';
export { TcpTransport, type TcpStats, type TcpTransportOptions } from './tcp-transport.ts';
export { FrameReader, FrameTooLargeError, buildFrame } from './frame-reader.ts';
export { encodeEnvelope, decodeEnvelope, type Envelope } from './envelope.ts';
export { seal, unseal, parseKey, generateKey, KEY_BYTES, SEAL_OVERHEAD } from './seal.ts';
export { FileStorage, type FileStorageOptions, type FileStorageStats, type RecoveryReport } from './file-storage.ts';
export { type LogCut } from './log-segments.ts';
export { CorruptStateError } from './state-files.ts';
export { DataDir } from './data-dir.ts';
export { lockDataDir, DataDirLockedError, LOCK_FILE, type DataDirLock } from './data-dir-lock.ts';
/** --dev mode storage: the simulator's MemoryStorage, same semantics, nothing on disk. */
export { MemoryStorage } from '../sim/memory-storage.ts';
