/**
 * Hello: learn a seed's node name and addresses from nothing but its address.
 *
 * `hanode agent --join HOST:PORT` knows where a seed listens, not what it is called, while
 * SWIM and Raft address nodes by name. The joiner sends `hello` (its own name and address
 * card) to a provisional id the host maps to the seed's address; the seed learns the
 * joiner's card (the host adds it to its peer book) and answers with its own card, so the
 * joiner learns the seed's real name and can join SWIM through it. Datagrams may be lost:
 * the joiner retries, a bounded number of times, until every seed answered.
 */
import { assert, sec, type Env, type NodeId, type Timer } from '../env.ts';

/** Where a node listens; travels in hello and in SWIM meta so every node can reach every other. */
/** Bound on seeds greeted at once (ours: a join list is a handful of addresses). */
const MAX_SEEDS = 64;

export type AddressCard = Readonly<Record<string, string>>;

interface Hello {
  readonly type: 'hello';
  readonly card: AddressCard;
}
interface HelloAck {
  readonly type: 'hello.ack';
  /** The provisional id the joiner used, so it can drop it. */
  readonly to: NodeId;
  readonly card: AddressCard;
}
type HelloMessage = Hello | HelloAck;

export interface HelloOptions {
  /**
   * Retry period while a cluster starts: 1 s for the first `fastAttempts` (a hello is one
   * datagram and the servers of a fresh cluster start together), then Consul's retry_join
   * retry_interval of 30 s.
   */
  readonly retryUs?: number;
  readonly fastAttempts?: number;
  readonly slowRetryUs?: number;
  /**
   * Bound on attempts per seed. Consul's retry_max defaults to 0 = forever; we stop after
   * a day of 30 s retries (30 fast + 2,880 slow).
   */
  readonly maxAttempts?: number;
}

export class HelloExchange {
  private readonly waiting = new Map<NodeId, number>();
  private timer: Timer | undefined;
  private readonly retryUs: number;
  private readonly fastAttempts: number;
  private readonly slowRetryUs: number;
  private readonly maxAttempts: number;
  private rounds = 0;

  constructor(
    private readonly env: Env,
    private readonly card: () => AddressCard,
    /** A peer introduced itself (the host adds it to its peer book). */
    private readonly onCard: (node: NodeId, card: AddressCard) => void,
    /** A provisional seed id answered with its real name. */
    private readonly onSeed: (provisional: NodeId, node: NodeId) => void,
    opts: HelloOptions = {},
  ) {
    this.retryUs = opts.retryUs ?? sec(1);
    this.fastAttempts = opts.fastAttempts ?? 30;
    this.slowRetryUs = opts.slowRetryUs ?? sec(30);
    this.maxAttempts = opts.maxAttempts ?? 30 + 2_880;
    env.onMessage((from, msg) => this.receive(from, msg as HelloMessage));
  }

  /** Greets provisional seed ids until each answered (or the attempts run out). */
  greet(provisional: readonly NodeId[]): void {
    for (const p of provisional) if (!this.waiting.has(p) && this.waiting.size < MAX_SEEDS) this.waiting.set(p, 0);
    assert(this.waiting.size <= MAX_SEEDS, 'hello: too many seeds');
    this.round();
  }

  pending(): NodeId[] {
    return [...this.waiting.keys()];
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.waiting.clear();
  }

  private round(): void {
    this.timer?.cancel();
    this.timer = undefined;
    for (const [p, n] of [...this.waiting]) {
      if (n >= this.maxAttempts) {
        this.env.trace('hello.give-up', { seed: p, attempts: n });
        this.waiting.delete(p);
        continue;
      }
      this.waiting.set(p, n + 1);
      const m: Hello = { type: 'hello', card: this.card() };
      this.env.send(p, m);
    }
    this.rounds++;
    if (this.waiting.size > 0) this.timer = this.env.after(this.rounds < this.fastAttempts ? this.retryUs : this.slowRetryUs, () => this.round());
  }

  private receive(from: NodeId, msg: HelloMessage): void {
    if (msg === null || typeof msg !== 'object' || typeof msg.card !== 'object' || msg.card === null) return;
    if (msg.type === 'hello') {
      this.onCard(from, msg.card);
      // Reply to the name the joiner gave; onCard made it reachable.
      const ack: HelloAck = { type: 'hello.ack', to: from, card: this.card() };
      this.env.send(from, ack);
    } else if (msg.type === 'hello.ack') {
      this.onCard(from, msg.card);
      // The ack names the seed by its real id (`from`); forget every provisional id it answered for.
      for (const p of [...this.waiting.keys()]) {
        if (this.provisionalMatches(p, msg.card)) {
          this.waiting.delete(p);
          this.onSeed(p, from);
        }
      }
    }
  }

  /** A provisional id is `join@HOST:UDPPORT`; it matches the card with that host and UDP port. */
  private provisionalMatches(p: NodeId, card: AddressCard): boolean {
    return p === provisionalId(card.host ?? '', Number(card.udp ?? -1));
  }
}

export function provisionalId(host: string, udpPort: number): NodeId {
  return `join@${host}:${udpPort}`;
}

export function isProvisionalId(id: NodeId): boolean {
  return id.startsWith('join@');
}
