/**
 * Write-idle windows (issue 16): a directed nemesis that needs the Raft logs to stop moving — a
 * follower cut off from the leader keeps a log as up-to-date as the others' only while nothing
 * is written — turns the KV workload's writes, CAS and deletes into reads while it holds the
 * world "quiet". Keyed by world (as the role registry of ../roles.ts is); the op draws are the
 * same either way, so a run that never goes quiet keeps its trace.
 */
const quiet = new WeakMap<object, boolean>();

export function setWritesQuiet(world: object, on: boolean): void {
  quiet.set(world, on);
}

export function writesQuiet(world: object): boolean {
  return quiet.get(world) === true;
}
