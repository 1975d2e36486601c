/** Public surface of the KV client core. */
export { KvClient, DEFAULT_KV_CLIENT_CONFIG, type KvClientConfig, type KvOutcome } from './client.ts';
