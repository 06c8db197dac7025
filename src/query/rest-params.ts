/**
 * The REST read parameters (`filter`, `fields`, `order`, `limit`, `offset`, `ids`, `include_count`)
 * → IR selects for one table. Parameters arrive already shape-checked (rest/ validates the query
 * string with zod); here they are parsed and resolved against the catalog.
 *
 * Paging is deterministic: unless `order` already covers it, the primary key is appended as a
 * tie-breaker (tables without one — most views — keep the engine's order).
 *
 * May import: catalog, query, errors.
 */
import type { Column, Table } from '../catalog/catalog-types.js';
import { resolveColumn } from '../catalog/resolve.js';
import { requestErrors } from '../errors.js';
import type { FilterLimits } from './filter/filter-ast.js';
import { parseFields, parseFilter, parseOrder } from './filter/filter-parser.js';
import { coerceValue, FilterResolver, type RawValue } from './filter/resolve-filter.js';
import { and, columnItem, columnRef, orderBy as orderItem, param, tableRef } from './ir-factories.js';
import type { ColumnRef, Expr, OrderItem, Select } from './ir.js';

export interface ReadParams {
  readonly filter?: string;
  readonly fields?: string;
  readonly order?: string;
  /** Absent: the default page size (or, when streaming, no limit). */
  readonly limit?: number;
  readonly offset?: number;
  readonly ids?: string;
  readonly includeCount?: boolean;
}

export interface ReadLimits {
  readonly defaultLimit: number;
  readonly maxLimit: number;
  readonly filter: FilterLimits;
}

/** Columns the caller may see (from its grant); `all` when unrestricted. */
export type VisibleColumns = ReadonlySet<string> | 'all';

const isVisible = (visible: VisibleColumns, name: string) => visible === 'all' || visible.has(name);

export interface TableReadPlan {
  /** The page of rows. */
  readonly page: Select;
  /** The total count of matching rows, when asked for. */
  readonly count?: Select;
  /** The effective limit (after defaults and caps); absent when streaming without a limit. */
  readonly limit?: number;
  readonly offset: number;
}

/**
 * `fields` → the columns to return, in the requested order; every visible column when absent or
 * `*`. Naming a hidden column is not filtered out here: the grant rejects it (403), so that hidden
 * columns cannot be probed.
 */
export function resolveFields(table: Table, fields: string | undefined, visible: VisibleColumns = 'all'): ColumnRef[] {
  const parsed = fields === undefined || fields.trim() === '' ? '*' : parseFields(fields);
  if (parsed === '*') return table.columns.filter((c) => isVisible(visible, c.name)).map((c) => columnRef(table, c));
  const resolver = new FilterResolver(table);
  return parsed.map((identifier) => resolver.column(identifier)[1]);
}

/** `order` → ORDER BY items, with the primary key appended as a tie-breaker when it is visible. */
export function resolveOrder(table: Table, order: string | undefined, visible: VisibleColumns = 'all'): OrderItem[] {
  const items: OrderItem[] = [];
  if (order !== undefined && order.trim() !== '') {
    const resolver = new FilterResolver(table);
    for (const term of parseOrder(order)) items.push(orderItem(resolver.column(term.column)[1], term.direction, term.nulls));
  }
  const ordered = new Set(items.map((i) => i.column.name));
  if (!table.primaryKey.every((name) => isVisible(visible, name))) return items;
  for (const name of table.primaryKey) {
    const column = table.columnsByName.get(name);
    if (column && !ordered.has(name)) items.push(orderItem(columnRef(table, column), 'asc'));
  }
  return items;
}

export function resolveFilterParam(table: Table, filter: string | undefined, limits: FilterLimits): Expr | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  return new FilterResolver(table).resolve(parseFilter(filter, limits));
}

function primaryKeyColumns(table: Table): Column[] {
  if (table.primaryKey.length === 0) throw requestErrors.noPrimaryKey(table.name);
  return table.primaryKey.map((name) => resolveColumn(table, name));
}

/** One id (`5`, or `5,12` for a composite key in key order) → the values of the key columns. */
function parseIdTuple(table: Table, keys: readonly Column[], parts: readonly RawValue[], shown: string): Expr {
  if (parts.length !== keys.length) {
    throw requestErrors.invalidId(table.name, `'${shown}' has ${parts.length} part(s); the key (${keys.map((k) => k.name).join(', ')}) has ${keys.length}`);
  }
  const items = keys.map((column, i) =>
    Object.freeze({
      kind: 'compare' as const,
      left: columnRef(table, column),
      op: '=' as const,
      right: param(coerceValue(table, column, parts[i] as RawValue), column.valueType),
    }),
  );
  return and(...items) as Expr;
}

/** The condition selecting one record by its id as it appears in a URL path segment. */
export function recordCondition(table: Table, id: string): Expr {
  const keys = primaryKeyColumns(table);
  const parts = keys.length === 1 ? [id] : id.split(',');
  return parseIdTuple(table, keys, parts.map((value) => ({ kind: 'string', value })), id);
}

function jsonIds(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw requestErrors.invalidParameter('ids', 'a JSON array that cannot be parsed');
  }
  if (!Array.isArray(parsed)) throw requestErrors.invalidParameter('ids', 'expected a JSON array');
  return parsed;
}

function rawFromJson(value: unknown): RawValue {
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number' && Number.isFinite(value)) return { kind: 'number', text: String(value) };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  throw requestErrors.invalidParameter('ids', 'ids must be strings or numbers');
}

/**
 * The `ids` parameter → a condition on the primary key. Forms: `1,2,3`; a JSON array `[1,"a,b"]`
 * (for values containing commas); for composite keys, tuples separated by `;` with values in key
 * order (`1,10;2,20`) or a JSON array of arrays (`[[1,10],[2,20]]`).
 */
export function idsCondition(table: Table, ids: string, maxIds: number): Expr {
  const keys = primaryKeyColumns(table);
  const text = ids.trim();
  if (text === '') throw requestErrors.invalidParameter('ids', 'must not be empty');
  let tuples: RawValue[][];
  if (text.startsWith('[')) {
    tuples = jsonIds(text).map((entry) => (Array.isArray(entry) ? entry.map(rawFromJson) : [rawFromJson(entry)]));
  } else if (keys.length === 1) {
    tuples = text.split(',').map((value) => [{ kind: 'string', value: value.trim() }]);
  } else {
    tuples = text.split(';').map((tuple) => tuple.split(',').map((value): RawValue => ({ kind: 'string', value: value.trim() })));
  }
  if (tuples.length > maxIds) throw requestErrors.invalidParameter('ids', `at most ${maxIds} ids are allowed, got ${tuples.length}`);
  if (keys.length === 1) {
    const [key] = keys as [Column];
    return Object.freeze({
      kind: 'in',
      left: columnRef(table, key),
      values: tuples.map((tuple) => {
        if (tuple.length !== 1) throw requestErrors.invalidId(table.name, 'expected one value per id');
        return param(coerceValue(table, key, tuple[0] as RawValue), key.valueType);
      }),
      negated: false,
    });
  }
  return Object.freeze({
    kind: 'tupleIn',
    left: keys.map((k) => columnRef(table, k)),
    rows: tuples.map((tuple) => {
      if (tuple.length !== keys.length) {
        throw requestErrors.invalidId(table.name, `each id needs ${keys.length} values (${keys.map((k) => k.name).join(', ')})`);
      }
      return keys.map((k, i) => param(coerceValue(table, k, tuple[i] as RawValue), k.valueType));
    }),
  });
}

/**
 * Plans a read of `table`. `streaming` reads (NDJSON) have no default limit and no cap: they exist
 * to move large results without holding them in memory.
 */
export function planTableRead(
  table: Table,
  params: ReadParams,
  limits: ReadLimits,
  options: { readonly streaming?: boolean; readonly visible?: VisibleColumns } = {},
): TableReadPlan {
  const streaming = options.streaming ?? false;
  const visible = options.visible ?? 'all';
  const columns = resolveFields(table, params.fields, visible);
  const where = and(
    resolveFilterParam(table, params.filter, limits.filter),
    params.ids !== undefined ? idsCondition(table, params.ids, limits.filter.maxInListSize) : undefined,
  );
  const order = resolveOrder(table, params.order, visible);
  const limit = streaming ? params.limit : Math.min(params.limit ?? limits.defaultLimit, limits.maxLimit);
  const offset = params.offset ?? 0;
  const from = tableRef(table);
  const page: Select = Object.freeze({
    kind: 'select',
    from,
    items: Object.freeze(columns.map(columnItem)),
    ...(where ? { where } : {}),
    orderBy: Object.freeze(order),
    ...(limit !== undefined ? { limit } : {}),
    ...(offset > 0 ? { offset } : {}),
  });
  const count: Select | undefined = params.includeCount
    ? Object.freeze({
        kind: 'select',
        from,
        items: Object.freeze([{ kind: 'aggregate', fn: 'count', alias: 'count' } as const]),
        ...(where ? { where } : {}),
        orderBy: [],
      })
    : undefined;
  return { page, ...(count ? { count } : {}), ...(limit !== undefined ? { limit } : {}), offset };
}

/** Plans the read of one record by its id. */
export function planRecordRead(table: Table, id: string, fields: string | undefined, visible: VisibleColumns = 'all'): Select {
  return Object.freeze({
    kind: 'select',
    from: tableRef(table),
    items: Object.freeze(resolveFields(table, fields, visible).map(columnItem)),
    where: recordCondition(table, id),
    orderBy: [],
    limit: 1,
  });
}
