/**
 * MCP over Streamable HTTP at `/mcp`, and the System API's description of the MCP server
 * (`GET /api/v1/system/mcp`, admins only).
 *
 * The transport runs in stateless mode: every POST carries its own credentials (`X-API-Key`, or an
 * admin/user bearer token, checked by the authenticate middleware like any `/api/v1` request) and is
 * answered by a fresh server for that principal, so no session can outlive a revoked key. A client's
 * `initialize` and later calls are independent POSTs. GET (a server-initiated SSE stream) and DELETE
 * (ending a session) have nothing to do without sessions: 405, as the specification allows.
 * Callers without credentials are refused with the 401 envelope unless an anonymous role exists
 * (the Authorizer decides, as for REST).
 *
 * May import: auth, catalog, config, executor, query, rest, system, errors, http/request-context-middleware.
 */
import express, { type Request, type Response } from 'express';
import { isApiError } from '../errors.js';
import { contextOf, presentedCredentialOf } from '../http/exchange.js';
import { adminContext } from '../system/routes/route-helpers.js';
import type { McpCaller } from './mcp-access.js';
import { allTools, SCHEMA_URI_TEMPLATE, SERVER_NAME, SERVER_VERSION, SERVICES_URI } from './mcp-description.js';
import type { McpServerDeps } from './mcp-server.js';

/**
 * The MCP SDK's server and transport, loaded on the first `/mcp` request rather than at start:
 * most deployments never receive one (see mcp-description.ts).
 */
let mcpRuntime: Promise<[typeof import('./mcp-server.js'), typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js')]> | undefined;
function loadMcpRuntime() {
  if (!mcpRuntime) {
    mcpRuntime = Promise.all([import('./mcp-server.js'), import('@modelcontextprotocol/sdk/server/streamableHttp.js')]);
    mcpRuntime.catch(() => {
      mcpRuntime = undefined; // a failed load is tried again by the next request
    });
  }
  return mcpRuntime;
}

export const MCP_PATH = '/mcp';

function methodNotAllowed(res: Response): void {
  res
    .status(405)
    .set('Allow', 'POST')
    .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; send requests with POST' }, id: null });
}

/** The `/mcp` router; mount it after body parsing and authentication. */
export function mcpRoutes(deps: McpServerDeps): express.Router {
  const router = express.Router();
  router.post('/', async (req: Request, res: Response) => {
    const ctx = contextOf(res);
    if (ctx.principal.kind === 'anonymous') {
      // 401 unless an anonymous role exists: asked of the Authorizer, as REST requests are.
      await deps.authorizer.authorize(ctx.principal, { service: deps.registry.names()[0] ?? '-', resource: { kind: 'table' }, verb: 'GET' }).catch((error: unknown) => {
        if (isApiError(error) && error.status === 401) throw error;
      });
    }
    const caller: McpCaller = {
      principal: ctx.principal,
      credential: presentedCredentialOf(req), // authentication already accepted it
      requestId: ctx.requestId,
      ...(req.ip !== undefined ? { clientIp: req.ip } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    };
    const [{ createMcpServer }, { StreamableHTTPServerTransport }] = await loadMcpRuntime();
    const server = createMcpServer(deps, caller);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  router.get('/', (_req: Request, res: Response) => methodNotAllowed(res));
  router.delete('/', (_req: Request, res: Response) => methodNotAllowed(res));
  router.all('/', (_req: Request, res: Response) => methodNotAllowed(res));
  return router;
}

/** `GET /api/v1/system/mcp`: the tools, resources and transports of the MCP server. */
export function mcpConfigHandler() {
  return (req: Request, res: Response): void => {
    adminContext(res);
    const endpoint = `${req.protocol}://${req.get('host') ?? 'localhost'}${MCP_PATH}`;
    res.json({
      server: { name: SERVER_NAME, version: SERVER_VERSION },
      endpoint,
      transports: [
        {
          type: 'streamable-http',
          path: MCP_PATH,
          url: endpoint,
          stateless: true,
          methods: ['POST'],
          authentication: ['X-API-Key', 'Authorization: Bearer <admin session token or end-user JWT>'],
        },
        {
          type: 'stdio',
          command: 'sluice mcp --service NAME [--api-key KEY]',
          authentication: ['--api-key (or SLUICE_MCP_API_KEY); without it, the local operator acts as an admin'],
        },
      ],
      tools: allTools(),
      resources: [{ uri: SERVICES_URI, name: 'services', mimeType: 'application/json' }],
      resource_templates: [{ uriTemplate: SCHEMA_URI_TEMPLATE, name: 'schema', mimeType: 'application/json' }],
      allow_lists: { field: 'allowed_tools', endpoint: '/api/v1/system/api-key/{id}' },
    });
  };
}
