/**
 * The seam proof: a heartbeat/echo core that runs unchanged in the simulator and on real
 * sockets. Every interval it pings each peer (datagram) and sends a note (reliable); it
 * measures round trips on its own clock, counts what arrives, and persists a boot counter
 * so a restart proves the storage seam too.
 */
import { assert, ms, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import type { EchoMessage } from './messages.ts';

export interface EchoConfig {
  readonly peers: readonly NodeId[];
  /** Default 200 ms, memberlist's DefaultLANConfig GossipInterval; a heartbeat need not be faster. */
  readonly intervalUs?: Micros;
}

export interface PeerView {
  pongs: number;
  notes: number;
  lastRttUs: Micros;
  /** (boot, seq) of the last note: the reliable channel's order is checked against it. */
  lastNoteBoot: number;
  lastNoteSeq: number;
}

export class EchoNode {
  readonly boot: number;
  readonly peers = new Map<NodeId, PeerView>();
  private seq = 0;
  private timer: Timer | null = null;
  private readonly intervalUs: Micros;

  constructor(
    private readonly env: Env,
    config: EchoConfig,
  ) {
    this.intervalUs = config.intervalUs ?? ms(200);
    assert(this.intervalUs > 0, 'echo interval must be positive');
    for (const p of config.peers) {
      if (p !== env.self) this.peers.set(p, { pongs: 0, notes: 0, lastRttUs: -1, lastNoteBoot: 0, lastNoteSeq: 0 });
    }
    this.boot = (env.storage.load<number>('boots') ?? 0) + 1;
    env.storage.save('boots', this.boot);
    env.storage.sync();
    env.onMessage((from, msg) => this.receive(from, msg as EchoMessage));
  }

  start(): void {
    this.env.trace('echo.boot', { boot: this.boot });
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private schedule(): void {
    this.timer = this.env.after(this.intervalUs, () => {
      this.seq++;
      for (const peer of this.peers.keys()) {
        this.send(peer, { type: 'echo.ping', seq: this.seq, sentUs: this.env.now() });
        this.send(peer, { type: 'echo.note', boot: this.boot, seq: this.seq }, true);
      }
      this.schedule();
    });
  }

  private send(to: NodeId, msg: EchoMessage, reliable = false): void {
    this.env.send(to, msg, { reliable });
  }

  private receive(from: NodeId, msg: EchoMessage): void {
    const view = this.peers.get(from);
    if (view === undefined) return; // not configured as a peer: ignore
    switch (msg.type) {
      case 'echo.ping':
        this.send(from, { type: 'echo.pong', seq: msg.seq, sentUs: msg.sentUs });
        break;
      case 'echo.pong': {
        const rtt = this.env.now() - msg.sentUs;
        assert(rtt >= 0, () => `negative round trip ${rtt} µs from ${from}`);
        if (view.pongs === 0) this.env.trace('echo.peer-up', { peer: from, rttUs: rtt });
        view.pongs++;
        view.lastRttUs = rtt;
        break;
      }
      case 'echo.note':
        if (msg.boot === view.lastNoteBoot) {
          assert(msg.seq > view.lastNoteSeq, () => `reliable note ${msg.seq} from ${from} after ${view.lastNoteSeq}: reordered or duplicated`);
        }
        view.lastNoteBoot = msg.boot;
        view.lastNoteSeq = msg.seq;
        view.notes++;
        break;
    }
  }
}
