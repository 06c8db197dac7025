/**
 * Serves the data routes — `/api/v1/{service}/_table|_proc|_schema|_graphql…` — on Node's request and
 * response, without Express.
 *
 * Through Express, a read by primary key cost about four times the CPU of the same read on bare
 * `node:http` (see BENCHMARKS.md): matching every layer of the app in turn, rewriting `req.url` for
 * each mounted router, and above all swapping the prototypes of every request and response for
 * Express's, which leaves Node's own HTTP code and the garbage collector more work per request. The
 * data routes are the API's hot path and have a fixed shape: they are looked up once, in a table,
 * and run through the very middlewares the Express app mounts (written over Node's request and
 * response, see exchange.ts), in the same order, as a flat list.
 *
 * Anything else — other paths, the System API under `/api/v1/system`, a path of no route's shape —
 * is left to the Express app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataRequest, DataResponse, ErrorMiddleware, Middleware } from './exchange.js';
import { decodeParam, type RouteMatch, type RouteTable } from './route-table.js';

/** `/api/v1/{service}/{component}` and the rest of the path (raw, as the client sent it). */
const DATA_PATH = /^\/api\/v1\/([^/?#]+)\/(_table|_proc|_schema|_graphql)(\/[^?#]*)?(?:\?|$)/i;

/** Express's `isPromise` test (router/lib/layer.js): a handler's returned promise is awaited for errors. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/** Express tells error handlers by their arity. */
function isErrorStage(stage: Middleware | ErrorMiddleware): stage is ErrorMiddleware {
  return stage.length === 4;
}

export interface DataDispatchOptions {
  /** Route tables by component (`_table`, `_proc`, `_schema`, `_graphql`). */
  readonly components: ReadonlyMap<string, RouteTable>;
  /** The middlewares before the routes, in order; error handlers (arity 4) see errors only. */
  readonly stages: readonly (Middleware | ErrorMiddleware)[];
  /** Answers an error no stage handled (the error envelope). */
  readonly onError: (error: unknown, req: DataRequest, res: DataResponse) => void;
}

/**
 * A request listener for the data routes: returns false, having touched nothing, for any request
 * the Express app must answer instead.
 */
export function dataDispatcher(options: DataDispatchOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { components, stages, onError } = options;
  return (incoming, outgoing) => {
    const path = DATA_PATH.exec(incoming.url ?? '');
    if (!path) return false;
    const service = path[1] as string;
    // `/api/v1/system/…` is the System API's (and `system` can name no service).
    if (service.toLowerCase() === 'system') return false;
    let route: RouteMatch | undefined;
    let routeError: unknown;
    try {
      route = components.get((path[2] as string).toLowerCase())?.match(incoming.method ?? 'GET', path[3] ?? '/');
      if (route) route = { handler: route.handler, params: { service: decodeParam(service), ...route.params } };
    } catch (error) {
      routeError = error; // a malformed escape: answered after the middlewares, where Express answered it
    }
    if (!route && routeError === undefined) return false;

    const req = incoming as DataRequest;
    const res = outgoing as DataResponse;
    req.params = route?.params ?? {};
    let index = 0;
    let handled = false;
    const next = (error?: unknown): void => {
      const failed = error !== undefined && error !== null;
      while (index < stages.length) {
        const stage = stages[index++] as Middleware | ErrorMiddleware;
        if (failed !== isErrorStage(stage)) continue;
        try {
          const result = failed ? (stage as ErrorMiddleware)(error, req, res, next) : (stage as Middleware)(req, res, next);
          if (isThenable(result)) result.then(undefined, (rejection: unknown) => next(rejection ?? new Error('Rejected promise')));
        } catch (thrown) {
          next(thrown);
        }
        return;
      }
      if (failed) return onError(error, req, res);
      if (handled) return; // the handler runs once, whatever a late `next()` says
      handled = true;
      try {
        if (!route) throw routeError;
        const result = route.handler(req, res);
        if (isThenable(result)) result.then(undefined, (rejection: unknown) => onError(rejection, req, res));
      } catch (thrown) {
        onError(thrown, req, res);
      }
    };
    next();
    return true;
  };
}
