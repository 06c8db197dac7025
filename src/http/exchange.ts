/**
 * What the request pipeline and the data routes read from a request and write to a response, over
 * Node's own `IncomingMessage` and `ServerResponse`: the data dispatcher (data-dispatch.ts) serves
 * them without Express, and the Express app passes its own request and response (subclasses of
 * Node's), so one middleware or handler serves both.
 *
 * Semantics follow Express's where Express defined them before: the query string is parsed like
 * its `simple` query parser (node:querystring), the client IP like `req.ip` under `trust proxy`,
 * and a JSON answer carries `Content-Type: application/json; charset=utf-8` and its length.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring, { type ParsedUrlQuery } from 'node:querystring';
import proxyAddr from 'proxy-addr';
import type { RequestContext } from '../executor/request-context.js';

/** A request as the pipeline leaves it: route parameters, the parsed body, the request id. */
export type DataRequest = IncomingMessage & {
  params?: Readonly<Record<string, string | string[] | undefined>>;
  body?: unknown;
  id?: string;
  /** Set by Express: the URL before mounted routers rewrote `url`. */
  originalUrl?: string;
};

/** A response as the pipeline leaves it: `locals` holds the request context. */
export type DataResponse = ServerResponse & { locals?: Record<string, unknown> };

export type Query = ParsedUrlQuery;

/** A middleware over Node's request and response (Express passes its own, which are those). */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => unknown;
/** A middleware that handles an error passed on by an earlier one (Express tells them by arity: 4). */
export type ErrorMiddleware = (error: unknown, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => unknown;

/** Where a request keeps its parsed query (a property, not a WeakMap entry: those cost the GC per request). */
const PARSED_QUERY = Symbol('sluice.query');

/** The query string's parameters: strings, or arrays of strings for repeated names; parsed once. */
export function queryOf(req: IncomingMessage): Query {
  const holder = req as IncomingMessage & { [PARSED_QUERY]?: Query };
  let query = holder[PARSED_QUERY];
  if (!query) {
    const url = req.url ?? '';
    const mark = url.indexOf('?');
    query = mark < 0 ? {} : querystring.parse(url.slice(mark + 1));
    holder[PARSED_QUERY] = query;
  }
  return query;
}

/** The path the client asked for, without the query string (before any router rewrote it). */
export function pathOf(req: DataRequest): string {
  const url = req.originalUrl ?? req.url ?? '';
  const mark = url.indexOf('?');
  return mark < 0 ? url : url.slice(0, mark);
}

/** A request header's value (repeated headers joined as Node joins them), or undefined. */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The credential a request presents, by its header (whether or not authentication accepts it). */
export function presentedCredentialOf(req: IncomingMessage): 'apiKey' | 'bearer' | 'none' {
  if (headerOf(req, 'x-api-key') !== undefined) return 'apiKey';
  if (headerOf(req, 'authorization') !== undefined) return 'bearer';
  return 'none';
}

/** A route parameter the router matched (its absence is a routing bug, not a client error). */
export function routeParam(req: DataRequest, name: string): string {
  const value = req.params?.[name];
  if (typeof value !== 'string') throw new Error(`route parameter ${name} missing`);
  return value;
}

/** The request context created by the request context middleware. */
export function contextOf(res: DataResponse): RequestContext {
  const ctx = res.locals?.ctx as RequestContext | undefined;
  if (!ctx) throw new Error('requestContextMiddleware did not run');
  return ctx;
}

/**
 * Answers `text` with `status` and `headers` (its type among them), and its length. A HEAD request
 * gets the headers only (Node leaves the body out). One `end` with the whole text: the head and the
 * body leave in one write.
 */
export function sendText(res: ServerResponse, status: number, text: string, headers?: Readonly<Record<string, string>>): void {
  res.statusCode = status;
  if (headers) for (const name in headers) res.setHeader(name, headers[name] as string);
  // Node measures a body given whole to `end` and sends its Content-Length (measuring it here too
  // costs a pass over every response's text), except for HEAD, which sends no body to measure.
  if (res.req.method === 'HEAD') res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Answers `body` as JSON with `status` (see sendText). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Readonly<Record<string, string>>): void {
  const text = JSON.stringify(body);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  sendText(res, status, text, headers);
}

export type TrustProxy = boolean | number | string;

/** Whether the address at this hop (0: the socket's peer) is a proxy whose X-Forwarded-For to believe. */
export type Trust = (address: string, hop: number) => boolean;

/** Which addresses are trusted proxies, as Express compiles its `trust proxy` setting. */
export function compileTrust(trust: TrustProxy): Trust {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyAddr.compile(trust.split(',').map((part) => part.trim()));
}

/** The client's address as far as trusted proxies say (Express's `req.ip`). */
export function clientIpOf(req: IncomingMessage, trust: Trust): string | undefined {
  return req.socket.remoteAddress === undefined ? undefined : proxyAddr(req, trust);
}
