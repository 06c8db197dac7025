/**
 * RawCatalog: what a dialect's introspector returns. Engine facts only, already normalised into
 * engine-neutral rows (the introspector maps engine type names to `ValueType`), but nothing derived:
 * no lookups, no relations, no capabilities. `build-catalog.ts` turns it into a `Catalog`.
 *
 * Recorded fixtures of this shape (test/fixtures/raw-catalog/*.json) let the catalog builder be
 * tested without a database.
 *
 * Pure types. May import: catalog-types.
 */
import type { ValueType } from './catalog-types.js';

export interface RawRelationObject {
  readonly name: string;
  readonly kind: 'table' | 'view' | 'materializedView';
  readonly comment: string | null;
  /**
   * Whether the engine accepts INSERT/UPDATE/DELETE on it. Tables: all true. Views: as the engine
   * reports (PostgreSQL `pg_relation_is_updatable`, MySQL `VIEWS.IS_UPDATABLE`).
   */
  readonly insertable: boolean;
  readonly updatable: boolean;
  readonly deletable: boolean;
}

export interface RawColumn {
  readonly table: string;
  readonly name: string;
  /** 1-based, contiguous per table (dropped PostgreSQL columns skipped and renumbered). */
  readonly position: number;
  /** The engine's own type name: `integer`, `character varying`, `USER-DEFINED` resolved to the type name, `tinyint(1)`. */
  readonly dbType: string;
  readonly valueType: ValueType;
  readonly nullable: boolean;
  readonly defaultValue: string | null;
  readonly generated: 'identity' | 'autoIncrement' | 'serial' | 'computed' | null;
  readonly maxLength: number | null;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly enumValues: readonly string[] | null;
  readonly comment: string | null;
}

export interface RawConstraint {
  readonly table: string;
  readonly name: string;
  readonly kind: 'primaryKey' | 'unique' | 'foreignKey';
  /** In key order. */
  readonly columns: readonly string[];
  /** Foreign keys only: the referenced table (same schema) and its columns, paired with `columns` by index. */
  readonly targetTable: string | null;
  readonly targetColumns: readonly string[] | null;
  readonly onUpdate: string | null;
  readonly onDelete: string | null;
}

export interface RawIndex {
  readonly table: string;
  readonly name: string;
  /** Expression index members are reported as their expression text. */
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly primary: boolean;
  readonly method: string | null;
  /** The WHERE clause of a partial index (PostgreSQL), else null. A partial unique index is no unique key. */
  readonly predicate: string | null;
}

export interface RawProcedureParameter {
  readonly name: string;
  readonly position: number;
  readonly mode: 'in' | 'out' | 'inout' | 'variadic' | 'table';
  readonly dbType: string;
  readonly valueType: ValueType;
  readonly hasDefault: boolean;
}

export interface RawProcedure {
  readonly name: string;
  readonly kind: 'function' | 'procedure';
  readonly parameters: readonly RawProcedureParameter[];
  readonly returnType: string | null;
  readonly returnValueType: ValueType | null;
  readonly returnsSet: boolean;
  readonly volatility: 'immutable' | 'stable' | 'volatile';
  readonly comment: string | null;
}

export interface RawCatalog {
  readonly engine: 'postgres' | 'mysql';
  readonly variant: 'postgres' | 'pglite' | 'mysql' | 'mariadb';
  readonly serverVersion: string;
  readonly schema: string;
  readonly introspectionVersion: number;
  readonly relations: readonly RawRelationObject[];
  readonly columns: readonly RawColumn[];
  readonly constraints: readonly RawConstraint[];
  readonly indexes: readonly RawIndex[];
  readonly procedures: readonly RawProcedure[];
}
