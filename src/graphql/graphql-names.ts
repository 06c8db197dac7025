/**
 * The one rule mapping SQL names (tables, columns, relations, enum labels) to GraphQL names, which
 * must match `/^[_A-Za-z][_0-9A-Za-z]*$/` and not start with `__`. The REST API keeps SQL names.
 *
 * - A *plain* name is kept as it is: it is a valid GraphQL name, contains no `__`, and is not
 *   reserved (for tables: a built-in type name or a name ending in a suffix this layer derives
 *   type and field names with, such as `_bool_exp`; for enum labels: `true`, `false`, `null`).
 * - Any other name is encoded as `<readable>__<code>`: `<readable>` is the name with every character
 *   outside `[A-Za-z0-9_]` replaced by `_`, prefixed by `_` when it would start with a digit and
 *   by `x` when the result would start with `__` (readable part empty, `_`, or starting with `__`); `<code>` lists, joined by `_`, `p` when a prefix
 *   was added and `<position>x<hex code point>` for each replaced character (positions in code
 *   points). `PG-13` → `PG_13__2x2d`, `order items` → `order_items__5x20`, `2fa` → `_2fa__p`.
 *
 * Why it is collision-free: an encoded name always contains `__`, so it never equals a plain name;
 * and an encoded name can be decoded (split at its last `__`, strip the prefix, put the listed
 * characters back), so two different names never encode alike. `test/unit/graphql/graphql-names.test.ts`
 * checks both with fast-check. Names derived from a table name (`T_bool_exp`, `T_by_pk`, …) cannot
 * collide with another table's name because those suffixes are reserved.
 *
 * May import: nothing.
 */

const VALID = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** Suffixes this layer appends to table names; a table name ending in one is encoded. */
export const DERIVED_SUFFIXES = [
  '_bool_exp',
  '_order_by',
  '_by_pk',
  '_aggregate',
  '_aggregate_fields',
  '_sum_fields',
  '_avg_fields',
  '_min_fields',
  '_max_fields',
  '_comparison_exp',
  '_enum',
  '_select_column',
  '_connection',
  '_edge',
  // Mutations (graphql-mutations.ts): `insert_T_one` and the input/result types.
  '_one',
  '_insert_input',
  '_on_conflict',
  '_constraint',
  '_update_column',
  '_set_input',
  '_inc_input',
  '_pk_columns_input',
  '_mutation_response',
] as const;

/** Prefixes of the root Mutation fields of a table (`insert_T`, `update_T_by_pk`, …). */
export const MUTATION_PREFIXES = ['insert_', 'update_', 'delete_'] as const;
/** Suffixes of the root Mutation fields of a table, after its type name. */
export const MUTATION_SUFFIXES = ['', '_one', '_by_pk'] as const;

/** Names GraphQL or this layer already uses for types. */
const RESERVED_TYPE_NAMES = new Set([
  'Query',
  'Mutation',
  'Subscription',
  'String',
  'Int',
  'Float',
  'Boolean',
  'ID',
  'order_by',
  'PageInfo',
  'bigint',
  'numeric',
  'uuid',
  'json',
  'timestamptz',
  'timestamp',
  'date',
  'time',
  'bytea',
]);

const RESERVED_ENUM_VALUES = new Set(['true', 'false', 'null']);

function isPlain(name: string): boolean {
  return VALID.test(name) && !name.includes('__');
}

/** The encoded form of `name` (see the module comment); never a plain name. */
export function encodeName(name: string): string {
  const chars = [...name];
  const codes: string[] = [];
  const readable = chars
    .map((ch, i) => {
      if (/^[A-Za-z0-9_]$/.test(ch)) return ch;
      codes.push(`${i}x${(ch.codePointAt(0) as number).toString(16)}`);
      return '_';
    })
    .join('');
  let prefix = '';
  if (/^[0-9]/.test(readable)) prefix = '_';
  else if (`${readable}__`.startsWith('__')) prefix = 'x';
  return `${prefix}${readable}__${[...(prefix ? ['p'] : []), ...codes].join('_')}`;
}

/** A column or relation name as a GraphQL field name. */
export function fieldName(sqlName: string): string {
  return isPlain(sqlName) ? sqlName : encodeName(sqlName);
}

/** A table name as the GraphQL type name (and root field name) of the table. */
export function tableTypeName(sqlName: string): string {
  const reserved = RESERVED_TYPE_NAMES.has(sqlName) || DERIVED_SUFFIXES.some((suffix) => sqlName.endsWith(suffix));
  return isPlain(sqlName) && !reserved ? sqlName : encodeName(sqlName);
}

/** An enum label as a GraphQL enum value name. */
export function enumValueName(label: string): string {
  return isPlain(label) && !RESERVED_ENUM_VALUES.has(label) ? label : encodeName(label);
}

/**
 * A SQL function as a root field name: `fieldName(sqlName)`, unless `taken(that)` — it is the name
 * of a root field derived from a table — in which case the encoded form with the extra code `f`
 * (`orders` → `orders__f`, `my fn` → `my_fn__2x20_f`). Encoded table names never carry the code `f`
 * and derived names end in a suffix, so the result is never a table's field; distinct functions
 * keep distinct names because the encoding is injective.
 */
export function functionFieldName(sqlName: string, taken: (name: string) => boolean): string {
  const name = fieldName(sqlName);
  if (!taken(name)) return name;
  const encoded = encodeName(sqlName);
  return encoded.endsWith('__') ? `${encoded}f` : `${encoded}_f`;
}

/** True for strings GraphQL accepts as names. */
export function isValidGraphqlName(name: string): boolean {
  return VALID.test(name) && !name.startsWith('__');
}
