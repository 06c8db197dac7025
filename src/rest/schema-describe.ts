/**
 * A catalog table → the Faucet schema shape (`GET /_schema/{table}`): name, type, primary key,
 * columns (position, db_type, json_type, nullability, key/auto-increment/unique/generated flags,
 * default, length/precision/scale, enum values, comment), foreign keys, indexes and the derived
 * relations. `go_type` of the Faucet reference is left out: Sluice has no Go types to report.
 *
 * What the caller may see shapes the description (`Visibility`): hidden columns are not described,
 * and neither is any key, index or relation that involves a hidden column or a table the caller may
 * not read — so the description never names what the caller's reads would refuse.
 *
 * May import: catalog.
 */
import type { Column, ColumnPair, Relation, Table } from '../catalog/catalog-types.js';
import { jsonTypeOf } from '../catalog/catalog-types.js';

/** The columns of a table the caller may read: `all`, a set, or `undefined` when it may not read the table. */
export type Visibility = (table: string) => ReadonlySet<string> | 'all' | undefined;

/** Sees everything: for admins and for the answers to schema changes. */
export const SEE_ALL: Visibility = () => 'all';

export interface ColumnSchema {
  readonly name: string;
  readonly position: number;
  readonly db_type: string;
  readonly json_type: string;
  readonly nullable: boolean;
  readonly is_primary_key: boolean;
  readonly is_auto_increment: boolean;
  readonly is_unique: boolean;
  readonly is_generated: boolean;
  readonly default?: string;
  readonly max_length?: number;
  readonly precision?: number;
  readonly scale?: number;
  readonly enum_values?: readonly string[];
  readonly comment?: string;
  /** From the semantic layer: an override. */
  readonly display_name?: string;
  /** From the semantic layer: an override, else the comment. */
  readonly description?: string;
}

export interface ForeignKeySchema {
  readonly name: string;
  readonly columns: readonly string[];
  readonly referenced_table: string;
  readonly referenced_columns: readonly string[];
  readonly on_update: string;
  readonly on_delete: string;
}

export interface IndexSchema {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly primary: boolean;
  readonly method?: string;
  readonly predicate?: string;
}

export interface RelationSchema {
  readonly name: string;
  readonly type: 'many_to_one' | 'one_to_many' | 'one_to_one' | 'many_to_many';
  readonly target_table: string;
  /** Columns of this table. */
  readonly columns: readonly string[];
  /** Columns of the target table (paired with `columns`, or with `junction_target_columns`). */
  readonly target_columns: readonly string[];
  readonly constraint?: string;
  readonly junction_table?: string;
  /** Junction columns referencing `columns`. */
  readonly junction_columns?: readonly string[];
  /** Junction columns referencing `target_columns`. */
  readonly junction_target_columns?: readonly string[];
}

export interface TableSchema {
  readonly name: string;
  readonly type: 'table' | 'view' | 'materialized_view';
  readonly comment?: string;
  /** From the semantic layer: an override. */
  readonly display_name?: string;
  /** From the semantic layer: an override, else the comment. */
  readonly description?: string;
  readonly primary_key: readonly string[];
  readonly columns: readonly ColumnSchema[];
  readonly foreign_keys: readonly ForeignKeySchema[];
  readonly indexes: readonly IndexSchema[];
  readonly relations: readonly RelationSchema[];
}

const TYPE_NAMES = { table: 'table', view: 'view', materializedView: 'materialized_view' } as const;
const RELATION_TYPES = { manyToOne: 'many_to_one', oneToMany: 'one_to_many', oneToOne: 'one_to_one', manyToMany: 'many_to_many' } as const;

/** Every table whose columns a description of `table` mentions (foreign-key targets, relation targets, junctions). */
export function relatedTables(table: Table): Set<string> {
  const names = new Set<string>(table.foreignKeys.map((fk) => fk.targetTable));
  for (const relation of table.relations) {
    names.add(relation.target);
    if (relation.kind === 'manyToMany') names.add(relation.junction.table);
  }
  names.delete(table.name);
  return names;
}

function sees(visibility: Visibility, table: string, columns: readonly string[]): boolean {
  const visible = visibility(table);
  if (visible === undefined) return false;
  return visible === 'all' || columns.every((c) => visible.has(c));
}

const froms = (pairs: readonly ColumnPair[]) => pairs.map((p) => p.from);
const tos = (pairs: readonly ColumnPair[]) => pairs.map((p) => p.to);

function describeColumn(table: Table, column: Column): ColumnSchema {
  const uniqueAlone = table.uniqueKeys.some((key) => key.length === 1 && key[0] === column.name);
  const inPrimaryKey = table.primaryKey.includes(column.name);
  return {
    name: column.name,
    position: column.position,
    db_type: column.dbType,
    json_type: jsonTypeOf(column.valueType),
    nullable: column.nullable,
    is_primary_key: inPrimaryKey,
    is_auto_increment: column.generated === 'autoIncrement' || column.generated === 'serial' || column.generated === 'identity',
    // A single-column primary key is unique too, but the Faucet shape reports that as is_primary_key.
    is_unique: uniqueAlone,
    is_generated: column.generated === 'computed',
    ...(column.defaultValue !== null ? { default: column.defaultValue } : {}),
    ...(column.maxLength !== undefined ? { max_length: column.maxLength } : {}),
    ...(column.precision !== undefined ? { precision: column.precision } : {}),
    ...(column.scale !== undefined ? { scale: column.scale } : {}),
    ...(column.enumValues !== undefined ? { enum_values: column.enumValues } : {}),
    ...(column.comment !== undefined ? { comment: column.comment } : {}),
    ...(column.displayName !== undefined ? { display_name: column.displayName } : {}),
    ...(column.description !== undefined ? { description: column.description } : {}),
  };
}

function describeRelation(table: Table, relation: Relation, visibility: Visibility): RelationSchema | undefined {
  if (relation.kind === 'manyToMany') {
    const { junction } = relation;
    const own = tos(junction.sourceColumns);
    const target = tos(junction.targetColumns);
    const junctionColumns = [...froms(junction.sourceColumns), ...froms(junction.targetColumns)];
    if (!sees(visibility, table.name, own) || !sees(visibility, junction.table, junctionColumns) || !sees(visibility, relation.target, target)) {
      return undefined;
    }
    return {
      name: relation.name,
      type: 'many_to_many',
      target_table: relation.target,
      columns: own,
      target_columns: target,
      junction_table: junction.table,
      junction_columns: froms(junction.sourceColumns),
      junction_target_columns: froms(junction.targetColumns),
    };
  }
  const own = froms(relation.columns);
  const target = tos(relation.columns);
  if (!sees(visibility, table.name, own) || !sees(visibility, relation.target, target)) return undefined;
  return {
    name: relation.name,
    type: RELATION_TYPES[relation.kind],
    target_table: relation.target,
    columns: own,
    target_columns: target,
    constraint: relation.constraint,
  };
}

/** The Faucet description of `table`, limited to what `visibility` lets the caller see. */
export function describeTable(table: Table, visibility: Visibility): TableSchema {
  const visible = visibility(table.name) ?? new Set<string>();
  const restricted = visible !== 'all';
  const isVisible = (name: string) => visible === 'all' || visible.has(name);
  const own = (columns: readonly string[]) => columns.every(isVisible);
  return {
    name: table.name,
    type: TYPE_NAMES[table.kind],
    ...(table.comment !== undefined ? { comment: table.comment } : {}),
    ...(table.displayName !== undefined ? { display_name: table.displayName } : {}),
    ...(table.description !== undefined ? { description: table.description } : {}),
    primary_key: own(table.primaryKey) ? [...table.primaryKey] : [],
    columns: table.columns.filter((c) => isVisible(c.name)).map((c) => describeColumn(table, c)),
    foreign_keys: table.foreignKeys
      .filter((fk) => own(froms(fk.columns)) && sees(visibility, fk.targetTable, tos(fk.columns)))
      .map((fk) => ({
        name: fk.name,
        columns: froms(fk.columns),
        referenced_table: fk.targetTable,
        referenced_columns: tos(fk.columns),
        on_update: fk.onUpdate,
        on_delete: fk.onDelete,
      })),
    // A partial index's predicate may mention any column: under a column restriction it is left out.
    indexes: table.indexes
      .filter((index) => own(index.columns) && !(restricted && index.predicate !== undefined))
      .map((index) => ({
        name: index.name,
        columns: [...index.columns],
        unique: index.unique,
        primary: index.primary,
        ...(index.method !== undefined ? { method: index.method } : {}),
        ...(index.predicate !== undefined ? { predicate: index.predicate } : {}),
      })),
    relations: table.relations.flatMap((relation) => {
      const described = describeRelation(table, relation, visibility);
      return described ? [described] : [];
    }),
  };
}
