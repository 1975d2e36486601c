/**
 * HTTP errors as Consul gives them: a status code and a plain-text body. Routes throw
 * HttpError; the server turns it into a reply and keeps serving.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra headers (405 carries Allow). */
    readonly headers: Readonly<Record<string, string>> = {},
    /** For a 404 of a read: the index headers still go out (Consul sends them on a missing key). */
    readonly index?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (msg: string): HttpError => new HttpError(400, msg);
export const notFound = (msg: string): HttpError => new HttpError(404, msg);
export const forbidden = (msg: string): HttpError => new HttpError(403, msg);
export const methodNotAllowed = (method: string, allow: readonly string[]): HttpError =>
  new HttpError(405, `method ${method} not allowed`, { Allow: allow.join(', ') });
/** Consul's text when no leader is known (agent/consul/rpc.go structs.ErrNoLeader). */
export const noLeader = (): HttpError => new HttpError(500, 'No cluster leader');
