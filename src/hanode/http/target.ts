/**
 * The request target taken raw. WHATWG URL parsing (`new URL(req.url, base)`) resolves dot
 * segments and rewrites `\` to `/`: `PUT /v1/kv/app/../keep/me` became a write to `keep/me`
 * and `DELETE /v1/kv/app/%2e%2e?recurse` a delete of the whole store. A KV key is an opaque
 * string, so the path is split off the query exactly as sent (Go's url.ParseRequestURI,
 * which Consul's HTTP server parses with, does no dot-segment resolution either) and only
 * percent-decoded later, per route.
 */

export interface RequestTarget {
  /** The path as sent, still percent-encoded, never normalised. */
  readonly pathname: string;
  readonly searchParams: URLSearchParams;
}

/** Splits origin-form (`/p?q`) or absolute-form (`http://h/p?q`) targets; undefined for anything else. */
export function parseRequestTarget(raw: string): RequestTarget | undefined {
  let t = raw;
  const abs = /^https?:\/\/[^/?#]*/i.exec(t);
  if (abs) {
    t = t.slice(abs[0].length);
    if (!t.startsWith('/')) t = `/${t}`;
  }
  if (!t.startsWith('/')) return undefined;
  const q = t.indexOf('?');
  const pathname = q < 0 ? t : t.slice(0, q);
  const search = q < 0 ? '' : t.slice(q + 1);
  return { pathname, searchParams: new URLSearchParams(search) };
}
