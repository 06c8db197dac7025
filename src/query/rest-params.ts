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
import type { FilterLimits, Identifier } from './filter/filter-ast.js';
import { parseFields, parseFilter, parseOrder } from './filter/filter-parser.js';
import { coerceValue, FilterResolver, type RawValue } from './filter/resolve-filter.js';
import { and, columnItem, columnRef, keyEquals, keyParams, orderBy as orderItem, param, tableRef } from './ir-factories.js';
import type { AggregateFunction, ColumnRef, Expr, OrderItem, Param, ParamValue, Select, SelectItem } from './ir.js';
import { isToOne, relatedColumn, type TableLookup } from './relation-paths.js';
import { isPostgrestOrder, parsePostgrestOrder, resolveColumnConditions, type ColumnCondition } from './postgrest-params.js';

export interface ReadParams {
  readonly filter?: string;
  readonly fields?: string;
  readonly order?: string;
  /** Absent: the default page size (or, when streaming, no limit). */
  readonly limit?: number;
  readonly offset?: number;
  readonly ids?: string;
  readonly includeCount?: boolean;
  /** PostgREST-style `{column}.{op}=value` conditions, ANDed with `filter`. */
  readonly conditions?: readonly ColumnCondition[];
  /** `group=col1,col2`: group rows (with aggregates in `fields`). */
  readonly group?: string;
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

/**
 * One `order` term's value: a column of the table, or — when the qualifier names a to-one relation
 * (and `tables` is given) — the column of the related row (`customer.full_name`).
 */
function orderValue(table: Table, identifier: Identifier, tables: TableLookup | undefined): OrderItem['column'] {
  const relation = identifier.table !== undefined && identifier.table !== table.name ? table.relationsByName.get(identifier.table) : undefined;
  if (!relation) return new FilterResolver(table).column(identifier)[1];
  if (!tables) throw requestErrors.relationFilterUnavailable(table.name, relation.name);
  if (!isToOne(relation)) {
    throw requestErrors.invalidParameter('order', `'${relation.name}' is a ${relation.kind} relation of '${table.name}'; only columns of to-one relations can order rows`);
  }
  const target = tables(relation.target);
  const [column] = new FilterResolver(target).column({ kind: 'identifier', name: identifier.name, position: identifier.position });
  return relatedColumn(table, relation, tables, columnRef(target, column));
}

/**
 * `order` → ORDER BY items, with the primary key appended as a tie-breaker when it is visible.
 * With `tables`, a term may name a column of a to-one relation (`customer.full_name desc`).
 */
export function resolveOrder(table: Table, order: string | undefined, visible: VisibleColumns = 'all', tables?: TableLookup): OrderItem[] {
  const items: OrderItem[] = [];
  if (order !== undefined && order.trim() !== '') {
    const terms = isPostgrestOrder(order) ? parsePostgrestOrder(order) : parseOrder(order);
    for (const term of terms) items.push(orderItem(orderValue(table, term.column, tables), term.direction, term.nulls));
  }
  const ordered = new Set(items.flatMap((i) => (i.column.kind === 'columnRef' ? [i.column.name] : [])));
  if (!table.primaryKey.every((name) => isVisible(visible, name))) return items;
  for (const name of table.primaryKey) {
    const column = table.columnsByName.get(name);
    if (column && !ordered.has(name)) items.push(orderItem(columnRef(table, column), 'asc'));
  }
  return items;
}

/** `filter` → a condition; with `tables`, conditions may go through relations (`customer.tier = 'gold'`). */
export function resolveFilterParam(table: Table, filter: string | undefined, limits: FilterLimits, tables?: TableLookup): Expr | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  return new FilterResolver(table, tables).resolve(parseFilter(filter, limits));
}

function primaryKeyColumns(table: Table): Column[] {
  if (table.primaryKey.length === 0) throw requestErrors.noPrimaryKey(table.name);
  return table.primaryKey.map((name) => resolveColumn(table, name));
}

/** One id's parts (`5`, or `5,12` for a composite key in key order) → the values of the key columns, checked as filter values are. */
function idTupleValues(table: Table, keys: readonly Column[], parts: readonly RawValue[], shown: string): ParamValue[] {
  if (parts.length !== keys.length) {
    throw requestErrors.invalidId(table.name, `'${shown}' has ${parts.length} part(s); the key (${keys.map((k) => k.name).join(', ')}) has ${keys.length}`);
  }
  return keys.map((column, i) => coerceValue(table, column, parts[i] as RawValue));
}

/** A record's id as it appears in a URL path segment → the values of its key columns, in key order. */
export function recordKeyValues(table: Table, id: string): ParamValue[] {
  const keys = primaryKeyColumns(table);
  const parts = keys.length === 1 ? [id] : id.split(',');
  return idTupleValues(table, keys, parts.map((value) => ({ kind: 'string', value })), id);
}

/** The values of a record's key (`recordKeyValues`) as parameters of the key columns' types: the slots of a record read's plan. */
export function recordKeyParams(table: Table, values: readonly ParamValue[]): Param[] {
  return keyParams(primaryKeyColumns(table), values);
}

/** The condition selecting one record by its id as it appears in a URL path segment. */
export function recordCondition(table: Table, id: string): Expr {
  const keys = primaryKeyColumns(table);
  return keyEquals(table, keys, keyParams(keys, recordKeyValues(table, id)));
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
  options: {
    readonly streaming?: boolean;
    readonly visible?: VisibleColumns;
    /** The catalog's tables: enables filters and orders through relations. */
    readonly tables?: TableLookup;
  } = {},
): TableReadPlan {
  const streaming = options.streaming ?? false;
  const visible = options.visible ?? 'all';
  const where = readCondition(table, params, limits.filter, options.tables);
  const aggregate = planAggregate(table, params.fields, params.group);
  if (aggregate && params.includeCount) throw requestErrors.invalidParameter('include_count', 'cannot be combined with aggregates or group');
  const columns = aggregate ? [] : resolveFields(table, params.fields, visible);
  const order = aggregate ? resolveGroupOrder(table, params.order, aggregate.groupBy) : resolveOrder(table, params.order, visible, options.tables);
  const limit = streaming ? params.limit : Math.min(params.limit ?? limits.defaultLimit, limits.maxLimit);
  const offset = params.offset ?? 0;
  const from = tableRef(table);
  const page: Select = Object.freeze({
    kind: 'select',
    from,
    items: Object.freeze(aggregate ? aggregate.items : columns.map(columnItem)),
    ...(where ? { where } : {}),
    ...(aggregate && aggregate.groupBy.length > 0 ? { groupBy: aggregate.groupBy } : {}),
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

/**
 * The rows a read or write addresses: `filter`, PostgREST-style conditions and `ids`, ANDed. Without
 * `tables` (writes), a condition through a relation is a 400.
 */
export function readCondition(
  table: Table,
  params: Pick<ReadParams, 'filter' | 'ids' | 'conditions'>,
  limits: FilterLimits,
  tables?: TableLookup,
): Expr | undefined {
  return and(
    resolveFilterParam(table, params.filter, limits, tables),
    resolveColumnConditions(table, params.conditions ?? [], limits),
    params.ids !== undefined ? idsCondition(table, params.ids, limits.maxInListSize) : undefined,
  );
}

const AGGREGATE = /^\s*(count|sum|avg|min|max)\s*\(\s*(\*|[^()]*?)\s*\)\s*$/i;
const NUMERIC = new Set(['integer', 'bigint', 'decimal', 'float']);
const ORDERED = new Set([...NUMERIC, 'string', 'enum', 'date', 'time', 'timestamp', 'timestamptz']);

interface AggregatePlan {
  readonly items: readonly SelectItem[];
  readonly groupBy: readonly ColumnRef[];
}

/**
 * `fields=count(*),sum(total),status` with `group=status` → group columns and aggregates
 * (`count`, `sum_total`, `avg_price`, …). Undefined when `fields` has no aggregate and there is no
 * `group`. Plain columns in `fields` must be grouped; sum/avg need numeric columns, min/max ordered ones.
 */
export function planAggregate(table: Table, fields: string | undefined, group: string | undefined): AggregatePlan | undefined {
  const terms = fields === undefined || fields.trim() === '' ? [] : fields.split(',');
  const hasAggregate = terms.some((t) => AGGREGATE.test(t));
  if (!hasAggregate && (group === undefined || group.trim() === '')) return undefined;
  const resolver = new FilterResolver(table);
  if (group !== undefined && group.trim() !== '' && parseFields(group) === '*') throw requestErrors.invalidParameter('group', 'name the columns to group by');
  const groupBy = group === undefined || group.trim() === '' ? [] : resolveFields(table, group);
  const grouped = new Set(groupBy.map((c) => c.name));
  const items: SelectItem[] = groupBy.map(columnItem);
  const aliases = new Set<string>(grouped);
  for (const term of terms) {
    const match = AGGREGATE.exec(term);
    if (!match) {
      const plain = term.trim();
      if (plain === '' || !grouped.has(resolver.column({ kind: 'identifier', name: plain, position: 0 })[0].name)) {
        throw requestErrors.invalidParameter('fields', `'${plain}' must be an aggregate or one of the group columns`);
      }
      continue; // group columns come first already
    }
    const fn = (match[1] as string).toLowerCase() as AggregateFunction;
    const argument = match[2] as string;
    let item: SelectItem;
    if (argument === '*') {
      if (fn !== 'count') throw requestErrors.invalidParameter('fields', `${fn}(*) is not an aggregate; name a column`);
      item = { kind: 'aggregate', fn, alias: 'count' };
    } else {
      const [column, ref] = resolver.column({ kind: 'identifier', name: argument, position: 0 });
      const type = typeof column.valueType === 'string' ? column.valueType : 'array';
      if ((fn === 'sum' || fn === 'avg') && !NUMERIC.has(type)) throw requestErrors.unsupportedOperator(table.name, column.name, fn, `needs a numeric column, not ${type}`);
      if ((fn === 'min' || fn === 'max') && !ORDERED.has(type)) throw requestErrors.unsupportedOperator(table.name, column.name, fn, `not defined for ${type} columns`);
      item = { kind: 'aggregate', fn, column: ref, alias: `${fn}_${column.name}` };
    }
    if (item.kind === 'aggregate' && aliases.has(item.alias)) continue;
    if (item.kind === 'aggregate') aliases.add(item.alias);
    items.push(item);
  }
  return { items, groupBy };
}

/** `order` of a grouped read: group columns only (the default: all of them, in group order). */
function resolveGroupOrder(table: Table, order: string | undefined, groupBy: readonly ColumnRef[]): OrderItem[] {
  if (order === undefined || order.trim() === '') return groupBy.map((c) => orderItem(c, 'asc'));
  const grouped = new Set(groupBy.map((c) => c.name));
  const items = resolveOrder({ ...table, primaryKey: [] }, order);
  for (const { column } of items) {
    if (column.kind !== 'columnRef') throw requestErrors.invalidParameter('order', 'a grouped read orders by its group columns only');
    if (!grouped.has(column.name)) throw requestErrors.invalidParameter('order', `'${column.name}' is not a group column`);
  }
  return items;
}

/** Plans the read of one record by its key: `key` holds a parameter per key column, in key order (`recordKeyParams`). */
export function planRecordRead(table: Table, key: readonly Param[], fields: string | undefined, visible: VisibleColumns = 'all'): Select {
  return Object.freeze({
    kind: 'select',
    from: tableRef(table),
    items: Object.freeze(resolveFields(table, fields, visible).map(columnItem)),
    where: keyEquals(table, primaryKeyColumns(table), key),
    orderBy: [],
    limit: 1,
  });
}
