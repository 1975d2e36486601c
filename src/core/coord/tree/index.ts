/** Public surface of the ZooKeeper-style tree. */
export { ZkTree, clampSessionTimeout, type ZkSessionRecord, type TreeSnapshot } from './tree.ts';
export * from './types.ts';
export { isValidPath, parentOf, nameOf, joinPath, isUnder, sequentialSuffix } from './paths.ts';
export type * from './protocol.ts';
export type { TreeClient, Watcher, SessionState } from './client-api.ts';
export { ZkClient, ZkClientHost, type ZkClientOptions } from './tree-client.ts';
export { TreeServer, type TreeServerOptions } from './tree-server.ts';
export { TreeDriver } from './tree-driver.ts';
export { WatchTable } from './watches.ts';
export * as recipes from './recipes/index.ts';
