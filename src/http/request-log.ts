/**
 * One log line per request, when its response finishes (or the client goes away first): level by
 * outcome — error for 5xx, info for 4xx, debug for the rest — with the request id, method, path
 * (never the query string: it may carry filter values), status and response time.
 *
 * It also assigns the request id (`req.id`, echoed as `X-Request-ID`), which the request context
 * and the error envelope use. Written by hand instead of pino-http because pino-http builds a child
 * logger per request and serialises the request into it whether or not anything is logged: about a
 * sixth of the CPU of a simple read (see BENCHMARKS.md). Here nothing is built for levels that are off.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pathOf, type DataRequest } from './exchange.js';
import { requestIdOf } from './request-context-middleware.js';

type Level = 'error' | 'info' | 'debug';

function levelOf(status: number): Level {
  return status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
}

export function requestLogMiddleware(logger: Logger) {
  return (req: DataRequest, res: ServerResponse, next: (error?: unknown) => void): void => {
    const id = requestIdOf(req);
    req.id = id;
    res.setHeader('X-Request-ID', id);
    const started = performance.now();
    // 'close' comes last either way: after 'finish' when the response went out, alone when the client left first.
    res.once('close', () => {
      const level = levelOf(res.statusCode);
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          req: { id, method: req.method, path: pathOf(req) }, // the original URL's: Express sets originalUrl before rewriting url
          res: { statusCode: res.statusCode },
          responseTime: Math.round(performance.now() - started),
        },
        res.writableFinished ? 'request completed' : 'request closed before the response finished',
      );
    });
    next();
  };
}
