/**
 * DDL request bodies (already shape-checked by rest/ with zod) → the DDL IR, checked against the
 * catalog: the created table must not exist, altered and dropped tables must be tables that do,
 * columns named by a change must exist (earlier changes of the same request included), new names
 * must be free and valid. Types and defaults pass the allow-lists of `column-types.ts`.
 *
 * May import: catalog, errors, query.
 */
import type { Catalog, Table, ValueType } from '../catalog/catalog-types.js';
import { closestMatch, resolveTable } from '../catalog/resolve.js';
import { isApiError, requestErrors, schemaErrors } from '../errors.js';
import { parseColumnType, parseDefault, validateName, type JsonValue } from './column-types.js';
import type {
  AlterChange,
  AlterTable,
  ColumnDefinition,
  ColumnType,
  CreateTable,
  CurrentColumn,
  DropTable,
  ForeignKeyDefinition,
  ReferentialAction,
} from './schema-change.js';

/** A column of a create-table body or of `add_column`. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly is_primary_key?: boolean;
  readonly is_nullable?: boolean;
  /** Accepted as a synonym of `is_nullable` (the name the schema read uses). */
  readonly nullable?: boolean;
  readonly is_unique?: boolean;
  readonly is_auto_increment?: boolean;
  /** Absent: no default. */
  readonly default?: JsonValue;
}

export interface ForeignKeySpec {
  readonly name?: string;
  readonly columns: readonly string[];
  readonly referenced_table: string;
  readonly referenced_columns: readonly string[];
  readonly on_update?: ReferentialActionSpec;
  readonly on_delete?: ReferentialActionSpec;
}

export type ReferentialActionSpec = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface CreateTableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  /** Alternative to `is_primary_key` on columns (a composite key in this order). */
  readonly primary_key?: readonly string[];
  readonly foreign_keys?: readonly ForeignKeySpec[];
}

export interface ModifySpec {
  readonly type?: string;
  readonly is_nullable?: boolean;
  readonly nullable?: boolean;
  readonly default?: JsonValue;
}

export type ChangeSpec =
  | { readonly type: 'add_column'; readonly column?: string; readonly definition: ColumnSpec }
  | { readonly type: 'drop_column'; readonly column: string }
  | { readonly type: 'rename_column'; readonly column: string; readonly new_name: string }
  | { readonly type: 'modify_column'; readonly column: string; readonly definition: ModifySpec };

const ACTIONS: Readonly<Record<ReferentialActionSpec, ReferentialAction>> = {
  'no action': 'noAction',
  restrict: 'restrict',
  cascade: 'cascade',
  'set null': 'setNull',
  'set default': 'setDefault',
};

function nullableOf(spec: { readonly is_nullable?: boolean; readonly nullable?: boolean }, where: string): boolean | undefined {
  if (spec.is_nullable !== undefined && spec.nullable !== undefined && spec.is_nullable !== spec.nullable) {
    throw schemaErrors.invalidDefinition(`'is_nullable' and 'nullable' disagree for ${where}`);
  }
  return spec.is_nullable ?? spec.nullable;
}

/** A column definition from its spec; `inPrimaryKey` columns are NOT NULL. */
function columnDefinition(spec: ColumnSpec, inPrimaryKey: boolean): ColumnDefinition {
  const name = validateName('column', spec.name);
  let type = parseColumnType(spec.type);
  if (spec.is_auto_increment) {
    if (type.kind !== 'integer') throw schemaErrors.invalidDefinition(`column '${name}': only integer columns can auto-increment`, { column: name });
    type = Object.freeze({ ...type, autoIncrement: true });
  }
  const nullable = nullableOf(spec, `column '${name}'`);
  if (inPrimaryKey && nullable === true) {
    throw schemaErrors.invalidDefinition(`column '${name}' is part of the primary key and cannot be nullable`, { column: name });
  }
  const isAuto = type.kind === 'integer' && type.autoIncrement;
  return Object.freeze({
    name,
    type,
    // Primary-key and auto-increment columns are NOT NULL; others are nullable unless said otherwise (SQL's default).
    nullable: inPrimaryKey || isAuto ? false : (nullable ?? true),
    ...(spec.default !== undefined ? { default: parseDefault(name, type, spec.default) } : {}),
    unique: spec.is_unique === true && !inPrimaryKey,
  });
}

function assertDistinct(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw schemaErrors.invalidDefinition(`${what} '${name}' is given more than once`);
    seen.add(name);
  }
}

/** `POST /_schema`: the new table, checked against the catalog. */
export function planCreateTable(catalog: Catalog, spec: CreateTableSpec): CreateTable {
  const name = validateName('table', spec.name);
  if (catalog.tables.has(name)) throw schemaErrors.tableExists(catalog.service, name);
  if (spec.columns.length === 0) throw schemaErrors.invalidDefinition('a table needs at least one column');
  assertDistinct(
    spec.columns.map((c) => c.name),
    'column',
  );

  const flagged = spec.columns.filter((c) => c.is_primary_key).map((c) => c.name);
  let primaryKey = flagged;
  if (spec.primary_key !== undefined) {
    assertDistinct(spec.primary_key, 'primary key column');
    if (flagged.some((c) => !spec.primary_key?.includes(c))) {
      throw schemaErrors.invalidDefinition("columns marked 'is_primary_key' must also be listed in 'primary_key'");
    }
    primaryKey = [...spec.primary_key];
  }
  const columnNames = new Set(spec.columns.map((c) => c.name));
  for (const column of primaryKey) {
    if (!columnNames.has(column)) throw requestErrors.unknownColumn(name, column, closestMatch(column, columnNames));
  }
  const columns = spec.columns.map((c) => columnDefinition(c, primaryKey.includes(c.name)));
  const foreignKeys = (spec.foreign_keys ?? []).map((fk) => foreignKey(catalog, name, columnNames, fk, columns));
  return Object.freeze({
    kind: 'createTable',
    table: Object.freeze({ schema: catalog.schema, name }),
    columns: Object.freeze(columns),
    primaryKey: Object.freeze(primaryKey),
    foreignKeys: Object.freeze(foreignKeys),
  });
}

function foreignKey(
  catalog: Catalog,
  tableName: string,
  ownColumns: ReadonlySet<string>,
  spec: ForeignKeySpec,
  definitions: readonly ColumnDefinition[],
): ForeignKeyDefinition {
  if (spec.columns.length === 0 || spec.columns.length !== spec.referenced_columns.length) {
    throw schemaErrors.invalidDefinition("a foreign key needs as many 'referenced_columns' as 'columns' (at least one)");
  }
  for (const column of spec.columns) {
    if (!ownColumns.has(column)) throw requestErrors.unknownColumn(tableName, column, closestMatch(column, ownColumns));
  }
  // The target is the table being created (a self-reference) or an existing table of the service.
  let targetColumns: ReadonlySet<string>;
  if (spec.referenced_table === tableName) {
    targetColumns = ownColumns;
  } else {
    const target = catalog.tables.get(spec.referenced_table);
    if (!target || target.kind !== 'table') {
      throw schemaErrors.invalidDefinition(`referenced table '${spec.referenced_table}' does not exist`, {
        referenced_table: spec.referenced_table,
        ...(closestMatch(spec.referenced_table, catalog.tables.keys()) ? { hint: `Did you mean '${closestMatch(spec.referenced_table, catalog.tables.keys())}'?` } : {}),
      });
    }
    targetColumns = new Set(target.columns.map((c) => c.name));
  }
  for (const column of spec.referenced_columns) {
    if (!targetColumns.has(column)) throw requestErrors.unknownColumn(spec.referenced_table, column, closestMatch(column, targetColumns));
  }
  const onDelete = ACTIONS[spec.on_delete ?? 'no action'];
  if (onDelete === 'setNull') {
    const notNull = spec.columns.find((c) => definitions.find((d) => d.name === c)?.nullable === false);
    if (notNull) throw schemaErrors.invalidDefinition(`ON DELETE SET NULL needs nullable columns, and '${notNull}' is not`, { column: notNull });
  }
  return Object.freeze({
    ...(spec.name !== undefined ? { name: validateName('constraint', spec.name) } : {}),
    columns: Object.freeze([...spec.columns]),
    targetTable: spec.referenced_table,
    targetColumns: Object.freeze([...spec.referenced_columns]),
    onUpdate: ACTIONS[spec.on_update ?? 'no action'],
    onDelete,
  });
}

/** A table that exists and is a base table (views and materialized views are refused). */
function existingTable(catalog: Catalog, name: string): Table {
  const table = resolveTable(catalog, name);
  if (table.kind !== 'table') throw schemaErrors.notATable(table.name, table.kind === 'view' ? 'view' : 'materialized view');
  return table;
}

/**
 * `PUT /_schema/{table}`: the changes, in order. Each is checked against the columns as the earlier
 * changes leave them (a column added by change 0 can be renamed by change 1). A failing check names
 * the change in `context.index`.
 */
export function planAlterTable(catalog: Catalog, tableName: string, changes: readonly ChangeSpec[]): AlterTable {
  const table = existingTable(catalog, tableName);
  if (changes.length === 0) throw schemaErrors.invalidDefinition("'changes' is empty");
  const columns = new Map<string, CurrentColumn>(
    table.columns.map((c) => [
      c.name,
      {
        nullable: c.nullable,
        default: c.defaultValue === null ? undefined : { kind: 'reported', text: c.defaultValue },
        autoIncrement: c.generated === 'autoIncrement' || c.generated === 'serial' || c.generated === 'identity',
        type: defaultCheckType(c.valueType),
      },
    ]),
  );
  const existing = (name: string): CurrentColumn => {
    const column = columns.get(name);
    if (!column) throw requestErrors.unknownColumn(table.name, name, closestMatch(name, columns.keys()));
    return column;
  };
  const free = (name: string): string => {
    validateName('column', name);
    if (columns.has(name)) throw schemaErrors.columnExists(table.name, name);
    return name;
  };

  const planned = changes.map((change, index): AlterChange => {
    try {
      switch (change.type) {
        case 'add_column': {
          if (change.column !== undefined && change.column !== change.definition.name) {
            throw schemaErrors.invalidDefinition("'column' and 'definition.name' differ");
          }
          if (change.definition.is_primary_key) throw schemaErrors.invalidDefinition('adding a primary-key column is not supported');
          free(change.definition.name);
          const column = columnDefinition(change.definition, false);
          columns.set(column.name, {
            nullable: column.nullable,
            default: column.default,
            autoIncrement: column.type.kind === 'integer' && column.type.autoIncrement,
            type: column.type,
          });
          return Object.freeze({ kind: 'addColumn', column });
        }
        case 'drop_column':
          existing(change.column);
          if (table.primaryKey.includes(change.column)) {
            throw schemaErrors.invalidDefinition(`column '${change.column}' is part of the primary key`, { column: change.column });
          }
          columns.delete(change.column);
          return Object.freeze({ kind: 'dropColumn', column: change.column });
        case 'rename_column': {
          const current = existing(change.column);
          free(change.new_name);
          columns.delete(change.column);
          columns.set(change.new_name, current);
          return Object.freeze({ kind: 'renameColumn', column: change.column, newName: change.new_name });
        }
        case 'modify_column': {
          const current = existing(change.column);
          const spec = change.definition;
          const nullable = nullableOf(spec, `column '${change.column}'`);
          if (spec.type === undefined && nullable === undefined && spec.default === undefined) {
            throw schemaErrors.invalidDefinition("modify_column needs at least one of 'type', 'is_nullable', 'default'");
          }
          const type = spec.type === undefined ? undefined : parseColumnType(spec.type);
          if (type?.kind === 'integer' && type.autoIncrement) {
            throw schemaErrors.unsupportedType(spec.type ?? '', 'serial types can only be used for new columns');
          }
          if (nullable === true && table.primaryKey.includes(change.column)) {
            throw schemaErrors.invalidDefinition(`column '${change.column}' is part of the primary key and cannot be nullable`);
          }
          const defaultValue = spec.default === undefined ? undefined : parseDefault(change.column, type ?? current.type, spec.default);
          columns.set(change.column, {
            nullable: nullable ?? current.nullable,
            default: defaultValue === undefined ? current.default : defaultValue.kind === 'null' ? undefined : defaultValue,
            autoIncrement: current.autoIncrement && (type === undefined || type.kind === 'integer'),
            type: type ?? current.type,
          });
          return Object.freeze({
            kind: 'modifyColumn',
            column: change.column,
            ...(type ? { type } : {}),
            ...(nullable !== undefined ? { nullable } : {}),
            ...(defaultValue ? { default: defaultValue } : {}),
            current: Object.freeze(current),
          });
        }
      }
    } catch (error) {
      throw isApiError(error) ? schemaErrors.atChange(error, index) : error;
    }
  });
  if (columns.size === 0) throw schemaErrors.invalidDefinition('the changes would drop every column; drop the table instead');
  return Object.freeze({ kind: 'alterTable', table: Object.freeze({ schema: table.schema, name: table.name }), changes: Object.freeze(planned) });
}

/** The allow-list type whose literals fit a column of an existing value type. */
function defaultCheckType(valueType: ValueType): ColumnType {
  if (typeof valueType !== 'string') return { kind: 'json', binary: false };
  switch (valueType) {
    case 'integer':
      return { kind: 'integer', size: 'regular', autoIncrement: false };
    case 'bigint':
      return { kind: 'integer', size: 'big', autoIncrement: false };
    case 'decimal':
      return { kind: 'decimal' };
    case 'float':
      return { kind: 'float', size: 'double' };
    case 'boolean':
    case 'date':
    case 'uuid':
    case 'bytes':
      return { kind: valueType };
    case 'time':
      return { kind: 'time' };
    case 'timestamp':
    case 'timestamptz':
      return { kind: 'timestamp', withTimeZone: valueType === 'timestamptz' };
    case 'json':
      return { kind: 'json', binary: false };
    case 'string':
    case 'enum':
      return { kind: 'text' };
  }
}

/** `DELETE /_schema/{table}`. */
export function planDropTable(catalog: Catalog, tableName: string): DropTable {
  const table = existingTable(catalog, tableName);
  return Object.freeze({ kind: 'dropTable', table: Object.freeze({ schema: table.schema, name: table.name }) });
}
