/**
 * Conditions on json/jsonb columns (Hasura's `jsonb_comparison_exp`): `_contains`, `_contained_in`,
 * `_has_key`, `_has_keys_any`, `_has_keys_all`, plus `_is_null`. They become the IR's
 * `jsonContains` / `jsonHasKeys`, which PostgreSQL compiles to `@>`, `<@`, `?` and MySQL/MariaDB to
 * JSON_CONTAINS and JSON_KEYS; values are bound parameters on both.
 *
 * May import: catalog, query, errors, graphql-scalars.
 */
import type { InputObjectRef } from '@pothos/core';
import type { Column, Table } from '../catalog/catalog-types.js';
import { requestErrors } from '../errors.js';
import { columnRef, param } from '../query/ir-factories.js';
import type { Expr, ParamValue } from '../query/ir.js';
import type { Builder, BuilderTypes } from './graphql-scalars.js';

/** The operators of `jsonb_comparison_exp` handled here (`_is_null` is the common one). */
export const JSON_OPERATORS: ReadonlySet<string> = new Set(['_contains', '_contained_in', '_has_key', '_has_keys_any', '_has_keys_all']);

export const JSON_COMPARISON_TYPE = 'jsonb_comparison_exp';

/** `jsonb_comparison_exp`, the comparison input of every json column. */
export function jsonComparisonInput(builder: Builder): InputObjectRef<BuilderTypes, { readonly [field: string]: unknown }> {
  return builder.inputRef<{ readonly [field: string]: unknown }>(JSON_COMPARISON_TYPE).implement({
    description: 'Conditions on a json value; all given conditions must hold',
    fields: (t) => ({
      _contains: t.field({ type: 'json', description: 'The value contains this JSON (PostgreSQL @>, MySQL JSON_CONTAINS)' }),
      _contained_in: t.field({ type: 'json', description: 'The value is contained in this JSON (PostgreSQL <@)' }),
      _has_key: t.string({ description: 'The string is a top-level key (or a string element of a top-level array)' }),
      _has_keys_any: t.stringList({ description: 'Any of these strings is a top-level key' }),
      _has_keys_all: t.stringList({ description: 'All of these strings are top-level keys' }),
      _is_null: t.boolean(),
    }),
  });
}

function keysOf(column: Column, op: string, value: unknown, maxInList: number): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length > maxInList) throw requestErrors.filterTooComplex('where', `${op} lists at most ${maxInList} keys`);
  return list.map((key) => {
    if (typeof key !== 'string') throw requestErrors.invalidParameter('where', `${op} on '${column.name}' needs ${Array.isArray(value) ? 'a list of strings' : 'a string'}`);
    return key;
  });
}

/** One json operator on `column` → its IR condition. */
export function jsonComparison(table: Table, column: Column, op: string, value: unknown, limits: { readonly maxInList: number }): Expr {
  if (column.valueType !== 'json') throw requestErrors.invalidParameter('where', `${op} applies to json columns; '${column.name}' is not one`);
  const left = columnRef(table, column);
  if (op === '_contains' || op === '_contained_in') {
    return Object.freeze({ kind: 'jsonContains', left, value: param(value as ParamValue, 'json'), direction: op === '_contains' ? 'contains' : 'containedIn' });
  }
  const keys = keysOf(column, op, value, limits.maxInList).map((key) => param(key, 'string'));
  return Object.freeze({ kind: 'jsonHasKeys', left, keys: Object.freeze(keys), match: op === '_has_keys_any' ? 'any' : 'all' });
}
