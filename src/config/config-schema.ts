/**
 * The configuration schema: the single source of defaults and of what each key means. Values come
 * from a JSON config file, environment variables and CLI flags (merged in load-config.ts), and are
 * validated here. DSNs are parsed into a discriminated union by scheme (drizzle-kit's credential
 * union).
 *
 * May import: errors.
 */
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/** Service names appear in URLs (`/api/v1/{service}`); `system` is the System API's. */
export const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const RESERVED_SERVICE_NAMES = new Set(['system']);

export type Dsn =
  | {
      readonly engine: 'postgres';
      readonly driver: 'pg';
      /** The DSN without Sluice's own query parameters, as given to the driver. */
      readonly url: string;
      readonly database: string;
      readonly schema?: string;
    }
  | {
      readonly engine: 'mysql';
      readonly driver: 'mysql2';
      /** Always `mysql://…` (a `mariadb://` DSN is rewritten), without Sluice's own parameters. */
      readonly url: string;
      readonly database: string;
      readonly schema?: string;
    }
  | {
      readonly engine: 'postgres';
      readonly driver: 'pglite';
      /** `memory`, or an absolute directory path. */
      readonly location: string;
      readonly schema?: string;
    };

/** Query parameters Sluice reads from a DSN and removes before the driver sees it. */
const SLUICE_DSN_PARAMS = ['schema'];

/**
 * Parses a DSN: `postgres://…`, `postgresql://…`, `mysql://…`, `mariadb://…` (each may add
 * `?schema=NAME`), `pglite://memory`, or `pglite://PATH` (relative paths resolve against `cwd`).
 * Throws an Error whose message says what is wrong, without echoing the DSN (it may hold a password).
 */
export function parseDsn(input: string, cwd: string = process.cwd()): Dsn {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input)?.[1]?.toLowerCase();
  if (!scheme) throw new Error('expected a DSN such as postgres://user@host/db, mysql://user@host/db or pglite://memory');
  if (scheme === 'pglite') {
    const [rest = '', query = ''] = input.slice('pglite://'.length).split('?', 2);
    const schema = new URLSearchParams(query).get('schema') ?? undefined;
    if (rest === '') throw new Error('a pglite DSN needs a location: pglite://memory or pglite://PATH');
    const location = rest === 'memory' ? 'memory' : path.resolve(cwd, decodeURIComponent(rest));
    return { engine: 'postgres', driver: 'pglite', location, ...(schema ? { schema } : {}) };
  }
  if (!['postgres', 'postgresql', 'mysql', 'mariadb'].includes(scheme)) {
    throw new Error(`unsupported scheme "${scheme}://": expected postgres://, postgresql://, mysql://, mariadb:// or pglite://`);
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new Error(`not a valid ${scheme}:// URL`);
  }
  const schema = url.searchParams.get('schema') ?? undefined;
  for (const name of SLUICE_DSN_PARAMS) url.searchParams.delete(name);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (scheme === 'mysql' || scheme === 'mariadb') {
    if (!database) throw new Error('a MySQL/MariaDB DSN must name a database: mysql://user@host:3306/DATABASE');
    const driverUrl = `mysql://${url.href.slice(url.protocol.length + 2)}`;
    return { engine: 'mysql', driver: 'mysql2', url: driverUrl, database, ...(schema ? { schema } : {}) };
  }
  return { engine: 'postgres', driver: 'pg', url: url.href, database: database || 'postgres', ...(schema ? { schema } : {}) };
}

/** The schema a DSN serves when none is named: PostgreSQL's `public`, or the MySQL database itself. */
export function defaultSchema(dsn: Dsn): string {
  return dsn.schema ?? (dsn.engine === 'mysql' ? dsn.database : 'public');
}

const dsnSchema = z.string().transform((value, ctx): Dsn => {
  try {
    return parseDsn(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const booleanish = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes'),
]);

export const serviceConfigSchema = z.strictObject({
  dsn: dsnSchema.describe('Connection string: postgres://, postgresql://, mysql://, mariadb:// or pglite://PATH|memory'),
  schema: z.string().min(1).max(63).optional().describe('Schema (PostgreSQL) to serve; default public, or the DSN\'s database on MySQL'),
  label: z.string().max(200).optional().describe('Human-readable name'),
  poolSize: integer(1, 200).optional().describe('Connections in this service\'s pool (default: poolSize)'),
  statementTimeoutMs: integer(0, 3_600_000).optional().describe('Per-statement timeout; 0 disables (default: statementTimeoutMs)'),
  readOnly: booleanish.default(false).describe('Refuse every write to this service'),
});

/** An identity provider whose JWTs end users present (beyond the Faucet spec: frontends need it). */
export const userJwtIssuerSchema = z
  .strictObject({
    issuer: z.string().min(1).describe('The `iss` claim tokens of this provider carry'),
    audience: z.string().min(1).optional().describe('Required `aud`, when set'),
    jwksUrl: z.url({ protocol: /^https?$/ }).optional().describe('Where the provider publishes its signing keys'),
    secret: z.string().min(32, 'must be at least 32 characters').optional().describe('Shared HS256 secret, instead of jwksUrl'),
    algorithms: z.array(z.string().min(1)).optional(),
    roleClaim: z.string().min(1).default('role').describe('The claim (dotted path allowed) naming the Sluice role'),
  })
  .refine((i) => (i.jwksUrl === undefined) !== (i.secret === undefined), { message: 'set exactly one of jwksUrl and secret' });

/** A list given as an array (config file) or as one comma-separated string (environment, flag). */
const commaList = (value: unknown) =>
  typeof value === 'string' ? value.split(',').map((part) => part.trim()).filter(Boolean) : value;

/** `*`, or an origin as browsers send it (`https://app.example.com:8443`: scheme, host, port; no path). */
const corsOrigin = z.string().transform((value, ctx) => {
  if (value === '*') return value;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || value.replace(/\/$/, '').toLowerCase() !== url.origin.toLowerCase()) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin such as https://app.example.com (scheme, host and port only)` });
    return z.NEVER;
  }
  return url.origin;
});

/** express's `trust proxy`: false, true, a hop count, or trusted proxy addresses/subnets (proxy-addr's names allowed). */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const trustProxySchema = z.union([z.boolean(), z.number().int().min(0).max(100), z.string()]).transform(
  (value, ctx): boolean | number | string => {
    if (typeof value !== 'string') return value;
    const text = value.trim();
    if (text === 'true' || text === 'false') return text === 'true';
    if (/^\d{1,3}$/.test(text)) return Number(text);
    const entries = text.split(',').map((part) => part.trim());
    const bad = entries.find((entry) => {
      const [address = '', prefix, extra] = entry.split('/');
      return !PROXY_NAMES.has(entry) && (extra !== undefined || net.isIP(address) === 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix)));
    });
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${bad}" is not true/false, a hop count, an IP address or subnet, or loopback|linklocal|uniquelocal` });
      return z.NEVER;
    }
    return entries.join(', ');
  },
);

export const configSchema = z.strictObject({
  port: integer(0, 65535).default(8080).describe('HTTP port (0 picks a free one)'),
  host: z.string().min(1).default('127.0.0.1').describe('Interface to listen on; 0.0.0.0 to accept remote connections'),
  dataDir: z.string().min(1).default('./.sluice').describe('Where the embedded demo database and local state live'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  poolSize: integer(1, 200).default(10).describe('Default connections per service'),
  statementTimeoutMs: integer(0, 3_600_000).default(30_000).describe('Default per-statement timeout in ms; 0 disables'),
  preparedStatements: booleanish
    .default(true)
    .describe('PostgreSQL: run repeated statements as named prepared statements; false behind poolers that do not keep them (PgBouncer in transaction mode before 1.21)'),
  services: z
    .record(
      z.string().regex(SERVICE_NAME, 'service names are letters, digits, _ and -, starting with a letter').refine(
        (name) => !RESERVED_SERVICE_NAMES.has(name),
        'the service name "system" is reserved',
      ),
      // A bare string is shorthand for { "dsn": string }.
      z.preprocess((value) => (typeof value === 'string' ? { dsn: value } : value), serviceConfigSchema),
    )
    .default({})
    .describe('Databases to serve, by name. Empty: the embedded demo database'),
  limits: z
    .strictObject({
      defaultLimit: integer(1, 100_000).default(25),
      maxLimit: integer(1, 100_000).default(1000),
      filterMaxLength: integer(16, 1_000_000).default(8192),
      filterMaxDepth: integer(1, 1000).default(32),
      inListMaxSize: integer(1, 100_000).default(1000),
      maxPredicates: integer(1, 100_000).default(256),
      ndjsonChunkSize: integer(1, 100_000).default(500),
      maxRecordsPerWrite: integer(1, 100_000).default(1000).describe('Records one POST/PUT/PATCH/DELETE body may carry'),
    })
    .prefault({})
    .refine((l) => l.defaultLimit <= l.maxLimit, { message: 'defaultLimit must not exceed maxLimit', path: ['defaultLimit'] }),
  metaDatabaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .describe('PostgreSQL database for the metadata store (shared by several instances); default: embedded PGlite in dataDir/meta'),
  secretKey: z.string().min(1).optional().describe('Master key (≥ 32 bytes, base64 or hex) for DSN encryption, API key hashing and session tokens; default: generated into dataDir/secret.key'),
  jwtSecret: z.string().min(32, 'must be at least 32 bytes').optional().describe('HS256 secret for admin session tokens; default: derived from secretKey'),
  adminEmail: z.email().optional().describe('Creates this admin at start-up if no admin has this email'),
  adminPassword: z.string().min(8, 'must be at least 8 characters').max(1024).optional(),
  adminTokenTtlSeconds: integer(60, 31 * 86_400).default(86_400).describe('Lifetime of admin session tokens'),
  apiKeyPrefix: z.string().regex(/^[a-z][a-z0-9]{1,15}$/, 'lower-case letters and digits, 2-16 characters').default('sluice'),
  anonymousRole: z.string().min(1).optional().describe('Role whose rules apply to requests without credentials; default: none (401), or demo_reader for the embedded demo'),
  userJwtIssuers: z.array(userJwtIssuerSchema).default([]).describe('Identity providers whose end-user JWTs are accepted'),
  statementCountHeader: booleanish
    .default(false)
    .describe('Send X-Sluice-Statements (SQL statements the request ran) on every response; for tests and benchmarks'),
  corsOrigins: z
    .preprocess(commaList, z.array(corsOrigin).min(1, 'name at least one origin, or *'))
    .default(['*'])
    .refine((origins) => !origins.includes('*') || origins.length === 1, '* cannot be combined with other origins')
    .describe('Origins browsers may call from: * (any), or a list such as https://app.example.com'),
  corsCredentials: booleanish
    .default(false)
    .describe('Allow credentialed cross-origin requests (cookies, Authorization) from the listed origins; needs an explicit corsOrigins list'),
  trustProxy: trustProxySchema
    .default(false)
    .describe('Which X-Forwarded-For hops to believe for the client IP (express trust proxy): false, a hop count, or proxy addresses/subnets'),
  rateLimit: z
    .strictObject({
      requestsPerMinute: integer(0, 10_000_000).default(600).describe('Requests per minute per API key, user, admin or (without credentials) client IP; 0 disables'),
      loginPerMinute: integer(0, 10_000_000).default(10).describe('Admin login attempts per minute per client IP; 0 disables'),
    })
    .prefault({}),
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional()
    .describe('Redis holding the rate-limit counters, so several instances share them; default: in memory, per instance'),
  graphqlIntrospection: booleanish.default(true).describe('Answer GraphQL introspection queries (schema discovery, GraphiQL docs)'),
  graphqlGraphiql: booleanish.default(true).describe('Serve GraphiQL to browsers on GET /api/v1/{service}/_graphql'),
  graphqlMaxDepth: integer(1, 1000).default(12).describe('Deepest field nesting a GraphQL operation may have'),
  graphqlMaxAliases: integer(0, 10_000).default(30).describe('Aliases a GraphQL operation may use'),
  graphqlMaxCost: integer(1, 10_000_000).default(5000).describe('Cost (graphql-armor: fields weighted by depth) a GraphQL operation may have'),
  graphqlMaxTokens: integer(1, 1_000_000).default(5000).describe('Tokens a GraphQL document may have'),
  auditRetentionDays: integer(1, 36_500).default(30).describe('Days audit log entries are kept; older ones are pruned in the background'),
  redisKeyPrefix: z.string().min(1).max(100).default('sluice:').describe('Prefix of every key Sluice writes to Redis'),
  redisTimeoutMs: integer(50, 60_000).default(1000).describe('How long a rate-limit command may wait for Redis before the request is served uncounted'),
}).refine((c) => !(c.corsCredentials && c.corsOrigins.includes('*')), {
  message: 'cannot be true while corsOrigins is * (browsers refuse credentials with a wildcard origin): list the allowed origins',
  path: ['corsCredentials'],
});

export type ServiceConfig = z.output<typeof serviceConfigSchema>;
export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type Limits = Config['limits'];
export type UserJwtIssuer = z.output<typeof userJwtIssuerSchema>;
