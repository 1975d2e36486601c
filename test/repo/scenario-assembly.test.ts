// Issue 14, done-when 1: no scenario module builds a Raft node, a KV server or a state machine
// of its own; they configure the shared server assembly (src/core/node/assembly.ts ServerCore,
// or hanode's ServerNode around it), so what hasim judges is what hanode runs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

/** Strips comments and string contents so prose does not trip the scan. */
function code(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/`(?:\\[\s\S]|[^`\\])*`/g, '``')
    .replace(/'(?:\\.|[^'\\\n])*'/g, "''")
    .replace(/"(?:\\.|[^"\\\n])*"/g, '""');
}

/** Every state machine of the cores: the classes under src/core that implement StateMachine. */
export function stateMachineClasses(): string[] {
  const names = new Set<string>();
  for (const f of files(join(root, 'src', 'core'))) {
    for (const m of code(readFileSync(f, 'utf8')).matchAll(/\bclass\s+([A-Za-z_$][\w$]*)(?:<[^{]*?>)?[^{]*\bimplements\s+[^{]*\bStateMachine\b/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

/** What a scenario module must not construct: the Raft node, the KV server, any state machine. */
export function forbiddenClasses(): string[] {
  return ['RaftNode', 'KvServer', ...stateMachineClasses()];
}

/** The forbidden constructions and imports in one file's source. */
export function assemblyViolations(src: string, forbidden: readonly string[]): string[] {
  const body = code(src);
  const out: string[] = [];
  for (const name of forbidden) {
    if (new RegExp(`\\bnew\\s+${name}\\s*[<(]`).test(body)) out.push(`constructs ${name}`);
    if (new RegExp(`\\bextends\\s+${name}\\b`).test(body)) out.push(`extends ${name}`);
  }
  if (/\bimplements\s+[^{]*\bStateMachine\b/.test(body)) out.push('implements a StateMachine of its own');
  // The KV server hanode never runs (issue 14 retired `kv.via: kv-protocol`).
  if (/from\s+['"][^'"]*\/core\/kvserver(\/[^'"]*)?['"]/.test(src)) out.push('imports src/core/kvserver');
  return out;
}

describe('scenario modules configure the shared server assembly (issue 14)', () => {
  it('finds the cores\' state machines (the scan has something to look for)', () => {
    const sms = stateMachineClasses();
    for (const n of ['NodeMachine', 'CoordStore', 'HaStateMachine', 'KvStateMachine']) expect(sms).toContain(n);
  });

  it('no file under src/scenario builds a Raft node, a KV server or a state machine', () => {
    const forbidden = forbiddenClasses();
    const found = files(join(root, 'src', 'scenario')).flatMap((f) => assemblyViolations(readFileSync(f, 'utf8'), forbidden).map((v) => `${relative(root, f)}: ${v}`));
    expect(found).toEqual([]);
  });

  it('the scan catches each kind of violation (and ignores prose)', () => {
    const forbidden = forbiddenClasses();
    expect(assemblyViolations('const n = new RaftNode<A, B>(env, sm, cfg);', forbidden)).toEqual(['constructs RaftNode']);
    expect(assemblyViolations("import { KvServer } from '../../core/kvserver/index.ts';\nconst s = new KvServer(env, r, kv);", forbidden)).toEqual(['constructs KvServer', 'imports src/core/kvserver']);
    expect(assemblyViolations('const store = new CoordStore();', forbidden)).toEqual(['constructs CoordStore']);
    expect(assemblyViolations('const m = new NodeMachine(store, ha);', forbidden)).toEqual(['constructs NodeMachine']);
    expect(assemblyViolations('class Mine implements StateMachine<C, R> { apply() {} }', forbidden)).toEqual(['implements a StateMachine of its own']);
    expect(assemblyViolations('// not new RaftNode(env) here\nconst s = "new KvServer(x)";\nconst core = new ServerCore(envs);', forbidden)).toEqual([]);
  });
});
