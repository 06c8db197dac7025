/**
 * The DDL IR: schema changes as frozen, `kind`-tagged data, the counterpart of `ir.ts` for
 * `POST/PUT/DELETE /_schema`. Dialects compile it (dialects/{postgres,mysql}/*-ddl.ts); nothing in
 * it is SQL text. Column types are structured (`ColumnType`, from the allow-list in
 * `column-types.ts`), defaults are typed literals or one of a few named expressions, and names are
 * validated plain strings that every dialect quotes.
 *
 * May import: catalog.
 */

/**
 * A column type from the allow-list. Which of these an engine accepts, and how it spells them, is
 * the dialect's business (e.g. `uuid` and `jsonb` are PostgreSQL-only).
 */
export type ColumnType =
  /** `autoIncrement`: `serial`-style (PostgreSQL serial, MySQL AUTO_INCREMENT). */
  | { readonly kind: 'integer'; readonly size: 'small' | 'regular' | 'big'; readonly autoIncrement: boolean }
  | { readonly kind: 'decimal'; readonly precision?: number; readonly scale?: number }
  | { readonly kind: 'float'; readonly size: 'single' | 'double' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'varchar'; readonly length?: number }
  | { readonly kind: 'char'; readonly length?: number }
  | { readonly kind: 'text' }
  | { readonly kind: 'date' }
  /** `precision`: fractional-second digits, 0–6. */
  | { readonly kind: 'time'; readonly precision?: number }
  | { readonly kind: 'timestamp'; readonly withTimeZone: boolean; readonly precision?: number }
  | { readonly kind: 'uuid' }
  /** `binary`: PostgreSQL `jsonb`. */
  | { readonly kind: 'json'; readonly binary: boolean }
  | { readonly kind: 'bytes' };

/** Expressions a default may use; each dialect decides which column types accept which. */
export type DefaultExpression = 'currentTimestamp' | 'currentDate' | 'randomUuid';

/**
 * A column default. Literals are already checked against the column's type and normalised:
 * `number` is a decimal numeral (`-12`, `3.50`, `1e+21`), `boolean` is `true`/`false`, `string` is
 * any text (dialects quote it), `hex` is the bytes of a binary default as lower-case hex digits.
 */
export type ColumnDefault =
  | { readonly kind: 'null' }
  | { readonly kind: 'expression'; readonly expression: DefaultExpression }
  | { readonly kind: 'literal'; readonly form: 'number' | 'boolean' | 'string' | 'hex'; readonly text: string };

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly default?: ColumnDefault;
  /** A single-column UNIQUE constraint. */
  readonly unique: boolean;
}

export type ReferentialAction = 'noAction' | 'restrict' | 'cascade' | 'setNull' | 'setDefault';

export interface ForeignKeyDefinition {
  /** Absent: the engine names it. */
  readonly name?: string;
  readonly columns: readonly string[];
  /** A table of the same schema (checked against the catalog, or the table being created). */
  readonly targetTable: string;
  readonly targetColumns: readonly string[];
  readonly onUpdate: ReferentialAction;
  readonly onDelete: ReferentialAction;
}

/** The table a change applies to: schema-qualified, as the dialect quotes it. */
export interface SchemaTableRef {
  readonly schema: string;
  readonly name: string;
}

export interface CreateTable {
  readonly kind: 'createTable';
  readonly table: SchemaTableRef;
  readonly columns: readonly ColumnDefinition[];
  /** Column names in key order; `[]` for a table without a primary key. */
  readonly primaryKey: readonly string[];
  readonly foreignKeys: readonly ForeignKeyDefinition[];
}

/** One change of a `PUT /_schema/{table}`. */
export type AlterChange =
  | { readonly kind: 'addColumn'; readonly column: ColumnDefinition }
  | { readonly kind: 'dropColumn'; readonly column: string }
  | { readonly kind: 'renameColumn'; readonly column: string; readonly newName: string }
  | {
      readonly kind: 'modifyColumn';
      readonly column: string;
      /** Absent: keep the type. */
      readonly type?: ColumnType;
      /** Absent: keep the nullability. */
      readonly nullable?: boolean;
      /** Absent: keep the default; `{kind: 'null'}` removes it. */
      readonly default?: ColumnDefault;
      /**
       * What the catalog knows of the column before this change (earlier changes of the same
       * request included), for engines that must restate the whole column (MySQL MODIFY).
       */
      readonly current: CurrentColumn;
    };

/** The state of a column before a `modifyColumn` (earlier changes of the same request included). */
export interface CurrentColumn {
  readonly nullable: boolean;
  /**
   * The current default: as an earlier change of this request set it, as the engine reports it
   * (`reported`: SQL text read by the introspector, never request text), or none.
   */
  readonly default: ColumnDefault | { readonly kind: 'reported'; readonly text: string } | undefined;
  readonly autoIncrement: boolean;
  /**
   * The allow-list type closest to the column's (exact for columns added by this request; from the
   * value type for existing ones): what a default given without a new type is checked against.
   */
  readonly type: ColumnType;
}

export interface AlterTable {
  readonly kind: 'alterTable';
  readonly table: SchemaTableRef;
  /** Applied in order; a failure reports the index of the change. */
  readonly changes: readonly AlterChange[];
}

export interface DropTable {
  readonly kind: 'dropTable';
  readonly table: SchemaTableRef;
}

export type SchemaChange = CreateTable | AlterTable | DropTable;
