/**
 * Gives every request an id (an incoming `X-Request-ID` is kept when it looks like an id, else a
 * UUID is generated), echoes it in the response, and creates the per-request `RequestContext`
 * (principal, abort signal that fires when the client goes away, statement counter).
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ANONYMOUS } from '../auth/principal.js';
import { RequestContext } from '../executor/request-context.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: Request): string {
  const incoming = req.get('x-request-id');
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The request context created by `requestContextMiddleware`. */
export function contextOf(res: Response): RequestContext {
  const ctx = (res.locals as { ctx?: RequestContext }).ctx;
  if (!ctx) throw new Error('requestContextMiddleware did not run');
  return ctx;
}

/**
 * Makes every response of `app` carry `X-Sluice-Statements`, the statements its request had sent when
 * the response head was written (tests and `npm run bench` read it). Wrapped once on the app's own
 * response prototype, which every request's response inherits from (Express sets it), rather than
 * patched onto each response: a per-request method assignment costs every request a new closure and
 * a change of the response object's shape.
 */
export function reportStatementCounts(appResponse: Response): void {
  const writeHead = appResponse.writeHead;
  appResponse.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
    const ctx = (this.locals as { ctx?: RequestContext } | undefined)?.ctx;
    if (ctx && !this.headersSent) this.setHeader('X-Sluice-Statements', String(ctx.statementCount));
    return writeHead.apply(this, args);
  } as Response['writeHead'];
}

export function requestContextMiddleware() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = (req as Request & { id?: string }).id ?? requestIdOf(req);
    const aborter = new AbortController();
    // 'close' before the response finished means the client went away: cancel its statements.
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort();
    });
    const ctx = new RequestContext(requestId, ANONYMOUS, aborter.signal);
    (res.locals as { ctx?: RequestContext }).ctx = ctx;
    res.setHeader('X-Request-ID', requestId);
    next();
  };
}
