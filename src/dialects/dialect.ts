/**
 * What a database engine must provide (Kysely's dialect/driver/adapter split). A dialect is a bundle
 * of small parts: a compiler (IR → parameterized SQL), an introspector (→ RawCatalog), row codecs
 * (driver values → lossless JSON) and an error mapper. A driver runs compiled SQL. PGlite is a
 * second *driver* of the postgres dialect, not a third dialect.
 *
 * `dialects/` is the only place that writes SQL text. It never imports express, yoga or Pothos.
 *
 * Interfaces only. May import: catalog, query, errors.
 */
import type { ValueType } from '../catalog/catalog-types.js';
import type { RawCatalog } from '../catalog/raw-catalog.js';
import type { ApiError } from '../errors.js';
import type { Param, ParamValue, Statement } from '../query/ir.js';
import type { SchemaChange } from '../query/schema-change.js';

export type Engine = 'postgres' | 'mysql';
export type Variant = 'postgres' | 'pglite' | 'mysql' | 'mariadb';

export interface CompiledQuery {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export type Row = Record<string, unknown>;

/**
 * A statement compiled once to run many times with different values (a plan's SQL): the values of
 * its slots (the `Param` nodes named at compile time) are bound per run, every other parameter
 * keeps the value it was compiled with. `sql` is the same string object on every run, so what a
 * driver keys on it (prepared statements) is found without hashing new text.
 */
export interface StatementTemplate {
  readonly sql: string;
  /** The query for one run: `values[i]` in place of slot `i`, encoded as the dialect binds it. */
  bind(values: readonly ParamValue[]): CompiledQuery;
}

export interface QueryResult<R = Row> {
  readonly rows: R[];
  /** Rows inserted, updated or deleted, where the engine reports it. */
  readonly affectedRows?: number;
  /** MySQL `LAST_INSERT_ID()` of the statement (the first generated id of a multi-row insert), as a string. */
  readonly insertId?: string;
}

/**
 * What cancelling a statement needs of a signal. An `AbortSignal` is one; the HTTP layer passes a
 * lighter one (executor/request-context.ts `Cancellation`), since an AbortController per request
 * costs an EventTarget per request.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  throwIfAborted(): void;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface QueryOptions {
  /** Aborting cancels the statement on the server where the driver can (PostgreSQL: pg_cancel_backend). */
  readonly signal?: CancelSignal;
}

/**
 * Runs compiled SQL. Values come back in the driver's *wire form*, which the dialect's decoder
 * turns into the lossless JSON form documented on `ValueType`:
 * strings for bigint/decimal/date/time/timestamp, base64 strings for bytes, parsed JSON for json.
 */
export interface TransactionOptions {
  readonly readOnly?: boolean;
  /**
   * The transaction ran SQL the caller wrote (`run_sql`), which may have changed the connection's
   * session (`set_config(…, false)`, user variables) in ways that outlive the transaction: the
   * connection is not handed to anyone else as it is — closed, or (PGlite's single connection)
   * reset to Sluice's session settings.
   */
  readonly freshSessionAfter?: boolean;
}

export interface Driver {
  readonly engine: Engine;
  readonly variant: Variant;
  /** The server's version string, known after the first successful connection. */
  serverVersion(): Promise<string>;
  query<R = Row>(query: CompiledQuery, options?: QueryOptions): Promise<QueryResult<R>>;
  /**
   * Runs a read and yields its rows in chunks of at most `chunkSize` without holding the whole result
   * in memory (server-side cursor / row streaming). Breaking out of the loop releases the connection.
   */
  stream<R = Row>(query: CompiledQuery, chunkSize: number, options?: QueryOptions): AsyncIterable<R[]>;
  /** Runs `fn` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: TransactionDriver) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Resolves when the database answers a trivial query; rejects with the driver's error otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A driver bound to one open transaction. Nested transactions are not supported. */
export type TransactionDriver = Pick<Driver, 'engine' | 'variant' | 'query' | 'stream'>;

/** What an introspector needs from a driver: queries, the variant and the server version. */
export type IntrospectionSource = Pick<Driver, 'query' | 'variant' | 'serverVersion'>;

export interface DialectCapabilities {
  /** PostgreSQL: `all`; MariaDB: INSERT and DELETE … RETURNING; MySQL: none. */
  readonly returning: 'all' | 'insertDelete' | 'none';
  readonly windowFunctions: boolean;
}

/** Turns one driver row into its JSON form, for a fixed list of output columns. */
export type RowDecoder = (row: Row) => Row;

/** An output column of a compiled statement: its name in the row and its value type. */
export interface OutputColumn {
  readonly name: string;
  readonly valueType: ValueType;
}

/** One DDL statement of a compiled schema change, with the index of the change it belongs to. */
export interface SchemaStatement {
  readonly sql: string;
  /** The position of its change in an `alterTable`'s `changes`; 0 for create and drop. */
  readonly change: number;
}

export interface CompiledSchemaChange {
  /** In order. DDL takes no parameters: every literal in them was written by the dialect. */
  readonly statements: readonly SchemaStatement[];
  /**
   * True when all statements can run in one transaction (PostgreSQL: all or nothing); false where
   * each DDL statement commits by itself (MySQL/MariaDB), so a failure leaves earlier ones applied.
   */
  readonly transactional: boolean;
}

export interface Dialect {
  readonly engine: Engine;
  readonly capabilities: DialectCapabilities;
  /** Reads the schema's tables, views, columns, keys, indexes and routines. */
  introspect(driver: Driver, options: { readonly schema: string }): Promise<RawCatalog>;
  compile(statement: Statement): CompiledQuery;
  /**
   * Compiles `statement` into a template whose `slots` (Param nodes of the statement, by identity)
   * are bound per run. Only for statements whose text does not depend on the slots' values (a
   * `compare` does not; an `in` list's length does). Every slot must occur in the statement.
   */
  compileTemplate(statement: Statement, slots: readonly Param[]): StatementTemplate;
  /** A decoder for rows with these output columns; build once per query shape, call per row. */
  createDecoder(columns: readonly OutputColumn[]): RowDecoder;
  /**
   * Maps a driver error to an `ApiError` with a safe message, or `undefined` when the error is not
   * one the dialect recognises (the caller then treats it as unexpected: masked and logged).
   */
  mapError(error: unknown, context: { readonly service: string }): ApiError | undefined;
  /**
   * Compiles a schema change to DDL. Throws a 400 ApiError for what the engine cannot spell (a type
   * or default it does not have), before anything runs.
   */
  compileSchemaChange(change: SchemaChange): CompiledSchemaChange;
  /** `mapError` for DDL: duplicate/unknown objects, dependent objects, incompatible types first. */
  mapSchemaError(error: unknown, context: { readonly service: string }): ApiError | undefined;
}
