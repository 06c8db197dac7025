/**
 * MySQL/MariaDB introspector: reads one database (what MySQL calls a schema) of a MySQL 8 or
 * MariaDB (10.2+, developed against 10.11) server into a `RawCatalog`.
 *
 * Runs when a service connects (and whenever its catalog is reloaded). Reads `information_schema`
 * only, with a handful of small queries (SCHEMATA, TABLES, VIEWS, COLUMNS, CHECK_CONSTRAINTS,
 * TABLE_CONSTRAINTS ⨝ KEY_COLUMN_USAGE ⟕ REFERENTIAL_CONSTRAINTS, STATISTICS, ROUTINES, PARAMETERS).
 * The schema name is always a bound `?` parameter, never interpolated. Every selected column is
 * aliased in lower-case snake case, because MySQL 8 returns information_schema column names in
 * upper case while MariaDB keeps the case of the select list.
 *
 * The rows are validated with zod (numbers may arrive as numbers or as strings: the driver runs with
 * `supportBigNumbers`/`bigNumberStrings`, and information_schema uses BIGINT UNSIGNED freely; text
 * may arrive as a Buffer where a column has a binary collation) and mapped by the pure, exported
 * `mapMysqlIntrospection`, which unit tests call with hand-written rows, including the MySQL-only
 * forms that cannot be produced by the MariaDB server the integration tests use.
 *
 * Where MySQL and MariaDB differ, both branches are written here, keyed on the variant (and where it
 * matters on the server version), each with a comment saying what the engine reports:
 * - column defaults: MariaDB (10.2.7+) quotes string literals and reports a NULL default as the text
 *   `NULL`; MySQL reports literals unquoted and marks expression defaults with EXTRA
 *   `DEFAULT_GENERATED` (with quotes and backslashes inside the expression escaped once more);
 * - JSON: MySQL has a JSON type; MariaDB's JSON is LONGTEXT plus a `CHECK (json_valid(col))`
 *   constraint, found through CHECK_CONSTRAINTS (which has a TABLE_NAME column on MariaDB only);
 * - generated columns: MariaDB has COLUMNS.IS_GENERATED, MySQL only the EXTRA text;
 * - functional index parts: MySQL 8.0.13+ has STATISTICS.EXPRESSION, MariaDB has no such column;
 * - table types: MariaDB also lists `SYSTEM VERSIONED` tables and `SEQUENCE`s in TABLES.
 *
 * May import: catalog types, errors and ../dialect.js types. Writes SQL text (this is a dialect).
 */
import { groupBy } from '../../collections.js';
import { z } from 'zod';

import type { ValueType } from '../../catalog/catalog-types.js';
import type {
  RawCatalog,
  RawColumn,
  RawConstraint,
  RawIndex,
  RawProcedure,
  RawProcedureParameter,
  RawRelationObject,
} from '../../catalog/raw-catalog.js';
import type { CompiledQuery, IntrospectionSource } from '../dialect.js';


/** The two variants this introspector reads. */
export type MysqlVariant = 'mysql' | 'mariadb';

/** Bumped when the shape or meaning of the introspection output changes. */
export const MYSQL_INTROSPECTION_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Row schemas (what each query returns, as the driver may hand it over)
// ---------------------------------------------------------------------------------------------

const utf8 = new TextDecoder();

/** Text; a Buffer (binary-collated information_schema column) is decoded as UTF-8. */
const text = z.union([z.string(), z.instanceof(Uint8Array)]).transform((v) => (typeof v === 'string' ? v : utf8.decode(v)));

/** Nullable text; a missing key (a column the variant's query does not select) reads as null. */
const optionalText = z
  .union([z.string(), z.instanceof(Uint8Array), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : utf8.decode(v)));

/**
 * An integer sent as a number, a decimal string (BIGINT UNSIGNED under `bigNumberStrings`), a bigint
 * or, should a driver typeCast turn a TINYINT(1) into one, a boolean.
 */
const integer = z.union([z.number(), z.string(), z.bigint(), z.boolean()]).transform((v, ctx) => {
  const n = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: `expected an integer, got ${String(v)}` });
    return z.NEVER;
  }
  return n;
});

const optionalInteger = z
  .union([integer, z.null()])
  .optional()
  .transform((v) => v ?? null);

const schemaRow = z.object({ schema_name: text });

const tableRow = z.object({
  table_name: text,
  /** `BASE TABLE`, `VIEW`, `SYSTEM VIEW`; MariaDB also `SYSTEM VERSIONED`, `SEQUENCE`, `TEMPORARY`. */
  table_type: text,
  table_comment: optionalText,
});

const viewRow = z.object({
  table_name: text,
  /** `YES` / `NO`. */
  is_updatable: text,
});

const columnRow = z.object({
  table_name: text,
  column_name: text,
  ordinal_position: integer,
  column_default: optionalText,
  is_nullable: text,
  data_type: text,
  column_type: text,
  character_maximum_length: optionalInteger,
  numeric_precision: optionalInteger,
  numeric_scale: optionalInteger,
  extra: optionalText,
  /** MariaDB only (`ALWAYS` / `NEVER`); MySQL's COLUMNS has no such column. */
  is_generated: optionalText,
  column_comment: optionalText,
});

const checkRow = z.object({
  table_name: text,
  constraint_name: text,
  check_clause: optionalText,
});

const keyColumnRow = z.object({
  table_name: text,
  constraint_name: text,
  /** `PRIMARY KEY`, `UNIQUE` or `FOREIGN KEY` (the query leaves CHECK out). */
  constraint_type: text,
  column_name: text,
  ordinal_position: integer,
  referenced_table_schema: optionalText,
  referenced_table_name: optionalText,
  referenced_column_name: optionalText,
  update_rule: optionalText,
  delete_rule: optionalText,
});

const indexColumnRow = z.object({
  table_name: text,
  index_name: text,
  non_unique: integer,
  seq_in_index: integer,
  /** NULL for a functional key part (MySQL 8.0.13+), whose text is in `expression`. */
  column_name: optionalText,
  /** MySQL 8.0.13+ only. */
  expression: optionalText,
  index_type: optionalText,
});

const routineRow = z.object({
  routine_name: text,
  specific_name: text,
  /** `FUNCTION` or `PROCEDURE`; MariaDB in Oracle mode also `PACKAGE` and `PACKAGE BODY`. */
  routine_type: text,
  data_type: optionalText,
  dtd_identifier: optionalText,
  is_deterministic: optionalText,
  sql_data_access: optionalText,
  routine_comment: optionalText,
});

const parameterRow = z.object({
  specific_name: text,
  routine_type: optionalText,
  /** 0 is a function's return value. */
  ordinal_position: integer,
  /** `IN`, `OUT`, `INOUT`; NULL for function parameters and the return value. */
  parameter_mode: optionalText,
  parameter_name: optionalText,
  data_type: optionalText,
  dtd_identifier: optionalText,
});

// One row of each result set, as a driver may hand it over (see the schemas above for the columns).
export type MysqlTableRow = z.input<typeof tableRow>;
export type MysqlViewRow = z.input<typeof viewRow>;
export type MysqlColumnRow = z.input<typeof columnRow>;
export type MysqlCheckRow = z.input<typeof checkRow>;
export type MysqlKeyColumnRow = z.input<typeof keyColumnRow>;
export type MysqlIndexColumnRow = z.input<typeof indexColumnRow>;
export type MysqlRoutineRow = z.input<typeof routineRow>;
export type MysqlParameterRow = z.input<typeof parameterRow>;

/** The result sets of the introspection queries, as the driver returned them (one row per line). */
export interface MysqlIntrospectionRows {
  readonly tables: readonly MysqlTableRow[];
  readonly views: readonly MysqlViewRow[];
  readonly columns: readonly MysqlColumnRow[];
  /** Empty where CHECK_CONSTRAINTS is not read (MySQL, MariaDB before 10.2.22). */
  readonly checks: readonly MysqlCheckRow[];
  /** One row per key column of each PRIMARY KEY, UNIQUE and FOREIGN KEY constraint. */
  readonly keyColumns: readonly MysqlKeyColumnRow[];
  /** One row per key part of each index (STATISTICS). */
  readonly indexColumns: readonly MysqlIndexColumnRow[];
  readonly routines: readonly MysqlRoutineRow[];
  readonly parameters: readonly MysqlParameterRow[];
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

/** The introspection statements for one server; each binds the schema name as every `?`. */
export interface MysqlIntrospectionQueries {
  readonly schemaExists: CompiledQuery;
  readonly tables: CompiledQuery;
  readonly views: CompiledQuery;
  readonly columns: CompiledQuery;
  /** `null` when the server has no CHECK_CONSTRAINTS table worth reading (see below). */
  readonly checks: CompiledQuery | null;
  readonly keyColumns: CompiledQuery;
  readonly indexColumns: CompiledQuery;
  readonly routines: CompiledQuery;
  readonly parameters: CompiledQuery;
}

/**
 * Builds the introspection queries for a server. Pure; exported so tests can check the
 * variant-specific parts (and that the schema name only ever travels as a parameter).
 */
export function buildMysqlIntrospectionQueries(
  variant: MysqlVariant,
  serverVersion: string,
  schema: string,
): MysqlIntrospectionQueries {
  const version = parseServerVersion(serverVersion);
  const mariadb = variant === 'mariadb';
  const one = (sql: string): CompiledQuery => ({ sql, params: [schema] });

  // MariaDB reports generated columns in IS_GENERATED (also the system-versioning ROW START/END
  // columns, whose EXTRA text is not 'GENERATED'); MySQL's COLUMNS has no such column.
  const isGenerated = mariadb ? 'IS_GENERATED' : 'NULL';

  // Functional key parts (MySQL 8.0.13+) have COLUMN_NAME NULL and their text in EXPRESSION.
  // MariaDB has no functional indexes and no EXPRESSION column (selecting it would fail).
  const expression = !mariadb && versionAtLeast(version, [8, 0, 13]) ? 'EXPRESSION' : 'NULL';

  // CHECK_CONSTRAINTS is only needed to recognise MariaDB's JSON columns (LONGTEXT +
  // CHECK (json_valid(col))); MySQL reports DATA_TYPE 'json' itself, so it is not read there (it
  // exists from MySQL 8.0.16, without a TABLE_NAME column). MariaDB has it from 10.2.22 (and
  // 10.3.10); its constraint names are unique per table only, hence TABLE_NAME rather than a join.
  const checks =
    mariadb && versionAtLeast(version, [10, 2, 22])
      ? one(
          `SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS constraint_name, CHECK_CLAUSE AS check_clause
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = ?`,
        )
      : null;

  return {
    schemaExists: one(`SELECT SCHEMA_NAME AS schema_name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`),
    tables: one(
      `SELECT TABLE_NAME AS table_name, TABLE_TYPE AS table_type, TABLE_COMMENT AS table_comment
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ?`,
    ),
    views: one(
      `SELECT TABLE_NAME AS table_name, IS_UPDATABLE AS is_updatable
FROM information_schema.VIEWS
WHERE TABLE_SCHEMA = ?`,
    ),
    columns: one(
      `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, ORDINAL_POSITION AS ordinal_position,
  COLUMN_DEFAULT AS column_default, IS_NULLABLE AS is_nullable, DATA_TYPE AS data_type,
  COLUMN_TYPE AS column_type, CHARACTER_MAXIMUM_LENGTH AS character_maximum_length,
  NUMERIC_PRECISION AS numeric_precision, NUMERIC_SCALE AS numeric_scale, EXTRA AS extra,
  ${isGenerated} AS is_generated, COLUMN_COMMENT AS column_comment
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ?`,
    ),
    checks,
    // The schema is bound on each information_schema table, not only on the first: MariaDB only
    // narrows an information_schema scan to one database when the condition names that table's own
    // column (a condition reached through a join would make it open every table on the server).
    // PRIMARY KEY and UNIQUE constraint names are unique per table only ('PRIMARY' everywhere),
    // so every join includes TABLE_NAME.
    keyColumns: {
      sql: `SELECT tc.TABLE_NAME AS table_name, tc.CONSTRAINT_NAME AS constraint_name,
  tc.CONSTRAINT_TYPE AS constraint_type, kcu.COLUMN_NAME AS column_name,
  kcu.ORDINAL_POSITION AS ordinal_position, kcu.REFERENCED_TABLE_SCHEMA AS referenced_table_schema,
  kcu.REFERENCED_TABLE_NAME AS referenced_table_name, kcu.REFERENCED_COLUMN_NAME AS referenced_column_name,
  rc.UPDATE_RULE AS update_rule, rc.DELETE_RULE AS delete_rule
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.KEY_COLUMN_USAGE kcu
  ON kcu.TABLE_SCHEMA = ? AND kcu.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA
  AND kcu.TABLE_NAME = tc.TABLE_NAME AND kcu.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
  ON rc.CONSTRAINT_SCHEMA = ? AND rc.TABLE_NAME = tc.TABLE_NAME AND rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = ? AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')`,
      params: [schema, schema, schema],
    },
    indexColumns: one(
      `SELECT TABLE_NAME AS table_name, INDEX_NAME AS index_name, NON_UNIQUE AS non_unique,
  SEQ_IN_INDEX AS seq_in_index, COLUMN_NAME AS column_name, ${expression} AS expression,
  INDEX_TYPE AS index_type
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = ?`,
    ),
    routines: one(
      `SELECT ROUTINE_NAME AS routine_name, SPECIFIC_NAME AS specific_name, ROUTINE_TYPE AS routine_type,
  DATA_TYPE AS data_type, DTD_IDENTIFIER AS dtd_identifier, IS_DETERMINISTIC AS is_deterministic,
  SQL_DATA_ACCESS AS sql_data_access, ROUTINE_COMMENT AS routine_comment
FROM information_schema.ROUTINES
WHERE ROUTINE_SCHEMA = ?`,
    ),
    parameters: one(
      `SELECT SPECIFIC_NAME AS specific_name, ROUTINE_TYPE AS routine_type, ORDINAL_POSITION AS ordinal_position,
  PARAMETER_MODE AS parameter_mode, PARAMETER_NAME AS parameter_name, DATA_TYPE AS data_type,
  DTD_IDENTIFIER AS dtd_identifier
FROM information_schema.PARAMETERS
WHERE SPECIFIC_SCHEMA = ?`,
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/**
 * Reads database `options.schema` of the MySQL or MariaDB server behind `source` into a
 * `RawCatalog`.
 *
 * Runs read-only information_schema queries. Throws when the source is not a MySQL/MariaDB one,
 * when the database does not exist (a misspelt name would otherwise silently produce an empty API),
 * or when a result does not have the expected shape; driver errors propagate unchanged.
 */
export async function introspectMysql(
  source: IntrospectionSource,
  options: { readonly schema: string },
): Promise<RawCatalog> {
  const variant = source.variant;
  if (variant !== 'mysql' && variant !== 'mariadb') {
    throw new Error(`The MySQL introspector cannot read a ${variant} database`);
  }
  const serverVersion = await source.serverVersion();
  const queries = buildMysqlIntrospectionQueries(variant, serverVersion, options.schema);
  const run = async (query: CompiledQuery | null): Promise<Record<string, unknown>[]> =>
    query === null ? [] : (await source.query<Record<string, unknown>>(query)).rows;

  const exists = parseRows('SCHEMATA', schemaRow, await run(queries.schemaExists));
  if (exists.length === 0) {
    throw new Error(`Database "${options.schema}" does not exist on the ${variant === 'mariadb' ? 'MariaDB' : 'MySQL'} server`);
  }
  // Small independent reads; a pooled driver may run them side by side.
  const [tables, views, columns, checks, keyColumns, indexColumns, routines, parameters] = await Promise.all([
    run(queries.tables),
    run(queries.views),
    run(queries.columns),
    run(queries.checks),
    run(queries.keyColumns),
    run(queries.indexColumns),
    run(queries.routines),
    run(queries.parameters),
  ]);
  const parsed = parseIntrospectionRows({ tables, views, columns, checks, keyColumns, indexColumns, routines, parameters });
  return mapParsedRows(parsed, variant, serverVersion, options.schema);
}

function parseRows<S extends z.ZodType>(label: string, schema: S, rows: readonly unknown[]): z.output<S>[] {
  const result = z.array(schema).safeParse(rows);
  if (!result.success) {
    throw new Error(`MySQL introspection (${label}) returned an unexpected shape: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// Pure mapping
// ---------------------------------------------------------------------------------------------

type TableRow = z.output<typeof tableRow>;
type ColumnRow = z.output<typeof columnRow>;
type KeyColumnRow = z.output<typeof keyColumnRow>;
type IndexColumnRow = z.output<typeof indexColumnRow>;
type RoutineRow = z.output<typeof routineRow>;
type ParameterRow = z.output<typeof parameterRow>;

/**
 * Maps the introspection result sets to a `RawCatalog`. Pure and deterministic: output arrays are
 * sorted (relations by name; columns by table, position; constraints and indexes by table, name;
 * procedures by name, then kind), comparing strings by code unit so the order does not depend on a
 * locale. Throws when a row does not have the expected shape.
 *
 * `serverVersion` is the `VERSION()` text; it decides version-dependent readings (MariaDB before
 * 10.2.7 reported defaults the MySQL way).
 */
export function mapMysqlIntrospection(
  rows: MysqlIntrospectionRows,
  variant: MysqlVariant,
  serverVersion: string,
  schema: string,
): RawCatalog {
  return mapParsedRows(parseIntrospectionRows(rows), variant, serverVersion, schema);
}

interface ParsedRows {
  readonly tables: readonly TableRow[];
  readonly views: readonly z.output<typeof viewRow>[];
  readonly columns: readonly ColumnRow[];
  readonly checks: readonly z.output<typeof checkRow>[];
  readonly keyColumns: readonly KeyColumnRow[];
  readonly indexColumns: readonly IndexColumnRow[];
  readonly routines: readonly RoutineRow[];
  readonly parameters: readonly ParameterRow[];
}

/** Validates and normalises every result set (numbers as numbers, text as strings, absent as null). */
function parseIntrospectionRows(rows: { readonly [K in keyof MysqlIntrospectionRows]: readonly unknown[] }): ParsedRows {
  return {
    tables: parseRows('TABLES', tableRow, rows.tables),
    views: parseRows('VIEWS', viewRow, rows.views),
    columns: parseRows('COLUMNS', columnRow, rows.columns),
    checks: parseRows('CHECK_CONSTRAINTS', checkRow, rows.checks),
    keyColumns: parseRows('KEY_COLUMN_USAGE', keyColumnRow, rows.keyColumns),
    indexColumns: parseRows('STATISTICS', indexColumnRow, rows.indexColumns),
    routines: parseRows('ROUTINES', routineRow, rows.routines),
    parameters: parseRows('PARAMETERS', parameterRow, rows.parameters),
  };
}

function mapParsedRows(rows: ParsedRows, variant: MysqlVariant, serverVersion: string, schema: string): RawCatalog {
  const { tables, views, columns, checks, keyColumns, indexColumns, routines, parameters } = rows;
  const updatableViews = new Set(views.filter((v) => v.is_updatable.toUpperCase() === 'YES').map((v) => v.table_name));
  const relations = tables
    .map((row) => mapRelation(row, updatableViews))
    .filter((r): r is RawRelationObject => r !== null)
    .sort((a, b) => compareStrings(a.name, b.name));
  const known = new Set(relations.map((r) => r.name));

  const jsonColumns = variant === 'mariadb' ? mariadbJsonColumns(checks) : new Set<string>();
  const defaults = defaultReading(variant, parseServerVersion(serverVersion));

  return {
    engine: 'mysql',
    variant,
    serverVersion,
    schema,
    introspectionVersion: MYSQL_INTROSPECTION_VERSION,
    relations,
    columns: columns
      .filter((c) => known.has(c.table_name))
      .sort((a, b) => compareStrings(a.table_name, b.table_name) || a.ordinal_position - b.ordinal_position)
      .map((c) => mapColumn(c, jsonColumns.has(columnKey(c.table_name, c.column_name)), defaults)),
    constraints: mapConstraints(keyColumns, known, schema).sort(
      (a, b) => compareStrings(a.table, b.table) || compareStrings(a.name, b.name),
    ),
    indexes: mapIndexes(indexColumns, known).sort((a, b) => compareStrings(a.table, b.table) || compareStrings(a.name, b.name)),
    procedures: mapProcedures(routines, parameters).sort(
      (a, b) => compareStrings(a.name, b.name) || compareStrings(a.kind, b.kind),
    ),
  };
}

// --- relations --------------------------------------------------------------------------------

function mapRelation(row: TableRow, updatableViews: ReadonlySet<string>): RawRelationObject | null {
  switch (row.table_type.toUpperCase()) {
    case 'BASE TABLE':
    // MariaDB reports system-versioned tables (WITH SYSTEM VERSIONING) with their own type; they
    // are ordinary tables to read and write (history stays behind the scenes).
    case 'SYSTEM VERSIONED':
      return {
        name: row.table_name,
        kind: 'table',
        comment: emptyToNull(row.table_comment),
        insertable: true,
        updatable: true,
        deletable: true,
      };
    case 'VIEW': {
      // MySQL/MariaDB views cannot carry a comment: TABLE_COMMENT holds the word 'VIEW' (or, for a
      // view whose base tables are gone, an error message), never something the user wrote.
      // (MySQL has no materialized views.) IS_UPDATABLE covers INSERT, UPDATE and DELETE alike.
      const updatable = updatableViews.has(row.table_name);
      return { name: row.table_name, kind: 'view', comment: null, insertable: updatable, updatable, deletable: updatable };
    }
    default:
      // MariaDB SEQUENCE objects (listed as tables with next_not_cached_value… columns), the
      // session's TEMPORARY tables and SYSTEM VIEWs are not part of the API.
      return null;
  }
}

// --- columns ----------------------------------------------------------------------------------

function columnKey(table: string, column: string): string {
  return `${table}\u0000${column}`;
}

/**
 * MariaDB's JSON is an alias: the column is stored as LONGTEXT with an automatic
 * `CHECK (json_valid(`col`))` constraint (LEVEL 'Column', named after the column). The same check
 * written by hand, also at table level, means the same. Returns the (table, column) keys.
 */
function mariadbJsonColumns(checks: readonly z.output<typeof checkRow>[]): Set<string> {
  const keys = new Set<string>();
  for (const check of checks) {
    const match = /^\(?\s*json_valid\s*\(\s*`((?:[^`]|``)+)`\s*\)\s*\)?$/i.exec(check.check_clause?.trim() ?? '');
    if (match?.[1] !== undefined) keys.add(columnKey(check.table_name, match[1].replaceAll('``', '`')));
  }
  return keys;
}

const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const SIZED_TYPES = new Set(['char', 'varchar', 'binary', 'varbinary']);

interface MysqlType {
  readonly dbType: string;
  readonly valueType: ValueType;
}

/**
 * The `dbType`/`valueType` of a column, parameter or return value from its DATA_TYPE (the bare type
 * name) and its full type text (COLUMNS.COLUMN_TYPE, or DTD_IDENTIFIER for routines).
 * Never fails: anything unknown is a `string`.
 */
export function mysqlTypeOf(dataType: string, fullType: string, isJson = false): MysqlType {
  const base = dataType.trim().toLowerCase();
  const full = fullType.trim().toLowerCase();
  // ZEROFILL implies UNSIGNED (MySQL 8 still prints both words).
  const unsigned = /\b(unsigned|zerofill)\b/.test(full) ? ' unsigned' : '';
  if (isJson && base === 'longtext') return { dbType: 'json', valueType: 'json' };
  switch (base) {
    case 'tinyint':
      // TINYINT(1) is the conventional boolean (BOOL/BOOLEAN are aliases of it), and the driver's
      // typeCast reads it as one. MySQL 8.0.19+ dropped integer display widths from COLUMN_TYPE
      // except exactly this one, kept so that clients can still tell; MariaDB prints all widths.
      if (/^tinyint\(1\)/.test(full)) return { dbType: `tinyint(1)${unsigned}`, valueType: 'boolean' };
      return { dbType: `tinyint${unsigned}`, valueType: 'integer' };
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'integer':
      return { dbType: `${base}${unsigned}`, valueType: 'integer' };
    case 'year':
      return { dbType: base, valueType: 'integer' };
    case 'bigint':
      // Signed or not, BIGINT exceeds JavaScript's safe integers: it travels as a string.
      return { dbType: `bigint${unsigned}`, valueType: 'bigint' };
    case 'decimal':
    case 'numeric':
      return { dbType: `decimal${unsigned}`, valueType: 'decimal' };
    case 'float':
    case 'double':
    case 'real':
      return { dbType: base, valueType: 'float' };
    case 'bit':
      // BIT(1) is a flag (the driver reads it as a boolean); wider BIT(n) values are bit strings.
      return { dbType: base, valueType: /^bit\(1\)/.test(full) ? 'boolean' : 'bytes' };
    case 'date':
      return { dbType: base, valueType: 'date' };
    case 'time':
      return { dbType: base, valueType: 'time' };
    case 'datetime':
      // A wall-clock value without a zone.
      return { dbType: base, valueType: 'timestamp' };
    case 'timestamp':
      // Stores an instant (converted to UTC on write, back to the session zone on read); Sluice
      // sessions run at time_zone '+00:00', so values read are UTC.
      return { dbType: base, valueType: 'timestamptz' };
    case 'json':
      // MySQL's native JSON type (MariaDB's JSON is recognised above, through its CHECK).
      return { dbType: base, valueType: 'json' };
    case 'enum':
      return { dbType: base, valueType: 'enum' };
    case 'uuid':
      // MariaDB 10.7+ native UUID.
      return { dbType: base, valueType: 'uuid' };
    default:
      // text and char types, SET (a comma-separated string of labels), MariaDB's INET4/INET6,
      // spatial types, and anything a future server adds.
      if (BINARY_TYPES.has(base)) return { dbType: base, valueType: 'bytes' };
      return { dbType: base, valueType: 'string' };
  }
}

function mapColumn(row: ColumnRow, isJson: boolean, readDefault: DefaultReader): RawColumn {
  const type = mysqlTypeOf(row.data_type, row.column_type, isJson);
  const base = row.data_type.trim().toLowerCase();
  const extra = row.extra ?? '';
  const generated = generatedKind(row, extra);
  return {
    table: row.table_name,
    name: row.column_name,
    position: row.ordinal_position,
    dbType: type.dbType,
    valueType: type.valueType,
    nullable: row.is_nullable.toUpperCase() === 'YES',
    // A generated column has no default (both engines report NULL / 'NULL' for it anyway).
    // View columns carry what the server derives from the underlying column: MariaDB copies the
    // base column's default, and reports an AUTO_INCREMENT base column (and COUNT(*)) as default 0.
    defaultValue: generated === 'computed' ? null : readDefault(row.column_default, extra, base, type.valueType),
    generated,
    maxLength: SIZED_TYPES.has(base) && type.valueType !== 'json' ? row.character_maximum_length : null,
    precision: type.valueType === 'decimal' ? row.numeric_precision : null,
    scale: type.valueType === 'decimal' ? row.numeric_scale : null,
    enumValues: type.valueType === 'enum' ? parseMysqlEnumValues(row.column_type) : null,
    comment: emptyToNull(row.column_comment),
  };
}

function generatedKind(row: ColumnRow, extra: string): RawColumn['generated'] {
  if (/\bauto_increment\b/i.test(extra)) return 'autoIncrement';
  // MySQL 8 writes 'DEFAULT_GENERATED' into EXTRA for expression defaults: that is not a generated
  // column, hence the exact words. MariaDB before 10.2 said PERSISTENT for STORED.
  if (/\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(extra)) return 'computed';
  // MariaDB: IS_GENERATED = 'ALWAYS' (also system-versioning ROW START / ROW END columns).
  if (row.is_generated?.toUpperCase() === 'ALWAYS') return 'computed';
  return null;
}

// --- defaults ---------------------------------------------------------------------------------

type DefaultReader = (raw: string | null, extra: string, baseType: string, valueType: ValueType) => string | null;

const NUMERIC_VALUE_TYPES: ReadonlySet<ValueType> = new Set<ValueType>(['integer', 'bigint', 'decimal', 'float', 'boolean']);
const NUMBER_LITERAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const CURRENT_TIME_FUNCTION = /^(current_timestamp|now|localtime|localtimestamp|current_date|curdate)(\(\d*\))?$/i;

/**
 * Picks how COLUMN_DEFAULT is read. The result is the default as SQL text: `null` when there is no
 * default or the default is NULL; string literals quoted (`'it''s'`, backslashes and control
 * characters escaped the way the server prints them); numbers and expressions as they are.
 */
function defaultReading(variant: MysqlVariant, version: ServerVersion | null): DefaultReader {
  // MariaDB 10.2.7+ (the release that brought expression defaults) prints COLUMN_DEFAULT as SQL:
  // string literals quoted ('abc', 'it''s', 'a\\b'), NULL as the text NULL, numbers bare and
  // expressions as text (current_timestamp(), uuid(), 1 + 2). No default at all is SQL NULL.
  if (variant === 'mariadb' && (version === null || versionAtLeast(version, [10, 2, 7]))) {
    return (raw) => {
      if (raw === null || raw === 'NULL') return null;
      const literal = readWholeLiteral(raw);
      // Re-quoted so that the text is the canonical form whatever MariaDB's own spelling.
      return literal === null ? raw : quoteMysqlString(literal);
    };
  }
  // MySQL (and older MariaDB) report the default's *value*: literals unquoted (abc, it's), NULL as
  // SQL NULL. MySQL 8.0.13+ marks expression defaults with EXTRA 'DEFAULT_GENERATED' and reports
  // the expression with its quotes and backslashes escaped once more (_utf8mb4\'a\'): that layer
  // is removed. CURRENT_TIMESTAMP on TIMESTAMP/DATETIME is 'DEFAULT_GENERATED' from 8.0.13, bare
  // before.
  return (raw, extra, baseType, valueType) => {
    if (raw === null) return null;
    if (/\bDEFAULT_GENERATED\b/i.test(extra)) return raw.replace(/\\([\\'])/g, '$1');
    if ((valueType === 'timestamp' || valueType === 'timestamptz' || valueType === 'date') && CURRENT_TIME_FUNCTION.test(raw)) {
      return raw;
    }
    if (NUMERIC_VALUE_TYPES.has(valueType) && baseType !== 'bit' && NUMBER_LITERAL.test(raw)) return raw;
    // BIT defaults are printed as bit literals (b'101'); binary-string defaults as hex (0x616263).
    if (baseType === 'bit' && /^b'[01]*'$/i.test(raw)) return raw;
    if (BINARY_TYPES.has(baseType) && /^0x[0-9a-f]*$/i.test(raw)) return raw;
    return quoteMysqlString(raw);
  };
}

/**
 * A MySQL string literal for `value`, escaped as the server itself prints literals in
 * information_schema (`append_unescaped`): `'` doubled; backslash, NUL, newline and CR as backslash
 * sequences; everything else (tab, Ctrl-Z included) raw.
 */
export function quoteMysqlString(value: string): string {
  return `'${value.replace(/[\0\n\r\\']/g, (ch) => QUOTE_ESCAPES[ch] ?? ch)}'`;
}

const QUOTE_ESCAPES: Readonly<Record<string, string>> = {
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\\': '\\\\',
  "'": "''",
};

/** What a backslash sequence means inside a MySQL string literal (others stand for the character). */
const BACKSLASH_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  // \% and \_ keep their backslash (they exist for LIKE patterns).
  '%': '\\%',
  _: '\\_',
};

/**
 * Reads the single-quoted literal starting at `start` (which must be a `'`): `''` is a quote,
 * backslash sequences are decoded. Returns the value and the index after the closing quote, or null
 * when the literal is not closed.
 */
function readQuotedLiteral(source: string, start: number): { value: string; end: number } | null {
  let value = '';
  let i = start + 1;
  while (i < source.length) {
    const ch = source[i] ?? '';
    if (ch === '\\' && i + 1 < source.length) {
      const next = source[i + 1] ?? '';
      value += BACKSLASH_ESCAPES[next] ?? next;
      i += 2;
    } else if (ch === "'") {
      if (source[i + 1] === "'") {
        value += "'";
        i += 2;
      } else {
        return { value, end: i + 1 };
      }
    } else {
      value += ch;
      i += 1;
    }
  }
  return null;
}

/** The value when `raw` is exactly one quoted string literal, else null (an expression). */
export function readWholeLiteral(raw: string): string | null {
  if (!raw.startsWith("'")) return null;
  const literal = readQuotedLiteral(raw, 0);
  return literal !== null && literal.end === raw.length ? literal.value : null;
}

/**
 * The labels of an ENUM (or SET) from its COLUMN_TYPE / DTD_IDENTIFIER text, in declaration order:
 * `enum('a','it''s','back\\slash,comma')` → `a`, `it's`, `back\slash,comma`. Both engines print
 * each label as a quoted literal with `'` doubled and backslash, NUL, newline and CR escaped with a
 * backslash (other characters, tabs included, appear raw). Commas inside labels are not separators.
 */
export function parseMysqlEnumValues(columnType: string): string[] {
  const labels: string[] = [];
  let i = columnType.indexOf('(');
  if (i < 0) return labels;
  i += 1;
  while (i < columnType.length) {
    const ch = columnType[i];
    if (ch === "'") {
      const literal = readQuotedLiteral(columnType, i);
      if (literal === null) break;
      labels.push(literal.value);
      i = literal.end;
    } else if (ch === ')') {
      break;
    } else {
      // Separators (',') and whitespace between labels.
      i += 1;
    }
  }
  return labels;
}

// --- constraints and indexes ------------------------------------------------------------------


function mapConstraints(rows: readonly KeyColumnRow[], known: ReadonlySet<string>, schema: string): RawConstraint[] {
  const constraints: RawConstraint[] = [];
  const groups = groupBy(
    rows.filter((r) => known.has(r.table_name)),
    (r) => `${r.table_name}\u0000${r.constraint_name}\u0000${r.constraint_type}`,
  );
  for (const group of groups.values()) {
    const parts = [...group].sort((a, b) => a.ordinal_position - b.ordinal_position);
    const first = parts[0];
    if (first === undefined) continue;
    const type = first.constraint_type.toUpperCase();
    const columns = parts.map((p) => p.column_name);
    if (type === 'PRIMARY KEY' || type === 'UNIQUE') {
      // The primary key is always named 'PRIMARY' in MySQL/MariaDB; the name is kept.
      constraints.push({
        table: first.table_name,
        name: first.constraint_name,
        kind: type === 'PRIMARY KEY' ? 'primaryKey' : 'unique',
        columns,
        targetTable: null,
        targetColumns: null,
        onUpdate: null,
        onDelete: null,
      });
    } else if (type === 'FOREIGN KEY') {
      // InnoDB allows foreign keys into another database; RawCatalog only describes references
      // within the schema, so those are left out (like a reference to an unknown table).
      if (first.referenced_table_schema !== null && first.referenced_table_schema !== schema) continue;
      if (first.referenced_table_name === null) continue;
      // KEY_COLUMN_USAGE pairs each referencing column with its referenced column on the same row,
      // so ordering by ORDINAL_POSITION keeps the pairs.
      constraints.push({
        table: first.table_name,
        name: first.constraint_name,
        kind: 'foreignKey',
        columns,
        targetTable: first.referenced_table_name,
        targetColumns: parts.map((p) => p.referenced_column_name ?? ''),
        // MariaDB reports an unspecified action as RESTRICT, MySQL 8 as NO ACTION (InnoDB treats
        // the two alike). Passed through as reported.
        onUpdate: first.update_rule?.toUpperCase() ?? 'NO ACTION',
        onDelete: first.delete_rule?.toUpperCase() ?? 'NO ACTION',
      });
    }
  }
  return constraints;
}

function mapIndexes(rows: readonly IndexColumnRow[], known: ReadonlySet<string>): RawIndex[] {
  const indexes: RawIndex[] = [];
  const groups = groupBy(
    rows.filter((r) => known.has(r.table_name)),
    (r) => `${r.table_name}\u0000${r.index_name}`,
  );
  for (const group of groups.values()) {
    const parts = [...group].sort((a, b) => a.seq_in_index - b.seq_in_index);
    const first = parts[0];
    if (first === undefined) continue;
    const method = first.index_type?.trim().toLowerCase() ?? '';
    indexes.push({
      table: first.table_name,
      name: first.index_name,
      // A prefix part (name(10)) is reported as its column; a MySQL functional part as its
      // expression text, as STATISTICS.EXPRESSION prints it.
      columns: parts.map((p) => p.column_name ?? p.expression ?? ''),
      unique: first.non_unique === 0,
      primary: first.index_name === 'PRIMARY',
      method: method === '' ? null : method,
      predicate: null, // MySQL has no partial indexes
    });
  }
  return indexes;
}

// --- routines ---------------------------------------------------------------------------------

function parameterMode(mode: string | null): RawProcedureParameter['mode'] {
  switch (mode?.toUpperCase()) {
    case 'OUT':
      return 'out';
    case 'INOUT':
      return 'inout';
    default:
      // IN, and NULL: function parameters have no mode (they are all IN).
      return 'in';
  }
}

/**
 * Volatility from the routine's characteristics (declarations the server does not check).
 * Side effects are told by the data-access class, not by DETERMINISTIC: READS SQL DATA and NO SQL
 * promise no writes, so such functions are 'stable' — or 'immutable' when they are also
 * DETERMINISTIC and read nothing. CONTAINS SQL (the default, which does not rule writes out),
 * MODIFIES SQL DATA and every procedure are 'volatile'.
 */
function volatilityOf(routine: RoutineRow, kind: RawProcedure['kind']): RawProcedure['volatility'] {
  if (kind === 'procedure') return 'volatile';
  const deterministic = routine.is_deterministic?.toUpperCase() === 'YES';
  switch (routine.sql_data_access?.toUpperCase()) {
    case 'NO SQL':
      return deterministic ? 'immutable' : 'stable';
    case 'READS SQL DATA':
      return 'stable';
    default:
      return 'volatile';
  }
}

function mapProcedures(routines: readonly RoutineRow[], parameters: readonly ParameterRow[]): RawProcedure[] {
  // A function and a procedure may share a name: parameters are matched on name and type.
  const byRoutine = groupBy(parameters, (p) => `${p.specific_name}\u0000${p.routine_type?.toUpperCase() ?? ''}`);
  const procedures: RawProcedure[] = [];
  for (const routine of routines) {
    const routineType = routine.routine_type.toUpperCase();
    // MariaDB (sql_mode=ORACLE) also lists PACKAGE and PACKAGE BODY here.
    if (routineType !== 'FUNCTION' && routineType !== 'PROCEDURE') continue;
    const kind = routineType === 'FUNCTION' ? 'function' : 'procedure';
    const own = [
      ...(byRoutine.get(`${routine.specific_name}\u0000${routineType}`) ?? byRoutine.get(`${routine.specific_name}\u0000`) ?? []),
    ].sort((a, b) => a.ordinal_position - b.ordinal_position);

    let returnType: MysqlType | null = null;
    if (kind === 'function') {
      // PARAMETERS row 0 is the return value; ROUTINES carries the same type as a fallback.
      const ret = own.find((p) => p.ordinal_position === 0);
      const dataType = ret?.data_type ?? routine.data_type ?? '';
      const fullType = ret?.dtd_identifier ?? routine.dtd_identifier ?? dataType;
      // MariaDB's JSON is LONGTEXT here too, and routines have no CHECK to tell: it stays a string.
      returnType = mysqlTypeOf(dataType, fullType);
    }
    procedures.push({
      name: routine.routine_name,
      kind,
      parameters: own
        .filter((p) => p.ordinal_position > 0)
        .map((p): RawProcedureParameter => {
          const type = mysqlTypeOf(p.data_type ?? '', p.dtd_identifier ?? p.data_type ?? '');
          return {
            name: p.parameter_name ?? '',
            position: p.ordinal_position,
            mode: parameterMode(p.parameter_mode),
            dbType: type.dbType,
            valueType: type.valueType,
            // MySQL/MariaDB routine parameters cannot have defaults.
            hasDefault: false,
          };
        }),
      returnType: returnType?.dbType ?? null,
      returnValueType: returnType?.valueType ?? null,
      // A function returns one scalar. A procedure's result sets (SELECTs in its body) are only
      // known when it is called; nothing in the catalog describes them.
      returnsSet: false,
      volatility: volatilityOf(routine, kind),
      comment: emptyToNull(routine.routine_comment),
    });
  }
  return procedures;
}

// --- helpers ----------------------------------------------------------------------------------

function emptyToNull(value: string | null): string | null {
  return value === null || value === '' ? null : value;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type ServerVersion = readonly [number, number, number];

/**
 * `8.0.36`, `10.11.19-MariaDB-0+deb12u1` → [major, minor, patch]; null when unreadable (then the
 * newest behaviour is assumed). A `5.5.5-` prefix (old MariaDB handshakes) is skipped.
 */
function parseServerVersion(version: string): ServerVersion | null {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(version.replace(/^5\.5\.5-/, ''));
  if (!match) return null;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function versionAtLeast(version: ServerVersion | null, wanted: ServerVersion): boolean {
  if (version === null) return true;
  for (let i = 0; i < 3; i += 1) {
    const have = version[i] ?? 0;
    const want = wanted[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}
