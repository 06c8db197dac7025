/**
 * The connected services. For each one it opens the driver, picks the dialect, introspects, builds
 * the catalog and the executor, and keeps the result as an immutable `ServiceSnapshot`. Requests take
 * the snapshot current when they start and finish on it; `refresh` builds a new one and swaps it in
 * atomically (in-flight requests keep the old catalog, the connection pool is shared).
 *
 * A database that cannot be reached at start-up does not stop Sluice: the service is reported
 * unavailable (503 on its routes, listed by /readyz) and reconnection is retried with backoff.
 *
 * With no service configured, the embedded demo (PGlite under the data directory) is served as
 * service `demo`, created and seeded on first start.
 *
 * May import: config, catalog, dialects, executor, demo, errors.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { buildCatalog } from '../catalog/build-catalog.js';
import type { Catalog } from '../catalog/catalog-types.js';
import type { RawCatalog } from '../catalog/raw-catalog.js';
import { closestMatch } from '../catalog/resolve.js';
import { applySemantics, NO_OVERRIDES, type SemanticOverrides, type SemanticSource } from '../catalog/semantic.js';
import type { Config, Dsn, ServiceConfig } from '../config/config-schema.js';
import { defaultSchema, parseDsn } from '../config/config-schema.js';
import { seedDemoIfEmpty } from '../demo/seed-demo.js';
import type { Dialect, Driver } from '../dialects/dialect.js';
import { createMysqlDialect, mysqlCapabilities } from '../dialects/mysql/mysql-dialect.js';
import { openMysqlDriver } from '../dialects/mysql/mysql2-driver.js';
import { openPgliteDriver } from '../dialects/postgres/pglite-driver.js';
import { createPgPoolSource, PgDriver } from '../dialects/postgres/pg-driver.js';
import { createPostgresDialect } from '../dialects/postgres/postgres-dialect.js';
import { ApiError, catalogErrors } from '../errors.js';
import { Executor } from '../executor/executor.js';

export const DEMO_SERVICE = 'demo';

/** A service's settings after defaults are applied. */
export interface ServiceSettings {
  readonly name: string;
  readonly dsn: Dsn;
  readonly schema: string;
  readonly label?: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  /** PostgreSQL: name repeated statements (default true; see prepared-statements.ts). */
  readonly preparedStatements?: boolean;
  readonly readOnly: boolean;
  /** Whether `_sql` (raw SQL) may be used on this service at all (still subject to roles). */
  readonly rawSqlAllowed?: boolean;
  /** Create and seed the demo shop when the database is empty. */
  readonly seedDemo: boolean;
}

export interface ServiceSnapshot {
  readonly name: string;
  readonly settings: ServiceSettings;
  readonly catalog: Catalog;
  readonly executor: Executor;
  readonly loadedAt: Date;
}

export interface ServiceConnection {
  readonly driver: Driver;
  readonly dialect: Dialect;
}

/** A connection that was opened and introspected to validate a service (see `probeService`). */
export interface ProbedService extends ServiceConnection {
  readonly raw: RawCatalog;
}

type ServiceState =
  | { readonly state: 'connecting' }
  | { readonly state: 'ready'; readonly snapshot: ServiceSnapshot }
  | { readonly state: 'unavailable'; readonly reason: string; readonly since: Date };

interface ServiceEntry {
  settings: ServiceSettings;
  state: ServiceState;
  connection?: ServiceConnection;
  /** Introspection already done by a probe: the first load uses it instead of reading the schema again. */
  probed?: RawCatalog;
  /** The catalog of the current snapshot before semantic overrides (descriptions from comments only). */
  base?: Catalog;
  retryTimer?: NodeJS.Timeout;
  retryDelayMs: number;
  /** Serialises opens and refreshes of this service. */
  pending?: Promise<void>;
}

const MAX_RETRY_DELAY_MS = 30_000;

/** Settings for every configured service, or for the embedded demo when none is. */
export function serviceSettingsFrom(config: Config): ServiceSettings[] {
  const entries = Object.entries(config.services);
  if (entries.length === 0) {
    return [
      {
        name: DEMO_SERVICE,
        dsn: parseDsn(`pglite://${path.join(config.dataDir, DEMO_SERVICE)}`),
        schema: 'public',
        label: 'Embedded demo shop',
        poolSize: 1,
        statementTimeoutMs: config.statementTimeoutMs,
        preparedStatements: config.preparedStatements,
        readOnly: false,
        seedDemo: true,
      },
    ];
  }
  return entries.map(([name, service]) => {
    const s: ServiceConfig = service;
    return {
      name,
      dsn: s.dsn,
      schema: s.schema ?? defaultSchema(s.dsn),
      ...(s.label ? { label: s.label } : {}),
      poolSize: s.poolSize ?? config.poolSize,
      statementTimeoutMs: s.statementTimeoutMs ?? config.statementTimeoutMs,
      preparedStatements: config.preparedStatements,
      readOnly: s.readOnly,
      seedDemo: false,
    };
  });
}

/** Logs errors of a service's idle connections (they must not crash the process). */
export function idleErrorLogger(logger: Logger, service: string): (error: Error) => void {
  return (error) => logger.warn({ service, reason: describeFailure(error) }, 'idle connection error');
}

/** A safe one-line reason for a failed connection: codes and driver messages, never the DSN. */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message.split('\n')[0] ?? '' : String(error);
  const redacted = message.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<dsn>');
  return typeof e.code === 'string' && !redacted.includes(e.code) ? `${e.code}: ${redacted}` : redacted;
}

export class ServiceRegistry {
  private readonly entries = new Map<string, ServiceEntry>();
  private closed = false;

  private constructor(
    private readonly logger: Logger,
    private readonly semantics: SemanticSource,
  ) {}

  /**
   * Opens every service (in parallel). Resolves when each is ready or known to be unavailable.
   * `semantics` reads a service's semantic overrides; they are merged into its catalog at every load.
   */
  static async start(
    settings: readonly ServiceSettings[],
    logger: Logger,
    semantics: SemanticSource = () => Promise.resolve(NO_OVERRIDES),
  ): Promise<ServiceRegistry> {
    const registry = new ServiceRegistry(logger, semantics);
    for (const s of settings) registry.entries.set(s.name, { settings: s, state: { state: 'connecting' }, retryDelayMs: 1000 });
    await Promise.all(settings.map((s) => registry.open(s.name)));
    return registry;
  }

  /** Service names, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The settings a service runs with (undefined for an unknown service). */
  settings(name: string): ServiceSettings | undefined {
    return this.entries.get(name)?.settings;
  }

  /** `ok`, `connecting` or `unavailable: <reason>`, without touching the database. */
  status(name: string): string | undefined {
    const state = this.entries.get(name)?.state;
    if (!state) return undefined;
    return state.state === 'ready' ? 'ok' : state.state === 'connecting' ? 'connecting' : `unavailable: ${state.reason}`;
  }

  /**
   * Adds a service that was verified to connect (see `probeService`), or replaces one under the same
   * name: the new one is opened before the old one's pool is closed, so requests keep being served.
   */
  async put(settings: ServiceSettings, probed?: ProbedService): Promise<void> {
    const previous = this.entries.get(settings.name);
    const entry: ServiceEntry = {
      settings,
      state: { state: 'connecting' },
      retryDelayMs: 1000,
      ...(probed ? { connection: { driver: probed.driver, dialect: probed.dialect }, probed: probed.raw } : {}),
    };
    this.entries.set(settings.name, entry);
    await this.open(settings.name);
    if (previous) await this.dispose(previous);
  }

  /** Replaces settings that need no new connection (label, read-only, raw SQL); the pool stays. */
  updateSettings(settings: ServiceSettings): void {
    const entry = this.entries.get(settings.name);
    if (!entry) return;
    entry.settings = settings;
    if (entry.state.state === 'ready') entry.state = { state: 'ready', snapshot: Object.freeze({ ...entry.state.snapshot, settings }) };
  }

  /** Pings a service's database now; rejects with the driver's error, or 404/503 like `snapshot`. */
  async ping(name: string): Promise<void> {
    this.snapshot(name);
    const driver = this.entries.get(name)?.connection?.driver;
    if (!driver) throw new ApiError(503, `Service '${name}' is not connected`, 'serviceUnavailable', { service: name });
    await withTimeout(driver.ping(), 5000);
  }

  /** Stops serving a service and closes its pool. */
  async remove(name: string): Promise<boolean> {
    const entry = this.entries.get(name);
    if (!entry) return false;
    this.entries.delete(name);
    await this.dispose(entry);
    return true;
  }

  /** The current snapshot of a service; 404 if there is no such service, 503 if it is not connected. */
  snapshot(name: string): ServiceSnapshot {
    const entry = this.entries.get(name);
    if (!entry) throw catalogErrors.serviceNotFound(name, closestMatch(name, this.entries.keys()));
    const { state } = entry;
    if (state.state === 'ready') return state.snapshot;
    const reason = state.state === 'connecting' ? 'still connecting' : state.reason;
    throw new ApiError(503, `Service '${name}' is unavailable: ${reason}`, 'serviceUnavailable', { service: name });
  }

  /** Pings every service; `ok` only when all answer. */
  async readiness(): Promise<{ readonly ok: boolean; readonly checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    await Promise.all(
      [...this.entries].map(async ([name, entry]) => {
        if (entry.state.state !== 'ready' || !entry.connection) {
          checks[name] = this.status(name) ?? 'connecting';
          return;
        }
        try {
          await withTimeout(entry.connection.driver.ping(), 5000);
          checks[name] = 'ok';
        } catch (error) {
          checks[name] = `unavailable: ${describeFailure(error)}`;
        }
      }),
    );
    const sorted = Object.fromEntries(Object.entries(checks).sort(([a], [b]) => (a < b ? -1 : 1)));
    return { ok: Object.values(sorted).every((v) => v === 'ok'), checks: sorted };
  }

  /** Re-introspects a service and swaps its snapshot; requests in flight finish on the old one. */
  async refresh(name: string): Promise<ServiceSnapshot> {
    this.snapshot(name); // 404/503 first
    await this.open(name);
    return this.snapshot(name);
  }

  /**
   * Merges the service's semantic overrides (read afresh) into its current catalog, without
   * introspecting again, and swaps the snapshot; 404/503 like `snapshot`.
   */
  async reloadSemantics(name: string): Promise<ServiceSnapshot> {
    this.snapshot(name);
    const entry = this.entries.get(name) as ServiceEntry;
    await this.enqueue(entry, async () => {
      const overrides = await this.semantics(name);
      const { state, base } = entry;
      if (state.state !== 'ready' || !base) return;
      entry.state = { state: 'ready', snapshot: Object.freeze({ ...state.snapshot, catalog: applySemantics(base, overrides), loadedAt: new Date() }) };
    });
    return this.snapshot(name);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.entries.values()].map((entry) => this.dispose(entry)));
  }

  private async dispose(entry: ServiceEntry): Promise<void> {
    clearTimeout(entry.retryTimer);
    entry.retryTimer = undefined;
    await entry.pending?.catch(() => undefined);
    await entry.connection?.driver.close().catch((error: unknown) => this.logger.warn({ service: entry.settings.name, reason: describeFailure(error) }, 'closing a driver failed'));
  }

  private open(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) return Promise.resolve();
    return this.enqueue(entry, () => this.load(entry));
  }

  /** Runs `job` after the service's pending opens and refreshes. */
  private enqueue(entry: ServiceEntry, job: () => Promise<void>): Promise<void> {
    const run = (entry.pending ?? Promise.resolve()).then(job);
    entry.pending = run.catch(() => undefined); // the next job waits for this one, whatever its outcome
    return run;
  }

  /** The overrides of a service; a store that cannot be read leaves the database comments in place. */
  private async overridesOf(name: string): Promise<SemanticOverrides> {
    try {
      return await this.semantics(name);
    } catch (error) {
      this.logger.error({ service: name, reason: describeFailure(error) }, 'reading the semantic overrides failed; using the database comments');
      return NO_OVERRIDES;
    }
  }

  private async load(entry: ServiceEntry): Promise<void> {
    if (this.closed || this.entries.get(entry.settings.name) !== entry) return;
    const { settings } = entry;
    try {
      entry.connection ??= await connectService(settings, idleErrorLogger(this.logger, settings.name));
      const { driver, dialect } = entry.connection;
      if (settings.seedDemo && (await seedDemoIfEmpty(driver))) {
        this.logger.info({ service: settings.name }, 'created and seeded the demo database');
      }
      const raw = entry.probed ?? (await dialect.introspect(driver, { schema: settings.schema }));
      entry.probed = undefined; // later loads (refresh) read the schema afresh
      const base = buildCatalog(raw, settings.name);
      const catalog = applySemantics(base, await this.overridesOf(settings.name));
      entry.base = base;
      const executor = new Executor({ service: settings.name, driver, dialect, logger: this.logger });
      entry.state = { state: 'ready', snapshot: Object.freeze({ name: settings.name, settings, catalog, executor, loadedAt: new Date() }) };
      entry.retryDelayMs = 1000;
      this.logger.info(
        { service: settings.name, variant: catalog.variant, version: catalog.serverVersion, tables: catalog.tables.size },
        'service ready',
      );
    } catch (error) {
      const reason = describeFailure(error);
      // A refresh that fails keeps serving the last good snapshot.
      if (entry.state.state === 'ready') {
        this.logger.error({ service: settings.name, reason }, 'refreshing the service failed; keeping the previous catalog');
        throw new ApiError(503, `Refreshing service '${settings.name}' failed: ${reason}`, 'refreshFailed', { service: settings.name });
      }
      entry.state = { state: 'unavailable', reason, since: new Date() };
      this.logger.error({ service: settings.name, reason, retryInMs: entry.retryDelayMs }, 'service unavailable');
      this.scheduleRetry(entry);
    }
  }

  private scheduleRetry(entry: ServiceEntry): void {
    if (this.closed || this.entries.get(entry.settings.name) !== entry) return;
    clearTimeout(entry.retryTimer);
    entry.retryTimer = setTimeout(() => void this.open(entry.settings.name), entry.retryDelayMs);
    entry.retryTimer.unref();
    entry.retryDelayMs = Math.min(entry.retryDelayMs * 2, MAX_RETRY_DELAY_MS);
  }
}

/**
 * Opens the driver for a service and picks its dialect. For servers, the first connection is made
 * here, so an unreachable database fails now rather than on the first request.
 */
export async function connectService(settings: ServiceSettings, onIdleError: (error: Error) => void): Promise<ServiceConnection> {
  const { dsn } = settings;
  if (dsn.driver === 'pglite') {
    const driver = await openPgliteDriver({ location: dsn.location, statementTimeoutMs: settings.statementTimeoutMs, preparedStatements: settings.preparedStatements });
    return { driver, dialect: createPostgresDialect() };
  }
  if (dsn.driver === 'pg') {
    const source = createPgPoolSource({
      connectionString: dsn.url,
      poolSize: settings.poolSize,
      statementTimeoutMs: settings.statementTimeoutMs,
      onIdleError,
    });
    const driver = new PgDriver(source, 'postgres', { preparedStatements: settings.preparedStatements });
    try {
      await driver.ping();
    } catch (error) {
      await driver.close().catch(() => undefined);
      throw error;
    }
    return { driver, dialect: createPostgresDialect() };
  }
  const driver = await openMysqlDriver({ uri: dsn.url, poolSize: settings.poolSize, statementTimeoutMs: settings.statementTimeoutMs, onIdleError });
  return { driver, dialect: createMysqlDialect(mysqlCapabilities(driver.variant, await driver.serverVersion())) };
}

/**
 * Connects to a would-be service and introspects it, to refuse a bad DSN before it is stored.
 * Resolves to the open connection and its introspection (hand both to `put`), or rejects with the
 * driver's reason.
 */
export async function probeService(settings: ServiceSettings, onIdleError: (error: Error) => void): Promise<ProbedService> {
  const connection = await connectService(settings, onIdleError);
  try {
    return { ...connection, raw: await connection.dialect.introspect(connection.driver, { schema: settings.schema }) };
  } catch (error) {
    await connection.driver.close().catch(() => undefined);
    throw error;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
