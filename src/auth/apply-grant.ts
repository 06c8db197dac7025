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
import { ApiError, authErrors, requestErrors } from '../errors.js';
import { and } from '../query/ir-factories.js';
import type { ColumnRef, Exists, Expr, RelatedValue, Select, Statement, TableRef } from '../query/ir.js';
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

declare const authorizedSql: unique symbol;

/** Raw SQL text a grant on `_sql` allows (see `authorizeSql`). Only this module can make one. */
export interface AuthorizedSql {
  readonly sql: string;
  /** Run in a read-only transaction (the grant allowed reads only). */
  readonly readOnly: boolean;
  readonly [authorizedSql]: true;
}

/**
 * Statements that change the connection's session rather than data — settings, the default
 * database, transaction control, locks and prepared statements. Connections are pooled and shared
 * with every other request, so raw SQL may not run them (and transaction control would end the
 * read-only transaction raw SQL runs in).
 */
const SESSION_STATEMENT =
  /^(set|reset|discard|use|begin|start|commit|end|rollback|savepoint|release|abort|lock|unlock|prepare|execute|deallocate|listen|unlisten|load|handler|flush|kill|shutdown|install|uninstall)\b/i;

/** The first keyword of a statement, after whitespace, comments and opening parentheses; undefined for a MySQL executable comment. */
function leadingKeyword(sql: string): string | undefined {
  let rest = sql;
  for (;;) {
    const trimmed = rest.replace(/^[\s(]+/, '');
    if (/^\/\*[!M]/.test(trimmed)) return undefined; // /*! … */ runs on MySQL: not a comment
    if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/', 2);
      rest = end < 0 ? '' : trimmed.slice(end + 2);
    } else if (trimmed.startsWith('--') || trimmed.startsWith('#')) {
      const end = trimmed.indexOf('\n');
      rest = end < 0 ? '' : trimmed.slice(end + 1);
    } else {
      return trimmed;
    }
  }
}

/**
 * (SQL text, Grant) → AuthorizedSql, the only value the executor's `runSql` accepts. Raw SQL can
 * touch any column and row, so a grant restricted to some columns or rows cannot run it; statements
 * that change the (pooled) connection's session are refused (see SESSION_STATEMENT).
 */
export function authorizeSql(sql: string, grant: Grant, mode: { readonly readOnly: boolean }): AuthorizedSql {
  if (grant.columns !== 'all' || grant.rowFilter) {
    throw authErrors.forbidden('A grant limited to some columns or rows cannot run raw SQL', {});
  }
  const start = leadingKeyword(sql);
  if (start === undefined || SESSION_STATEMENT.test(start)) {
    throw requestErrors.invalidParameter('sql', 'statements that change the session (SET, USE, transaction control, locks, prepared statements, MySQL executable comments) are not accepted');
  }
  if (start === '') throw requestErrors.invalidParameter('sql', 'is empty');
  return Object.freeze({ sql, readOnly: mode.readOnly }) as AuthorizedSql;
}

/** A scope of the walk: the table it reads and the columns referenced in it (see the IR's scoping rule). */
interface Scope {
  readonly table: string;
  readonly columns: ColumnRef[];
}

/** A subquery of a statement: the related table it reads and the columns of that table it references. */
export interface RelatedReference {
  readonly table: TableRef;
  readonly columns: readonly ColumnRef[];
}

/**
 * Collects column references per scope, resolving each the way the compilers do: to the innermost
 * scope of its table, else to the statement's own (outermost) scope.
 */
class ReferenceWalker {
  readonly related: RelatedReference[] = [];
  private readonly scopes: Scope[];

  constructor(table: string) {
    this.scopes = [{ table, columns: [] }];
  }

  get own(): ColumnRef[] {
    return (this.scopes[0] as Scope).columns;
  }

  column(ref: ColumnRef): void {
    for (let i = this.scopes.length - 1; i > 0; i--) {
      const scope = this.scopes[i] as Scope;
      if (scope.table === ref.table) {
        scope.columns.push(ref);
        return;
      }
    }
    this.own.push(ref);
  }

  expr(expr: Expr | undefined): void {
    if (!expr) return;
    switch (expr.kind) {
      case 'and':
      case 'or':
        for (const item of expr.items) this.expr(item);
        break;
      case 'not':
        this.expr(expr.item);
        break;
      case 'constant':
        break;
      case 'compare':
      case 'like':
      case 'in':
      case 'jsonContains':
      case 'jsonHasKeys':
        this.column(expr.left);
        break;
      case 'tupleIn':
        for (const c of expr.left) this.column(c);
        break;
      case 'isNull':
      case 'between':
        this.column(expr.operand);
        break;
      case 'exists':
        this.subquery(expr, () => this.expr(expr.where));
        break;
    }
  }

  orderValue(value: ColumnRef | RelatedValue): void {
    if (value.kind === 'columnRef') this.column(value);
    else this.subquery(value, () => {
      this.orderValue(value.value);
      this.expr(value.where);
    });
  }

  /**
   * The correlation's outer sides belong to the enclosing scope; its inner sides are join keys,
   * internal like those the relation loader adds (`forRelationLoad`), so they need no column grant.
   */
  private subquery(node: Exists | RelatedValue, inside: () => void): void {
    for (const c of node.correlation) this.column(c.outer);
    const scope: Scope = { table: node.table.name, columns: [] };
    this.scopes.push(scope);
    try {
      inside();
    } finally {
      this.scopes.pop();
    }
    this.related.push({ table: node.table, columns: scope.columns });
  }
}

function walk(statement: Statement): ReferenceWalker {
  switch (statement.kind) {
    case 'select': {
      const walker = new ReferenceWalker(statement.from.name);
      for (const item of statement.items) {
        if (item.kind === 'column') walker.column(item.column);
        else if (item.column) walker.column(item.column);
      }
      walker.expr(statement.where);
      for (const c of statement.groupBy ?? []) walker.column(c);
      for (const o of statement.orderBy) walker.orderValue(o.column);
      for (const c of statement.limitPerPartition?.partitionBy ?? []) walker.column(c);
      for (const c of statement.distinctOn ?? []) walker.column(c);
      return walker;
    }
    case 'insert': {
      const walker = new ReferenceWalker(statement.into.name);
      for (const c of [...statement.columns, ...statement.returning, ...(statement.onConflict?.target ?? []), ...(statement.onConflict?.update ?? [])]) walker.column(c);
      walker.expr(statement.onConflict?.where);
      return walker;
    }
    case 'update': {
      const walker = new ReferenceWalker(statement.table.name);
      for (const c of [...statement.set.map((s) => s.column), ...statement.returning]) walker.column(c);
      walker.expr(statement.where);
      return walker;
    }
    case 'delete': {
      const walker = new ReferenceWalker(statement.from.name);
      for (const c of statement.returning) walker.column(c);
      walker.expr(statement.where);
      return walker;
    }
    case 'call':
      return new ReferenceWalker(statement.procedure);
  }
}

/**
 * Every column of the statement's own table that it reads, filters on, orders by or writes —
 * including the outer side of its subqueries' correlations (a filter through `customer` reads
 * `orders.customer_id`), but not the columns of the related tables inside them (`relatedReferences`).
 */
export function referencedColumns(statement: Statement): ColumnRef[] {
  return walk(statement).own;
}

/** The subqueries (`exists`, `relatedValue`) of a statement, innermost first, with the columns each references. */
export function relatedReferences(statement: Statement): RelatedReference[] {
  return walk(statement).related;
}

/**
 * The names of the related tables a statement's subqueries read: the tables a surface must
 * authorize (GET) and pass to `applyGrant` as `related` grants.
 */
export function relatedTables(statement: Statement): string[] {
  return [...new Set(relatedReferences(statement).map((r) => r.table.name))];
}

function assertColumnsOf(columns: readonly ColumnRef[], grant: Grant): void {
  if (grant.columns === 'all') return;
  for (const column of columns) {
    if (!grant.columns.has(column.name)) {
      throw authErrors.columnNotAllowed(column.table, column.name);
    }
  }
}

/**
 * ANDs each related table's row filter into the subqueries reading it, so that a filter or an order
 * through a relation sees only the related rows the role may see (otherwise it would be an oracle
 * for hidden rows). Nested subqueries are rewritten first; the row filters themselves are the
 * administrator's and are not rewritten.
 */
function filterSubqueries(expr: Expr, grants: ReadonlyMap<string, Grant>): Expr {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return Object.freeze({ kind: expr.kind, items: Object.freeze(expr.items.map((i) => filterSubqueries(i, grants))) });
    case 'not':
      return Object.freeze({ kind: 'not', item: filterSubqueries(expr.item, grants) });
    case 'exists': {
      const inner = expr.where ? filterSubqueries(expr.where, grants) : undefined;
      const where = and(inner, grants.get(expr.table.name)?.rowFilter);
      const { where: _previous, ...rest } = expr;
      return Object.freeze({ ...rest, ...(where ? { where } : {}) });
    }
    default:
      return expr;
  }
}

function filterOrderValue(value: ColumnRef | RelatedValue, grants: ReadonlyMap<string, Grant>): ColumnRef | RelatedValue {
  if (value.kind === 'columnRef') return value;
  const inner = value.where ? filterSubqueries(value.where, grants) : undefined;
  const where = and(inner, grants.get(value.table.name)?.rowFilter);
  const { where: _previous, ...rest } = value;
  return Object.freeze({ ...rest, value: filterOrderValue(value.value, grants), ...(where ? { where } : {}) });
}

export interface ApplyGrantOptions {
  /**
   * For inserts under a row filter: the caller promises to run `rowFilterCheck` on the inserted rows
   * in the same transaction and roll back when it fails (table-writer.ts does). Without the promise
   * such inserts are refused, since nothing else would stop a role inserting rows it may not see.
   */
  readonly insertCheckedAgainstRowFilter?: boolean;
  /**
   * The grants of the related tables the statement's subqueries read (filters and orders through
   * relations), by table name: what `authorize` answered for a GET on each of `relatedTables(statement)`.
   * Their columns are checked like the statement's own and their row filters ANDed inside the
   * subqueries. A subquery on a table missing here is a 403.
   */
  readonly related?: ReadonlyMap<string, Grant>;
}

export function applyGrant<S extends Statement>(statement: S, grant: Grant, options: ApplyGrantOptions = {}): AuthorizedStatement<S> {
  // Checked (and rewritten) before the statement's own row filter is added: that filter is the
  // administrator's, and the subqueries it may hold are not the caller's to authorize.
  const references = walk(statement);
  assertColumnsOf(references.own, grant);
  const grants = options.related ?? new Map<string, Grant>();
  for (const reference of references.related) {
    const related = grants.get(reference.table.name);
    if (!related) throw authErrors.relatedTableNotAuthorized(reference.table.name);
    assertColumnsOf(reference.columns, related);
  }
  switch (statement.kind) {
    case 'select': {
      const limit =
        grant.maxLimit === undefined ? statement.limit : Math.min(statement.limit ?? grant.maxLimit, grant.maxLimit);
      const filtered = statement.where ? filterSubqueries(statement.where, grants) : undefined;
      const where = and(filtered, grant.rowFilter);
      const orderBy = statement.orderBy.map((o) => (o.column.kind === 'columnRef' ? o : Object.freeze({ ...o, column: filterOrderValue(o.column, grants) })));
      return brand({ ...statement, orderBy, ...(where ? { where } : {}), ...(limit !== undefined ? { limit } : {}) });
    }
    case 'update':
    case 'delete':
      return brand({ ...statement, where: and(filterSubqueries(statement.where, grants), grant.rowFilter) ?? statement.where });
    case 'insert': {
      if (grant.rowFilter && !options.insertCheckedAgainstRowFilter) {
        throw new ApiError(403, 'Inserting under a row filter is not allowed for this role', 'rowFilterOnInsert');
      }
      // A conditional upsert's condition may read related tables: their row filters apply there too.
      const conflict = statement.onConflict;
      if (!conflict?.where) return brand(statement);
      return brand({ ...statement, onConflict: { ...conflict, where: filterSubqueries(conflict.where, grants) } });
    }
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
  const paged: Select = perKey
    ? {
        ...statement,
        items,
        where,
        limit: undefined,
        offset: undefined,
        limitPerPartition: { partitionBy: keyColumns, limit: perKeyLimitOf(statement, perKey), ...(perKey.offset ? { offset: perKey.offset } : {}) },
      }
    : { ...statement, items, where };
  return { statement: brand(paged), addedColumns: added.map((c) => c.name) };
}

/** Rows per key of a per-key page: the page's limit, within the statement's own (a grant's row limit). */
function perKeyLimitOf(statement: Select, perKey: { readonly limit: number }): number {
  return statement.limit !== undefined ? Math.min(perKey.limit, statement.limit) : perKey.limit;
}

/**
 * The cheap form of a per-key page that starts at the first row (no offset): the relation load in
 * the select's own order, without a window function, under one statement-level LIMIT of
 * `keyCount × limit + 1` (a LIMIT only removes rows). When it returns at most `maxRows`
 * (`keyCount × limit`) rows, they are all the rows of all the keys, and each key's first `perKeyLimit`
 * rows are what the windowed form (`forRelationLoad` with `perKey`) returns; when it returns more,
 * some key may have lost rows to another and the caller runs the windowed form instead. Undefined
 * where the two forms differ otherwise: an offset, or DISTINCT ON (which the windowed form applies
 * per key).
 */
export function forCappedRelationLoad(
  statement: AuthorizedStatement<Select>,
  keyColumns: readonly ColumnRef[],
  condition: Expr,
  perKey: { readonly limit: number; readonly offset?: number },
  keyCount: number,
): { readonly statement: AuthorizedStatement<Select>; readonly addedColumns: readonly string[]; readonly perKeyLimit: number; readonly maxRows: number } | undefined {
  if (perKey.offset || (statement.distinctOn && statement.distinctOn.length > 0) || statement.offset !== undefined) return undefined;
  const { statement: unpaged, addedColumns } = forRelationLoad(statement, keyColumns, condition);
  const perKeyLimit = perKeyLimitOf(statement, perKey);
  const maxRows = keyCount * perKeyLimit;
  return { statement: brand({ ...unpaged, limit: maxRows + 1 }), addedColumns, perKeyLimit, maxRows };
}

/**
 * Prepares an authorized aggregate select (no GROUP BY, LIMIT or OFFSET of its own) for the
 * aggregates of a relation per parent: groups it by the join-key columns (added first to its items)
 * and ANDs the key condition, which only narrows it. As in `forRelationLoad`, join keys are internal
 * and need no column grant. A row limit of the grant does not apply: there is one row per parent.
 */
export function forRelationAggregate(statement: AuthorizedStatement<Select>, keyColumns: readonly ColumnRef[], condition: Expr): AuthorizedStatement<Select> {
  if ((statement.groupBy && statement.groupBy.length > 0) || statement.offset !== undefined || statement.limitPerPartition || statement.distinctOn) {
    throw new Error('forRelationAggregate needs a plain aggregate select');
  }
  const items = [...keyColumns.map((column) => ({ kind: 'column' as const, column })), ...statement.items];
  return brand({ ...statement, items, where: and(statement.where, condition) ?? condition, groupBy: keyColumns, limit: undefined });
}
