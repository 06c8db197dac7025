/**
 * The catalog: one immutable model of a connected database, built by `build-catalog.ts` from what a
 * dialect's introspector returned. Every surface (REST, GraphQL, OpenAPI, MCP, SDKs) is a view of it.
 * SQL names stay SQL names here; surface-specific names come from `naming.ts`.
 *
 * Pure types. May import: errors.
 */

/**
 * How a column's values travel as JSON. Chosen so that the JSON form is lossless:
 * - `bigint` and `decimal` travel as strings (JavaScript numbers cannot hold them exactly);
 * - `date` as `YYYY-MM-DD`, `time` as `HH:MM:SS[.ffffff][±HH:MM]`, `timestamp` as
 *   `YYYY-MM-DDTHH:MM:SS[.ffffff]`, `timestamptz` as the same with `Z` (sessions run in UTC);
 * - `bytes` as base64; `json` as JSON; arrays as JSON arrays; `float` as numbers, except NaN and
 *   ±Infinity, which travel as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`;
 * - `string` covers every type without a better mapping (text, interval, inet, tsvector, …).
 */
export type ScalarValueType =
  | 'string'
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'float'
  | 'boolean'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'uuid'
  | 'json'
  | 'bytes'
  | 'enum';

export interface ArrayValueType {
  readonly kind: 'array';
  readonly of: ScalarValueType;
}

export type ValueType = ScalarValueType | ArrayValueType;

/** The `json_type` of the Faucet schema endpoint: the JSON type a value has in responses. */
export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

export interface Column {
  readonly name: string;
  /** 1-based ordinal position. */
  readonly position: number;
  /** As the engine reports it (`integer`, `character varying`, `tinyint(1)`). Differs per engine by design. */
  readonly dbType: string;
  readonly valueType: ValueType;
  readonly nullable: boolean;
  /** The default expression as the engine reports it (`nextval('x_seq'::regclass)`, `CURRENT_TIMESTAMP`). */
  readonly defaultValue: string | null;
  readonly hasDefault: boolean;
  /** How the database fills the column by itself, if it does. */
  readonly generated: 'identity' | 'autoIncrement' | 'serial' | 'computed' | null;
  readonly maxLength?: number;
  readonly precision?: number;
  readonly scale?: number;
  /** For `enum` columns (and arrays of enums): the labels, in declaration order. */
  readonly enumValues?: readonly string[];
  /** The database comment (`COMMENT ON COLUMN`, MySQL `COMMENT '…'`), as introspected. */
  readonly comment?: string;
  /** From the semantic layer (see `semantic.ts`): an override, else absent. */
  readonly displayName?: string;
  /** From the semantic layer: the override, else the database comment. What every surface shows. */
  readonly description?: string;
}

/** One column of a (possibly composite) foreign key: `from` on the referencing table, `to` on the referenced. */
export interface ColumnPair {
  readonly from: string;
  readonly to: string;
}

export interface ForeignKey {
  readonly name: string;
  readonly columns: readonly ColumnPair[];
  readonly targetTable: string;
  readonly onUpdate: string;
  readonly onDelete: string;
}

export interface Index {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly primary: boolean;
  readonly method?: string;
  /** The WHERE clause of a partial index. */
  readonly predicate?: string;
}

/** The junction of a many-to-many relation: `table`, reached from the source by `sourceColumns`. */
export interface Junction {
  readonly table: string;
  /** Junction columns → source table columns. */
  readonly sourceColumns: readonly ColumnPair[];
  /** Junction columns → target table columns. */
  readonly targetColumns: readonly ColumnPair[];
  readonly sourceConstraint: string;
  readonly targetConstraint: string;
}

/**
 * A relation derived from foreign keys, seen from one table (PostgREST's M2O | O2M | O2O | M2M).
 * In `columns`, `from` is always a column of *this* table and `to` a column of `target`.
 */
export type Relation =
  | {
      readonly kind: 'manyToOne';
      readonly name: string;
      readonly target: string;
      readonly columns: readonly ColumnPair[];
      readonly constraint: string;
    }
  | {
      readonly kind: 'oneToMany';
      readonly name: string;
      readonly target: string;
      readonly columns: readonly ColumnPair[];
      readonly constraint: string;
    }
  | {
      readonly kind: 'oneToOne';
      readonly name: string;
      readonly target: string;
      readonly columns: readonly ColumnPair[];
      readonly constraint: string;
      /** True on the referenced side (the row that the other side's foreign key points at). */
      readonly isParent: boolean;
    }
  | { readonly kind: 'manyToMany'; readonly name: string; readonly target: string; readonly junction: Junction };

export type RelationKind = Relation['kind'];

export interface Table {
  readonly kind: 'table' | 'view' | 'materializedView';
  readonly schema: string;
  readonly name: string;
  /** The database comment (`COMMENT ON TABLE`, MySQL table `COMMENT=`), as introspected. */
  readonly comment?: string;
  /** From the semantic layer (see `semantic.ts`): an override, else absent. */
  readonly displayName?: string;
  /** From the semantic layer: the override, else the database comment. What every surface shows. */
  readonly description?: string;
  /** In ordinal order. */
  readonly columns: readonly Column[];
  readonly columnsByName: ReadonlyMap<string, Column>;
  /** `[]` if the table has none (views usually). */
  readonly primaryKey: readonly string[];
  /** Unique constraints and unique indexes other than the primary key. */
  readonly uniqueKeys: readonly (readonly string[])[];
  readonly foreignKeys: readonly ForeignKey[];
  readonly indexes: readonly Index[];
  /** Derived by `build-catalog.ts`, names unique per table and distinct from column names. */
  readonly relations: readonly Relation[];
  readonly relationsByName: ReadonlyMap<string, Relation>;
  readonly capabilities: { readonly insertable: boolean; readonly updatable: boolean; readonly deletable: boolean };
}

export interface ProcedureParameter {
  /** Empty string for unnamed parameters (PostgreSQL allows them). */
  readonly name: string;
  readonly position: number;
  readonly mode: 'in' | 'out' | 'inout' | 'variadic';
  readonly dbType: string;
  readonly valueType: ValueType;
  readonly hasDefault: boolean;
}

export interface Procedure {
  readonly name: string;
  readonly schema: string;
  readonly kind: 'function' | 'procedure';
  readonly parameters: readonly ProcedureParameter[];
  /** `null` for procedures and `void` functions. */
  readonly returnType: string | null;
  readonly returnValueType: ValueType | null;
  /** True when the function returns rows (`SETOF`, `TABLE(...)`). */
  readonly returnsSet: boolean;
  /** `immutable`/`stable` functions have no side effects; `volatile` ones (and procedures) may. */
  readonly volatility: 'immutable' | 'stable' | 'volatile';
  readonly comment?: string;
}

export interface Catalog {
  readonly service: string;
  readonly engine: 'postgres' | 'mysql';
  readonly variant: 'postgres' | 'pglite' | 'mysql' | 'mariadb';
  readonly serverVersion: string;
  readonly schema: string;
  /** Bumped when the shape of introspection output changes, so cached catalogs can be discarded. */
  readonly introspectionVersion: number;
  /** Tables and views by SQL name, sorted by name. */
  readonly tables: ReadonlyMap<string, Table>;
  /** By SQL name. Overloaded PostgreSQL functions keep the first overload by argument count. */
  readonly procedures: ReadonlyMap<string, Procedure>;
}

/** The Faucet `json_type` for a value type. */
export function jsonTypeOf(type: ValueType): JsonType {
  if (typeof type !== 'string') return 'array';
  switch (type) {
    case 'integer':
      return 'integer';
    case 'float':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'json':
      return 'object';
    default:
      return 'string';
  }
}

/** `integer[]`-style display name of a value type, for messages and docs. */
export function describeValueType(type: ValueType): string {
  return typeof type === 'string' ? type : `${type.of}[]`;
}
