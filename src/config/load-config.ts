/**
 * Merges the configuration sources — defaults < JSON config file < environment < CLI flags — and
 * validates the result with `configSchema`. A bad value stops start-up with ONE line naming the key
 * and where the value came from (PostgREST's one-sentence failures); DSN values are never echoed,
 * since they may hold passwords.
 *
 * Environment: PORT, HOST, SLUICE_CONFIG, SLUICE_DATA_DIR, SLUICE_LOG_LEVEL (or LOG_LEVEL),
 * SLUICE_POOL_SIZE, SLUICE_STATEMENT_TIMEOUT_MS, SLUICE_PREPARED_STATEMENTS, SLUICE_DEFAULT_LIMIT, SLUICE_MAX_LIMIT,
 * SLUICE_STATEMENT_COUNT_HEADER, SLUICE_SERVICES ("name=dsn" entries separated by whitespace),
 * SLUICE_SERVICE_<NAME>=dsn (the name is lower-cased), SLUICE_META_DATABASE_URL, SLUICE_SECRET_KEY,
 * SLUICE_JWT_SECRET, SLUICE_ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD, SLUICE_ADMIN_TOKEN_TTL,
 * SLUICE_API_KEY_PREFIX, SLUICE_ANONYMOUS_ROLE, and one end-user JWT issuer through
 * SLUICE_USER_JWT_ISSUER with SLUICE_USER_JWT_JWKS_URL or SLUICE_USER_JWT_SECRET (plus
 * SLUICE_USER_JWT_AUDIENCE, SLUICE_USER_JWT_ROLE_CLAIM); a config file may list several. HTTP:
SLUICE_CORS_ORIGINS (comma-separated), SLUICE_CORS_CREDENTIALS, SLUICE_TRUST_PROXY, SLUICE_RATE_LIMIT,
SLUICE_LOGIN_RATE_LIMIT, SLUICE_REDIS_URL, SLUICE_REDIS_KEY_PREFIX, SLUICE_REDIS_TIMEOUT_MS. GraphQL: SLUICE_GRAPHQL_INTROSPECTION,
SLUICE_GRAPHQL_GRAPHIQL, SLUICE_GRAPHQL_MAX_DEPTH, SLUICE_GRAPHQL_MAX_ALIASES, SLUICE_GRAPHQL_MAX_COST, SLUICE_GRAPHQL_MAX_TOKENS.
Audit: SLUICE_AUDIT_RETENTION_DAYS.
 *
 * Values of secret keys (passwords, keys, DSNs) never appear in error messages.
 *
 * May import: config-schema, errors.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { configSchema, type Config } from './config-schema.js';

/** A configuration problem, with a one-line message meant for the terminal. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** CLI flags as commander hands them over (all optional, all strings). */
export interface CliOptions {
  readonly port?: string;
  readonly host?: string;
  readonly config?: string;
  readonly service?: readonly string[];
  readonly dataDir?: string;
  readonly logLevel?: string;
  readonly poolSize?: string;
  readonly corsOrigins?: string;
  readonly rateLimit?: string;
  readonly loginRateLimit?: string;
}

export interface ConfigSources {
  readonly cli?: CliOptions;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

type RawConfig = Record<string, unknown> & { services: Record<string, unknown>; limits: Record<string, unknown> };

/** Where each top-level key (and each service) got its value, for error messages. */
type Origins = Map<string, string>;

const ENV_KEYS: readonly (readonly [string, string])[] = [
  ['PORT', 'port'],
  ['HOST', 'host'],
  ['SLUICE_DATA_DIR', 'dataDir'],
  ['LOG_LEVEL', 'logLevel'],
  ['SLUICE_LOG_LEVEL', 'logLevel'],
  ['SLUICE_POOL_SIZE', 'poolSize'],
  ['SLUICE_STATEMENT_TIMEOUT_MS', 'statementTimeoutMs'],
  ['SLUICE_PREPARED_STATEMENTS', 'preparedStatements'],
  ['SLUICE_STATEMENT_COUNT_HEADER', 'statementCountHeader'],
  ['SLUICE_DEFAULT_LIMIT', 'limits.defaultLimit'],
  ['SLUICE_MAX_LIMIT', 'limits.maxLimit'],
  ['SLUICE_META_DATABASE_URL', 'metaDatabaseUrl'],
  ['SLUICE_SECRET_KEY', 'secretKey'],
  ['SLUICE_JWT_SECRET', 'jwtSecret'],
  ['SLUICE_ADMIN_EMAIL', 'adminEmail'],
  ['SLUICE_ADMIN_PASSWORD', 'adminPassword'],
  ['SLUICE_ADMIN_TOKEN_TTL', 'adminTokenTtlSeconds'],
  ['SLUICE_API_KEY_PREFIX', 'apiKeyPrefix'],
  ['SLUICE_ANONYMOUS_ROLE', 'anonymousRole'],
  ['SLUICE_CORS_ORIGINS', 'corsOrigins'],
  ['SLUICE_CORS_CREDENTIALS', 'corsCredentials'],
  ['SLUICE_TRUST_PROXY', 'trustProxy'],
  ['SLUICE_GRAPHQL_INTROSPECTION', 'graphqlIntrospection'],
  ['SLUICE_GRAPHQL_GRAPHIQL', 'graphqlGraphiql'],
  ['SLUICE_GRAPHQL_MAX_DEPTH', 'graphqlMaxDepth'],
  ['SLUICE_GRAPHQL_MAX_ALIASES', 'graphqlMaxAliases'],
  ['SLUICE_GRAPHQL_MAX_COST', 'graphqlMaxCost'],
  ['SLUICE_GRAPHQL_MAX_TOKENS', 'graphqlMaxTokens'],
  ['SLUICE_RATE_LIMIT', 'rateLimit.requestsPerMinute'],
  ['SLUICE_LOGIN_RATE_LIMIT', 'rateLimit.loginPerMinute'],
  ['SLUICE_REDIS_URL', 'redisUrl'],
  ['SLUICE_REDIS_KEY_PREFIX', 'redisKeyPrefix'],
  ['SLUICE_REDIS_TIMEOUT_MS', 'redisTimeoutMs'],
  ['SLUICE_AUDIT_RETENTION_DAYS', 'auditRetentionDays'],
];

/** The end-user JWT issuer given through the environment, if any. */
function userIssuerFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> | undefined {
  const issuer = env.SLUICE_USER_JWT_ISSUER;
  if (!issuer) return undefined;
  const fields: Record<string, string | undefined> = {
    issuer,
    audience: env.SLUICE_USER_JWT_AUDIENCE,
    jwksUrl: env.SLUICE_USER_JWT_JWKS_URL,
    secret: env.SLUICE_USER_JWT_SECRET,
    roleClaim: env.SLUICE_USER_JWT_ROLE_CLAIM,
  };
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => Boolean(e[1])));
}

function setKey(raw: RawConfig, key: string, value: unknown): void {
  const [head, tail] = key.split('.', 2) as [string, string | undefined];
  if (tail === undefined) {
    raw[head] = value;
    return;
  }
  // A nested key (limits.maxLimit) beats a file's whole object only in that key; a non-object there is replaced.
  const parent = raw[head];
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) raw[head] = { [tail]: value };
  else (parent as Record<string, unknown>)[tail] = value;
}

/** `name=dsn` → [name, dsn]; the DSN may itself contain `=`. */
function splitServiceSpec(spec: string, origin: string): [string, string] {
  const at = spec.indexOf('=');
  if (at <= 0) throw new ConfigError(`Invalid configuration: ${origin}: expected NAME=DSN, e.g. shop=postgres://user@localhost/shop`);
  return [spec.slice(0, at).trim(), spec.slice(at + 1).trim()];
}

async function readConfigFile(file: string, cwd: string): Promise<Record<string, unknown>> {
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${absolute} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`Config file ${absolute} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

export async function loadConfig(sources: ConfigSources = {}): Promise<Config> {
  const env = sources.env ?? process.env;
  const cli = sources.cli ?? {};
  const cwd = sources.cwd ?? process.cwd();
  const raw: RawConfig = { services: {}, limits: {} };
  const origins: Origins = new Map();

  const configFile = cli.config ?? env.SLUICE_CONFIG;
  if (configFile) {
    const origin = `config file ${configFile}`;
    const file = await readConfigFile(configFile, cwd);
    for (const [key, value] of Object.entries(file)) {
      if (key === 'services' || key === 'limits') {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new ConfigError(`Invalid configuration: ${key} (${origin}): expected an object`);
        }
        Object.assign(raw[key], value);
        for (const name of Object.keys(value)) origins.set(`${key}.${name}`, origin);
      } else {
        raw[key] = value;
        origins.set(key, origin);
      }
    }
  }

  for (const [variable, key] of ENV_KEYS) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    setKey(raw, key, value);
    origins.set(key, `env ${variable}`);
  }
  const userIssuer = userIssuerFromEnv(env);
  if (userIssuer) {
    raw.userJwtIssuers = [...((raw.userJwtIssuers as unknown[] | undefined) ?? []), userIssuer];
    origins.set('userJwtIssuers', 'env SLUICE_USER_JWT_*');
  }
  for (const entry of (env.SLUICE_SERVICES ?? '').split(/\s+/).filter(Boolean)) {
    const [name, dsn] = splitServiceSpec(entry, 'env SLUICE_SERVICES');
    raw.services[name] = dsn;
    origins.set(`services.${name}`, 'env SLUICE_SERVICES');
  }
  for (const [variable, value] of Object.entries(env)) {
    const match = /^SLUICE_SERVICE_([A-Za-z0-9_]+)$/.exec(variable);
    if (!match?.[1] || !value) continue;
    const name = match[1].toLowerCase();
    raw.services[name] = value;
    origins.set(`services.${name}`, `env ${variable}`);
  }

  const flags: readonly (readonly [keyof CliOptions, string, string])[] = [
    ['port', 'port', '--port'],
    ['host', 'host', '--host'],
    ['dataDir', 'dataDir', '--data-dir'],
    ['logLevel', 'logLevel', '--log-level'],
    ['poolSize', 'poolSize', '--pool-size'],
    ['corsOrigins', 'corsOrigins', '--cors-origins'],
    ['rateLimit', 'rateLimit.requestsPerMinute', '--rate-limit'],
    ['loginRateLimit', 'rateLimit.loginPerMinute', '--login-rate-limit'],
  ];
  for (const [option, key, flag] of flags) {
    const value = cli[option];
    if (value === undefined) continue;
    setKey(raw, key, value);
    origins.set(key, flag);
  }
  for (const spec of cli.service ?? []) {
    const [name, dsn] = splitServiceSpec(spec, '--service');
    raw.services[name] = dsn;
    origins.set(`services.${name}`, `--service ${name}=…`);
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssue(result.error, origins));
  return deepFreeze({ ...result.data, dataDir: path.resolve(cwd, result.data.dataDir) });
}

function describeIssue(error: z.ZodError, origins: Origins): string {
  let issue = error.issues[0];
  if (!issue) return 'Invalid configuration';
  // A bad record key wraps the key schema's own issue: report that one, at the key's path.
  if (issue.code === 'invalid_key' && issue.issues[0]) issue = { ...issue.issues[0], path: issue.path } as z.core.$ZodIssue;
  const keyPath = issue.path.map(String);
  const key = keyPath.join('.') || '(root)';
  const origin = origins.get(keyPath.slice(0, 2).join('.')) ?? origins.get(keyPath[0] ?? '') ?? 'default';
  let message = issue.message;
  // Secrets and DSNs are never echoed; zod messages do not include input values, keep it that way.
  if (issue.code === 'unrecognized_keys') message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `Invalid configuration: ${key} (${origin}): ${message}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
