/**
 * `sluice mcp --service NAME [--api-key KEY]`: the MCP server over stdio, for local agents (Claude
 * Desktop, Cursor, …) that start it as a subprocess. It runs in-process on the same configuration
 * and metadata store as `sluice serve` — same roles, keys, audit log — and every tool works on the
 * one service named by `--service`.
 *
 * Who acts: with `--api-key`, that key (its role's rules and its `allowed_tools`); without, the local
 * operator, as an admin — whoever can start the process can read the data directory anyway. Audit
 * entries of operator calls name principal kind `admin` with id 0.
 *
 * Standard output carries the protocol only: logs go to standard error.
 *
 * May import: auth, catalog, config, executor, query, rest, system, errors, http (the core start-up).
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { pino, type Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config/config-schema.js';
import { ConfigError } from '../config/load-config.js';
import { isApiError } from '../errors.js';
import { startCore, type SluiceCore } from '../http/server.js';
import type { McpCaller } from './mcp-access.js';
import { createMcpServer } from './mcp-server.js';

/** The principal of the local operator (no `--api-key`). */
export const LOCAL_OPERATOR: Principal = Object.freeze({ kind: 'admin', adminId: 0, sessionId: 'stdio' });

export interface StdioOptions {
  readonly config: Config;
  readonly service: string;
  readonly apiKey?: string | undefined;
}

/** A logger writing to standard error (standard output is the protocol channel). */
export function stderrLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, name: 'sluice' }, pino.destination(2));
}

async function openCore(config: Config, logger: Logger): Promise<SluiceCore> {
  try {
    return await startCore(config, logger);
  } catch (error) {
    const message = (error as Error).message;
    if (/in use by another Sluice process/.test(message)) {
      throw new ConfigError(
        `${message}. A running server holds the embedded metadata store: connect the agent to its /mcp endpoint instead ` +
          '(or run `sluice mcp --url http://HOST:PORT --service NAME`), or stop the server',
      );
    }
    throw error;
  }
}

/** Runs the stdio MCP server until standard input closes or a signal arrives. */
export async function runStdioMcp(options: StdioOptions): Promise<void> {
  const logger = stderrLogger(options.config);
  const core = await openCore(options.config, logger);
  let principal: Principal = LOCAL_OPERATOR;
  try {
    if (!core.registry.has(options.service)) {
      throw new ConfigError(`No service '${options.service}' (services: ${core.registry.names().join(', ') || 'none'})`);
    }
    if (options.apiKey !== undefined) {
      principal = await core.authenticator.authenticate({ apiKey: options.apiKey, apiKeyInQuery: false }).catch((error: unknown) => {
        throw isApiError(error) ? new ConfigError(`--api-key: ${error.message}`) : error;
      });
    }
  } catch (error) {
    await core.close();
    throw error;
  }
  const caller: McpCaller = { principal, credential: options.apiKey !== undefined ? 'apiKey' : 'none', scope: options.service };
  const server = createMcpServer(
    {
      registry: core.registry,
      authorizer: core.authorizer,
      audit: core.audit,
      limits: options.config.limits,
      logger,
      allowedTools: (id) => core.cache.allowedTools(id),
    },
    caller,
  );
  const transport = new StdioServerTransport();
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await server.close().catch(() => undefined);
      await core.close();
    })();
    return stopping;
  };
  await server.connect(transport);
  logger.info({ service: options.service, principal: principal.kind }, 'MCP server on stdio ready');
  await new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stop();
}

export interface BridgeOptions {
  /** The running server, e.g. http://localhost:8080 (its /mcp endpoint is used). */
  readonly url: string;
  readonly service: string;
  readonly apiKey: string;
}

/**
 * `sluice mcp --url URL --service NAME --api-key KEY`: relays stdio to a running server's /mcp
 * (when that server holds the embedded metadata store). The server authorizes every call as the
 * key; `--service` becomes the `service` argument of tool calls that name none.
 */
export async function runStdioBridge(options: BridgeOptions): Promise<void> {
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  let endpoint: URL;
  try {
    endpoint = new URL('/mcp', options.url);
  } catch {
    throw new ConfigError(`--url: not a URL: ${options.url}`);
  }
  const remote = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { 'x-api-key': options.apiKey } } });
  const local = new StdioServerTransport();
  const report = (error: Error) => process.stderr.write(`sluice mcp: ${error.message}\n`);
  local.onmessage = (message) => {
    const call = message as { method?: string; params?: { arguments?: Record<string, unknown> } };
    if (call.method === 'tools/call' && call.params) {
      call.params.arguments = { ...(call.params.arguments ?? {}) };
      call.params.arguments.service ??= options.service;
    }
    remote.send(message).catch(report);
  };
  remote.onmessage = (message) => {
    local.send(message).catch(report);
  };
  remote.onerror = report;
  await remote.start();
  await local.start();
  await new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await remote.close().catch(() => undefined);
  await local.close().catch(() => undefined);
}
