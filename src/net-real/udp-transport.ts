/**
 * The datagram channel: one UDP socket per host, for `send(to, msg)` without `reliable`.
 * Fire and forget, like the simulator's datagrams: loss, duplication and reordering are
 * the network's business and the cores cope. With a cluster key every packet is sealed
 * with a freshness header (auth-channel.ts); packets that fail authentication, replays and
 * stale packets are dropped and counted.
 */
import { createSocket, type Socket } from 'node:dgram';
import { AUTH_OVERHEAD, AuthChannel, countAuthDrop, type AuthSession } from './auth-channel.ts';
import type { Keyring } from './seal.ts';

/** Largest UDP payload over IPv4 (65,535 - 8 UDP header - 20 IP header). */
export const MAX_UDP_PAYLOAD_BYTES = 65_507;

const UDP_RECV_BUFFER_BYTES = 2 * 1024 * 1024;

export interface UdpStats {
  sent: number;
  received: number;
  /** Payload (after sealing) above the datagram limit: not sent. */
  droppedOversize: number;
  /** Failed authentication or decryption: dropped. */
  droppedBadAuth: number;
  /** Authenticated, but a replay (seen before or left of the window): dropped. */
  droppedReplay: number;
  /** Authenticated, but sent more than 60 s from our clock: dropped. */
  droppedStale: number;
  sendErrors: number;
}

export interface UdpTransportOptions {
  readonly host: string;
  readonly port: number;
  /** Seals every packet (primary key) and accepts packets sealed with any of its keys. */
  readonly keyring?: Keyring;
  /** The host's authenticated channel (shares the replay state with TCP); made from `keyring` when absent. */
  readonly auth?: AuthChannel;
}

export class UdpTransport {
  readonly stats: UdpStats = { sent: 0, received: 0, droppedOversize: 0, droppedBadAuth: 0, droppedReplay: 0, droppedStale: 0, sendErrors: 0 };
  private socket: Socket | null = null;
  private handler: (payload: Buffer) => void = () => {};
  private readonly auth: AuthChannel | undefined;
  private readonly session: AuthSession | undefined;

  constructor(private readonly opts: UdpTransportOptions) {
    this.auth = opts.auth ?? (opts.keyring ? new AuthChannel(opts.keyring) : undefined);
    this.session = this.auth?.session();
  }

  onPacket(fn: (payload: Buffer) => void): void {
    this.handler = fn;
  }

  /** Binds; resolves with the bound port (useful with port 0). */
  start(): Promise<number> {
    const socket = createSocket('udp4');
    this.socket = socket;
    socket.on('message', (packet) => this.receive(packet));
    // Errors on an unconnected UDP socket (e.g. ICMP unreachable surfaced by the OS) are
    // per-datagram: count them, the socket stays usable.
    socket.on('error', () => this.stats.sendErrors++);
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.opts.port, this.opts.host, () => {
        socket.off('error', reject);
        try {
          // A burst of gossip must not overflow the kernel's default (~200 KB) buffer:
          // memberlist asks for 2 MiB too (net_transport.go, udpRecvBufSize). The kernel
          // caps it at net.core.rmem_max; a refusal leaves the default, which still works.
          socket.setRecvBufferSize(UDP_RECV_BUFFER_BYTES);
        } catch {
          // keep the default
        }
        resolve(socket.address().port);
      });
    });
  }

  send(host: string, port: number, payload: Uint8Array): void {
    const socket = this.socket;
    if (socket === null) return;
    const packet = this.auth ? this.auth.seal(this.session!, payload) : payload;
    if (packet.length > MAX_UDP_PAYLOAD_BYTES) {
      this.stats.droppedOversize++;
      return;
    }
    this.stats.sent++;
    socket.send(packet, port, host, (err) => {
      if (err) this.stats.sendErrors++;
    });
  }

  /** Largest plaintext payload that fits one datagram with the current sealing. */
  maxPayloadBytes(): number {
    return MAX_UDP_PAYLOAD_BYTES - (this.auth ? AUTH_OVERHEAD : 0);
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (socket === null) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  private receive(packet: Buffer): void {
    let payload: Buffer = packet;
    if (this.auth) {
      const r = this.auth.open(packet);
      if (!r.ok) {
        countAuthDrop(this.stats, r.reason);
        return;
      }
      payload = r.payload;
      if (payload.length === 0) return; // a handshake: nothing to deliver
    }
    this.stats.received++;
    this.handler(payload);
  }
}
