/**
 * The metadata store: where admins, services, roles, access rules and API keys live. By default an
 * embedded PGlite database under `<dataDir>/meta`; with `SLUICE_META_DATABASE_URL`, any PostgreSQL
 * database, so that several Sluice instances behind a load balancer share one store.
 *
 * Opening applies pending migrations in one transaction, under an advisory lock, so instances
 * starting together do not race; a store migrated by a newer Sluice is refused rather than
 * misread. Every statement here is written by Sluice itself, with values bound as parameters.
 *
 * May import: dialects (the postgres drivers), errors.
 */
import path from 'node:path';
import type { Driver, Row, TransactionDriver } from '../../dialects/dialect.js';
import { openPgliteDriver } from '../../dialects/postgres/pglite-driver.js';
import { createPgPoolSource, PgDriver } from '../../dialects/postgres/pg-driver.js';
import { MIGRATIONS } from './migrations.js';
import { acquireProcessLock } from './process-lock.js';
import { mkdir } from 'node:fs/promises';

/** Any constant: the key of the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK = 727_405_311;

export interface MetaStoreOptions {
  /** A postgres:// URL; absent: embedded PGlite under `<dataDir>/meta`. */
  readonly url?: string;
  readonly dataDir: string;
  readonly onIdleError?: (error: Error) => void;
  /** See `PgDriverOptions.preparedStatements` (default true). */
  readonly preparedStatements?: boolean;
}

/** Runs SQL on the store, or on one transaction of it. */
export interface MetaQueryable {
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export class MetaStore implements MetaQueryable {
  private constructor(
    private readonly driver: Driver,
    /** Where the store lives, for messages: a directory, or the database host (never the URL's credentials). */
    readonly location: string,
    private readonly release: () => Promise<void>,
  ) {}

  static async open(options: MetaStoreOptions): Promise<MetaStore> {
    let driver: Driver;
    let location: string;
    let release = async () => {};
    if (options.url) {
      const url = new URL(options.url);
      location = `${url.host}${url.pathname}`;
      driver = new PgDriver(
        createPgPoolSource({ connectionString: options.url, poolSize: 5, statementTimeoutMs: 30_000, onIdleError: options.onIdleError ?? (() => undefined) }),
        'postgres',
        { preparedStatements: options.preparedStatements },
      );
    } else {
      location = path.join(options.dataDir, 'meta');
      await mkdir(options.dataDir, { recursive: true });
      release = await acquireProcessLock(path.join(options.dataDir, 'sluice.lock'), `The data directory ${options.dataDir}`);
      try {
        driver = await openPgliteDriver({ location, statementTimeoutMs: 30_000, preparedStatements: options.preparedStatements });
      } catch (error) {
        await release();
        throw error;
      }
    }
    const store = new MetaStore(driver, location, release);
    try {
      await store.migrate();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  async query<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.driver.query<R>({ sql, params })).rows;
  }

  async transaction<T>(fn: (tx: MetaQueryable) => Promise<T>): Promise<T> {
    return this.driver.transaction((tx) => fn(queryableOf(tx)));
  }

  async close(): Promise<void> {
    try {
      await this.driver.close();
    } finally {
      await this.release();
    }
  }


  private async migrate(): Promise<void> {
    await this.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await tx.query('CREATE SCHEMA IF NOT EXISTS sluice');
      await tx.query(
        `CREATE TABLE IF NOT EXISTS sluice.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const applied = new Set((await tx.query<{ version: number }>('SELECT version FROM sluice.migrations')).map((r) => r.version));
      const newest = MIGRATIONS.at(-1)?.version ?? 0;
      const unknown = [...applied].filter((v) => v > newest);
      if (unknown.length > 0) {
        throw new Error(`The metadata store was migrated by a newer Sluice (schema version ${Math.max(...unknown)}; this one knows up to ${newest})`);
      }
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        for (const statement of migration.statements) await tx.query(statement);
        await tx.query('INSERT INTO sluice.migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      }
    });
  }
}

function queryableOf(tx: TransactionDriver): MetaQueryable {
  return { query: async <R = Row>(sql: string, params: readonly unknown[] = []) => (await tx.query<R>({ sql, params })).rows };
}
