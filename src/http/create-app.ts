/**
 * Builds the express application — middleware, routes, error envelope — without listening, so tests
 * and embedders can mount it on any server (graphql-yoga's examples/express buildApp).
 *
 * Order: request id + logging (request-log.ts) → request context → audit hook (records writes, System
 * API changes and 401s once answered) → CORS (answers preflights) → probes (no
 * authentication, no rate limit) → login rate limit → body parsing and authentication for /api/v1 →
 * per-caller rate limit → MCP (/mcp, own body parsing and authentication) → System API and data routes →
 * 404 → error envelope.
 *
 * May import: every surface, system, config, errors.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { Authorizer } from '../auth/authorizer.js';
import type { Config } from '../config/config-schema.js';
import { requestErrors } from '../errors.js';
import { graphqlHandler } from '../graphql/graphql-handler.js';
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
import { sendError } from './error-envelope.js';
import { healthRoutes } from './health.js';
import { rateLimits } from './rate-limit.js';
import { reportStatementCounts, requestContextMiddleware } from './request-context-middleware.js';
import { requestLogMiddleware } from './request-log.js';

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

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple'); // node:querystring: values are strings or string arrays, nothing nested
  app.set('trust proxy', deps.config.trustProxy); // req.ip: the client, as far as trusted proxies say

  app.use(requestLogMiddleware(deps.logger));
  if (deps.config.statementCountHeader) reportStatementCounts(app.response);
  app.use(requestContextMiddleware());
  app.use(auditMiddleware(deps.audit));

  app.use(corsMiddleware(deps.config));

  app.use(healthRoutes(deps.registry));
  const limits = rateLimits(deps);
  if (limits.login.length > 0) app.post('/api/v1/system/admin/session', ...limits.login);
  const openApi = { registry: deps.registry, authorizer: deps.authorizer, limits: deps.config.limits };
  // Open to anonymous callers, but credentials, when sent, decide what the document shows.
  app.get('/openapi.json', authenticationMiddleware(deps.authenticator), openApiHandler(openApi));
  app.use('/api/v1', express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use('/api/v1', authenticationMiddleware(deps.authenticator));
  if (limits.api.length > 0) app.use('/api/v1', ...limits.api);
  // MCP (src/mcp): Streamable HTTP at /mcp, authenticated and rate-limited like /api/v1.
  const mcp = { registry: deps.registry, authorizer: deps.authorizer, audit: deps.audit, limits: deps.config.limits, logger: deps.logger, allowedTools: (id: number) => deps.system.cache.allowedTools(id) };
  app.use(MCP_PATH, express.json({ limit: BODY_LIMIT }), authenticationMiddleware(deps.authenticator), ...limits.api, mcpRoutes(mcp));
  app.get('/api/v1/system/mcp', mcpConfigHandler());
  app.use('/api/v1/system', systemRoutes(deps.system));
  app.use(
    '/api/v1/:service/_table',
    tableRoutes({ registry: deps.registry, authorizer: deps.authorizer, limits: deps.config.limits }),
  );
  app.use('/api/v1/:service/_schema', schemaRoutes({ registry: deps.registry, authorizer: deps.authorizer }));

  app.use('/api/v1/:service/_doc', serviceDocRoutes(openApi));
  app.all('/api/v1/:service/_graphql', ...graphqlHandler({ registry: deps.registry, authorizer: deps.authorizer, config: deps.config, logger: deps.logger, audit: deps.audit }));
  app.use('/api/v1/:service/_proc', procRoutes({ registry: deps.registry, authorizer: deps.authorizer }));

  app.use((req: Request) => {
    throw requestErrors.routeNotFound(req.method, req.path);
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendError(res, error, deps.logger, (req as Request & { id?: string }).id);
  });
  return app;
}
