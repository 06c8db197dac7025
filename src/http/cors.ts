/**
 * CORS with the Faucet defaults (any origin; GET, POST, PUT, PATCH, DELETE, OPTIONS; max age 300 s),
 * plus the request headers Sluice reads and the response headers it sends. Preflight (OPTIONS)
 * requests are answered here with 204, before authentication: browsers send them without
 * credentials.
 *
 * With an allow-list, a listed origin is echoed with `Vary: Origin` (caches must not hand one
 * origin's answer to another) and any other origin gets no `Access-Control-Allow-Origin` at all.
 * Credentials are only ever allowed together with such a list: config validation refuses
 * `corsCredentials` with `*`, since `Access-Control-Allow-Origin: *` and
 * `Access-Control-Allow-Credentials: true` together are refused by browsers.
 */
import cors from 'cors';
import type { Config } from '../config/config-schema.js';
import type { Middleware } from './exchange.js';

const ALLOWED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
// Mcp-Protocol-Version: sent by MCP clients on every request after initialization (browser-based agents at /mcp).
const ALLOWED_HEADERS = ['Accept', 'Authorization', 'Content-Type', 'X-API-Key', 'X-Requested-With', 'Prefer', 'X-Request-ID', 'Mcp-Protocol-Version'];
/** What browser code may read: the Faucet three, and the headers Sluice adds (rate-limit/draft-8 headers). */
const EXPOSED_HEADERS = ['X-Total-Count', 'X-Request-ID', 'Link', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Sluice-Statements'];
const MAX_AGE_SECONDS = 300;

export function corsMiddleware(config: Pick<Config, 'corsOrigins' | 'corsCredentials'>): Middleware {
  const anyOrigin = config.corsOrigins.includes('*');
  return cors({
    // An array (even of one) makes the package echo only a matching Origin and add Vary: Origin.
    origin: anyOrigin ? '*' : [...config.corsOrigins],
    credentials: !anyOrigin && config.corsCredentials,
    methods: ALLOWED_METHODS,
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: MAX_AGE_SECONDS,
    optionsSuccessStatus: 204,
  });
}
