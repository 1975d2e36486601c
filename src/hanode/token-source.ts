/**
 * Where an ACL token comes from: a file (--acl-token-file, the safe way: mode 0600, not in
 * `ps`), an environment variable, or the command line (--acl-token: accepted, but anyone on
 * the machine can read it in `ps` / /proc/PID/cmdline). Errors name the flag or file, never
 * the token.
 */
import { readFileSync } from 'node:fs';

/** Bound on a token file's size: a token is a short string (Consul's are 36-char UUIDs). */
const MAX_TOKEN_FILE_BYTES = 4096;

export type TokenResult = { readonly token?: string } | { readonly error: string };

export function resolveToken(what: string, fromArgv: string | undefined, file: string | undefined, env: string | undefined): TokenResult {
  if (fromArgv !== undefined && file !== undefined) return { error: `give --${what} or --${what}-file, not both` };
  if (file !== undefined) {
    let text: string;
    try {
      const buf = readFileSync(file);
      if (buf.length > MAX_TOKEN_FILE_BYTES) return { error: `--${what}-file ${file}: larger than ${MAX_TOKEN_FILE_BYTES} bytes` };
      text = buf.toString('utf8').trim();
    } catch (err) {
      return { error: `--${what}-file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}` };
    }
    if (text === '' || /\s/.test(text)) return { error: `--${what}-file ${file}: want one token on one line` };
    return { token: text };
  }
  const t = fromArgv ?? env;
  if (t === undefined || t === '') return {};
  if (/\s/.test(t)) return { error: `--${what}: a token has no whitespace` };
  return { token: t };
}
