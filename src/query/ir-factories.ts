/**
 * Small constructors for IR nodes, used by the surfaces (rest/, graphql/) and the executor. They
 * take catalog objects, not strings, so every reference they make exists. Nodes are frozen.
 *
 * May import: catalog, query/ir.
 */
import type { Column, Table, ValueType } from '../catalog/catalog-types.js';
import type { ColumnRef, Expr, OrderItem, Param, ParamValue, RelatedValue, SelectItem, TableRef } from './ir.js';

export function tableRef(table: Table): TableRef {
  return Object.freeze({ kind: 'tableRef', schema: table.schema, name: table.name });
}

export function columnRef(table: Table, column: Column): ColumnRef {
  return Object.freeze({ kind: 'columnRef', table: table.name, name: column.name, valueType: column.valueType });
}

export function param(value: ParamValue, type: ValueType): Param {
  return Object.freeze({ kind: 'param', value, type });
}

export function columnItem(column: ColumnRef): SelectItem {
  return Object.freeze({ kind: 'column', column });
}

export function eq(left: ColumnRef, value: ParamValue): Expr {
  return Object.freeze({ kind: 'compare', left, op: '=', right: param(value, left.valueType) });
}

/** AND of the given expressions, dropping `undefined`s and flattening nested ANDs; `undefined` if none remain. */
export function and(...items: readonly (Expr | undefined)[]): Expr | undefined {
  const flat: Expr[] = [];
  for (const item of items) {
    if (!item) continue;
    if (item.kind === 'and') flat.push(...item.items);
    else flat.push(item);
  }
  if (flat.length === 0) return undefined;
  if (flat.length === 1) return flat[0];
  return Object.freeze({ kind: 'and', items: Object.freeze(flat) });
}

/** A key's values as parameters of its columns' types (`values` in `columns` order): the slots of a by-key read's plan. */
export function keyParams(columns: readonly Column[], values: readonly ParamValue[]): Param[] {
  return columns.map((column, i) => param(values[i] as ParamValue, column.valueType));
}

/** The condition on a key: `column = param` for each of `columns`, ANDed (`params` in `columns` order). */
export function keyEquals(table: Table, columns: readonly Column[], params: readonly Param[]): Expr {
  const items = columns.map((column, i): Expr => Object.freeze({ kind: 'compare', left: columnRef(table, column), op: '=', right: params[i] as Param }));
  return and(...items) ?? Object.freeze({ kind: 'constant', value: true });
}

export function orderBy(column: ColumnRef | RelatedValue, direction: 'asc' | 'desc' = 'asc', nulls?: 'first' | 'last'): OrderItem {
  return Object.freeze(nulls ? { column, direction, nulls } : { column, direction });
}

/**
 * Escapes `value` for use inside a LIKE pattern whose escape character is `!` (the IR's convention,
 * chosen because it needs no escaping in either dialect's string syntax): `!`, `%` and `_` are
 * prefixed with `!` so they match literally.
 */
export function escapeLikePattern(value: string): string {
  return value.replace(/[!%_]/g, (ch) => `!${ch}`);
}

/**
 * A user-written LIKE pattern, made safe for the `!` escape convention: `%` and `_` keep their
 * wildcard meaning and a literal `!` is doubled. Backslashes are ordinary characters on every engine.
 */
export function userLikePattern(pattern: string): string {
  return pattern.replace(/!/g, '!!');
}
