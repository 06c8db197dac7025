/**
 * Gives every request an id (an incoming `X-Request-ID` is kept when it looks like an id, else a
 * UUID is generated), echoes it in the response, and creates the per-request `RequestContext`
 * (principal, abort signal that fires when the client goes away, statement counter).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ANONYMOUS } from '../auth/principal.js';
import { Cancellation, RequestContext } from '../executor/request-context.js';
import { headerOf, type DataRequest, type DataResponse } from './exchange.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const incoming = headerOf(req, 'x-request-id');
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Makes every response built on `responsePrototype` carry `X-Sluice-Statements`, the statements its
 * request had sent when the response head was written (tests and `npm run bench` read it). Wrapped
 * once on a prototype — the Express app's response, and the server's own response class for the
 * data routes — rather than patched onto each response: a per-request method assignment costs every
 * request a new closure and a change of the response object's shape.
 */
export function reportStatementCounts(responsePrototype: ServerResponse): void {
  const writeHead = responsePrototype.writeHead;
  responsePrototype.writeHead = function (this: DataResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    const ctx = this.locals?.ctx as RequestContext | undefined;
    if (ctx && !this.headersSent) this.setHeader('X-Sluice-Statements', String(ctx.statementCount));
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}

export function requestContextMiddleware() {
  return (req: DataRequest, res: DataResponse, next: (error?: unknown) => void): void => {
    const requestId = req.id ?? requestIdOf(req);
    const cancellation = new Cancellation();
    // 'close' before the response finished means the client went away: cancel its statements.
    res.once('close', () => {
      if (!res.writableFinished) cancellation.abort();
    });
    const ctx = new RequestContext(requestId, ANONYMOUS, cancellation);
    (res.locals ??= Object.create(null) as Record<string, unknown>).ctx = ctx;
    if (!res.hasHeader('X-Request-ID')) res.setHeader('X-Request-ID', requestId);
    next();
  };
}
