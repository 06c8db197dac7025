/**
 * PostgreSQL values → their lossless JSON form (see ValueType), in two steps:
 *
 * 1. `postgresTypeParsers`: the `pg` text-format parsers Sluice uses instead of the defaults, by
 *    built-in type OID. The defaults turn int8 arrays into numbers and timestamps into `Date`s (which
 *    drop microseconds and zones); ours keep bigint/numeric as strings, render timestamps as ISO 8601
 *    text, bytea as base64 and float specials as strings. Sessions run with TimeZone=UTC,
 *    DateStyle=ISO, IntervalStyle=iso_8601 and bytea_output=hex, which these parsers rely on.
 * 2. `createPostgresDecoder`: a per-query-shape pass for what OIDs cannot tell (arrays of enums
 *    arrive as unparsed `{a,b}` literals). Free when nothing needs doing.
 *
 * PGlite is driven through the same `pg` client (its node-postgres adapter), so both drivers share
 * these codecs.
 */
import pg from 'pg';
import postgresArray from 'postgres-array';
import type { ScalarValueType } from '../../catalog/catalog-types.js';
import type { OutputColumn, Row, RowDecoder } from '../dialect.js';
import { isoFromPostgresTimestamp } from '../temporal.js';

type TextParser = (text: string) => unknown;

/** float4/float8: numbers, except NaN and ±Infinity, which JSON cannot hold: kept as strings. */
function parseFloatText(text: string): number | string {
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

function parseBytea(text: string): string {
  // bytea_output=hex: `\x0a0b…`. The legacy escape format is not used by our sessions.
  return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex').toString('base64') : Buffer.from(text, 'latin1').toString('base64');
}

function parseBoolText(text: string): boolean {
  return text === 't' || text === 'true';
}

const identity: TextParser = (text) => text;

const elementParsers: Readonly<Record<ScalarValueType, TextParser>> = {
  string: identity,
  enum: identity,
  uuid: identity,
  decimal: identity,
  bigint: identity,
  date: identity,
  time: identity,
  integer: Number,
  float: parseFloatText,
  boolean: parseBoolText,
  bytes: parseBytea,
  json: JSON.parse,
  timestamp: isoFromPostgresTimestamp,
  timestamptz: isoFromPostgresTimestamp,
};

function arrayOf(element: TextParser): TextParser {
  return (text) => postgresArray.parse(text, element);
}

/** Scalar OID, array OID, element parser. */
const BUILTINS: readonly (readonly [number, number, TextParser])[] = [
  [20, 1016, identity], // int8
  [1700, 1231, identity], // numeric
  [790, 791, identity], // money
  [700, 1021, parseFloatText], // float4
  [701, 1022, parseFloatText], // float8
  [1082, 1182, identity], // date
  [1083, 1183, identity], // time
  [1266, 1270, identity], // timetz
  [1114, 1115, isoFromPostgresTimestamp], // timestamp
  [1184, 1185, isoFromPostgresTimestamp], // timestamptz
  [1186, 1187, identity], // interval (IntervalStyle=iso_8601: P1DT2H)
  [17, 1001, parseBytea], // bytea
  [114, 199, JSON.parse], // json
  [3802, 3807, JSON.parse], // jsonb
  [2950, 2951, identity], // uuid
  [16, 1000, parseBoolText], // bool
  [21, 1005, Number], // int2
  [23, 1007, Number], // int4
];

const overrides = new Map<number, TextParser>();
for (const [scalar, array, parse] of BUILTINS) {
  overrides.set(scalar, parse);
  overrides.set(array, arrayOf(parse));
}

/** The `types` option Sluice passes to every `pg` query. */
export const postgresTypeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format === 'binary') return pg.types.getTypeParser(oid, 'binary');
    return overrides.get(oid) ?? pg.types.getTypeParser(oid, 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * What the OID-based parsers cannot know. PostgreSQL reports domains under their base type's OID, so
 * domains need nothing; but arrays of enums (and of other non-built-in types) arrive as unparsed
 * `{a,b}` literals, and `integer` outputs computed as int8 (`count(*)`) arrive as strings.
 */
export function createPostgresDecoder(columns: readonly OutputColumn[]): RowDecoder {
  // Built for every statement run: plain loops, and nothing allocated for a shape that needs no pass.
  let integers: string[] | undefined;
  let arrays: { name: string; parse: TextParser }[] | undefined;
  for (const column of columns) {
    const type = column.valueType;
    if (type === 'integer') (integers ??= []).push(column.name);
    else if (typeof type !== 'string') (arrays ??= []).push({ name: column.name, parse: elementParsers[type.of] });
  }
  if (!integers && !arrays) return identityRow;
  return decodeWith(integers ?? [], arrays ?? []);
}

const identityRow = (row: Row): Row => row;

/**
 * A column's values all come from one type parser, so the first row tells which columns need the
 * pass: an `integer` column read as int4 is a number already, an array of a built-in type an array.
 * Only the columns whose first value is still text (or NULL, which tells nothing) are visited in the
 * rows after it. The decoder is made per statement run, so what it learns is about one result.
 */
function decodeWith(integers: readonly string[], arrays: readonly { name: string; parse: TextParser }[]): RowDecoder {
  let textIntegers = integers;
  let textArrays = arrays;
  let first = true;
  return (row: Row) => {
    if (first) {
      first = false;
      textIntegers = integers.filter((name) => typeof row[name] !== 'number');
      textArrays = arrays.filter(({ name }) => !Array.isArray(row[name]));
    }
    for (const name of textIntegers) {
      const value = row[name];
      if (typeof value === 'string') row[name] = Number(value);
    }
    for (const { name, parse } of textArrays) {
      const value = row[name];
      if (typeof value === 'string') row[name] = postgresArray.parse(value, parse);
    }
    return row;
  };
}
