/**
 * (Statement, Grant) → AuthorizedStatement: the column mask and row filter of a grant, applied to
 * the IR. This module is the only producer of `AuthorizedStatement` — the executor accepts nothing
 * else — so a surface that skips the authorizer does not compile.
 *
 * Column restrictions reject, they do not hide: selecting, filtering, ordering, grouping or writing a
 * column outside the grant is a 403, because silently dropping a filtered column would turn filters
 * into an oracle for hidden data.
 *
 * May import: query, errors.
 */
import { ApiError, authErrors } from '../errors.js';
import { and } from '../query/ir-factories.js';
import type { ColumnRef, Expr, Select, Statement, TableRef } from '../query/ir.js';
import type { SchemaChange } from '../query/schema-change.js';
import type { Grant } from './authorizer.js';

declare const authorized: unique symbol;

/** A statement that passed `applyGrant`. Only this module can make one. */
export type AuthorizedStatement<S extends Statement = Statement> = S & { readonly [authorized]: true };

function brand<S extends Statement>(statement: S): AuthorizedStatement<S> {
  return Object.freeze(statement) as AuthorizedStatement<S>;
}

declare const authorizedSchema: unique symbol;

/** A schema change that passed `authorizeSchemaChange`. Only this module can make one. */
export type AuthorizedSchemaChange<C extends SchemaChange = SchemaChange> = C & { readonly [authorizedSchema]: true };

/**
 * (SchemaChange, Grant) → AuthorizedSchemaChange, the only value the executor's
 * `applySchemaChange` accepts. A grant restricted to some columns or rows cannot change a schema
 * (a table's DDL touches every column and row), so it is refused.
 */
export function authorizeSchemaChange<C extends SchemaChange>(change: C, grant: Grant): AuthorizedSchemaChange<C> {
  if (grant.columns !== 'all' || grant.rowFilter) {
    throw authErrors.forbidden('A grant limited to some columns or rows cannot change a schema', { table: change.table.name });
  }
  return Object.freeze(change) as AuthorizedSchemaChange<C>;
}

function columnsOfExpr(expr: Expr | undefined, out: ColumnRef[]): ColumnRef[] {
  if (!expr) return out;
  switch (expr.kind) {
    case 'and':
    case 'or':
      for (const item of expr.items) columnsOfExpr(item, out);
      break;
    case 'not':
      columnsOfExpr(expr.item, out);
      break;
    case 'constant':
      break;
    case 'compare':
    case 'like':
    case 'in':
      out.push(expr.left);
      break;
    case 'tupleIn':
      out.push(...expr.left);
      break;
    case 'isNull':
    case 'between':
      out.push(expr.operand);
      break;
  }
  return out;
}

/** Every column a statement reads, filters on, orders by or writes. */
export function referencedColumns(statement: Statement): ColumnRef[] {
  switch (statement.kind) {
    case 'select': {
      const out: ColumnRef[] = [];
      for (const item of statement.items) {
        if (item.kind === 'column') out.push(item.column);
        else if (item.column) out.push(item.column);
      }
      columnsOfExpr(statement.where, out);
      out.push(...(statement.groupBy ?? []), ...statement.orderBy.map((o) => o.column));
      out.push(...(statement.limitPerPartition?.partitionBy ?? []));
      return out;
    }
    case 'insert':
      return [...statement.columns, ...statement.returning, ...(statement.onConflict?.target ?? [])];
    case 'update':
      return columnsOfExpr(statement.where, [...statement.set.map((s) => s.column), ...statement.returning]);
    case 'delete':
      return columnsOfExpr(statement.where, [...statement.returning]);
    case 'call':
      return [];
  }
}

function assertColumns(statement: Statement, grant: Grant): void {
  if (grant.columns === 'all') return;
  for (const column of referencedColumns(statement)) {
    if (!grant.columns.has(column.name)) {
      throw new ApiError(403, `Access to column '${column.name}' of '${column.table}' is not allowed`, 'columnNotAllowed', {
        table: column.table,
        column: column.name,
      });
    }
  }
}

export interface ApplyGrantOptions {
  /**
   * For inserts under a row filter: the caller promises to run `rowFilterCheck` on the inserted rows
   * in the same transaction and roll back when it fails (table-writer.ts does). Without the promise
   * such inserts are refused, since nothing else would stop a role inserting rows it may not see.
   */
  readonly insertCheckedAgainstRowFilter?: boolean;
}

export function applyGrant<S extends Statement>(statement: S, grant: Grant, options: ApplyGrantOptions = {}): AuthorizedStatement<S> {
  assertColumns(statement, grant);
  switch (statement.kind) {
    case 'select': {
      const limit =
        grant.maxLimit === undefined ? statement.limit : Math.min(statement.limit ?? grant.maxLimit, grant.maxLimit);
      const where = and(statement.where, grant.rowFilter);
      return brand({ ...statement, ...(where ? { where } : {}), ...(limit !== undefined ? { limit } : {}) });
    }
    case 'update':
    case 'delete':
      return brand({ ...statement, where: and(statement.where, grant.rowFilter) ?? statement.where });
    case 'insert':
      if (grant.rowFilter && !options.insertCheckedAgainstRowFilter) {
        throw new ApiError(403, 'Inserting under a row filter is not allowed for this role', 'rowFilterOnInsert');
      }
      return brand(statement);
    case 'call':
      return brand(statement);
  }
  throw new Error('unreachable');
}

/**
 * The check that written rows still lie inside the grant's row filter (PostgreSQL's RLS `WITH
 * CHECK`): a count of the rows matching `written` (a condition on their keys) and the filter. The
 * write is allowed only if it counts every written row. Undefined when the grant has no row filter.
 * The key columns of `written` are internal, so they need no column grant.
 */
export function rowFilterCheck(from: TableRef, written: Expr, grant: Grant): AuthorizedStatement<Select> | undefined {
  if (!grant.rowFilter) return undefined;
  return brand({
    kind: 'select',
    from,
    items: [{ kind: 'aggregate', fn: 'count', alias: 'count' }],
    where: and(written, grant.rowFilter) ?? written,
    orderBy: [],
  });
}

/**
 * Prepares an authorized select for a relation load: ANDs the key condition (narrowing only, so the
 * result stays within the grant) and adds the join-key columns to the select list when they are
 * missing, and optionally pages per key (which also only removes rows). Join keys are internal: the
 * relation loader removes the added ones from its output, so they need no column grant. Returns
 * the names of the columns it added.
 */
export function forRelationLoad(
  statement: AuthorizedStatement<Select>,
  keyColumns: readonly ColumnRef[],
  condition: Expr,
  perKey?: { readonly limit: number; readonly offset?: number },
): { readonly statement: AuthorizedStatement<Select>; readonly addedColumns: readonly string[] } {
  const present = new Set(statement.items.flatMap((i) => (i.kind === 'column' ? [i.column.name] : [])));
  const added = keyColumns.filter((c) => !present.has(c.name));
  const items = [...statement.items, ...added.map((column) => ({ kind: 'column' as const, column }))];
  const where = and(statement.where, condition) ?? condition;
  const limit = perKey && statement.limit !== undefined ? Math.min(perKey.limit, statement.limit) : perKey?.limit;
  const paged: Select = perKey
    ? {
        ...statement,
        items,
        where,
        limit: undefined,
        offset: undefined,
        limitPerPartition: { partitionBy: keyColumns, limit: limit ?? perKey.limit, ...(perKey.offset ? { offset: perKey.offset } : {}) },
      }
    : { ...statement, items, where };
  return { statement: brand(paged), addedColumns: added.map((c) => c.name) };
}
