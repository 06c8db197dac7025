/**
 * REST write bodies → IR for one table. Records arrive shape-checked (rest/ validated that they are
 * JSON objects); here every key is resolved against the catalog and every value checked against its
 * column's type *before* any SQL runs, so a bad record is a 400 naming the record's index and the
 * column, the same on every engine (MySQL in a lenient sql_mode would otherwise truncate or coerce).
 *
 * What it refuses: unknown columns (400 `unknownColumn`), values of the wrong JSON type (400
 * `invalidValue`), strings longer than the column allows, and values for computed columns (400
 * `readOnlyColumn`). Column grants are not checked here: `applyGrant` rejects a write to a column
 * outside the grant (403), so there is one place that decides.
 *
 * May import: catalog, query, errors.
 */
import type { Column, ScalarValueType, Table, ValueType } from '../catalog/catalog-types.js';
import { describeValueType } from '../catalog/catalog-types.js';
import { resolveColumn } from '../catalog/resolve.js';
import { requestErrors, withRecordIndex } from '../errors.js';
import { coerceValue, type RawValue } from './filter/resolve-filter.js';
import { columnRef, param, tableRef } from './ir-factories.js';
import type { ColumnRef, DefaultValue, Expr, Insert, Param, ParamValue, SetValue, Update } from './ir.js';

/** One body record after validation: its position in the body and its values by column name. */
export interface RecordValues {
  readonly index: number;
  readonly values: ReadonlyMap<string, Param>;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value.length > 40 ? `'${value.slice(0, 40)}…'` : `'${value}'`;
  return String(value);
}

function rawOf(value: string | number | boolean): RawValue {
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number') return { kind: 'number', text: String(value) };
  return { kind: 'boolean', value };
}

function scalarValue(table: Table, column: Column, type: ScalarValueType, value: unknown): ParamValue {
  const fail = (expected: string): never => {
    throw requestErrors.invalidValue(table.name, column.name, expected, describeJson(value));
  };
  if (value === null) return null;
  if (type === 'json') return value as ParamValue; // any JSON value; it came from JSON.parse
  if (type === 'bytes') {
    if (typeof value !== 'string' || !BASE64.test(value)) return fail('base64-encoded bytes');
    return value;
  }
  if (typeof value === 'object') return fail(`a ${describeValueType(type)} value`);
  if (typeof value === 'number' && !Number.isFinite(value)) return fail('a finite number');
  if ((type === 'string' || type === 'enum') && typeof value !== 'string') {
    // Numbers and booleans are accepted for text columns, as their JSON text.
    if (typeof value !== 'number' && typeof value !== 'boolean') return fail('a string');
  }
  const scalarColumn: Column = type === column.valueType ? column : { ...column, valueType: type };
  const coerced = coerceValue(table, scalarColumn, rawOf(value as string | number | boolean));
  if (type === 'string' && column.maxLength !== undefined && typeof coerced === 'string' && [...coerced].length > column.maxLength) {
    return fail(`at most ${column.maxLength} characters`);
  }
  return coerced;
}

/** Checks one JSON value against a column and returns the value to bind (a 400 naming the column otherwise). */
export function writeValue(table: Table, column: Column, value: unknown): ParamValue {
  const type: ValueType = column.valueType;
  if (typeof type === 'string') return scalarValue(table, column, type, value);
  if (value === null) return null;
  if (!Array.isArray(value)) throw requestErrors.invalidValue(table.name, column.name, `an array of ${type.of}`, describeJson(value));
  return value.map((element: unknown) => scalarValue(table, column, type.of, element));
}

/**
 * Validates one record: every key names a column that may be written, every value fits. `skip`
 * names body keys that are not columns (e.g. `ids` beside the fields of a PATCH).
 */
export function recordValues(table: Table, record: Readonly<Record<string, unknown>>, index: number, skip: ReadonlySet<string> = new Set()): RecordValues {
  try {
    const values = new Map<string, Param>();
    for (const [key, value] of Object.entries(record)) {
      if (skip.has(key)) continue;
      const column = resolveColumn(table, key);
      if (column.generated === 'computed') throw requestErrors.readOnlyColumn(table.name, column.name);
      values.set(column.name, param(writeValue(table, column, value), column.valueType));
    }
    return { index, values };
  } catch (error) {
    throw withRecordIndex(error, index);
  }
}

export function primaryKey(table: Table): Column[] {
  return table.primaryKey.map((name) => resolveColumn(table, name));
}

/** The values of `key`'s columns in a record, or undefined when one is missing. */
export function keyValues(record: RecordValues, key: readonly Column[]): Param[] | undefined {
  const out: Param[] = [];
  for (const column of key) {
    const value = record.values.get(column.name);
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

/** `key IN (rows…)` for one or several key tuples. */
export function keysCondition(table: Table, key: readonly Column[], rows: readonly (readonly Param[])[]): Expr {
  return Object.freeze({ kind: 'tupleIn', left: key.map((c) => columnRef(table, c)), rows });
}

/** Key tuples read back from result rows (JSON form) as parameters again. */
export function keyRowsOf(key: readonly Column[], rows: readonly Readonly<Record<string, unknown>>[]): Param[][] {
  return rows.map((row) => key.map((column) => param((row[column.name] ?? null) as ParamValue, column.valueType)));
}

/** The unique key an upsert detects conflicts on: the primary key if the records carry it, else the first unique key they carry. */
function conflictTarget(table: Table, columns: ReadonlySet<string>, index: number): Column[] {
  const candidates = [table.primaryKey, ...table.uniqueKeys].filter((key) => key.length > 0);
  const key = candidates.find((names) => names.every((name) => columns.has(name)));
  if (!key) throw withRecordIndex(requestErrors.upsertWithoutKey(table.name, candidates.map((k) => [...k])), index);
  return key.map((name) => resolveColumn(table, name));
}

/**
 * How an insert treats rows that collide with existing ones: REST's `merge` (overwrite every given
 * column) and `ignore` (keep the existing row), or — GraphQL's `on_conflict` — a named unique key
 * and the columns to overwrite (none: keep the existing row).
 */
export type ConflictResolution =
  | 'merge'
  | 'ignore'
  | { readonly key: readonly string[]; readonly update: readonly string[]; readonly where?: Expr };

/** Whether a resolution overwrites existing rows. */
export function isMerging(resolution: ConflictResolution | undefined): boolean {
  return resolution === 'merge' || (typeof resolution === 'object' && resolution.update.length > 0);
}

/** A multi-row INSERT and the body indexes of its rows, in order. */
export interface InsertGroup {
  readonly indexes: readonly number[];
  readonly statement: Insert;
}

/**
 * One INSERT per distinct set of columns (a typical batch has one), rows in body order within each.
 * Grouping keeps an upsert from overwriting a column that one record omitted with its default.
 * Empty records (`{}`) get one INSERT each, as `INSERT … DEFAULT VALUES` inserts a single row.
 */
export function planInserts(
  table: Table,
  records: readonly RecordValues[],
  options: { readonly returning: readonly ColumnRef[]; readonly onConflict?: ConflictResolution },
): InsertGroup[] {
  const groups = new Map<string, RecordValues[]>();
  for (const record of records) {
    const signature = [...record.values.keys()].sort().join('\u0000');
    const group = groups.get(signature);
    if (group) group.push(record);
    else groups.set(signature, [record]);
  }
  // Records naming no column at all insert a row of defaults each (`DEFAULT VALUES` takes one row only).
  const batches = [...groups.values()].flatMap((group) => ((group[0] as RecordValues).values.size === 0 ? group.map((record) => [record]) : [group]));
  return batches.map((group) => {
    const first = group[0] as RecordValues;
    const columns = table.columns.filter((c) => first.values.has(c.name));
    let onConflict: Insert['onConflict'];
    const explicit = typeof options.onConflict === 'object' ? options.onConflict : undefined;
    if (explicit) {
      onConflict = {
        target: explicit.key.map((name) => columnRef(table, resolveColumn(table, name))),
        update: explicit.update.map((name) => columnRef(table, resolveColumn(table, name))),
        ...(explicit.where && explicit.update.length > 0 ? { where: explicit.where } : {}),
      };
    } else if (options.onConflict) {
      const target = conflictTarget(table, new Set(first.values.keys()), first.index);
      const targetNames = new Set(target.map((c) => c.name));
      const update = options.onConflict === 'ignore' ? [] : columns.filter((c) => !targetNames.has(c.name));
      // Updating the key to itself makes PostgreSQL's RETURNING include rows that already existed.
      onConflict = {
        target: target.map((c) => columnRef(table, c)),
        update: (options.onConflict === 'merge' && update.length === 0 ? target : update).map((c) => columnRef(table, c)),
      };
    }
    const statement: Insert = Object.freeze({
      kind: 'insert',
      into: tableRef(table),
      columns: columns.map((c) => columnRef(table, c)),
      rows: group.map((record) => columns.map((c) => record.values.get(c.name) as Param)),
      returning: options.returning,
      ...(onConflict ? { onConflict } : {}),
    });
    return { indexes: group.map((r) => r.index), statement };
  });
}

const DEFAULT: DefaultValue = Object.freeze({ kind: 'default' });

/**
 * The SET list of a write. `exclude` names columns that address the record (its key, taken from the
 * body) and are not assigned. `replace` (PUT) also resets every other column the caller may write
 * to its default — never key columns, nor columns the database fills itself.
 */
export function setList(
  table: Table,
  values: ReadonlyMap<string, Param>,
  options: { readonly replace: boolean; readonly exclude: ReadonlySet<string>; readonly writable: ReadonlySet<string> | 'all' },
): Update['set'] {
  const set: { column: ColumnRef; value: SetValue }[] = [];
  const key = new Set(table.primaryKey);
  for (const column of table.columns) {
    if (options.exclude.has(column.name)) continue;
    const value = values.get(column.name);
    if (value !== undefined) {
      set.push({ column: columnRef(table, column), value });
      continue;
    }
    const resettable =
      options.replace && !key.has(column.name) && column.generated === null && (options.writable === 'all' || options.writable.has(column.name));
    if (resettable) set.push({ column: columnRef(table, column), value: DEFAULT });
  }
  if (set.length === 0) throw requestErrors.emptyWrite(table.name);
  return set;
}
