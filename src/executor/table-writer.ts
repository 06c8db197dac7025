/**
 * Runs the writes of one request against one table, in one transaction, and returns the written rows
 * — the same result on every engine, whatever it can return by itself:
 * - PostgreSQL: `INSERT/UPDATE/DELETE … RETURNING`, one statement per write;
 * - MariaDB: RETURNING on INSERT and DELETE; updates read the keys of the matching rows first, update
 *   exactly those rows, and read them back;
 * - MySQL: no RETURNING; inserted rows are read back by the key they carry, or by LAST_INSERT_ID().
 *
 * Row filters (a role that may change only some rows) are enforced in both directions: the filter is
 * ANDed into the WHERE of updates and deletes (apply-grant.ts), and rows that an insert or update
 * writes must still match it (checked by `rowFilterCheck` before the transaction commits), so a role
 * cannot insert or move rows outside what it may see.
 *
 * A batch insert runs as one multi-row INSERT per column set. When it fails, the records are replayed
 * one by one in a transaction that is always rolled back, to name the failing record's index.
 *
 * May import: auth, catalog, dialects, query, errors, executor.
 */
import { applyGrant, rowFilterCheck, type ApplyGrantOptions } from '../auth/apply-grant.js';
import type { Grant } from '../auth/authorizer.js';
import type { Column, Table } from '../catalog/catalog-types.js';
import type { Row } from '../dialects/dialect.js';
import { ApiError, asApiError, authErrors, catalogErrors, withRecordIndex } from '../errors.js';
import { and, columnItem, columnRef, tableRef } from '../query/ir-factories.js';
import type { ColumnRef, Delete, Expr, Insert, Param, Select, Update } from '../query/ir.js';
import { isMerging, keyRowsOf, keysCondition, keyValues, planInserts, type ConflictResolution, type InsertGroup, type RecordValues } from '../query/rest-writes.js';
import type { Executor, StatementRunner } from './executor.js';
import type { RequestContext } from './request-context.js';

export interface WriteScope {
  readonly ctx: RequestContext;
  readonly grant: Grant;
  /** The columns to return (the request's `fields`, within the grant). */
  readonly returning: readonly ColumnRef[];
  /**
   * The caller's read grants on the tables the write's conditions read through relations (GraphQL's
   * `where: {customer: {…}}`): their columns are checked and their row filters apply inside the
   * subqueries, as for reads. Without it, such a condition is refused.
   */
  readonly related?: ReadonlyMap<string, Grant>;
}

/** `applyGrant`'s options for a statement of this write. */
function grantOptions(scope: WriteScope, insert = false): ApplyGrantOptions {
  return { ...(scope.related ? { related: scope.related } : {}), ...(insert ? { insertCheckedAgainstRowFilter: true } : {}) };
}

export interface InsertOutcome {
  /** The created (or upserted) rows, in body order. */
  readonly rows: readonly Row[];
  /** With `atomic: false`: the records that failed, by body index. */
  readonly errors: readonly { readonly index: number; readonly error: ApiError }[];
}

export interface WriteOutcome {
  readonly rows: readonly Row[];
  /** Rows changed (for updates and deletes without returned rows, what the engine reported). */
  readonly count: number;
}

/** An update of one record addressed by its key (PUT/PATCH of keyed records). */
export interface KeyedUpdate {
  readonly index: number;
  readonly key: readonly Param[];
  readonly set: Update['set'];
}

/** Thrown inside the replay transaction to roll it back when no record failed on its own. */
class ReplayFinished extends Error {}

export class TableWriter {
  private readonly key: readonly Column[];
  private readonly returningSupport: 'all' | 'insertDelete' | 'none';

  constructor(
    private readonly executor: Executor,
    private readonly table: Table,
  ) {
    this.key = table.primaryKey.map((name) => table.columnsByName.get(name) as Column);
    this.returningSupport = executor.dialect.capabilities.returning;
  }

  // ----- inserts -------------------------------------------------------------------------------

  async insert(
    records: readonly RecordValues[],
    scope: WriteScope,
    options: { readonly atomic: boolean; readonly onConflict?: ConflictResolution },
  ): Promise<InsertOutcome> {
    if (scope.grant.rowFilter && this.key.length === 0) throw authErrors.rowFilterWithoutKey(this.table.name);
    // A merging upsert would overwrite an existing row the filter hides, and the check afterwards
    // only sees the new state (which the caller chose): refuse it, as nothing checks the old row.
    if (scope.grant.rowFilter && isMerging(options.onConflict)) throw authErrors.upsertUnderRowFilter(this.table.name);
    const plan = (batch: readonly RecordValues[]) =>
      planInserts(this.table, batch, { returning: this.insertReturning(scope), ...(options.onConflict ? { onConflict: options.onConflict } : {}) });
    if (!options.atomic) {
      const rows: Row[] = [];
      const errors: { index: number; error: ApiError }[] = [];
      for (const record of records) {
        try {
          rows.push(...(await this.executor.transaction(scope.ctx, (tx) => this.insertGroups(tx, plan([record]), records, scope))));
        } catch (error) {
          errors.push({ index: record.index, error: asApiError(withRecordIndex(error, record.index)) });
        }
      }
      return { rows, errors };
    }
    const groups = plan(records);
    try {
      const rows = await this.executor.transaction(scope.ctx, (tx) => this.insertGroups(tx, groups, records, scope));
      return { rows, errors: [] };
    } catch (error) {
      const multiRowFailure = error instanceof ApiError && error.status < 500 && error.context.index === undefined && records.length > 1;
      if (!multiRowFailure) throw error;
      throw await this.locateFailure(records, scope, plan, error);
    }
  }

  /** Replays the records one by one, rolled back at the end, and returns the first one's error (with its index). */
  private async locateFailure(
    records: readonly RecordValues[],
    scope: WriteScope,
    plan: (batch: readonly RecordValues[]) => InsertGroup[],
    original: ApiError,
  ): Promise<unknown> {
    try {
      await this.executor.transaction(scope.ctx, async (tx) => {
        for (const record of records) {
          try {
            await this.insertGroups(tx, plan([record]), records, scope);
          } catch (error) {
            throw withRecordIndex(error, record.index);
          }
        }
        throw new ReplayFinished();
      });
    } catch (error) {
      if (!(error instanceof ReplayFinished)) return error;
    }
    return original;
  }

  /** Columns an INSERT returns: the requested ones, plus the key when a row filter must be checked. */
  private insertReturning(scope: WriteScope): readonly ColumnRef[] {
    return this.withKey(scope.returning, scope.grant.rowFilter !== undefined);
  }

  private withKey(columns: readonly ColumnRef[], needed: boolean): readonly ColumnRef[] {
    if (!needed) return columns;
    const present = new Set(columns.map((c) => c.name));
    return [...columns, ...this.key.filter((c) => !present.has(c.name)).map((c) => columnRef(this.table, c))];
  }

  private async insertGroups(tx: StatementRunner, groups: readonly InsertGroup[], records: readonly RecordValues[], scope: WriteScope): Promise<Row[]> {
    const byIndex = new Map(records.map((r) => [r.index, r]));
    const placed: { index: number; row: Row }[] = [];
    for (const group of groups) {
      const rows =
        this.returningSupport === 'none'
          ? await this.insertReadingBack(tx, group, byIndex, scope)
          : await this.insertReturningRows(tx, group.statement, scope);
      // Rows map to records one to one unless duplicates were ignored; then keep them in group order.
      rows.forEach((row, i) => placed.push({ index: rows.length === group.indexes.length ? (group.indexes[i] as number) : (group.indexes[0] as number), row }));
    }
    return placed.sort((a, b) => a.index - b.index).map((p) => p.row);
  }

  private async insertReturningRows(tx: StatementRunner, statement: Insert, scope: WriteScope): Promise<Row[]> {
    const { rows } = await tx.run(applyGrant(statement, scope.grant, grantOptions(scope, true)), scope.ctx);
    await this.checkRowFilter(tx, keyRowsOf(this.key, rows), scope);
    return this.project(rows, scope.returning);
  }

  /** MySQL: one INSERT per row, then the row read back by a key it carries or by LAST_INSERT_ID(). */
  private async insertReadingBack(tx: StatementRunner, group: InsertGroup, records: ReadonlyMap<number, RecordValues>, scope: WriteScope): Promise<Row[]> {
    const out: Row[] = [];
    for (const [i, values] of group.statement.rows.entries()) {
      const record = records.get(group.indexes[i] as number) as RecordValues;
      const single: Insert = { ...group.statement, rows: [values], returning: [] };
      const result = await tx.run(applyGrant(single, scope.grant, grantOptions(scope, true)), scope.ctx);
      const condition = this.insertedRowCondition(record, result.insertId);
      if (!condition) {
        // Nothing identifies the row: answer with what was written (the Faucet contract's fallback).
        out.push(Object.fromEntries(scope.returning.flatMap((c) => (record.values.has(c.name) ? [[c.name, record.values.get(c.name)?.value]] : []))));
        continue;
      }
      await this.checkRowFilterWhere(tx, condition, scope);
      out.push(...(await this.readWhere(tx, condition, scope)));
    }
    return out;
  }

  private insertedRowCondition(record: RecordValues, insertId: string | undefined): Expr | undefined {
    for (const names of [this.table.primaryKey, ...this.table.uniqueKeys]) {
      if (names.length === 0) continue;
      const key = names.map((name) => this.table.columnsByName.get(name) as Column);
      const values = keyValues(record, key);
      if (values && values.every((v) => v.value !== null)) return keysCondition(this.table, key, [values]);
    }
    const [only] = this.key;
    if (this.key.length === 1 && only && only.generated !== null && insertId !== undefined && insertId !== '0') {
      return keysCondition(this.table, [only], [[{ kind: 'param', value: insertId, type: only.valueType }]]);
    }
    return undefined;
  }

  // ----- updates -------------------------------------------------------------------------------

  /** Updates the rows matching `where` (within the grant) and returns them as they are afterwards. */
  updateWhere(set: Update['set'], where: Expr, scope: WriteScope): Promise<WriteOutcome> {
    return this.executor.transaction(scope.ctx, (tx) => this.updateIn(tx, set, where, scope));
  }

  /** Updates records addressed by their keys, one statement each; a key matching no row is a 404 naming the record. */
  updateRecords(updates: readonly KeyedUpdate[], scope: WriteScope): Promise<WriteOutcome> {
    return this.executor.transaction(scope.ctx, async (tx) => {
      const rows: Row[] = [];
      for (const update of updates) {
        try {
          const outcome = await this.updateIn(tx, update.set, keysCondition(this.table, this.key, [update.key]), scope);
          if (outcome.count === 0) throw catalogErrors.recordNotFound(this.executor.service, this.table.name, update.key.map((p) => String(p.value)).join(','));
          rows.push(...outcome.rows);
        } catch (error) {
          throw withRecordIndex(error, update.index);
        }
      }
      return { rows, count: rows.length };
    });
  }

  private async updateIn(tx: StatementRunner, set: Update['set'], where: Expr, scope: WriteScope): Promise<WriteOutcome> {
    const checked = scope.grant.rowFilter !== undefined;
    if (checked && this.key.length === 0) throw authErrors.rowFilterWithoutKey(this.table.name);
    if (this.returningSupport === 'all') {
      const statement: Update = { kind: 'update', table: tableRef(this.table), set, where, returning: this.withKey(scope.returning, checked) };
      const { rows } = await tx.run(applyGrant(statement, scope.grant, grantOptions(scope)), scope.ctx);
      await this.checkRowFilter(tx, keyRowsOf(this.key, rows), scope);
      return { rows: this.project(rows, scope.returning), count: rows.length };
    }
    if (this.key.length === 0) {
      const statement: Update = { kind: 'update', table: tableRef(this.table), set, where, returning: [] };
      const result = await tx.run(applyGrant(statement, scope.grant, grantOptions(scope)), scope.ctx);
      return { rows: [], count: result.affectedRows ?? 0 };
    }
    // Without UPDATE … RETURNING: fix the set of rows by their keys, update exactly those, read them back.
    const keys = keyRowsOf(this.key, (await tx.run(applyGrant(this.select(this.keyRefs(), where), scope.grant, grantOptions(scope)), scope.ctx)).rows);
    if (keys.length === 0) return { rows: [], count: 0 };
    const matched = keysCondition(this.table, this.key, keys);
    const statement: Update = { kind: 'update', table: tableRef(this.table), set, where: and(matched, where) ?? matched, returning: [] };
    await tx.run(applyGrant(statement, scope.grant, grantOptions(scope)), scope.ctx);
    const after = keysCondition(this.table, this.key, this.keysAfter(keys, set));
    await this.checkRowFilterWhere(tx, after, scope);
    return { rows: await this.readWhere(tx, after, scope), count: keys.length };
  }

  /** The keys of updated rows after the update: key columns the SET assigns take their new values. */
  private keysAfter(keys: readonly Param[][], set: Update['set']): Param[][] {
    const assigned = new Map(set.flatMap(({ column, value }) => (value.kind === 'param' ? [[column.name, value] as const] : [])));
    return keys.map((key) => key.map((value, i) => assigned.get((this.key[i] as Column).name) ?? value));
  }

  // ----- deletes -------------------------------------------------------------------------------

  /**
   * Deletes the rows matching `where` (within the grant). With `returnRows`, returns them as they
   * were (for the per-record DELETE); otherwise only the count.
   */
  deleteWhere(where: Expr, scope: WriteScope, options: { readonly returnRows: boolean }): Promise<WriteOutcome> {
    return this.executor.transaction(scope.ctx, async (tx) => {
      const returning = options.returnRows && this.returningSupport !== 'none' ? scope.returning : [];
      const before = options.returnRows && this.returningSupport === 'none' ? await this.readWhere(tx, where, scope) : undefined;
      const statement: Delete = { kind: 'delete', from: tableRef(this.table), where, returning };
      const result = await tx.run(applyGrant(statement, scope.grant, grantOptions(scope)), scope.ctx);
      const rows = before ?? result.rows;
      return { rows, count: returning.length > 0 ? result.rows.length : (result.affectedRows ?? rows.length) };
    });
  }

  // ----- helpers -------------------------------------------------------------------------------

  private keyRefs(): ColumnRef[] {
    return this.key.map((c) => columnRef(this.table, c));
  }

  private select(columns: readonly ColumnRef[], where: Expr): Select {
    return { kind: 'select', from: tableRef(this.table), items: columns.map(columnItem), where, orderBy: [] };
  }

  private async readWhere(tx: StatementRunner, where: Expr, scope: WriteScope): Promise<Row[]> {
    return (await tx.run(applyGrant(this.select(scope.returning, where), scope.grant, grantOptions(scope)), scope.ctx)).rows;
  }

  private checkRowFilter(tx: StatementRunner, keys: readonly Param[][], scope: WriteScope): Promise<void> {
    if (!scope.grant.rowFilter || keys.length === 0) return Promise.resolve();
    return this.checkRowFilterWhere(tx, keysCondition(this.table, this.key, keys), scope, keys.length);
  }

  private async checkRowFilterWhere(tx: StatementRunner, written: Expr, scope: WriteScope, expected?: number): Promise<void> {
    const check = rowFilterCheck(tableRef(this.table), written, scope.grant);
    if (!check) return;
    const { rows } = await tx.run(check, scope.ctx);
    const inside = Number(rows[0]?.count ?? 0);
    const wanted = expected ?? (written.kind === 'tupleIn' ? written.rows.length : 1);
    if (inside < wanted) throw authErrors.rowFilterViolation(this.table.name);
  }

  /** Drops columns that were returned only for internal checks. */
  private project(rows: Row[], columns: readonly ColumnRef[]): Row[] {
    const wanted = new Set(columns.map((c) => c.name));
    for (const row of rows) for (const name of Object.keys(row)) if (!wanted.has(name)) delete row[name];
    return rows;
  }
}
