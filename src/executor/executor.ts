/**
 * Runs authorized statements against one service: compile with the dialect, run on the driver,
 * decode rows into their JSON form, map database errors to ApiErrors, count statements per request.
 * It accepts only `AuthorizedStatement`s (see auth/apply-grant.ts).
 *
 * Errors: a driver error the dialect recognises becomes its ApiError (with the original on `cause`);
 * anything else is rethrown untouched for the HTTP layer to mask as a 500. Either way the failed SQL
 * text is logged (never its parameters, which may hold personal data) with the request id.
 *
 * May import: dialects, query, catalog, errors (and auth types).
 */
import type { Logger } from 'pino';
import type { AuthorizedSchemaChange, AuthorizedSql, AuthorizedStatement } from '../auth/apply-grant.js';
import type { CompiledQuery, Dialect, Driver, OutputColumn, Row, SchemaStatement, StatementTemplate, TransactionDriver } from '../dialects/dialect.js';
import type { Param, ParamValue } from '../query/ir.js';
import { ApiError, dbErrors, requestErrors, schemaErrors } from '../errors.js';
import { outputColumns } from './output-columns.js';
import type { RequestContext } from './request-context.js';

export interface ExecuteResult {
  readonly rows: Row[];
  readonly affectedRows?: number;
  readonly insertId?: string;
}

/**
 * An authorized statement compiled once and run many times (a resolver's plan, see
 * graphql/graphql-plans.ts): its template, whose slots take each run's values, and its output columns.
 * Only for statements whose text does not depend on the slots' values (`Dialect.compileTemplate`).
 */
export interface StatementPlan {
  readonly statement: AuthorizedStatement;
  readonly slots: readonly Param[];
  readonly dialect: Dialect;
  readonly template: StatementTemplate;
  /** Its output columns: each run builds its decoder from them (a decoder may learn from its first row). */
  readonly columns: readonly OutputColumn[];
}

/** What runs statements: the executor itself, or the scope of one transaction. */
export interface StatementRunner {
  run(statement: AuthorizedStatement, ctx: RequestContext): Promise<ExecuteResult>;
  stream(statement: AuthorizedStatement, ctx: RequestContext, chunkSize: number): AsyncIterable<Row[]>;
}

export interface ExecutorOptions {
  readonly service: string;
  readonly driver: Driver;
  readonly dialect: Dialect;
  readonly logger: Logger;
}

export class Executor implements StatementRunner {
  readonly service: string;
  readonly dialect: Dialect;
  private readonly driver: Driver;
  private readonly logger: Logger;

  constructor(options: ExecutorOptions) {
    this.service = options.service;
    this.driver = options.driver;
    this.dialect = options.dialect;
    this.logger = options.logger;
  }

  run(statement: AuthorizedStatement, ctx: RequestContext): Promise<ExecuteResult> {
    return this.runOn(this.driver, statement, ctx);
  }

  stream(statement: AuthorizedStatement, ctx: RequestContext, chunkSize: number): AsyncIterable<Row[]> {
    return this.streamOn(this.driver, statement, ctx, chunkSize);
  }

  /** Compiles `statement` once for `runPlan`; `slots` are its Param nodes that each run binds anew. */
  plan(statement: AuthorizedStatement, slots: readonly Param[] = []): StatementPlan {
    return {
      statement,
      slots,
      dialect: this.dialect,
      template: this.dialect.compileTemplate(statement, slots),
      columns: outputColumns(statement),
    };
  }

  /** Runs `plan` with `values` in its slots (in `slots` order), as `run` runs its statement. */
  runPlan(plan: StatementPlan, values: readonly ParamValue[], ctx: RequestContext): Promise<ExecuteResult> {
    let compiled: CompiledQuery;
    let usable = plan;
    try {
      // A plan made by another service's executor is recompiled for this one's dialect.
      if (plan.dialect !== this.dialect) usable = this.plan(plan.statement, plan.slots);
      compiled = usable.template.bind(values);
    } catch (error) {
      return Promise.reject(error); // as `run` fails: a rejected promise, never a throw
    }
    return this.runCompiled(this.driver, compiled, usable.columns, ctx);
  }

  /** Runs `fn` in one transaction; statements run through the given scope share it. */
  async transaction<T>(
    ctx: RequestContext,
    fn: (scope: StatementRunner) => Promise<T>,
    options?: { readonly readOnly?: boolean },
  ): Promise<T> {
    ctx.countStatement(); // BEGIN … COMMIT: one round trip each, counted once as the transaction
    try {
      return await this.driver.transaction(
        (tx) =>
          fn({
            run: (statement, c) => this.runOn(tx, statement, c),
            stream: (statement, c, chunkSize) => this.streamOn(tx, statement, c, chunkSize),
          }),
        options,
      );
    } catch (error) {
      throw this.translate(error, undefined, ctx);
    }
  }

  /**
   * Runs a schema change: compiled by the dialect (a 400 for what it cannot spell, before anything
   * runs), then in one transaction where the engine has transactional DDL (PostgreSQL), else one
   * statement after the other (MySQL, where each commits by itself). A failure of an `alterTable`
   * names the failing change in `context.index`; without a transaction, `context.applied` says how
   * many changes before it took effect. DDL is not cancelled when the client goes away, so that a
   * non-transactional change is not cut off half-way by a disconnect.
   */
  async applySchemaChange(change: AuthorizedSchemaChange, ctx: RequestContext): Promise<void> {
    const compiled = this.dialect.compileSchemaChange(change);
    const indexed = change.kind === 'alterTable';
    const runAll = async (driver: Pick<Driver, 'query'>) => {
      for (const statement of compiled.statements) {
        ctx.countStatement();
        try {
          await driver.query({ sql: statement.sql, params: [] });
          this.logger.info({ requestId: ctx.requestId, service: this.service, sql: statement.sql }, 'schema change');
        } catch (error) {
          throw this.translateSchema(error, statement, ctx, indexed, compiled.transactional ? undefined : statement.change);
        }
      }
    };
    if (!compiled.transactional) return runAll(this.driver);
    ctx.countStatement();
    try {
      await this.driver.transaction((tx) => runAll(tx));
    } catch (error) {
      throw this.translate(error, undefined, ctx);
    }
  }

  /**
   * Runs raw SQL (MCP's `run_sql`) in one transaction — read-only unless the grant allowed writes —
   * and returns at most `maxRows` rows (`truncated` says whether there were more). The statement
   * goes through the driver's cursor/prepared path, which takes exactly one statement: text such as
   * `COMMIT; DELETE …` is refused by the database instead of escaping the read-only transaction.
   * A read-only run is rolled back rather than committed (it has nothing to commit), which also
   * undoes session changes a function call may make (PostgreSQL's `set_config`). Values come back
   * in their JSON form (bigint and numeric as strings, bytes as base64, timestamps as ISO strings).
   * The service's statement timeout applies as to every statement.
   */
  async runSql(statement: AuthorizedSql, ctx: RequestContext, maxRows: number): Promise<{ readonly rows: Row[]; readonly truncated: boolean }> {
    const compiled: CompiledQuery = { sql: statement.sql, params: [] };
    const chunk = Math.min(maxRows + 1, 1000);
    ctx.countStatement();
    try {
      return await this.driver.transaction(
        async (tx) => {
          ctx.countStatement();
          const rows: Row[] = [];
          for await (const batch of tx.stream(compiled, chunk, ctx.signal ? { signal: ctx.signal } : undefined)) {
            rows.push(...batch.map(jsonRow));
            if (rows.length > maxRows) break;
          }
          const result = { rows: rows.slice(0, maxRows), truncated: rows.length > maxRows };
          if (statement.readOnly) throw new RolledBack(result);
          return result;
        },
        // The caller's SQL may change its session beyond the transaction (set_config, user variables).
        { readOnly: statement.readOnly, freshSessionAfter: true },
      );
    } catch (error) {
      if (error instanceof RolledBack) return error.result;
      // The text is not logged: it is the caller's, and may hold personal data as literals.
      const translated = this.translate(error, undefined, ctx);
      if (translated instanceof ApiError) throw translated;
      const e = error as { message?: unknown; code?: unknown };
      if (typeof e.message !== 'string') throw translated;
      throw dbErrors.sqlRefused(e.message.split('\n')[0] ?? '', typeof e.code === 'string' ? e.code : undefined);
    }
  }

  private translateSchema(error: unknown, statement: SchemaStatement, ctx: RequestContext, indexed: boolean, applied: number | undefined): unknown {
    const log = { requestId: ctx.requestId, service: this.service, sql: statement.sql, err: error };
    const mapped = this.dialect.mapSchemaError(error, { service: this.service });
    if (!mapped) {
      this.logger.error(log, 'schema change failed unexpectedly');
      return error;
    }
    this.logger.info(log, `schema change failed: ${mapped.reason}`);
    const withCause = new ApiError(mapped.status, mapped.message, mapped.reason, mapped.context, { cause: error });
    return indexed ? schemaErrors.atChange(withCause, statement.change, applied) : withCause;
  }

  private runOn(driver: Pick<Driver, 'query'>, statement: AuthorizedStatement, ctx: RequestContext): Promise<ExecuteResult> {
    let compiled: CompiledQuery;
    try {
      compiled = this.dialect.compile(statement);
    } catch (error) {
      return Promise.reject(error); // a statement the dialect cannot write fails the promise, not the caller's frame
    }
    return this.runCompiled(driver, compiled, outputColumns(statement), ctx);
  }

  private async runCompiled(driver: Pick<Driver, 'query'>, compiled: CompiledQuery, columns: readonly OutputColumn[], ctx: RequestContext): Promise<ExecuteResult> {
    ctx.countStatement();
    // Every statement of every request passes here: nothing is built for a debug line that is off.
    const started = this.logger.isLevelEnabled('debug') ? performance.now() : undefined;
    try {
      const result = await driver.query(compiled, ctx.signal ? { signal: ctx.signal } : undefined);
      const rows = result.rows.map(this.dialect.createDecoder(columns));
      if (started !== undefined) this.logger.debug({ requestId: ctx.requestId, sql: compiled.sql, ms: performance.now() - started, rows: rows.length }, 'statement');
      return {
        rows,
        ...(result.affectedRows !== undefined ? { affectedRows: result.affectedRows } : {}),
        ...(result.insertId !== undefined ? { insertId: result.insertId } : {}),
      };
    } catch (error) {
      throw this.translate(error, compiled, ctx);
    }
  }

  private async *streamOn(
    driver: Pick<TransactionDriver, 'stream'>,
    statement: AuthorizedStatement,
    ctx: RequestContext,
    chunkSize: number,
  ): AsyncIterable<Row[]> {
    const compiled = this.dialect.compile(statement);
    const decode = this.dialect.createDecoder(outputColumns(statement));
    ctx.countStatement();
    try {
      for await (const chunk of driver.stream(compiled, chunkSize, ctx.signal ? { signal: ctx.signal } : undefined)) {
        yield chunk.map(decode);
      }
    } catch (error) {
      throw this.translate(error, compiled, ctx);
    }
  }

  private translate(error: unknown, compiled: CompiledQuery | undefined, ctx: RequestContext): unknown {
    if (error instanceof ApiError) return error;
    const log = { requestId: ctx.requestId, service: this.service, sql: compiled?.sql, err: error };
    // The client went away: the failure is the cancellation (an abort before the statement was sent,
    // or the server's "canceling statement" once it was), not a database fault or a timeout.
    if (ctx.signal?.aborted) {
      this.logger.debug(log, 'statement cancelled: the client went away');
      return requestErrors.clientClosedRequest();
    }
    const mapped = this.dialect.mapError(error, { service: this.service });
    if (mapped) {
      this.logger.info(log, `statement failed: ${mapped.reason}`);
      return new ApiError(mapped.status, mapped.message, mapped.reason, mapped.context, { cause: error });
    }
    this.logger.error(log, 'statement failed unexpectedly');
    return error;
  }
}

/** Thrown at the end of a read-only raw SQL run so that its transaction is rolled back, carrying the result out. */
class RolledBack extends Error {
  constructor(readonly result: { readonly rows: Row[]; readonly truncated: boolean }) {
    super('read-only raw SQL rolled back');
  }
}

/** A raw SQL result row in JSON form: driver values without a catalog type to decode them by. */
function jsonRow(row: Row): Row {
  const out: Row = {};
  for (const [name, value] of Object.entries(row)) out[name] = jsonValue(value);
  return out;
}

function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  return value;
}
