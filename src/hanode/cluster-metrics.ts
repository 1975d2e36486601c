/** Counters of the cluster ports' defences (issue 12), for /v1/agent/metrics. */
import type { RealHost } from '../net-real/index.ts';

type Emit = (name: string, help: string, value: number) => void;

export function clusterAuthMetrics(host: RealHost<unknown>, counter: Emit, gauge: Emit): void {
  const u = host.udp.stats;
  const t = host.tcp.stats;
  const h = host.stats;
  counter('hanode.net.tcp_frames_sent', 'Raft and RPC frames sent to peers.', t.framesSent);
  counter('hanode.net.tcp_stalls', 'Peer connections redialed because the peer stopped acknowledging frames (2 s).', t.stalls);
  counter('hanode.net.tcp_bad_acks', 'Peer connections closed for acknowledging frames never sent.', t.badAcks);
  counter('hanode.net.tcp_write_batches', 'Writes of frames to peers (frames of one event-loop turn to one peer share one).', t.writeBatches);
  counter('hanode.net.udp_dropped_replay', 'Authenticated datagrams dropped as replays.', u.droppedReplay);
  counter('hanode.net.udp_dropped_stale', 'Authenticated datagrams sent more than 60 s from our clock.', u.droppedStale);
  counter('hanode.net.tcp_dropped_bad_auth', 'Raft frames that failed authentication (connection closed).', t.droppedBadAuth);
  counter('hanode.net.tcp_dropped_replay', 'Raft frames dropped as replays (connection closed).', t.droppedReplay);
  counter('hanode.net.tcp_dropped_stale', 'Raft frames sent more than 60 s from our clock (connection closed).', t.droppedStale);
  counter('hanode.net.tcp_bad_frames', 'Inbound connections closed for an over-limit frame (4 KiB before authentication).', t.badFrames);
  counter('hanode.net.tcp_refused_connections', 'Inbound connections refused by the connection caps.', t.refusedConnections);
  counter('hanode.net.tcp_handshake_timeouts', 'Inbound connections closed for not authenticating in time.', t.handshakeTimeouts);
  counter('hanode.net.tcp_idle_timeouts', 'Inbound connections closed when idle.', t.idleTimeouts);
  gauge('hanode.net.tcp_inbound_connections', 'Inbound connections open now.', host.tcp.inboundConnections());
  counter('hanode.net.dropped_unknown_sender', 'Messages from a node id that is not a known member.', h.droppedUnknownSender);
  counter('hanode.net.dropped_misaddressed', 'Messages addressed to another node (replayed captures).', h.droppedMisaddressed);
}
