/**
 * `where` (T_bool_exp) and `order_by` (T_order_by) arguments → the query IR, the same `Expr` and
 * `OrderItem`s the REST filter produces. Values are checked with the REST filter's `coerceValue`, so
 * a value REST refuses is refused here with the same 400.
 *
 * Input objects arrive keyed by GraphQL field names; `ColumnFields` maps them back to columns.
 *
 * May import: catalog, query, errors.
 */
import type { Column, Table } from '../catalog/catalog-types.js';
import { requestErrors } from '../errors.js';
import { and, columnRef, orderBy, param, userLikePattern } from '../query/ir-factories.js';
import type { CompareOp, Expr, OrderItem, ParamValue } from '../query/ir.js';
import { coerceValue, type RawValue } from '../query/filter/resolve-filter.js';

/** GraphQL field name → column, for the columns a type shows. */
export type ColumnFields = ReadonlyMap<string, Column>;

export type BoolExp = { readonly [field: string]: unknown };

export interface FilterLimits {
  readonly maxDepth: number;
  readonly maxInList: number;
}

const COMPARE: Readonly<Record<string, CompareOp>> = { _eq: '=', _neq: '<>', _gt: '>', _gte: '>=', _lt: '<', _lte: '<=' };
const LIKE: Readonly<Record<string, { negated: boolean; caseInsensitive: boolean }>> = {
  _like: { negated: false, caseInsensitive: false },
  _nlike: { negated: true, caseInsensitive: false },
  _ilike: { negated: false, caseInsensitive: true },
  _nilike: { negated: true, caseInsensitive: true },
};

const TRUE: Expr = Object.freeze({ kind: 'constant', value: true });
const FALSE: Expr = Object.freeze({ kind: 'constant', value: false });

function rawOf(value: unknown, table: Table, column: Column): RawValue {
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number') return { kind: 'number', text: String(value) };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  throw requestErrors.invalidValue(table.name, column.name, 'a scalar value', typeof value);
}

function valueOf(table: Table, column: Column, op: string, value: unknown): ParamValue {
  if (value === null || value === undefined) {
    throw requestErrors.invalidParameter('where', `${op} on '${column.name}' needs a value (use _is_null to test for NULL)`);
  }
  return coerceValue(table, column, rawOf(value, table, column));
}

function comparison(table: Table, column: Column, ops: BoolExp, limits: FilterLimits): Expr[] {
  const left = columnRef(table, column);
  const out: Expr[] = [];
  for (const [op, value] of Object.entries(ops)) {
    const compareOp = COMPARE[op];
    const like = LIKE[op];
    if (compareOp) {
      out.push({ kind: 'compare', left, op: compareOp, right: param(valueOf(table, column, op, value), column.valueType) });
    } else if (like) {
      if (typeof value !== 'string') throw requestErrors.invalidParameter('where', `${op} on '${column.name}' needs a pattern`);
      out.push({ kind: 'like', left, pattern: param(userLikePattern(value), 'string'), ...like });
    } else if (op === '_in' || op === '_nin') {
      if (!Array.isArray(value)) throw requestErrors.invalidParameter('where', `${op} on '${column.name}' needs a list`);
      if (value.length > limits.maxInList) throw requestErrors.filterTooComplex('where', `${op} lists at most ${limits.maxInList} values`);
      const negated = op === '_nin';
      if (value.length === 0) out.push(negated ? TRUE : FALSE);
      else out.push({ kind: 'in', left, negated, values: value.map((v) => param(valueOf(table, column, op, v), column.valueType)) });
    } else if (op === '_is_null') {
      if (typeof value !== 'boolean') throw requestErrors.invalidParameter('where', `_is_null on '${column.name}' needs true or false`);
      out.push({ kind: 'isNull', operand: left, negated: !value });
    } else {
      throw requestErrors.invalidParameter('where', `unknown operator ${op}`);
    }
  }
  return out;
}

function expressions(table: Table, fields: ColumnFields, exp: BoolExp, limits: FilterLimits, depth: number): Expr {
  if (depth > limits.maxDepth) throw requestErrors.filterTooComplex('where', `nested deeper than ${limits.maxDepth} levels`);
  const items: Expr[] = [];
  for (const [key, value] of Object.entries(exp)) {
    if (value === null || value === undefined) continue; // an explicit null input is no condition (Hasura)
    const nested = (v: unknown) => expressions(table, fields, v as BoolExp, limits, depth + 1);
    if (key === '_and' || key === '_or') {
      const list = (Array.isArray(value) ? value : [value]).map(nested);
      if (key === '_and') items.push(and(...list) ?? TRUE);
      else items.push(list.length === 0 ? FALSE : list.length === 1 ? (list[0] as Expr) : { kind: 'or', items: list });
    } else if (key === '_not') {
      items.push({ kind: 'not', item: nested(value) });
    } else {
      const column = fields.get(key);
      if (!column) throw requestErrors.invalidParameter('where', `unknown field ${key}`);
      items.push(...comparison(table, column, value as BoolExp, limits));
    }
  }
  return and(...items) ?? TRUE;
}

/** The condition of a `where` argument; undefined when there is none. */
export function whereToExpr(table: Table, fields: ColumnFields, where: BoolExp | null | undefined, limits: FilterLimits): Expr | undefined {
  if (!where) return undefined;
  const expr = expressions(table, fields, where, limits, 1);
  return expr.kind === 'constant' && expr.value ? undefined : expr;
}

/** Values of the `order_by` enum; `asc`/`desc` put NULLs last/first (PostgreSQL's defaults) on every engine. */
export const ORDER_DIRECTIONS = {
  asc: { direction: 'asc', nulls: 'last' },
  asc_nulls_first: { direction: 'asc', nulls: 'first' },
  asc_nulls_last: { direction: 'asc', nulls: 'last' },
  desc: { direction: 'desc', nulls: 'first' },
  desc_nulls_first: { direction: 'desc', nulls: 'first' },
  desc_nulls_last: { direction: 'desc', nulls: 'last' },
} as const;

export type OrderDirection = keyof typeof ORDER_DIRECTIONS;

/**
 * `order_by` → ORDER BY items, in list order (and field order within one object), with the primary
 * key appended as a tie-breaker when `keyVisible`, so pages are stable.
 */
export function orderByToItems(
  table: Table,
  fields: ColumnFields,
  orders: readonly { readonly [field: string]: unknown }[] | null | undefined,
  keyVisible: boolean,
): OrderItem[] {
  const items: OrderItem[] = [];
  for (const entry of orders ?? []) {
    for (const [key, value] of Object.entries(entry)) {
      if (value === null || value === undefined) continue;
      const column = fields.get(key);
      const direction = ORDER_DIRECTIONS[value as OrderDirection];
      if (!column || !direction) throw requestErrors.invalidParameter('order_by', `cannot order by ${key}`);
      items.push(orderBy(columnRef(table, column), direction.direction, direction.nulls));
    }
  }
  if (keyVisible) {
    const ordered = new Set(items.flatMap((i) => (i.column.kind === 'columnRef' ? [i.column.name] : [])));
    for (const name of table.primaryKey) {
      const column = table.columnsByName.get(name);
      if (column && !ordered.has(name)) items.push(orderBy(columnRef(table, column), 'asc'));
    }
  }
  return items;
}

/** `T_by_pk(<key columns>)` arguments → the condition on the primary key. */
export function keyToExpr(table: Table, keyFields: readonly (readonly [string, Column])[], args: BoolExp): Expr {
  const items = keyFields.map(([name, column]): Expr => ({
    kind: 'compare',
    left: columnRef(table, column),
    op: '=',
    right: param(valueOf(table, column, name, args[name]), column.valueType),
  }));
  return and(...items) ?? TRUE;
}
