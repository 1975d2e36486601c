/** Shard placement: public surface. */
export { crc32, fmix32 } from './crc32.ts';
export { HashRing, DEFAULT_VNODES, DEFAULT_RING_HASH, MAX_VNODES, MAX_GROUPS, type RingHash, type RingOptions } from './ring.ts';
export { balanceOf, movedFraction, sampleKeys, type Balance } from './balance.ts';
export { compareEpoch, nextEpoch, epochString, ZERO_EPOCH, type Epoch } from './epoch.ts';
export { PlacementTable, emptyConfig, membersOf, type GroupConfig, type PlacementChange } from './placement.ts';
export { lowestEntry, sequenceOf, BoundedRegistry, type Registry, type RegistryEntry, type RegisterResult, type ListResult, type ReadResult, type WriteResult } from './registry.ts';
export { MasterElection, type ElectionConfig, type ElectionView } from './election.ts';
export type * from './messages.ts';
export { DataNode, DEFAULT_DATA_NODE_CONFIG, type DataNodeConfig } from './data-node.ts';
export { ShardServer, DEFAULT_SHARD_SERVER_CONFIG, type ShardServerConfig } from './server.ts';
export { ShardClient, DEFAULT_SHARD_CLIENT_CONFIG, type ShardClientConfig, type PutOutcome, type GetOutcome } from './client.ts';
export { TreeRegistry, MAX_REGISTRY_CHILDREN } from './tree-registry.ts';
export { EMPTY_RING, newerRing, previousGroups, RingCache, type RingState } from './ring-state.ts';
export { Handover, HANDOVER_WINDOW } from './handover.ts';
