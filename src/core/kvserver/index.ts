/** Public surface of the KV server core and its wire protocol. */
export { KvServer, DEFAULT_KV_SERVER_CONFIG, type KvServerConfig, type KvServerStats } from './server.ts';
export {
  KV_SERVICE,
  type KvErrorCode,
  type KvMessage,
  type KvRequestBody,
  type KvRequestMsg,
  type KvResponseMsg,
} from './protocol.ts';
