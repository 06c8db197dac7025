/**
 * Driver over `mysql2` for MySQL and MariaDB. Statements run as server-side prepared statements
 * (`execute`), so parameters are bound by the server, never interpolated. Each new pooled connection
 * sets `time_zone = '+00:00'` (TIMESTAMP values are read and written in UTC; the codecs rely on it)
 * and the service's statement timeout (`max_statement_time` on MariaDB, `max_execution_time` on
 * MySQL, which applies to SELECT only).
 *
 * Which of the two engines answers is found out once at open, with one connection, before the pool
 * is created.
 */
import mysql, { type FieldPacket } from 'mysql2/promise';
import type { CancelSignal, CompiledQuery, Driver, QueryOptions, QueryResult, Row, TransactionDriver, TransactionOptions } from '../dialect.js';
import { withinTransaction } from '../transaction.js';
import { mysqlRowConverter } from './mysql-codecs.js';

export interface MysqlDriverOptions {
  /** `mysql://user:pass@host:port/database` (the `mariadb://` scheme is rewritten to this by the caller). */
  readonly uri: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  /** Errors of idle connections (they must not crash the process). */
  readonly onIdleError: (error: Error) => void;
}

type Variant = 'mysql' | 'mariadb';

/** The callback-style connection under a promise connection: the only one that can stream. */
interface StreamingConnection {
  execute(
    sql: string,
    values: unknown[],
  ): {
    on(event: 'fields', listener: (fields: FieldPacket[] | undefined) => void): unknown;
    stream(options?: { highWaterMark?: number }): AsyncIterable<unknown>;
  };
}

const CONNECTION_ERROR = /^(ECONN|ETIMEDOUT|EPIPE|PROTOCOL_|EHOST)/;

function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, fatal } = error as { code?: unknown; fatal?: unknown };
  return fatal === true || (typeof code === 'string' && CONNECTION_ERROR.test(code));
}

/**
 * Applies `mysqlRowConverter` to the rows of an `execute` answer: one result set (fields is a list
 * of columns) or, for CALL, several (fields is a list per result set, undefined for the header).
 */
function convertRows(result: unknown, fields: unknown): void {
  if (!Array.isArray(result) || !Array.isArray(fields) || fields.length === 0) return;
  if (Array.isArray(fields[0])) {
    fields.forEach((set, index) => {
      const rows: unknown = result[index];
      if (Array.isArray(set) && Array.isArray(rows)) convertSet(rows as Row[], set as FieldPacket[]);
    });
  } else {
    convertSet(result as Row[], fields as FieldPacket[]);
  }
}

function convertSet(rows: Row[], fields: readonly FieldPacket[]): void {
  if (rows.length === 0) return;
  const convert = mysqlRowConverter(fields);
  if (convert) for (const row of rows) convert(row);
}

function toResult<R>(result: unknown): QueryResult<R> {
  if (Array.isArray(result)) {
    // CALL answers [resultSet…, header]; a plain SELECT answers the rows.
    const rows = result.length > 0 && Array.isArray(result[0]) ? (result[0] as R[]) : (result as R[]);
    return { rows };
  }
  const header = result as { affectedRows?: number; insertId?: number | string };
  const insertId = header.insertId !== undefined && String(header.insertId) !== '0' ? String(header.insertId) : undefined;
  return {
    rows: [],
    ...(header.affectedRows !== undefined ? { affectedRows: header.affectedRows } : {}),
    ...(insertId !== undefined ? { insertId } : {}),
  };
}

async function executeOn<R>(connection: mysql.PoolConnection, query: CompiledQuery): Promise<QueryResult<R>> {
  const [result, fields] = await connection.execute(query.sql, [...query.params] as never[]);
  convertRows(result, fields);
  return toResult<R>(result);
}

const POOL_OPTIONS = {
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: true,
  timezone: 'Z',
  jsonStrings: true,
  multipleStatements: false,
  charset: 'utf8mb4',
  connectTimeout: 10_000,
  // Each connection caches its prepared statements; the server's max_prepared_stmt_count is global.
  maxPreparedStatements: 256,
  // mysql2 captures a stack trace at every promise call to splice into errors ("long stack
  // traces"): ~7 % of the CPU of a read by primary key. Driver errors become API errors and log
  // lines with their code and message; the driver's call site adds nothing there.
  trace: false,
} as const;

async function detectVariant(uri: string): Promise<{ variant: Variant; version: string }> {
  const connection = await mysql.createConnection({ uri, ...POOL_OPTIONS });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version');
    const version = String((rows as { version: unknown }[])[0]?.version ?? 'unknown');
    return { variant: /mariadb/i.test(version) ? 'mariadb' : 'mysql', version };
  } finally {
    await connection.end().catch(() => undefined);
  }
}

export async function openMysqlDriver(options: MysqlDriverOptions): Promise<MysqlDriver> {
  const { variant, version } = await detectVariant(options.uri);
  const pool = mysql.createPool({
    uri: options.uri,
    ...POOL_OPTIONS,
    connectionLimit: options.poolSize,
    waitForConnections: true,
    queueLimit: 0,
    enableKeepAlive: true,
  });
  const timeoutMs = Math.max(0, Math.floor(options.statementTimeoutMs));
  const timeout =
    variant === 'mariadb' ? `max_statement_time = ${(timeoutMs / 1000).toFixed(3)}` : `max_execution_time = ${timeoutMs}`;
  // The callback pool emits 'connection' before handing the new connection out; these run first.
  pool.pool.on('connection', (connection) => {
    connection.query(`SET SESSION time_zone = '+00:00', SESSION ${timeout}`, (error: Error | null) => {
      if (error) options.onIdleError(error);
    });
  });
  pool.pool.on('error' as 'connection', (error: unknown) => options.onIdleError(error as Error));
  return new MysqlDriver(pool, variant, version);
}

export class MysqlDriver implements Driver {
  readonly engine = 'mysql' as const;

  constructor(
    private readonly pool: mysql.Pool,
    readonly variant: Variant,
    private readonly version: string,
  ) {}

  async serverVersion(): Promise<string> {
    return this.version;
  }

  query<R = Row>(query: CompiledQuery, options?: QueryOptions): Promise<QueryResult<R>> {
    return this.withConnection(false, (connection) => this.run<R>(connection, query, options?.signal));
  }

  async *stream<R = Row>(query: CompiledQuery, chunkSize: number, options?: QueryOptions): AsyncIterable<R[]> {
    const connection = await this.pool.getConnection();
    let finished = false;
    let discard = false;
    const onAbort = () => void this.kill(connection);
    options?.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      yield* this.streamOn<R>(connection, query, chunkSize);
      finished = true;
    } catch (error) {
      discard = isConnectionError(error);
      throw error;
    } finally {
      options?.signal?.removeEventListener('abort', onAbort);
      // A consumer that stopped early leaves unread rows on the wire: draining them could take long,
      // so the connection is dropped instead of returned.
      if (finished && !discard) connection.release();
      else connection.destroy();
    }
  }

  async transaction<T>(fn: (tx: TransactionDriver) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.withConnection(options?.freshSessionAfter === true, async (connection) => {
      const tx: TransactionDriver = {
        engine: this.engine,
        variant: this.variant,
        query: <R = Row>(q: CompiledQuery, o?: QueryOptions) => this.run<R>(connection, q, o?.signal),
        stream: <R = Row>(q: CompiledQuery, chunkSize: number) => this.streamOn<R>(connection, q, chunkSize),
      };
      const begin = options?.readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION';
      return withinTransaction((sql) => connection.query(sql), begin, () => fn(tx));
    });
  }

  async ping(): Promise<void> {
    await this.query({ sql: 'SELECT 1', params: [] });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async *streamOn<R>(connection: mysql.PoolConnection, query: CompiledQuery, chunkSize: number): AsyncGenerator<R[]> {
    const raw = (connection as unknown as { connection: StreamingConnection }).connection;
    const command = raw.execute(query.sql, [...query.params]);
    // 'fields' comes before the rows of each result set, and without columns for a statement
    // that returns none (DDL, INSERT).
    let convert: ((row: Row) => void) | null = null;
    command.on('fields', (fields) => {
      convert = Array.isArray(fields) ? mysqlRowConverter(fields) : null;
    });
    const rows = command.stream({ highWaterMark: chunkSize });
    let chunk: R[] = [];
    for await (const row of rows) {
      (convert as ((row: Row) => void) | null)?.(row as Row);
      chunk.push(row as R);
      if (chunk.length >= chunkSize) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  private async run<R>(connection: mysql.PoolConnection, query: CompiledQuery, signal?: CancelSignal): Promise<QueryResult<R>> {
    if (!signal) return executeOn<R>(connection, query);
    signal.throwIfAborted();
    const onAbort = () => void this.kill(connection);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await executeOn<R>(connection, query);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** `discardAfter`: close the connection instead of returning it (see `TransactionOptions.freshSessionAfter`). */
  private async withConnection<T>(discardAfter: boolean, fn: (connection: mysql.PoolConnection) => Promise<T>): Promise<T> {
    const connection = await this.pool.getConnection();
    let discard = discardAfter;
    try {
      return await fn(connection);
    } catch (error) {
      discard ||= isConnectionError(error);
      throw error;
    } finally {
      if (discard) connection.destroy();
      else connection.release();
    }
  }

  /** Cancels what `connection` is running, from another connection (best effort). */
  private async kill(connection: mysql.PoolConnection): Promise<void> {
    await this.pool.query(`KILL QUERY ${Number(connection.threadId)}`).catch(() => undefined);
  }
}
