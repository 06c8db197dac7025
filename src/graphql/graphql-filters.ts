/**
 * `where` (T_bool_exp) and `order_by` (T_order_by) arguments → the query IR, the same `Expr` and
 * `OrderItem`s the REST filter produces. Values are checked with the REST filter's `coerceValue`, so
 * a value REST refuses is refused here with the same 400.
 *
 * Input objects arrive keyed by GraphQL field names; `ColumnFields` maps them back to columns.
 * With a `RelationScope`, relationship fields are followed as REST's relation filters are: a
 * condition through a relationship becomes an `exists` subquery (`relationExists`), an order through
 * an object relationship a related value (`relatedColumn`). json columns take the operators of
 * graphql-json.ts. `orderAndDistinct` adds `distinct_on` and checks that it leads the order.
 *
 * May import: catalog, query, errors, graphql-json.
 */
import type { Column, Relation, Table } from '../catalog/catalog-types.js';
import { requestErrors } from '../errors.js';
import { and, columnRef, keyEquals, keyParams as columnKeyParams, orderBy, param, userLikePattern } from '../query/ir-factories.js';
import type { ColumnRef, CompareOp, Expr, OrderItem, Param, ParamValue, RelatedValue } from '../query/ir.js';
import { coerceValue, type RawValue } from '../query/filter/resolve-filter.js';
import { isToOne, relatedColumn, relationExists, type TableLookup } from '../query/relation-paths.js';
import { jsonComparison, JSON_OPERATORS } from './graphql-json.js';

/** GraphQL field name → column, for the columns a type shows. */
export type ColumnFields = ReadonlyMap<string, Column>;

export type BoolExp = { readonly [field: string]: unknown };

export interface FilterLimits {
  readonly maxDepth: number;
  readonly maxInList: number;
}

/** A relationship field of `T_bool_exp` / `T_order_by`: the relation and its target table. */
export interface RelationField {
  readonly relation: Relation;
  readonly target: Table;
}

/**
 * How conditions and orders follow relationship fields (`{customer: {tier: {_eq: gold}}}`): the
 * relationship fields of each table and the shown columns of each table, both for the caller's view.
 */
export interface RelationScope {
  relationsOf(table: string): ReadonlyMap<string, RelationField>;
  fieldsOf(table: string): ColumnFields;
  readonly lookup: TableLookup;
  /** How many object relationships an `order_by` may follow in a row (`{customer: {region: {name: asc}}}` is 2). */
  readonly maxOrderHops: number;
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
    if (value === null || value === undefined) continue; // an explicit null input is no condition (Hasura)
    if (JSON_OPERATORS.has(op)) {
      out.push(jsonComparison(table, column, op, value, limits));
    } else if (compareOp) {
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

function expressions(table: Table, fields: ColumnFields, exp: BoolExp, limits: FilterLimits, depth: number, scope: RelationScope | undefined): Expr {
  if (depth > limits.maxDepth) throw requestErrors.filterTooComplex('where', `nested deeper than ${limits.maxDepth} levels`);
  const items: Expr[] = [];
  for (const [key, value] of Object.entries(exp)) {
    if (value === null || value === undefined) continue; // an explicit null input is no condition (Hasura)
    const nested = (v: unknown) => expressions(table, fields, v as BoolExp, limits, depth + 1, scope);
    if (key === '_and' || key === '_or') {
      const list = (Array.isArray(value) ? value : [value]).map(nested);
      if (key === '_and') items.push(and(...list) ?? TRUE);
      else items.push(list.length === 0 ? FALSE : list.length === 1 ? (list[0] as Expr) : { kind: 'or', items: list });
    } else if (key === '_not') {
      items.push({ kind: 'not', item: nested(value) });
    } else {
      const column = fields.get(key);
      const through = column ? undefined : scope?.relationsOf(table.name).get(key);
      if (column) {
        items.push(...comparison(table, column, value as BoolExp, limits));
      } else if (through && scope) {
        // Object relationship: the related row matches; array relationship: some related row matches.
        const inner = expressions(through.target, scope.fieldsOf(through.target.name), value as BoolExp, limits, depth + 1, scope);
        const condition = inner.kind === 'constant' && inner.value ? undefined : inner;
        items.push(relationExists(table, through.relation, scope.lookup, condition));
      } else {
        throw requestErrors.invalidParameter('where', `unknown field ${key}`);
      }
    }
  }
  return and(...items) ?? TRUE;
}

/**
 * The condition of a `where` argument; undefined when there is none. With a `scope`, relationship
 * fields become `exists` subqueries (the statement then needs the related tables' grants).
 */
export function whereToExpr(
  table: Table,
  fields: ColumnFields,
  where: BoolExp | null | undefined,
  limits: FilterLimits,
  scope?: RelationScope,
): Expr | undefined {
  if (!where) return undefined;
  const expr = expressions(table, fields, where, limits, 1, scope);
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
  scope?: RelationScope,
): OrderItem[] {
  const items: OrderItem[] = [];
  /** One `T_order_by` object; `wrap` turns a column of `on` into the value ordered (through to-one relations). */
  const entryItems = (on: Table, onFields: ColumnFields, entry: { readonly [field: string]: unknown }, wrap: (c: ColumnRef | RelatedValue) => ColumnRef | RelatedValue, hops: number): void => {
    for (const [key, value] of Object.entries(entry)) {
      if (value === null || value === undefined) continue;
      const column = onFields.get(key);
      const through = column ? undefined : scope?.relationsOf(on.name).get(key);
      if (through && scope && isToOne(through.relation) && typeof value === 'object') {
        if (hops >= scope.maxOrderHops) throw requestErrors.invalidParameter('order_by', `relationships nested deeper than ${scope.maxOrderHops} levels`);
        const { relation, target } = through;
        entryItems(target, scope.fieldsOf(target.name), value as BoolExp, (c) => wrap(relatedColumn(on, relation, scope.lookup, c)), hops + 1);
        continue;
      }
      const direction = ORDER_DIRECTIONS[value as OrderDirection];
      if (!column || !direction) throw requestErrors.invalidParameter('order_by', `cannot order by ${key}`);
      items.push(orderBy(wrap(columnRef(on, column)), direction.direction, direction.nulls));
    }
  };
  for (const entry of orders ?? []) entryItems(table, fields, entry, (c) => c, 0);
  return keyVisible ? withKeyTieBreak(table, items) : items;
}

/** `items` with the primary key columns they do not already order by appended (ascending). */
function withKeyTieBreak(table: Table, items: readonly OrderItem[]): OrderItem[] {
  const ordered = new Set(items.flatMap((i) => (i.column.kind === 'columnRef' ? [i.column.name] : [])));
  const out = [...items];
  for (const name of table.primaryKey) {
    const column = table.columnsByName.get(name);
    if (column && !ordered.has(name)) out.push(orderBy(columnRef(table, column), 'asc'));
  }
  return out;
}

/**
 * `order_by` and `distinct_on` together (Hasura's rule): the distinct_on columns must lead the
 * order, in any order among themselves; without an `order_by` they are the order (ascending).
 */
export function orderAndDistinct(
  table: Table,
  fields: ColumnFields,
  orders: readonly { readonly [field: string]: unknown }[] | null | undefined,
  distinctOn: readonly string[] | null | undefined,
  keyVisible: boolean,
  scope?: RelationScope,
): { readonly orderBy: OrderItem[]; readonly distinctOn?: ColumnRef[] } {
  const requested = orderByToItems(table, fields, orders, false, scope);
  const names = [...new Set(distinctOn ?? [])];
  if (names.length === 0) return { orderBy: keyVisible ? withKeyTieBreak(table, requested) : requested };
  const distinct = names.map((name) => {
    const column = fields.get(name);
    if (!column) throw requestErrors.invalidParameter('distinct_on', `unknown column ${name}`);
    return columnRef(table, column);
  });
  let items = requested;
  if (items.length === 0) {
    items = distinct.map((c) => orderBy(c, 'asc', 'last'));
  } else {
    const lead = items.slice(0, distinct.length).map((i) => (i.column.kind === 'columnRef' ? i.column.name : ''));
    const wanted = new Set(distinct.map((c) => c.name));
    if (lead.length < wanted.size || lead.some((name) => !wanted.has(name)) || new Set(lead).size !== wanted.size) {
      throw requestErrors.invalidParameter('order_by', `the distinct_on columns (${names.join(', ')}) must lead order_by`);
    }
  }
  return { orderBy: keyVisible ? withKeyTieBreak(table, items) : items, distinctOn: distinct };
}

/** `T_by_pk(<key columns>)` arguments → the key's values, checked as every filter value is. */
export function keyValues(table: Table, keyFields: readonly (readonly [string, Column])[], args: BoolExp): ParamValue[] {
  return keyFields.map(([name, column]) => valueOf(table, column, name, args[name]));
}

/** The condition on the primary key, one `key = param` per key column (`params` in `keyFields` order). */
export function keyCondition(table: Table, keyFields: readonly (readonly [string, Column])[], params: readonly Param[]): Expr {
  return keyEquals(table, keyFields.map(([, column]) => column), params);
}

/** The key's values (`keyValues`) as parameters of their columns' types, in `keyFields` order. */
export function keyParams(keyFields: readonly (readonly [string, Column])[], values: readonly ParamValue[]): Param[] {
  return columnKeyParams(keyFields.map(([, column]) => column), values);
}

/** `T_by_pk(<key columns>)` arguments → the condition on the primary key. */
export function keyToExpr(table: Table, keyFields: readonly (readonly [string, Column])[], args: BoolExp): Expr {
  return keyCondition(table, keyFields, keyParams(keyFields, keyValues(table, keyFields, args)));
}
