/**
 * PostgreSQL introspector: reads one schema of a PostgreSQL database (server or PGlite) into a
 * `RawCatalog`.
 *
 * Runs when a service connects (and whenever its catalog is reloaded). Follows PostGraphile's
 * pg-introspection approach: ONE catalog query over `pg_catalog` returns a single row with a single
 * `json` column holding every fact we need (relations, columns, keys, indexes, routines and the
 * closure of the types they use). The schema name is bound as `$1`, never interpolated. Everything
 * travels inside the JSON, so the result does not depend on how the driver decodes int8, numeric or
 * timestamps. The JSON is validated with zod and mapped to `RawCatalog` by the pure function
 * `mapPostgresIntrospection`, which unit tests call with hand-written inputs.
 *
 * The same query runs unchanged on PostgreSQL 15 through 18 (PGlite is 18). Two catalog facts matter:
 * - PostgreSQL 18 stores NOT NULL constraints in `pg_constraint` (contype 'n'), so constraint kinds
 *   are filtered explicitly to 'p', 'u', 'f';
 * - PostgreSQL 18 adds virtual generated columns (`attgenerated = 'v'`) next to stored ones ('s').
 *
 * May import: zod, catalog types, errors and ../dialect.js types. Writes SQL text (this is a dialect).
 */
import { z } from 'zod';

import type { ScalarValueType, ValueType } from '../../catalog/catalog-types.js';
import type {
  RawCatalog,
  RawColumn,
  RawConstraint,
  RawIndex,
  RawProcedure,
  RawProcedureParameter,
  RawRelationObject,
} from '../../catalog/raw-catalog.js';
import type { IntrospectionSource } from '../dialect.js';


/** Bumped when the shape or meaning of the introspection output changes. */
export const POSTGRES_INTROSPECTION_VERSION = 1;

/**
 * The catalog query. `$1` is the schema name. Returns one row with one json column, `introspection`,
 * whose shape is `postgresIntrospectionSchema` below.
 *
 * Catalog relations and functions are schema-qualified so that user objects named like them
 * (a table `pg_class` in the searched schema, say) cannot change the query's meaning.
 */
export const POSTGRES_INTROSPECTION_SQL = `
WITH RECURSIVE
  target_namespace AS (
    SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = $1
  ),

  -- Tables ('r'), partitioned parents ('p'), foreign tables ('f'), views ('v'), materialized views
  -- ('m'). Partitions are reached through their parent and skipped.
  relations AS (
    SELECT
      c.oid,
      c.relname,
      c.relkind,
      -- pg_relation_is_updatable returns a bit mask of 1 << CmdType, counting rules and INSTEAD OF
      -- triggers when the second argument is true: 4 = UPDATE, 8 = INSERT, 16 = DELETE (the same
      -- bits information_schema.views uses). Only asked for views: for tables the answer is "all",
      -- for materialized views "none", and foreign tables would load their FDW handler.
      CASE WHEN c.relkind = 'v' THEN pg_catalog.pg_relation_is_updatable(c.oid, true) END AS updatable_flags,
      d.description
    FROM pg_catalog.pg_class c
    LEFT JOIN pg_catalog.pg_description d
      ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objoid = c.oid AND d.objsubid = 0
    WHERE c.relnamespace IN (SELECT oid FROM target_namespace)
      AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
      AND NOT c.relispartition
  ),

  -- User columns only: system columns have attnum < 0, dropped columns stay in pg_attribute with
  -- attisdropped (and leave gaps in attnum, which the mapping renumbers away).
  columns AS (
    SELECT
      r.relname AS table_name,
      a.attnum,
      a.attname,
      a.atttypid,
      a.atttypmod,
      a.attnotnull,
      a.attidentity,
      a.attgenerated,
      pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default_expr,
      -- "serial": the default calls nextval() on a sequence that is OWNED BY this column. Ownership
      -- is a pg_depend row sequence -> column with deptype 'a' (identity sequences use 'i'); the
      -- default expression depends (deptype 'n') on the sequence it calls.
      EXISTS (
        SELECT 1
        FROM pg_catalog.pg_depend owned
        JOIN pg_catalog.pg_class seq ON seq.oid = owned.objid AND seq.relkind = 'S'
        JOIN pg_catalog.pg_depend used
          ON used.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
         AND used.objid = ad.oid
         AND used.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
         AND used.refobjid = seq.oid
        WHERE owned.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND owned.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND owned.refobjid = a.attrelid
          AND owned.refobjsubid = a.attnum
          AND owned.deptype = 'a'
      ) AS default_uses_owned_sequence,
      d.description
    FROM relations r
    JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid
    LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    LEFT JOIN pg_catalog.pg_description d
      ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objoid = r.oid AND d.objsubid = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped
  ),

  -- Primary keys, unique constraints and foreign keys. Check, exclusion, trigger and (PG 18) NOT NULL
  -- constraints are left out. conparentid <> 0 marks the clones PostgreSQL adds for each partition
  -- of a referenced partitioned table; the parent constraint stands for them.
  constraints AS (
    SELECT
      r.relname AS table_name,
      con.conname,
      con.contype,
      con.confupdtype,
      con.confdeltype,
      target.relname AS target_table,
      (
        SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
        FROM pg_catalog.unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
      ) AS column_names,
      (
        SELECT pg_catalog.json_agg(a.attname ORDER BY k.ord)
        FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
      ) AS target_column_names
    FROM relations r
    JOIN pg_catalog.pg_constraint con ON con.conrelid = r.oid
    LEFT JOIN pg_catalog.pg_class target ON target.oid = con.confrelid
    WHERE con.contype IN ('p', 'u', 'f')
      AND con.conparentid = 0
      -- Foreign keys only when the referenced table is one we report (same schema, not a partition).
      AND (con.contype <> 'f' OR con.confrelid IN (SELECT oid FROM relations))
  ),

  -- Valid indexes (a failed CREATE INDEX CONCURRENTLY leaves an invalid one behind that enforces
  -- nothing). Only key columns: INCLUDE columns (after indnkeyatts) are not part of the key.
  -- indkey holds 0 for an expression member, whose text pg_get_indexdef gives by 1-based position.
  indexes AS (
    SELECT
      r.relname AS table_name,
      ic.relname AS index_name,
      i.indisunique,
      i.indisprimary,
      am.amname,
      pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
      (
        SELECT pg_catalog.json_agg(
          CASE WHEN k.attnum = 0
            THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::pg_catalog.int4, true)
            ELSE a.attname::pg_catalog.text
          END
          ORDER BY k.ord)
        FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY AS k(attnum, ord)
        LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE k.ord <= i.indnkeyatts
      ) AS column_names
    FROM relations r
    JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    LEFT JOIN pg_catalog.pg_am am ON am.oid = ic.relam
    WHERE i.indisvalid AND i.indislive
  ),

  -- Functions ('f') and procedures ('p') an API can call. Left out: aggregates ('a') and window
  -- functions ('w'); members of extensions (pg_depend deptype 'e', e.g. the ~100 functions
  -- CREATE EXTENSION citext puts in the schema); functions with any pseudo-type input argument
  -- (internal, anyelement, anyarray, anycompatible…, "any", cstring, record, …), which cannot be
  -- called with JSON values; and functions returning a pseudo-type other than record and void:
  -- trigger and event_trigger functions, type I/O functions (cstring), handlers (internal,
  -- fdw_handler, language_handler, table_am_handler, index_am_handler, tsm_handler).
  procedures AS (
    SELECT
      p.oid,
      p.proname,
      p.prokind,
      p.proretset,
      p.provolatile,
      p.prorettype,
      p.pronargdefaults,
      p.proargnames,
      p.proargmodes,
      -- proallargtypes is NULL when every argument is IN; then proargtypes lists them all.
      COALESCE(p.proallargtypes, p.proargtypes::pg_catalog.oid[]) AS all_arg_types,
      d.description
    FROM pg_catalog.pg_proc p
    LEFT JOIN pg_catalog.pg_description d
      ON d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objoid = p.oid AND d.objsubid = 0
    WHERE p.pronamespace IN (SELECT oid FROM target_namespace)
      AND p.prokind IN ('f', 'p')
      AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend dep
        WHERE dep.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND dep.objid = p.oid AND dep.deptype = 'e'
      )
      AND NOT (p.proargtypes::pg_catalog.oid[] OPERATOR(pg_catalog.&&) ARRAY(
        SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typtype = 'p'
      ))
      AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_type t
        WHERE t.oid = p.prorettype AND t.typtype = 'p' AND t.typname NOT IN ('record', 'void')
      )
  ),

  -- Every type a column or routine uses, plus (recursively) the element types of arrays and the
  -- base types of domains, so the mapping can resolve a domain over an enum, an array of a domain…
  -- The seeds are folded into one array (an InitPlan) on purpose: the planner multiplies the
  -- estimated rows of a recursive CTE by 10, and with the seeds' own generous estimates the plan's
  -- cost crossed jit_above_cost, so PostgreSQL spent 0.1–3 s JIT-compiling a 10 ms catalog query.
  -- unnest() of a non-constant array is estimated at 10 rows, which keeps the closure cheap.
  type_closure(type_oid) AS (
    SELECT pg_catalog.unnest(ARRAY(
      SELECT atttypid FROM columns
      UNION SELECT pg_catalog.unnest(all_arg_types) FROM procedures
      UNION SELECT prorettype FROM procedures
    ))
    UNION
    SELECT next_type.type_oid
    FROM type_closure tc
    JOIN pg_catalog.pg_type t ON t.oid = tc.type_oid
    CROSS JOIN LATERAL (VALUES (t.typelem), (t.typbasetype)) AS next_type(type_oid)
    WHERE next_type.type_oid <> 0
  ),
  types AS (
    SELECT
      t.oid,
      t.typname,
      tn.nspname,
      pg_catalog.format_type(t.oid, NULL) AS formatted,
      t.typtype,
      -- A "true" array (PostgreSQL's IsTrueArrayType): typelem alone is not enough, since name,
      -- point, int2vector… also have one but subscript differently.
      t.typsubscript = 'pg_catalog.array_subscript_handler'::pg_catalog.regproc AS is_array,
      t.typelem,
      t.typbasetype,
      t.typtypmod,
      t.typnotnull,
      t.typdefault,
      (
        SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder)
        FROM pg_catalog.pg_enum e
        WHERE e.enumtypid = t.oid
      ) AS enum_labels
    FROM type_closure tc
    JOIN pg_catalog.pg_type t ON t.oid = tc.type_oid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
  )

SELECT pg_catalog.json_build_object(
  'schemaExists', EXISTS (SELECT 1 FROM target_namespace),
  'relations', COALESCE((
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'name', relname,
      'relkind', relkind,
      'updatableFlags', updatable_flags,
      'comment', description))
    FROM relations), '[]'::pg_catalog.json),
  'columns', COALESCE((
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'table', table_name,
      'attnum', attnum,
      'name', attname,
      'typeOid', atttypid::pg_catalog.int8,
      'typmod', atttypmod,
      'notNull', attnotnull,
      'identity', attidentity,
      'generated', attgenerated,
      'default', default_expr,
      'defaultUsesOwnedSequence', default_uses_owned_sequence,
      'comment', description))
    FROM columns), '[]'::pg_catalog.json),
  'constraints', COALESCE((
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'table', table_name,
      'name', conname,
      'contype', contype,
      'columns', COALESCE(column_names, '[]'::pg_catalog.json),
      'targetTable', target_table,
      'targetColumns', target_column_names,
      'onUpdate', confupdtype,
      'onDelete', confdeltype))
    FROM constraints), '[]'::pg_catalog.json),
  'indexes', COALESCE((
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'table', table_name,
      'name', index_name,
      'columns', COALESCE(column_names, '[]'::pg_catalog.json),
      'unique', indisunique,
      'primary', indisprimary,
      'method', amname,
      'predicate', predicate))
    FROM indexes), '[]'::pg_catalog.json),
  'procedures', COALESCE((
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'name', proname,
      'prokind', prokind,
      'returnsSet', proretset,
      'volatility', provolatile,
      'returnTypeOid', prorettype::pg_catalog.int8,
      'argTypeOids', all_arg_types::pg_catalog.int8[],
      'argNames', proargnames,
      'argModes', proargmodes,
      'defaultCount', pronargdefaults,
      'comment', description))
    FROM procedures), '[]'::pg_catalog.json),
  'types', COALESCE((
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'oid', oid::pg_catalog.int8,
      'name', typname,
      'namespace', nspname,
      'formatted', formatted,
      'typtype', typtype,
      'isArray', is_array,
      'elemOid', typelem::pg_catalog.int8,
      'baseTypeOid', typbasetype::pg_catalog.int8,
      'typmod', typtypmod,
      'notNull', typnotnull,
      'default', typdefault,
      'enumLabels', enum_labels))
    FROM types), '[]'::pg_catalog.json)
) AS introspection
`;

// ---------------------------------------------------------------------------------------------
// The JSON the query returns, validated before it is trusted.
// ---------------------------------------------------------------------------------------------

const oidSchema = z.number().int().nonnegative();

const relationJson = z.object({
  name: z.string(),
  relkind: z.enum(['r', 'p', 'f', 'v', 'm']),
  updatableFlags: z.number().int().nullable(),
  comment: z.string().nullable(),
});

const columnJson = z.object({
  table: z.string(),
  attnum: z.number().int(),
  name: z.string(),
  typeOid: oidSchema,
  typmod: z.number().int(),
  notNull: z.boolean(),
  /** '' (not identity), 'a' (ALWAYS), 'd' (BY DEFAULT). */
  identity: z.string(),
  /** '' (not generated), 's' (stored), 'v' (virtual, PostgreSQL 18+). */
  generated: z.string(),
  default: z.string().nullable(),
  defaultUsesOwnedSequence: z.boolean(),
  comment: z.string().nullable(),
});

const constraintJson = z.object({
  table: z.string(),
  name: z.string(),
  contype: z.enum(['p', 'u', 'f']),
  columns: z.array(z.string()),
  targetTable: z.string().nullable(),
  targetColumns: z.array(z.string()).nullable(),
  /** pg_constraint action codes; ' ' for constraints that are not foreign keys. */
  onUpdate: z.string(),
  onDelete: z.string(),
});

const indexJson = z.object({
  table: z.string(),
  name: z.string(),
  columns: z.array(z.string()),
  unique: z.boolean(),
  primary: z.boolean(),
  method: z.string().nullable(),
  predicate: z.string().nullable(),
});

const procedureJson = z.object({
  name: z.string(),
  prokind: z.enum(['f', 'p']),
  returnsSet: z.boolean(),
  volatility: z.enum(['i', 's', 'v']),
  returnTypeOid: oidSchema,
  argTypeOids: z.array(oidSchema),
  argNames: z.array(z.string()).nullable(),
  argModes: z.array(z.enum(['i', 'o', 'b', 'v', 't'])).nullable(),
  defaultCount: z.number().int().nonnegative(),
  comment: z.string().nullable(),
});

const typeJson = z.object({
  oid: oidSchema,
  name: z.string(),
  namespace: z.string(),
  formatted: z.string(),
  /** b base, c composite, d domain, e enum, p pseudo, r range, m multirange. */
  typtype: z.string(),
  isArray: z.boolean(),
  elemOid: oidSchema,
  baseTypeOid: oidSchema,
  typmod: z.number().int(),
  /** Domains: NOT NULL declared on the domain. */
  notNull: z.boolean(),
  /** Domains: the domain's DEFAULT, as text. */
  default: z.string().nullable(),
  enumLabels: z.array(z.string()).nullable(),
});

/** Zod schema of the `introspection` json value the catalog query returns. */
export const postgresIntrospectionSchema = z.object({
  schemaExists: z.boolean(),
  relations: z.array(relationJson),
  columns: z.array(columnJson),
  constraints: z.array(constraintJson),
  indexes: z.array(indexJson),
  procedures: z.array(procedureJson),
  types: z.array(typeJson),
});

/** The validated `introspection` json value (what `mapPostgresIntrospection` maps). */
export type PostgresIntrospection = z.infer<typeof postgresIntrospectionSchema>;
type TypeRow = z.infer<typeof typeJson>;

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/**
 * Reads `options.schema` of the database behind `source` into a `RawCatalog`.
 *
 * Runs one read-only catalog query. Throws when the schema does not exist (a misspelt schema would
 * otherwise silently produce an empty API) or when the query's result does not have the expected
 * shape; driver errors propagate unchanged.
 */
export async function introspectPostgres(
  source: IntrospectionSource,
  options: { readonly schema: string },
): Promise<RawCatalog> {
  const result = await source.query<Record<string, unknown>>({
    sql: POSTGRES_INTROSPECTION_SQL,
    params: [options.schema],
  });
  const row = result.rows[0];
  if (row === undefined) throw new Error('PostgreSQL introspection query returned no row');
  const json = parseIntrospectionJson(row.introspection);
  if (!json.schemaExists) throw new Error(`Schema "${options.schema}" does not exist in the PostgreSQL database`);
  const serverVersion = await source.serverVersion();
  return mapPostgresIntrospection(json, source.variant, serverVersion, options.schema);
}

/**
 * Validates the `introspection` column value. Drivers normally hand json columns over parsed; a
 * string (a driver without a json type parser) is parsed here.
 */
export function parseIntrospectionJson(value: unknown): PostgresIntrospection {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  const result = postgresIntrospectionSchema.safeParse(parsed);
  if (!result.success) {
    throw new Error(`PostgreSQL introspection returned an unexpected shape: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// Pure mapping
// ---------------------------------------------------------------------------------------------

/**
 * Maps the validated catalog JSON to a `RawCatalog`. Pure and deterministic: output arrays are
 * sorted (relations by name; columns by table, position; constraints and indexes by table, name;
 * procedures by name, parameter count, parameter types), comparing strings by code unit so the
 * order does not depend on a locale.
 */
export function mapPostgresIntrospection(
  json: PostgresIntrospection,
  variant: RawCatalog['variant'],
  serverVersion: string,
  schema: string,
): RawCatalog {
  const types = new TypeResolver(json.types);
  return {
    engine: 'postgres',
    variant,
    serverVersion,
    schema,
    introspectionVersion: POSTGRES_INTROSPECTION_VERSION,
    relations: json.relations.map(mapRelation).sort((a, b) => compareStrings(a.name, b.name)),
    columns: mapColumns(json.columns, types),
    constraints: json.constraints
      .map(mapConstraint)
      .sort((a, b) => compareStrings(a.table, b.table) || compareStrings(a.name, b.name)),
    indexes: json.indexes
      .map(mapIndex)
      .sort((a, b) => compareStrings(a.table, b.table) || compareStrings(a.name, b.name)),
    procedures: json.procedures.map((p) => mapProcedure(p, types)).sort(compareProcedures),
  };
}

// pg_relation_is_updatable bits: 1 << CmdType (CMD_UPDATE = 2, CMD_INSERT = 3, CMD_DELETE = 4).
const UPDATABLE_BIT = 1 << 2;
const INSERTABLE_BIT = 1 << 3;
const DELETABLE_BIT = 1 << 4;

function mapRelation(row: z.infer<typeof relationJson>): RawRelationObject {
  const base = { name: row.name, comment: row.comment };
  switch (row.relkind) {
    case 'v': {
      const flags = row.updatableFlags ?? 0;
      return {
        ...base,
        kind: 'view',
        insertable: (flags & INSERTABLE_BIT) !== 0,
        updatable: (flags & UPDATABLE_BIT) !== 0,
        deletable: (flags & DELETABLE_BIT) !== 0,
      };
    }
    case 'm':
      return { ...base, kind: 'materializedView', insertable: false, updatable: false, deletable: false };
    default:
      // Plain, partitioned and foreign tables. (Whether a foreign table accepts writes is up to its
      // FDW; asking would load the FDW handler, so it is reported like any table.)
      return { ...base, kind: 'table', insertable: true, updatable: true, deletable: true };
  }
}

function mapColumns(rows: readonly z.infer<typeof columnJson>[], types: TypeResolver): RawColumn[] {
  const sorted = [...rows].sort((a, b) => compareStrings(a.table, b.table) || a.attnum - b.attnum);
  const columns: RawColumn[] = [];
  let currentTable: string | undefined;
  let position = 0;
  for (const row of sorted) {
    // attnum keeps the gaps dropped columns leave; positions are renumbered 1..n per table.
    if (row.table !== currentTable) {
      currentTable = row.table;
      position = 0;
    }
    position += 1;
    const resolved = types.resolve(row.typeOid);
    const modifiers = types.modifiers(row.typeOid, row.typmod);
    const domain = types.domainConstraints(row.typeOid);
    const computed = row.generated === 's' || row.generated === 'v';
    columns.push({
      table: row.table,
      name: row.name,
      position,
      dbType: types.formatted(row.typeOid),
      valueType: resolved.valueType,
      // A NOT NULL domain makes its columns non-nullable (information_schema.columns agrees).
      nullable: !row.notNull && !domain.notNull,
      // A generated column's pg_attrdef row holds its generation expression, not a default
      // (information_schema reports column_default NULL for it too). A column without a default
      // of its own gets its domain's on INSERT, so that one is reported.
      defaultValue: computed ? null : (row.default ?? domain.default),
      generated: generatedKind(row, computed),
      maxLength: modifiers.maxLength,
      precision: modifiers.precision,
      scale: modifiers.scale,
      enumValues: resolved.enumValues,
      comment: row.comment,
    });
  }
  return columns;
}

function generatedKind(row: z.infer<typeof columnJson>, computed: boolean): RawColumn['generated'] {
  if (row.identity === 'a' || row.identity === 'd') return 'identity';
  if (computed) return 'computed';
  if (row.defaultUsesOwnedSequence && row.default !== null && row.default.startsWith('nextval(')) return 'serial';
  return null;
}

const FOREIGN_KEY_ACTIONS: Readonly<Record<string, string>> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

function mapConstraint(row: z.infer<typeof constraintJson>): RawConstraint {
  if (row.contype !== 'f') {
    return {
      table: row.table,
      name: row.name,
      kind: row.contype === 'p' ? 'primaryKey' : 'unique',
      columns: row.columns,
      targetTable: null,
      targetColumns: null,
      onUpdate: null,
      onDelete: null,
    };
  }
  return {
    table: row.table,
    name: row.name,
    kind: 'foreignKey',
    columns: row.columns,
    targetTable: row.targetTable,
    targetColumns: row.targetColumns ?? [],
    onUpdate: FOREIGN_KEY_ACTIONS[row.onUpdate] ?? 'NO ACTION',
    onDelete: FOREIGN_KEY_ACTIONS[row.onDelete] ?? 'NO ACTION',
  };
}

function mapIndex(row: z.infer<typeof indexJson>): RawIndex {
  return {
    table: row.table,
    name: row.name,
    columns: row.columns,
    unique: row.unique,
    primary: row.primary,
    method: row.method,
    predicate: row.predicate,
  };
}

const PARAMETER_MODES = {
  i: 'in',
  o: 'out',
  b: 'inout',
  v: 'variadic',
  t: 'table',
} as const satisfies Record<string, RawProcedureParameter['mode']>;

const VOLATILITIES = { i: 'immutable', s: 'stable', v: 'volatile' } as const;

function mapProcedure(row: z.infer<typeof procedureJson>, types: TypeResolver): RawProcedure {
  // proargmodes is NULL when all arguments are IN; proargnames is NULL when none is named and
  // holds '' for unnamed ones. Both, when present, cover every argument (proallargtypes order).
  const modes = row.argTypeOids.map((_, i) => row.argModes?.[i] ?? 'i');
  // Defaults belong to the last pronargdefaults *input* arguments (IN, INOUT, VARIADIC).
  const inputIndexes = modes.flatMap((mode, i) => (mode === 'i' || mode === 'b' || mode === 'v' ? [i] : []));
  const withDefault = new Set(row.defaultCount > 0 ? inputIndexes.slice(-row.defaultCount) : []);

  const parameters = row.argTypeOids.map((typeOid, i): RawProcedureParameter => ({
    name: row.argNames?.[i] ?? '',
    position: i + 1,
    mode: PARAMETER_MODES[modes[i] ?? 'i'],
    dbType: types.formatted(typeOid),
    valueType: types.resolve(typeOid).valueType,
    hasDefault: withDefault.has(i),
  }));

  const isProcedure = row.prokind === 'p';
  const returnsNothing = isProcedure || types.isVoid(row.returnTypeOid);
  return {
    name: row.name,
    kind: isProcedure ? 'procedure' : 'function',
    parameters,
    returnType: returnsNothing ? null : types.formatted(row.returnTypeOid),
    returnValueType: returnsNothing ? null : types.resolve(row.returnTypeOid).valueType,
    returnsSet: !isProcedure && row.returnsSet,
    volatility: VOLATILITIES[row.volatility],
    comment: row.comment,
  };
}

function compareProcedures(a: RawProcedure, b: RawProcedure): number {
  return (
    compareStrings(a.name, b.name) ||
    a.parameters.length - b.parameters.length ||
    compareStrings(a.parameters.map((p) => `${p.mode} ${p.dbType}`).join(','), b.parameters.map((p) => `${p.mode} ${p.dbType}`).join(','))
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** Value types of the built-in (pg_catalog) base types; every other built-in maps to 'string'. */
const BUILTIN_VALUE_TYPES: Readonly<Record<string, ScalarValueType>> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'bigint',
  numeric: 'decimal',
  float4: 'float',
  float8: 'float',
  bool: 'boolean',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'json',
  bytea: 'bytes',
  date: 'date',
  time: 'time',
  timetz: 'time',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  // money, text, varchar, bpchar, "char", name, interval, inet, tsvector, xml, bit… → 'string'
};

interface ResolvedType {
  readonly valueType: ValueType;
  /** Labels of the enum at the bottom of the domain/array chain, if there is one. */
  readonly enumValues: readonly string[] | null;
}

interface TypeModifiers {
  readonly maxLength: number | null;
  readonly precision: number | null;
  readonly scale: number | null;
}

/** PostgreSQL's VARHDRSZ: typmods of varchar/bpchar/numeric are offset by it. */
const VARHDRSZ = 4;
const NO_MODIFIERS: TypeModifiers = { maxLength: null, precision: null, scale: null };

/**
 * Resolves type oids through domains (typbasetype) and arrays (typelem) to a `ValueType`. Types it
 * does not know (which the query's type closure should make impossible) and cycles resolve to
 * 'string', so an odd type never fails introspection.
 */
class TypeResolver {
  private readonly byOid: ReadonlyMap<number, TypeRow>;

  constructor(rows: readonly TypeRow[]) {
    this.byOid = new Map(rows.map((row) => [row.oid, row]));
  }

  /** `format_type(oid, NULL)`: `integer`, `character varying`, `text[]`, `mood`. */
  formatted(oid: number): string {
    return this.byOid.get(oid)?.formatted ?? 'unknown';
  }

  isVoid(oid: number): boolean {
    const type = this.byOid.get(oid);
    return type !== undefined && type.namespace === 'pg_catalog' && type.name === 'void';
  }

  resolve(oid: number): ResolvedType {
    const scalar = this.resolveScalar(oid, new Set());
    return {
      valueType: scalar.isArray ? { kind: 'array', of: scalar.of } : scalar.of,
      enumValues: scalar.enumValues,
    };
  }

  /**
   * Domains resolve to their base; arrays to their element (an array of arrays, e.g. an array of a
   * domain over an array, flattens to one array level: PostgreSQL arrays are multi-dimensional
   * anyway and `ValueType` has one array level).
   */
  private resolveScalar(
    oid: number,
    seen: Set<number>,
  ): { of: ScalarValueType; isArray: boolean; enumValues: readonly string[] | null } {
    const type = this.byOid.get(oid);
    if (type === undefined || seen.has(oid)) return { of: 'string', isArray: false, enumValues: null };
    seen.add(oid);
    if (type.typtype === 'd') return this.resolveScalar(type.baseTypeOid, seen);
    if (type.isArray) return { ...this.resolveScalar(type.elemOid, seen), isArray: true };
    if (type.typtype === 'e') return { of: 'enum', isArray: false, enumValues: type.enumLabels ?? [] };
    if (type.typtype === 'b' && type.namespace === 'pg_catalog') {
      return { of: BUILTIN_VALUE_TYPES[type.name] ?? 'string', isArray: false, enumValues: null };
    }
    // citext (an extension type, in whatever schema it was installed), composites, ranges, other
    // extension types (hstore, ltree, geometry…).
    return { of: 'string', isArray: false, enumValues: null };
  }

  /**
   * NOT NULL and DEFAULT a column gets from its type when it is a domain. NOT NULL holds if any
   * domain of the chain declares it (all of their constraints are checked). The default is the
   * column type's own only: that is what PostgreSQL applies (getTypeDefault does not walk the
   * chain; CREATE DOMAIN copies the base domain's default, and DROP DEFAULT on the outer one wins).
   */
  domainConstraints(oid: number): { readonly notNull: boolean; readonly default: string | null } {
    const own = this.byOid.get(oid);
    if (own === undefined || own.typtype !== 'd') return { notNull: false, default: null };
    let notNull = false;
    let type: TypeRow | undefined = own;
    const seen = new Set<number>();
    while (type !== undefined && type.typtype === 'd' && !seen.has(type.oid)) {
      seen.add(type.oid);
      notNull ||= type.notNull;
      type = this.byOid.get(type.baseTypeOid);
    }
    return { notNull, default: own.default };
  }

  /**
   * maxLength of varchar(n)/char(n) and precision/scale of numeric(p,s), from the column's typmod
   * or, for a domain, the domain's (a domain cannot add a typmod to another domain, so at most one
   * link of the chain has one). Arrays report none, as information_schema does.
   */
  modifiers(oid: number, columnTypmod: number): TypeModifiers {
    let type = this.byOid.get(oid);
    let typmod = columnTypmod;
    const seen = new Set<number>();
    while (type !== undefined && type.typtype === 'd' && !seen.has(type.oid)) {
      seen.add(type.oid);
      if (typmod < 0) typmod = type.typmod;
      type = this.byOid.get(type.baseTypeOid);
    }
    if (type === undefined || type.namespace !== 'pg_catalog' || typmod < VARHDRSZ) return NO_MODIFIERS;
    switch (type.name) {
      case 'varchar':
      case 'bpchar':
        return { maxLength: typmod - VARHDRSZ, precision: null, scale: null };
      case 'numeric': {
        const packed = typmod - VARHDRSZ;
        // Scale is an 11-bit signed field since PostgreSQL 15 (numeric(3,-2) is legal).
        return { maxLength: null, precision: (packed >> 16) & 0xffff, scale: ((packed & 0x7ff) ^ 1024) - 1024 };
      }
      default:
        return NO_MODIFIERS;
    }
  }
}
