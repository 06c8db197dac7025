/**
 * Builds the HTTP surface without listening, so tests and embedders can mount it on any server
 * (graphql-yoga's examples/express buildApp): an Express app for the System API and every other
 * surface, and in front of it the data dispatcher (data-dispatch.ts), which serves `_table`,
 * `_schema`, `_proc` and `_graphql` without Express.
 *
 * Order: request id + logging (request-log.ts) → request context → audit hook (records writes, System
 * API changes and 401s once answered) → CORS (answers preflights) → probes (no
 * authentication, no rate limit) → login rate limit → body parsing and authentication for /api/v1 →
 * per-caller rate limit → MCP (/mcp, own body parsing and authentication) → System API and data routes →
 * 404 → error envelope. The dispatcher runs the same middleware instances, in the same order.
 *
 * May import: every surface, system, config, errors.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { Authorizer } from '../auth/authorizer.js';
import type { Config } from '../config/config-schema.js';
import { requestErrors } from '../errors.js';
import { MCP_PATH, mcpConfigHandler, mcpRoutes } from '../mcp/mcp-http.js';
import { schemaRoutes } from '../rest/schema-routes.js';
import { openApiHandler, serviceDocRoutes } from '../openapi/openapi-routes.js';
import { procRoutes } from '../rest/proc-routes.js';
import { tableRoutes } from '../rest/table-routes.js';
import { systemRoutes, type SystemDeps } from '../system/routes/system-routes.js';
import type { AuditRecorder } from '../system/audit-log.js';
import type { ServiceRegistry } from '../system/service-registry.js';
import { auditMiddleware } from './audit-middleware.js';
import { authenticationMiddleware } from './authenticate-middleware.js';
import { corsMiddleware } from './cors.js';
import { dataDispatcher } from './data-dispatch.js';
import { compileTrust, type DataRequest, type Middleware } from './exchange.js';
import { sendError } from './error-envelope.js';
import { healthRoutes } from './health.js';
import { rateLimits } from './rate-limit.js';
import { reportStatementCounts, requestContextMiddleware } from './request-context-middleware.js';
import { requestLogMiddleware } from './request-log.js';
import { lazyHandler, RouteTable } from './route-table.js';

export interface AppDeps {
  readonly config: Config;
  readonly registry: ServiceRegistry;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  readonly system: SystemDeps;
  readonly logger: Logger;
  /** Where audited requests are recorded. */
  readonly audit: AuditRecorder;
  /** Where rate-limit counters are shared between instances; in memory when absent. */
  readonly redis?: Redis | undefined;
}

/** Request bodies: JSON only, 10 MB at most (the Faucet default); larger → 413, malformed → 400. */
const BODY_LIMIT = '10mb';

/** The request listener to serve Sluice with, and the response class its server must create. */
export interface SluiceApp {
  /** Data routes through the dispatcher, everything else to `app`. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** Pass to `http.createServer` (`ServerResponse`): the data routes' responses are built on it. */
  readonly ServerResponse: typeof ServerResponse;
}

export function createApp(deps: AppDeps): SluiceApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple'); // node:querystring: values are strings or string arrays, nothing nested
  // Which proxies to believe for the client IP: one function for Express's req.ip and the middlewares.
  const trust = compileTrust(deps.config.trustProxy);
  app.set('trust proxy', trust);

  // The middlewares every request goes through, in this order; those of /api/v1 after the probes.
  const requestLog = requestLogMiddleware(deps.logger);
  const requestContext = requestContextMiddleware();
  const audit = auditMiddleware(deps.audit, trust);
  const cors = corsMiddleware(deps.config);
  const jsonBody = express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  // Most API requests are reads without a body: they skip the parser, as it would skip them (type-is's hasBody).
  const apiBody: Middleware = (req, res, next) =>
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined ? jsonBody(req as Request, res as Response, next) : next();
  const authenticate = authenticationMiddleware(deps.authenticator);
  const limits = rateLimits({ ...deps, trust });
  class DataResponse extends ServerResponse {} // its own prototype: the statement count header is this app's setting
  if (deps.config.statementCountHeader) {
    reportStatementCounts(app.response);
    reportStatementCounts(DataResponse.prototype);
  }

  app.use(requestLog, requestContext, audit, cors);
  app.use(healthRoutes(deps.registry));
  if (limits.login.length > 0) app.post('/api/v1/system/admin/session', ...limits.login);
  const openApi = { registry: deps.registry, authorizer: deps.authorizer, limits: deps.config.limits };
  // Open to anonymous callers, but credentials, when sent, decide what the document shows.
  app.get('/openapi.json', authenticate, openApiHandler(openApi));
  app.use('/api/v1', apiBody, authenticate, ...limits.api);
  // MCP (src/mcp): Streamable HTTP at /mcp, authenticated and rate-limited like /api/v1.
  const mcp = { registry: deps.registry, authorizer: deps.authorizer, audit: deps.audit, limits: deps.config.limits, logger: deps.logger, allowedTools: (id: number) => deps.system.cache.allowedTools(id) };
  app.use(MCP_PATH, express.json({ limit: BODY_LIMIT }), authenticate, ...limits.api, mcpRoutes(mcp));
  app.get('/api/v1/system/mcp', mcpConfigHandler());
  app.use('/api/v1/system', systemRoutes(deps.system));
  app.use('/api/v1/:service/_doc', serviceDocRoutes(openApi));

  app.use((req: Request) => {
    throw requestErrors.routeNotFound(req.method, req.path);
  });
  const answerError = (error: unknown, req: DataRequest, res: ServerResponse) => sendError(res, error, deps.logger, req.id);
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => answerError(error, req, res));

  // `_table`, `_schema`, `_proc` and `_graphql`: served by the dispatcher, after the same middlewares as /api/v1.
  const dataDeps = { registry: deps.registry, authorizer: deps.authorizer, limits: deps.config.limits };
  const graphqlDeps = { registry: deps.registry, authorizer: deps.authorizer, config: deps.config, logger: deps.logger, audit: deps.audit, trust };
  const dispatch = dataDispatcher({
    components: new Map([
      ['_table', tableRoutes(dataDeps, new RouteTable())],
      ['_schema', schemaRoutes(dataDeps, new RouteTable())],
      ['_proc', procRoutes(dataDeps, new RouteTable())],
      // GraphQL's libraries (yoga, Pothos, graphql-jit, graphql-armor: ~36 MiB of memory once imported)
      // are loaded by the first GraphQL request, as MCP's SDK and PGlite are by their first use.
      ['_graphql', new RouteTable().all('/', lazyHandler(async () => (await import('../graphql/graphql-handler.js')).graphqlHandler(graphqlDeps)))],
    ]),
    stages: [requestLog, requestContext, audit, cors, apiBody, authenticate, ...limits.api],
    onError: answerError,
  });
  return {
    listener: (req, res) => {
      if (!dispatch(req, res)) app(req, res);
    },
    ServerResponse: DataResponse as typeof ServerResponse,
  };
}
