/** One server node's cores composed (sans-I/O): the same composition in the simulator and in hanode. */
export { ServerNode, type NodeEnvs } from './server-node.ts';
export { ROLE_KEY, ROLE_SERVER, VOTERS_KEY, type ServerNodeOptions } from './config.ts';
export { HelloExchange, provisionalId, isProvisionalId, type AddressCard } from './hello.ts';
export { Reconciler, RECONCILE_INTERVAL_US, type ReconcileSource } from './reconcile.ts';
export { DeferredReplicator } from './deferred-replicator.ts';
export { appendRecoveryMembership } from './recover.ts';
export { NodeMachine, storeResultOf, type NodeCommand, type NodeCommandBody, type NodeResult } from './machine.ts';
export { ServerCore, type ServerCoreOptions, type ServerRaft } from './assembly.ts';
