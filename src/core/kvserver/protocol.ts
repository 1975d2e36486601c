/**
 * The client ↔ KV server wire protocol (service name 'kv'): one request, one response,
 * matched by (client, seq). The same (client, seq) is sent again on a retry so Raft's
 * dedup applies a write at most once.
 */
import type { NodeId } from '../env.ts';
import type { KvCommand, KvCommandResult, KvRead, KvReadResult } from '../kv/index.ts';

/** The service name both the server and the client cores register under. */
export const KV_SERVICE = 'kv';

export type KvRequestBody =
  | { readonly kind: 'read'; readonly read: KvRead }
  | { readonly kind: 'write'; readonly cmd: KvCommand };

export interface KvRequestMsg {
  readonly type: 'kv.request';
  readonly client: string;
  readonly seq: number;
  readonly body: KvRequestBody;
}

/**
 * Why a request did not succeed.
 * - not-leader: this node is not the leader (nothing was proposed); `leader` may hint.
 * - read-timeout: the read barrier did not complete (nothing changed).
 * - unknown-outcome: the write was proposed but leadership was lost before it was known
 *   committed: it may or may not apply.
 * - rejected: Raft refused the proposal (nothing was appended).
 * - invalid: the request is malformed (nothing was proposed).
 * - overloaded: too many requests in flight here (nothing was proposed).
 */
export type KvErrorCode = 'not-leader' | 'read-timeout' | 'unknown-outcome' | 'rejected' | 'invalid' | 'overloaded';

export type KvResponseMsg =
  | {
      readonly type: 'kv.response';
      readonly client: string;
      readonly seq: number;
      readonly outcome: 'ok';
      readonly result: KvCommandResult | KvReadResult;
    }
  | {
      readonly type: 'kv.response';
      readonly client: string;
      readonly seq: number;
      /** fail: definitely not applied by this attempt; unknown: may or may not apply. */
      readonly outcome: 'fail' | 'unknown';
      readonly error: KvErrorCode;
      readonly reason?: string;
      readonly leader?: NodeId;
    };

export type KvMessage = KvRequestMsg | KvResponseMsg;
