#!/usr/bin/env node
/**
 * The `sluice` command.
 *
 *   sluice serve [--port 8080] [--host H] [--config FILE] [--service NAME=DSN]... [--data-dir DIR]
 *                [--log-level L] [--pool-size N] [--cors-origins LIST] [--rate-limit N] [--login-rate-limit N]
 *   sluice admin create --email E [--name N] [--password-stdin] [--data-dir DIR]
 *   sluice introspect DSN [--schema S] [--raw]
 *   sluice codegen --url URL --service NAME [--api-key KEY | --token JWT] --out DIR [--documents GLOB]
 *   sluice mcp --service NAME [--api-key KEY] [--config FILE] [--data-dir DIR] | --url URL --service NAME --api-key KEY
 *
 * Every serve option also has an environment form (see config/load-config.ts). Configuration errors
 * print one line and exit with status 1; a database that is down does not stop the server.
 */
import { Command, Option } from 'commander';
import { buildCatalog } from '../catalog/build-catalog.js';
import { ConfigError, loadConfig, type CliOptions } from '../config/load-config.js';
import { defaultSchema, parseDsn } from '../config/config-schema.js';
import { startServer, type RunningServer } from '../http/server.js';
import { connectService, type ServiceSettings } from '../system/service-registry.js';
import { printBanner } from './banner.js';
import { hashPassword, validatePassword } from '../auth/secrets.js';
import { createAdmin, findAdminByEmail } from '../system/store/admins-repo.js';
import { MetaStore } from '../system/store/meta-store.js';
import { CodegenError } from '../codegen/codegen-error.js';
import type { CodegenOptions } from '../codegen/run-codegen.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

async function serve(options: CliOptions): Promise<void> {
  const config = await loadConfig({ cli: options });
  let running: RunningServer;
  try {
    running = await startServer(config);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigError(`Port ${config.port} on ${config.host} is already in use: choose another with --port or PORT`);
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new ConfigError(`Cannot listen on ${config.host}:${config.port} (${code})`);
    throw error;
  }
  printBanner(running);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`\nReceived ${signal} again: exiting now.\n`);
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`\nStopping Sluice (${signal}): finishing requests in flight…\n`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** The password for `admin create`: --password-stdin, else SLUICE_ADMIN_PASSWORD, else a hidden prompt. */
async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.replace(/\r?\n$/, '');
  }
  if (process.env.SLUICE_ADMIN_PASSWORD) return process.env.SLUICE_ADMIN_PASSWORD;
  if (!process.stdin.isTTY) throw new ConfigError('No password: pass --password-stdin, set SLUICE_ADMIN_PASSWORD, or run in a terminal');
  const readline = await import('node:readline/promises');
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Hide what is typed: write the prompt, then mute the echo.
  const output = rl as unknown as { _writeToOutput?: (text: string) => void };
  process.stdout.write('Password (at least 8 characters): ');
  output._writeToOutput = () => undefined;
  try {
    return await rl.question('');
  } finally {
    rl.close();
    process.stdout.write('\n');
  }
}

async function adminCreate(options: CliOptions & { email: string; name?: string; passwordStdin?: boolean }): Promise<void> {
  const config = await loadConfig({ cli: options });
  const password = await readPassword(options.passwordStdin === true);
  const problem = validatePassword(password);
  if (problem) throw new ConfigError(`Invalid password: ${problem}`);
  const store = await MetaStore.open({ dataDir: config.dataDir, ...(config.metaDatabaseUrl ? { url: config.metaDatabaseUrl } : {}), preparedStatements: config.preparedStatements }).catch((error: unknown) => {
    throw new ConfigError(`Cannot open the metadata store: ${(error as Error).message}`);
  });
  try {
    if (await findAdminByEmail(store, options.email)) throw new ConfigError(`An admin with email ${options.email.toLowerCase()} already exists`);
    const admin = await createAdmin(store, { email: options.email, name: options.name ?? '', passwordHash: await hashPassword(password) });
    process.stdout.write(`Created admin ${admin.id} <${admin.email}> in the metadata store at ${store.location}\n`);
  } finally {
    await store.close();
  }
}

async function introspect(dsnText: string, options: { schema?: string; raw?: boolean }): Promise<void> {
  let dsn;
  try {
    dsn = parseDsn(dsnText);
  } catch (error) {
    throw new ConfigError(`Invalid DSN: ${(error as Error).message}`);
  }
  const schema = options.schema ?? defaultSchema(dsn);
  const settings: ServiceSettings = { name: 'introspect', dsn, schema, poolSize: 1, statementTimeoutMs: 60_000, readOnly: true, seedDemo: false };
  const { driver, dialect } = await connectService(settings, () => undefined);
  try {
    const raw = await dialect.introspect(driver, { schema });
    const output = options.raw ? raw : buildCatalog(raw, settings.name);
    process.stdout.write(`${JSON.stringify(output, mapReplacer, 2)}\n`);
  } finally {
    await driver.close();
  }
}

/** JSON.stringify cannot print Maps; the catalog uses them for lookups. */
function mapReplacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}

/** `sluice codegen`, loaded on demand: it brings openapi-typescript and the TypeScript compiler. */
async function codegen(options: CodegenOptions): Promise<void> {
  const { runCodegen } = await import('../codegen/run-codegen.js');
  const result = await runCodegen(options);
  const tables = result.tables.length ? result.tables.join(', ') : 'none';
  const roots = result.rootFields.length ? result.rootFields.join(', ') : 'none';
  process.stdout.write(
    `Wrote the REST and GraphQL SDKs of service ${options.service} (tables: ${tables}; GraphQL root fields: ${roots}):\n${result.files.map((f) => `  ${f}\n`).join('')}`,
  );
}

interface McpCliOptions {
  readonly service: string;
  readonly apiKey?: string;
  readonly url?: string;
  readonly config?: string;
  readonly dataDir?: string;
  readonly logLevel?: string;
}

/** `sluice mcp`, loaded on demand: the MCP server on stdio (in-process, or relayed to a running server with --url). */
async function mcp(options: McpCliOptions): Promise<void> {
  const { runStdioBridge, runStdioMcp } = await import('../mcp/mcp-stdio.js');
  if (options.url !== undefined) {
    if (options.apiKey === undefined) throw new ConfigError('--url needs --api-key (or SLUICE_MCP_API_KEY): the server authorizes the calls as that key');
    await runStdioBridge({ url: options.url, service: options.service, apiKey: options.apiKey });
    return;
  }
  // `--service` names the service to work on here, not a NAME=DSN to serve: it is not passed on.
  const config = await loadConfig({
    cli: {
      ...(options.config !== undefined ? { config: options.config } : {}),
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
      ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
    },
  });
  await runStdioMcp({ config, service: options.service, apiKey: options.apiKey });
}

const program = new Command()
  .name('sluice')
  .description('Turns live PostgreSQL and MySQL/MariaDB databases into a REST and GraphQL API (and an MCP server for AI agents)')
  .showHelpAfterError();

program
  .command('serve')
  .description('Serve the configured databases (the embedded demo when none is configured)')
  .addOption(new Option('-p, --port <port>', 'HTTP port (env PORT, default 8080)'))
  .addOption(new Option('--host <host>', 'interface to listen on (env HOST, default 127.0.0.1)'))
  .addOption(new Option('-c, --config <file>', 'JSON config file (env SLUICE_CONFIG)'))
  .addOption(new Option('-s, --service <name=dsn>', 'a database to serve; repeatable (env SLUICE_SERVICE_<NAME>)').argParser(collect))
  .addOption(new Option('-d, --data-dir <dir>', 'data directory (env SLUICE_DATA_DIR, default ./.sluice)'))
  .addOption(new Option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env SLUICE_LOG_LEVEL)'))
  .addOption(new Option('--pool-size <n>', 'connections per service (env SLUICE_POOL_SIZE, default 10)'))
  .addOption(new Option('--cors-origins <list>', 'comma-separated origins browsers may call from, or * (env SLUICE_CORS_ORIGINS, default *)'))
  .addOption(new Option('--rate-limit <n>', 'requests per minute per API key/user/IP, 0 = off (env SLUICE_RATE_LIMIT, default 600)'))
  .addOption(new Option('--login-rate-limit <n>', 'admin logins per minute per IP, 0 = off (env SLUICE_LOGIN_RATE_LIMIT, default 10)'))
  .action((options: CliOptions) => serve(options));

const admin = program.command('admin').description('Manage admins in the metadata store');
admin
  .command('create')
  .description('Create an admin (with the embedded store, stop the server first)')
  .requiredOption('-e, --email <email>', 'the admin\'s email')
  .option('-n, --name <name>', 'display name')
  .option('--password-stdin', 'read the password from standard input (else SLUICE_ADMIN_PASSWORD, else a prompt)')
  .addOption(new Option('-c, --config <file>', 'JSON config file (env SLUICE_CONFIG)'))
  .addOption(new Option('-d, --data-dir <dir>', 'data directory (env SLUICE_DATA_DIR, default ./.sluice)'))
  .action((options: CliOptions & { email: string; name?: string; passwordStdin?: boolean }) => adminCreate(options));

program
  .command('introspect')
  .description('Print the catalog Sluice builds for a database, as JSON')
  .argument('<dsn>', 'postgres://…, mysql://…, mariadb://… or pglite://PATH')
  .option('--schema <schema>', 'schema to read (default public, or the MySQL database)')
  .option('--raw', 'print the raw introspection result instead of the built catalog')
  .action((dsn: string, options: { schema?: string; raw?: boolean }) => introspect(dsn, options));

program
  .command('codegen')
  .description('Generate a typed TypeScript client of a service from a running server, as one role sees it')
  .requiredOption('--url <url>', 'the server, e.g. http://localhost:8080')
  .requiredOption('--service <name>', 'the service to generate the client of')
  // From the environment too, so the key need not appear in shell history or `ps`.
  .addOption(new Option('--api-key <key>', 'the API key whose role the client is generated for').env('SLUICE_CODEGEN_API_KEY'))
  .option('--token <jwt>', 'a session token or end-user JWT instead of an API key')
  .requiredOption('-o, --out <dir>', 'the directory to write the clients to (under rest/ and graphql/)')
  .option('--documents <glob>', 'your .graphql documents (a glob, e.g. "src/**/*.graphql"): typed document nodes under graphql/documents/')
  .action((options: CodegenOptions) => codegen(options));

program
  .command('mcp')
  .description('Serve the MCP tools of one service on stdio, for local AI agents (same config and metadata store as serve)')
  .requiredOption('--service <name>', 'the service the tools work on')
  // From the environment too, so the key need not appear in agent configs' argument lists or `ps`.
  .addOption(new Option('--api-key <key>', 'act as this API key (its role and allowed_tools); default: the local operator, as an admin').env('SLUICE_MCP_API_KEY'))
  .option('--url <url>', 'relay to the /mcp endpoint of a running server instead (needs --api-key)')
  .addOption(new Option('-c, --config <file>', 'JSON config file (env SLUICE_CONFIG)'))
  .addOption(new Option('-d, --data-dir <dir>', 'data directory (env SLUICE_DATA_DIR, default ./.sluice)'))
  .addOption(new Option('--log-level <level>', 'logs go to standard error (env SLUICE_LOG_LEVEL)'))
  .action((options: McpCliOptions) => mcp(options));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError || error instanceof CodegenError) {
    process.stderr.write(`sluice: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
