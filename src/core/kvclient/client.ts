/**
 * KvClient: the client core (service 'kv') a client node runs against a KV cluster.
 *
 * One request at a time (Jepsen's process model: a process has at most one operation
 * outstanding), further requests wait in a bounded FIFO queue. Each request gets the next
 * sequence number; every retry of it re-sends the same (client, seq), so a write is applied
 * at most once however many attempts reach a leader.
 *
 * Outcomes map to Jepsen's:
 * - ok: the server answered with a result (for a cas, only when it succeeded);
 * - fail: it definitely did not happen (cas mismatch from an applied entry, or every attempt
 *   of a write was refused before proposing; any failed read — reads change nothing);
 * - info: a write whose fate is unknown (an attempt timed out or was proposed and then
 *   orphaned, and no later attempt learned the result).
 */
import { assert, ms, sec, type Env, type Micros, type NodeId, type Timer } from '../env.ts';
import type { CasExpect, KvCommand, KvCommandResult, KvCompare, KvEntry, KvRead, KvReadResult, TxnOp } from '../kv/index.ts';
import { KV_SERVICE, type KvMessage, type KvRequestBody, type KvRequestMsg, type KvResponseMsg } from '../kvserver/protocol.ts';

export interface KvClientConfig {
  /** The cluster's nodes; the first attempt goes to servers[0] (or the last known leader). */
  readonly servers: readonly NodeId[];
  /**
   * How long one attempt waits for an answer before trying another node. Our choice:
   * longer than a typical election (etcd's default election timeout is 1 s, etcd docs
   * "tuning"), so an attempt that reaches a fresh leader is not abandoned early.
   */
  readonly attemptTimeoutUs: Micros;
  /** Whole-request deadline: etcdctl's `--command-timeout` default is 5 s. */
  readonly opTimeoutUs: Micros;
  /** Wait between retries that have no leader hint: etcd clientv3 defaultBackoffWaitBetween = 25 ms. */
  readonly retryBackoffUs: Micros;
  /** Jitter fraction of that wait: etcd clientv3 defaultBackoffJitterFraction = 0.10. */
  readonly retryJitter: number;
  /** Attempts per request (a bound on retries; the deadline usually ends it first). */
  readonly maxAttempts: number;
  /** Requests waiting behind the current one; beyond it submit fails with 'queue-full'. */
  readonly maxQueue: number;
  /** Send requests on the stream channel (HTTP/TCP in hanode) rather than as datagrams. */
  readonly reliable: boolean;
}

export const DEFAULT_KV_CLIENT_CONFIG: Omit<KvClientConfig, 'servers'> = {
  attemptTimeoutUs: sec(1),
  opTimeoutUs: sec(5),
  retryBackoffUs: ms(25),
  retryJitter: 0.1,
  maxAttempts: 32,
  maxQueue: 1024,
  reliable: true,
};

/** A Jepsen outcome; `error` says why for fail and info. */
export type KvOutcome<R> =
  | { readonly type: 'ok'; readonly result: R }
  | { readonly type: 'fail'; readonly error: string; readonly result?: R }
  | { readonly type: 'info'; readonly error: string };

type AnyResult = KvCommandResult | KvReadResult;

interface Pending {
  readonly seq: number;
  readonly body: KvRequestBody;
  readonly done: (o: KvOutcome<AnyResult>) => void;
  readonly deadline: Micros;
  attempts: number;
  /** Some attempt may have been proposed: a later definite refusal no longer proves "not applied". */
  maybeApplied: boolean;
  lastError: string;
  timer: Timer | undefined;
}

/** Storage key of the client epoch: bumped on every construction so (client, seq) never repeats across restarts. */
const EPOCH_KEY = 'kvclient.epoch';

export class KvClient {
  /** Unique per node incarnation: `${node}.${epoch}`. */
  readonly clientId: string;
  private readonly cfg: KvClientConfig;
  private seq = 0;
  private current: Pending | undefined;
  private readonly queue: { body: KvRequestBody; done: (o: KvOutcome<AnyResult>) => void }[] = [];
  private target: NodeId;
  private serverCursor = 0;

  constructor(private readonly env: Env, cfg: Partial<KvClientConfig> & { servers: readonly NodeId[] }) {
    assert(env.service === KV_SERVICE, () => `KvClient runs on service '${KV_SERVICE}', not '${env.service}'`);
    this.cfg = { ...DEFAULT_KV_CLIENT_CONFIG, ...cfg };
    assert(this.cfg.servers.length > 0, 'KvClient needs at least one server');
    assert(this.cfg.attemptTimeoutUs > 0 && this.cfg.opTimeoutUs >= this.cfg.attemptTimeoutUs, 'bad client timeouts');
    assert(this.cfg.maxAttempts >= 1 && this.cfg.maxQueue >= 0, 'bad client bounds');
    const epoch = (env.storage.load<number>(EPOCH_KEY) ?? 0) + 1;
    env.storage.save(EPOCH_KEY, epoch);
    env.storage.sync();
    this.clientId = `${env.self}.${epoch}`;
    this.target = this.cfg.servers[0]!;
    env.onMessage((_from, msg) => this.onMessage(msg as KvMessage));
  }

  /** Requests outstanding (current + queued). */
  pending(): number {
    return (this.current ? 1 : 0) + this.queue.length;
  }

  // ---- typed operations ----

  get(key: string, done: (o: KvOutcome<KvEntry | null>) => void): void {
    this.read({ type: 'get', key }, (o) => done(mapOk(o, (r) => (r.type === 'get' ? r.entry : null))));
  }

  range(prefix: string, done: (o: KvOutcome<readonly KvEntry[]>) => void, limit?: number): void {
    this.read({ type: 'range', prefix, ...(limit !== undefined ? { limit } : {}) }, (o) =>
      done(mapOk(o, (r) => (r.type === 'range' ? r.entries : []))),
    );
  }

  put(key: string, value: string, done: (o: KvOutcome<KvCommandResult>) => void): void {
    this.write({ type: 'put', key, value }, done);
  }

  delete(key: string, done: (o: KvOutcome<KvCommandResult>) => void): void {
    this.write({ type: 'delete', key }, done);
  }

  /** ok only when the swap happened; a mismatch is fail 'cas-mismatch' (an applied no-op: definitely no effect). */
  cas(key: string, expect: CasExpect, value: string, done: (o: KvOutcome<KvCommandResult>) => void): void {
    this.write({ type: 'cas', key, expect, value }, (o) => {
      if (o.type === 'ok' && o.result.type === 'cas' && !o.result.succeeded) done({ type: 'fail', error: 'cas-mismatch', result: o.result });
      else done(o);
    });
  }

  /** A transaction is ok whichever branch ran (result.succeeded says which). */
  txn(compare: readonly KvCompare[], success: readonly TxnOp[], failure: readonly TxnOp[], done: (o: KvOutcome<KvCommandResult>) => void): void {
    this.write({ type: 'txn', compare, success, failure }, done);
  }

  read(read: KvRead, done: (o: KvOutcome<KvReadResult>) => void): void {
    this.submit({ kind: 'read', read }, done as (o: KvOutcome<AnyResult>) => void);
  }

  write(cmd: KvCommand, done: (o: KvOutcome<KvCommandResult>) => void): void {
    this.submit({ kind: 'write', cmd }, (o) => {
      // A server's 'error' result means the command was malformed and applied as a no-op.
      if (o.type === 'ok' && o.result.type === 'error') done({ type: 'fail', error: `invalid: ${o.result.reason}` });
      else done(o as KvOutcome<KvCommandResult>);
    });
  }

  /** Queues a request; `done` runs exactly once, from within an Env event (or at once for queue-full). */
  submit(body: KvRequestBody, done: (o: KvOutcome<AnyResult>) => void): void {
    if (this.queue.length >= this.cfg.maxQueue && this.current) {
      done({ type: 'fail', error: 'queue-full' });
      return;
    }
    this.queue.push({ body, done });
    if (!this.current) this.next();
  }

  // ---- the request state machine ----

  private next(): void {
    assert(this.current === undefined, 'next() with a request in flight');
    const item = this.queue.shift();
    if (!item) return;
    this.seq++;
    this.current = {
      seq: this.seq,
      body: item.body,
      done: item.done,
      deadline: this.env.now() + this.cfg.opTimeoutUs,
      attempts: 0,
      maybeApplied: false,
      lastError: 'none',
      timer: undefined,
    };
    this.attempt();
  }

  private attempt(): void {
    const p = this.current;
    assert(p !== undefined && p.timer === undefined, 'attempt without a request, or with a timer running');
    assert(p.attempts < this.cfg.maxAttempts, 'attempt bound broken');
    p.attempts++;
    const req: KvRequestMsg = { type: 'kv.request', client: this.clientId, seq: p.seq, body: p.body };
    this.env.send(this.target, req, { reliable: this.cfg.reliable });
    const wait = Math.max(0, Math.min(this.cfg.attemptTimeoutUs, p.deadline - this.env.now()));
    p.timer = this.env.after(wait, () => {
      p.timer = undefined;
      // No answer: for a write, the request may be sitting in some leader's log.
      if (p.body.kind === 'write') p.maybeApplied = true;
      p.lastError = 'timeout';
      this.rotate();
      this.retry(false);
    });
  }

  private onMessage(msg: KvMessage): void {
    if (msg.type !== 'kv.response') return;
    const p = this.current;
    // Late answers of earlier requests, duplicates, answers meant for an earlier incarnation.
    if (!p || msg.client !== this.clientId || msg.seq !== p.seq || p.timer === undefined) return;
    p.timer.cancel();
    p.timer = undefined;
    this.handle(p, msg);
  }

  private handle(p: Pending, msg: KvResponseMsg): void {
    if (msg.outcome === 'ok') {
      this.finish({ type: 'ok', result: msg.result });
      return;
    }
    p.lastError = msg.error;
    if (msg.outcome === 'unknown') p.maybeApplied = true;
    switch (msg.error) {
      case 'invalid':
        // Malformed: no retry can succeed. This attempt proposed nothing; an earlier one may still apply.
        this.finish(this.giveUp(p, msg.reason ? `invalid: ${msg.reason}` : 'invalid'));
        return;
      case 'rejected':
        // Raft refused for now (a leadership transfer, too many pending proposals): same node, after a wait.
        this.retry(false);
        return;
      case 'not-leader':
      case 'unknown-outcome':
      case 'read-timeout':
      case 'overloaded': {
        const hinted = msg.leader !== undefined && msg.leader !== this.target;
        if (hinted) this.target = msg.leader;
        else this.rotate();
        this.retry(hinted);
        return;
      }
    }
  }

  /** Retries the current request, at once when following a fresh leader hint, else after a jittered wait. */
  private retry(immediate: boolean): void {
    const p = this.current!;
    const wait = immediate ? 0 : this.backoff();
    if (p.attempts >= this.cfg.maxAttempts || this.env.now() + wait >= p.deadline) {
      this.finish(this.giveUp(p, p.lastError));
      return;
    }
    if (wait === 0) {
      this.attempt();
      return;
    }
    p.timer = this.env.after(wait, () => {
      p.timer = undefined;
      this.attempt();
    });
    // While waiting, answers to the previous attempt are still welcome: onMessage accepts them
    // only while p.timer is set, which it is (the backoff timer) — and cancels the backoff.
  }

  private giveUp(p: Pending, error: string): KvOutcome<AnyResult> {
    return p.body.kind === 'write' && p.maybeApplied ? { type: 'info', error } : { type: 'fail', error };
  }

  private backoff(): Micros {
    const base = this.cfg.retryBackoffUs;
    const jitter = Math.round(base * this.cfg.retryJitter * (2 * this.env.random.next() - 1));
    return Math.max(1, base + jitter);
  }

  private rotate(): void {
    this.serverCursor = (this.serverCursor + 1) % this.cfg.servers.length;
    let next = this.cfg.servers[this.serverCursor]!;
    if (next === this.target && this.cfg.servers.length > 1) {
      this.serverCursor = (this.serverCursor + 1) % this.cfg.servers.length;
      next = this.cfg.servers[this.serverCursor]!;
    }
    this.target = next;
  }

  private finish(o: KvOutcome<AnyResult>): void {
    const p = this.current;
    assert(p !== undefined, 'finish without a request');
    if (p.timer) p.timer.cancel();
    this.current = undefined;
    p.done(o);
    if (!this.current) this.next();
  }
}

function mapOk<A, B>(o: KvOutcome<A>, f: (a: A) => B): KvOutcome<B> {
  if (o.type === 'ok') return { type: 'ok', result: f(o.result) };
  if (o.type === 'fail') return { type: 'fail', error: o.error };
  return o;
}
