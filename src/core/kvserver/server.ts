/**
 * KvServer: the 'kv' service on every Raft node.
 *
 * Writes are proposed through the Replicator with the client's (client, seq) so a retry is
 * applied once; the reply carries the state machine's result. Reads wait for a linearizable
 * read barrier (ReadIndex) and then read the local store. Any node answers: a follower's
 * Replicator says not-leader with a hint, which goes back to the client unchanged.
 */
import { assert, type Env, type NodeId } from '../env.ts';
import type { Replicator } from '../raft/api.ts';
import {
  executeRead,
  validateCommand,
  validateRead,
  type KvCommand,
  type KvCommandResult,
  type KvReader,
} from '../kv/index.ts';
import { KV_SERVICE, type KvErrorCode, type KvMessage, type KvRequestMsg, type KvResponseMsg } from './protocol.ts';

export interface KvServerConfig {
  /**
   * Requests accepted but not yet answered; beyond it a request fails with 'overloaded'
   * (nothing proposed). Our bound, in the spirit of etcd raft's MaxUncommittedEntriesSize
   * and hashicorp/raft's MaxAppendEntries: a node never queues unboundedly for clients.
   */
  readonly maxInFlight: number;
  /**
   * The read guarantee, named as hanode's API modes (docs/consistency.md): 'consistent' (a quorum
   * round per read: ReadIndex) or 'default' (the leader answers within its lease).
   */
  readonly reads: 'consistent' | 'default';
}

export const DEFAULT_KV_SERVER_CONFIG: KvServerConfig = { maxInFlight: 1024, reads: 'consistent' };

export interface KvServerStats {
  requests: number;
  reads: number;
  writes: number;
  notLeader: number;
  unknown: number;
  overloaded: number;
  invalid: number;
}

export class KvServer {
  private inFlight = 0;
  readonly stats: KvServerStats = { requests: 0, reads: 0, writes: 0, notLeader: 0, unknown: 0, overloaded: 0, invalid: 0 };
  private readonly cfg: KvServerConfig;

  /** Registers the 'kv' message handler at once (env.service should be 'kv'). */
  constructor(
    private readonly env: Env,
    private readonly raft: Replicator<KvCommand, KvCommandResult>,
    private readonly store: KvReader,
    cfg: Partial<KvServerConfig> = {},
  ) {
    assert(env.service === KV_SERVICE, () => `KvServer runs on service '${KV_SERVICE}', not '${env.service}'`);
    this.cfg = { ...DEFAULT_KV_SERVER_CONFIG, ...cfg };
    assert(this.cfg.maxInFlight > 0, 'maxInFlight must be > 0');
    env.onMessage((from, msg) => this.onMessage(from, msg as KvMessage));
  }

  /** Requests accepted and not yet answered. */
  pending(): number {
    return this.inFlight;
  }

  private onMessage(from: NodeId, msg: KvMessage): void {
    if (msg.type !== 'kv.request') return; // responses are for clients; a server ignores them
    this.stats.requests++;
    if (typeof msg.client !== 'string' || !Number.isInteger(msg.seq) || msg.seq < 1 || !msg.body) {
      this.fail(from, msg, 'invalid', 'bad request envelope');
      return;
    }
    if (this.inFlight >= this.cfg.maxInFlight) {
      this.stats.overloaded++;
      this.fail(from, msg, 'overloaded');
      return;
    }
    if (msg.body.kind === 'read') this.read(from, msg, msg.body.read);
    else if (msg.body.kind === 'write') this.write(from, msg, msg.body.cmd);
    else this.fail(from, msg, 'invalid', 'unknown request kind');
  }

  private read(from: NodeId, req: KvRequestMsg, read: Parameters<typeof executeRead>[1]): void {
    const invalid = validateRead(read);
    if (invalid !== null) {
      this.fail(from, req, 'invalid', invalid);
      return;
    }
    this.stats.reads++;
    this.begin();
    this.raft.readBarrier((r) => {
      this.end();
      if (r.ok) {
        // The barrier promises the store has applied at least the read index.
        assert(this.store.revision() <= this.raft.appliedIndex(), 'store revision ahead of applied index');
        assert(this.raft.appliedIndex() >= r.index, () => `read barrier at ${r.index} but applied ${this.raft.appliedIndex()}`);
        this.reply(from, { type: 'kv.response', client: req.client, seq: req.seq, outcome: 'ok', result: executeRead(this.store, read) });
      } else if (r.error === 'not-leader') {
        this.stats.notLeader++;
        this.fail(from, req, 'not-leader', undefined, r.leader);
      } else {
        this.fail(from, req, 'read-timeout', undefined, r.leader);
      }
    }, this.cfg.reads === 'default' ? { lease: true } : undefined);
  }

  private write(from: NodeId, req: KvRequestMsg, cmd: KvCommand): void {
    const invalid = validateCommand(cmd);
    if (invalid !== null) {
      this.stats.invalid++;
      this.fail(from, req, 'invalid', invalid);
      return;
    }
    this.stats.writes++;
    this.begin();
    this.raft.propose(
      cmd,
      (r) => {
        this.end();
        if (r.ok) {
          this.reply(from, { type: 'kv.response', client: req.client, seq: req.seq, outcome: 'ok', result: r.result });
        } else if (r.error === 'not-leader') {
          this.stats.notLeader++;
          this.fail(from, req, 'not-leader', undefined, r.leader);
        } else if (r.error === 'unknown-outcome') {
          this.stats.unknown++;
          this.reply(from, { type: 'kv.response', client: req.client, seq: req.seq, outcome: 'unknown', error: 'unknown-outcome', ...(r.leader !== undefined ? { leader: r.leader } : {}) });
        } else {
          this.fail(from, req, 'rejected', r.reason);
        }
      },
      { client: req.client, seq: req.seq },
    );
  }

  private begin(): void {
    this.inFlight++;
    assert(this.inFlight <= this.cfg.maxInFlight, 'in-flight bound broken');
  }

  private end(): void {
    assert(this.inFlight > 0, 'a request finished twice');
    this.inFlight--;
  }

  private fail(to: NodeId, req: KvRequestMsg, error: KvErrorCode, reason?: string, leader?: NodeId): void {
    this.reply(to, {
      type: 'kv.response',
      client: req.client,
      seq: req.seq,
      outcome: 'fail',
      error,
      ...(reason !== undefined ? { reason } : {}),
      ...(leader !== undefined ? { leader } : {}),
    });
  }

  private reply(to: NodeId, msg: KvResponseMsg): void {
    // Replies go on the stream channel (an HTTP/TCP answer in hanode): a lost reply is a
    // partition or crash, never random datagram loss.
    this.env.send(to, msg, { reliable: true });
  }
}
