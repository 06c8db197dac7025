/**
 * Driver over the `pg` client, for PostgreSQL servers (a `pg.Pool`) and for PGlite (one `pg.Client`
 * over PGlite's node-postgres adapter, see pglite-driver.ts). Both go through `PgConnectionSource`,
 * so queries, cursors, transactions, type parsing and errors behave the same on both.
 *
 * Every client is created with `types: postgresTypeParsers` (see postgres-codecs.ts).
 * Sessions are configured on connect (TimeZone=UTC, DateStyle=ISO, IntervalStyle=iso_8601,
 * bytea_output=hex, and the service's statement timeout): the codecs rely on these settings.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { CancelSignal, CompiledQuery, Driver, QueryOptions, QueryResult, Row, TransactionDriver, TransactionOptions, Variant } from '../dialect.js';
import { withinTransaction } from '../transaction.js';
import { postgresTypeParsers } from './postgres-codecs.js';
import { isStalePreparedStatement, PreparedStatements } from './prepared-statements.js';

/** A connection checked out of a source; `release(true)` discards it (after a connection error). */
export interface PgConnection {
  readonly client: pg.ClientBase;
  release(discard?: boolean): void;
}

export interface PgConnectionSource {
  acquire(): Promise<PgConnection>;
  /** Asks the server to cancel what the backend with this process id is running (best effort). */
  cancel(processId: number): Promise<void>;
  end(): Promise<void>;
}

/** SET statements every session runs once, before its first query. */
export function sessionSettings(statementTimeoutMs: number): string {
  return [
    `SET TimeZone = 'UTC'`,
    `SET DateStyle = 'ISO, MDY'`,
    `SET IntervalStyle = 'iso_8601'`,
    `SET bytea_output = 'hex'`,
    `SET statement_timeout = ${Math.max(0, Math.floor(statementTimeoutMs))}`,
  ].join('; ');
}

const WRITE_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || /^E[A-Z]+$/.test(code))) return true;
  return typeof message === 'string' && /Connection terminated|connection error|not queryable/i.test(message);
}

/**
 * Runs `query` as the prepared statement `name`: a `pg.Query` made from text and values, named
 * afterwards, since pg would copy a `{ name, text, values }` object (see below).
 */
function runNamed(client: pg.ClientBase, query: CompiledQuery, name: string): Promise<pg.ResultBuilder> {
  return new Promise((resolve, reject) => {
    const submittable = new pg.Query(query.sql, query.params as unknown[], (error, result) => (error ? reject(error) : resolve(result)));
    (submittable as pg.Query & { name?: string }).name = name;
    client.query(submittable);
  });
}

/** Runs `query` on `client`, as the prepared statement `name` when one is given. */
function submit(client: pg.ClientBase, query: CompiledQuery, name?: string): Promise<pg.QueryResult | pg.ResultBuilder> {
  // Type parsers are set on the client (postgresTypeParsers), not per query: pg forwards a per-query
  // `types` into its Parse message, which PGlite's adapter cannot serialise. Unnamed, text and values
  // are passed as two arguments: pg copies a config object property by property (descriptors and
  // all), a few µs of every request.
  return name === undefined ? client.query(query.sql, query.params as unknown[]) : runNamed(client, query, name);
}

/** A pg result in the driver's terms: rows, and the affected row count of writes. */
function resultOf<R>(result: pg.QueryResult | pg.ResultBuilder): QueryResult<R> {
  const rows = result.rows as R[];
  return WRITE_COMMANDS.has(result.command) && result.rowCount !== null ? { rows, affectedRows: result.rowCount } : { rows };
}

async function runOn<R>(client: pg.ClientBase, query: CompiledQuery): Promise<QueryResult<R>> {
  return resultOf<R>(await submit(client, query));
}

async function* streamOn<R>(client: pg.ClientBase, query: CompiledQuery, chunkSize: number): AsyncGenerator<R[]> {
  const cursor = client.query(new Cursor<R>(query.sql, query.params as unknown[]));
  try {
    for (;;) {
      const rows = await cursor.read(chunkSize);
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < chunkSize) return;
    }
  } finally {
    await cursor.close();
  }
}

export interface PgDriverOptions {
  /**
   * Run repeated statements outside transactions as named prepared statements (default true; see
   * prepared-statements.ts). Off for poolers that do not keep them, such as PgBouncer in
   * transaction mode before 1.21.
   */
  readonly preparedStatements?: boolean;
  /** Prepared statements one connection keeps (default 200). */
  readonly statementsPerConnection?: number;
}

export class PgDriver implements Driver {
  readonly engine = 'postgres' as const;
  private version: string | undefined;
  private readonly statements: PreparedStatements | undefined;

  constructor(
    private readonly source: PgConnectionSource,
    readonly variant: Extract<Variant, 'postgres' | 'pglite'>,
    options: PgDriverOptions = {},
  ) {
    this.statements = options.preparedStatements === false ? undefined : new PreparedStatements({ perConnection: options.statementsPerConnection });
  }

  async serverVersion(): Promise<string> {
    if (this.version === undefined) {
      const { rows } = await this.query<{ server_version: string }>({ sql: 'SHOW server_version', params: [] });
      this.version = rows[0]?.server_version ?? 'unknown';
    }
    return this.version;
  }

  /**
   * The hot path of every read: one async frame around the checkout, the cancellation hook and the
   * run (what `withConnection` and `cancellable` do for transactions, without their promise layers).
   */
  async query<R = Row>(query: CompiledQuery, options?: QueryOptions): Promise<QueryResult<R>> {
    const connection = await this.source.acquire();
    const signal = options?.signal;
    let onAbort: (() => void) | undefined;
    let discard = false;
    try {
      if (signal) {
        signal.throwIfAborted();
        onAbort = () => void this.cancelOn(connection);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      return resultOf<R>(await this.runPrepared(connection.client, query));
    } catch (error) {
      discard = isConnectionError(error);
      throw error;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      connection.release(discard);
    }
  }

  async *stream<R = Row>(query: CompiledQuery, chunkSize: number, options?: QueryOptions): AsyncIterable<R[]> {
    const connection = await this.source.acquire();
    let discard = false;
    const onAbort = () => void this.cancelOn(connection);
    options?.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      yield* streamOn<R>(connection.client, query, chunkSize);
    } catch (error) {
      discard = isConnectionError(error);
      throw error;
    } finally {
      options?.signal?.removeEventListener('abort', onAbort);
      connection.release(discard);
    }
  }

  async transaction<T>(fn: (tx: TransactionDriver) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.withConnection(options?.freshSessionAfter === true, async (connection) => {
      const { client } = connection;
      const tx: TransactionDriver = {
        engine: this.engine,
        variant: this.variant,
        query: <R = Row>(q: CompiledQuery, o?: QueryOptions) => this.cancellable(connection, o?.signal, () => runOn<R>(client, q)),
        stream: <R = Row>(q: CompiledQuery, chunkSize: number) => streamOn<R>(client, q, chunkSize),
      };
      return withinTransaction((sql) => client.query(sql), options?.readOnly ? 'BEGIN READ ONLY' : 'BEGIN', () => fn(tx));
    });
  }

  async ping(): Promise<void> {
    await this.query({ sql: 'SELECT 1', params: [] });
  }

  async close(): Promise<void> {
    await this.source.end();
  }

  /** Runs `query` as a named statement when it is one of the repeated ones (outside transactions only). */
  private runPrepared(client: pg.ClientBase, query: CompiledQuery): Promise<pg.QueryResult | pg.ResultBuilder> {
    const statements = this.statements;
    const name = statements?.nameOn(client, query.sql);
    if (statements === undefined || name === undefined) return submit(client, query);
    return submit(client, query, name).catch((error: unknown) => {
      if (!isStalePreparedStatement(error)) throw error;
      // It failed at Bind, before anything ran: prepare it again on this connection.
      statements.forget(client, name);
      return submit(client, query, statements.nameOn(client, query.sql));
    });
  }

  /** `discard`: the connection must not be reused as it is (see `TransactionOptions.freshSessionAfter`). */
  private async withConnection<T>(discardAfter: boolean, fn: (connection: PgConnection) => Promise<T>): Promise<T> {
    const connection = await this.source.acquire();
    let discard = discardAfter;
    try {
      return await fn(connection);
    } catch (error) {
      discard ||= isConnectionError(error);
      throw error;
    } finally {
      connection.release(discard);
    }
  }

  private async cancellable<T>(connection: PgConnection, signal: CancelSignal | undefined, run: () => Promise<T>): Promise<T> {
    if (!signal) return run();
    signal.throwIfAborted();
    const onAbort = () => void this.cancelOn(connection);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await run();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async cancelOn(connection: PgConnection): Promise<void> {
    const processId = (connection.client as pg.ClientBase & { processID?: number }).processID;
    if (typeof processId === 'number') await this.source.cancel(processId).catch(() => undefined);
  }
}

export interface PgPoolOptions {
  readonly connectionString: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  /** Called with errors of idle connections (they must not crash the process). */
  readonly onIdleError: (error: Error) => void;
}

/** A connection source over a `pg.Pool` for a PostgreSQL server. */
export function createPgPoolSource(options: PgPoolOptions): PgConnectionSource {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    application_name: 'sluice',
    types: postgresTypeParsers,
  });
  const settings = sessionSettings(options.statementTimeoutMs);
  pool.on('connect', (client) => {
    // Queued before any query of the checkout that triggered the connection.
    client.query(settings).catch(options.onIdleError);
  });
  pool.on('error', options.onIdleError);
  return {
    async acquire() {
      const client = await pool.connect();
      return { client, release: (discard) => client.release(discard === true) };
    },
    async cancel(processId) {
      await pool.query('SELECT pg_cancel_backend($1)', [processId]);
    },
    end: () => pool.end(),
  };
}
