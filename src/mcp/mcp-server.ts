/**
 * The MCP server of one caller: the SDK's low-level `Server` with Sluice's handlers for
 * `tools/list`, `tools/call`, `resources/list`, `resources/templates/list` and `resources/read`.
 * Both transports build one per caller (HTTP: per request, stateless; stdio: per process), so the
 * principal is fixed for the server's life.
 *
 * - `tools/list` shows only the tools the caller may call: not those missing from its API key's
 *   allow-list, and `run_sql` only where some service allows raw SQL and the role has a `_sql` rule.
 * - `tools/call` validates the arguments (zod), runs the tool, and answers with structured content
 *   plus a one-line text summary. Anything refused or failed — an unknown or disallowed tool, bad
 *   arguments, a 403 from the Authorizer, a database error — is a tool error (`isError: true`) whose
 *   text names the reason; never an empty result.
 * - Every call, refused or not, is one audit entry (surface `mcp`, action = the tool name, service,
 *   target table/procedure, affected rows, status, duration, request id); never arguments, rows or
 *   SQL text.
 * - Resources: `sluice://services` and `sluice://schema/{service}`, JSON of what the caller may see.
 *
 * The low-level server (rather than `McpServer`) is used so that unknown tools, invalid arguments
 * and refusals all go through the one path that audits them and answers with a tool error.
 *
 * May import: auth, catalog, config, executor, query, rest (pure helpers), system, errors.
 */
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { isMcpToolName } from '../auth/mcp-tools.js';
import { authErrors, isApiError, requestErrors, type ApiError } from '../errors.js';
import { RequestContext } from '../executor/request-context.js';
import { serviceFor, sqlMode, visibleServices, type McpCaller, type McpDeps } from './mcp-access.js';
import { describeTool, SCHEMA_URI_TEMPLATE, SERVER_NAME, SERVER_VERSION, SERVICES_URI } from './mcp-description.js';
import { schemaView, servicesView, TOOLS_BY_NAME, type ToolDefinition, type ToolEnv, type ToolOutcome } from './mcp-tools.js';

const SCHEMA_URI = /^sluice:\/\/schema\/([^/?#]+)$/;
const JSON_MIME = 'application/json';
/** Tool names in audit entries are bounded: an unknown name is whatever the client sent. */
const MAX_ACTION = 64;

export interface McpServerDeps extends McpDeps {
  readonly logger: Logger;
}

/** The key's allow-list, when the caller is an API key with one. */
async function keyAllowList(deps: McpDeps, caller: McpCaller): Promise<ReadonlySet<string> | undefined> {
  if (caller.principal.kind !== 'apiKey') return undefined;
  const list = await deps.allowedTools(caller.principal.keyId);
  return list === null ? undefined : new Set(list);
}

/** The tools the caller may call (see the module comment). */
export async function toolsFor(deps: McpDeps, caller: McpCaller): Promise<ToolDefinition[]> {
  const allowList = await keyAllowList(deps, caller);
  const tools: ToolDefinition[] = [];
  for (const tool of TOOLS_BY_NAME.values()) {
    if (allowList && !allowList.has(tool.name)) continue;
    if (tool.name === 'run_sql' && !(await anySqlService(deps, caller))) continue;
    tools.push(tool);
  }
  return tools;
}

async function anySqlService(deps: McpDeps, caller: McpCaller): Promise<boolean> {
  const names = caller.scope !== undefined ? [caller.scope] : deps.registry.names();
  for (const name of names) if ((await sqlMode(deps, caller.principal, name)).allowed) return true;
  return false;
}

/** Arguments → the tool's input, or a 400 naming the first problem. */
function parseArguments<S extends z.ZodObject>(tool: ToolDefinition<S>, args: unknown): z.output<S> {
  const result = tool.input.safeParse(args ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') || 'arguments';
  const message = issue?.code === 'unrecognized_keys' ? `unknown argument${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid');
  throw requestErrors.invalidParameter(path, message, { tool: tool.name });
}

function errorResult(error: ApiError): CallToolResult {
  const envelope = error.toEnvelope().error;
  const kind = error.status === 401 || error.status === 403 ? 'Refused' : 'Error';
  return {
    isError: true,
    content: [{ type: 'text', text: `${kind}: ${error.message} (${error.reason})` }],
    structuredContent: { error: envelope },
  };
}

/** Runs one tool call for `caller`, audited, as a tool result (never a thrown error). */
export async function callTool(deps: McpServerDeps, caller: McpCaller, name: string, args: unknown, signal?: AbortSignal): Promise<CallToolResult> {
  const at = new Date();
  const started = performance.now();
  const requestId = caller.requestId ?? randomUUID();
  const ctx = new RequestContext(requestId, caller.principal, signal ?? caller.signal);
  const facts: { service?: string; target?: string } = {};
  let status = 200;
  let affectedRows: number | undefined;
  try {
    const tool = TOOLS_BY_NAME.get(name);
    if (!tool || !isMcpToolName(name)) throw requestErrors.invalidParameter('name', `unknown tool '${name}' (tools: ${[...TOOLS_BY_NAME.keys()].join(', ')})`);
    const allowList = await keyAllowList(deps, caller);
    if (allowList && !allowList.has(name)) {
      throw authErrors.toolNotAllowed(name);
    }
    const parsed = parseArguments(tool, args);
    const env: ToolEnv = { deps, caller, ctx, note: (more) => Object.assign(facts, more) };
    const outcome: ToolOutcome = await tool.run(env, parsed);
    Object.assign(facts, { ...(outcome.service !== undefined ? { service: outcome.service } : {}), ...(outcome.target !== undefined ? { target: outcome.target } : {}) });
    affectedRows = outcome.affectedRows;
    return { content: [{ type: 'text', text: outcome.summary }], structuredContent: outcome.result };
  } catch (error) {
    if (isApiError(error)) {
      status = error.status;
      return errorResult(error);
    }
    status = 500;
    deps.logger.error({ err: error, requestId, tool: name.slice(0, MAX_ACTION) }, 'MCP tool call failed unexpectedly');
    return { isError: true, content: [{ type: 'text', text: `Error: internal error (request id ${requestId})` }] };
  } finally {
    deps.audit.record({
      at,
      surface: 'mcp',
      principal: caller.principal,
      credential: caller.credential,
      service: facts.service,
      action: name.slice(0, MAX_ACTION),
      target: facts.target,
      affectedRows,
      status,
      durationMs: performance.now() - started,
      requestId,
      clientIp: caller.clientIp,
    });
  }
}

/** Reads one resource as JSON text; an unknown or invisible one is an MCP error. */
async function readResource(deps: McpServerDeps, caller: McpCaller, uri: string): Promise<string> {
  const env = { deps, caller };
  if (uri === SERVICES_URI) return JSON.stringify({ services: await servicesView(env) }, null, 2);
  const match = SCHEMA_URI.exec(uri);
  if (!match) throw new McpError(ErrorCode.InvalidParams, `Unknown resource ${uri} (resources: ${SERVICES_URI}, ${SCHEMA_URI_TEMPLATE})`);
  try {
    const svc = serviceFor(deps, caller, decodeURIComponent(match[1] as string));
    if (!(await visibleServices(deps, caller)).includes(svc)) throw requestErrors.invalidParameter('uri', `no service '${svc}' you can see`);
    return JSON.stringify(await schemaView(env, svc), null, 2);
  } catch (error) {
    if (isApiError(error)) throw new McpError(ErrorCode.InvalidParams, error.message, error.toEnvelope().error);
    throw error;
  }
}

/** A new MCP server for `caller`; connect it to a transport. */
export function createMcpServer(deps: McpServerDeps, caller: McpCaller): Server {
  const server = new Server(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        'Sluice exposes databases through the same permissions as its REST API. Start with list_services and list_tables, ' +
        'then describe_table before querying or writing. Filters use the Sluice filter grammar, e.g. "status = \'open\' and total > 100".',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: (await toolsFor(deps, caller)).map(describeTool) }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => callTool(deps, caller, request.params.name, request.params.arguments, extra.signal));
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({
    resources: [
      { uri: SERVICES_URI, name: 'services', title: 'Services', description: 'The services you can use', mimeType: JSON_MIME },
      ...(await visibleServices(deps, caller)).map((svc) => ({
        uri: `sluice://schema/${encodeURIComponent(svc)}`,
        name: `schema/${svc}`,
        title: `Schema of ${svc}`,
        description: `Tables, columns, relations and procedures of ${svc} you may use`,
        mimeType: JSON_MIME,
      })),
    ],
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [{ uriTemplate: SCHEMA_URI_TEMPLATE, name: 'schema', title: 'Schema of a service', mimeType: JSON_MIME }],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => ({
    contents: [{ uri: request.params.uri, mimeType: JSON_MIME, text: await readResource(deps, caller, request.params.uri) }],
  }));
  return server;
}
