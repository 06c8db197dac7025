/**
 * MySQL/MariaDB values ↔ their lossless JSON form (see ValueType).
 *
 * Reading happens in two steps. mysql2 parses each row with its generated parser (no `typeCast`
 * hook: a function hook costs an object and three closures per field of every row, a quarter of
 * the CPU of a list read). The pool options make BIGINT and DECIMAL arrive as strings
 * (`supportBigNumbers`, `bigNumberStrings`; DECIMAL is text by default), dates and date-times as
 * text (`dateStrings`) and JSON as text (`jsonStrings`, whatever the server flags). Then
 * `mysqlRowConverter`, built once per result from the wire metadata, fixes what the wire type
 * tells: TINYINT(1) and BIT(1) become booleans, DATETIME becomes ISO text and TIMESTAMP ISO text
 * with `Z` (sessions run at time_zone '+00:00'), BIT(n>1) becomes base64. `createMysqlDecoder`
 * handles what only the catalog tells: JSON text is parsed for the columns that are json, binary
 * strings (Buffers) become base64, and integer outputs computed as BIGINT (`COUNT(*)`) arrive as
 * strings.
 *
 * Writing: `encodeMysqlParam` turns JSON-form values into what mysql2 binds (JSON text, Buffers,
 * `YYYY-MM-DD HH:MM:SS.ffffff` date-times in UTC).
 */
import type { FieldPacket } from 'mysql2';
import type { ValueType } from '../../catalog/catalog-types.js';
import type { Param } from '../../query/ir.js';
import type { OutputColumn, Row, RowDecoder } from '../dialect.js';
import { isoFromMysqlDateTime, mysqlDateTimeFromIso } from '../temporal.js';

/** mysql2's wire type codes (`mysql2`'s `Types`), for the columns the converter rewrites. */
const WIRE_TINY = 1;
const WIRE_TIMESTAMP = 7;
const WIRE_DATETIME = 12;
const WIRE_BIT = 16;

type ValueFix = (value: unknown) => unknown;

const toBoolean: ValueFix = (value) => (typeof value === 'number' ? value !== 0 : value);
const bitToBoolean: ValueFix = (value) => (Buffer.isBuffer(value) ? value[0] === 1 : value);
const bitToBase64: ValueFix = (value) => (Buffer.isBuffer(value) ? value.toString('base64') : value);
const wallClock: ValueFix = (value) => (typeof value === 'string' ? isoFromMysqlDateTime(value, false) : value);
const instant: ValueFix = (value) => (typeof value === 'string' ? isoFromMysqlDateTime(value, true) : value);

function fixFor(field: FieldPacket): ValueFix | null {
  switch (field.columnType) {
    case WIRE_TINY:
      return field.columnLength === 1 ? toBoolean : null;
    case WIRE_BIT:
      return field.columnLength === 1 ? bitToBoolean : bitToBase64;
    case WIRE_DATETIME:
      return wallClock;
    case WIRE_TIMESTAMP:
      return instant;
    default:
      return null;
  }
}

/**
 * What the wire type of a result's columns says about their values (see the module header), as an
 * in-place fix for its rows, or null when no column needs one. Rows are objects keyed by name.
 */
export function mysqlRowConverter(fields: readonly FieldPacket[]): ((row: Row) => void) | null {
  const names: string[] = [];
  const fixes: ValueFix[] = [];
  for (const field of fields) {
    const fix = fixFor(field);
    if (fix) {
      names.push(field.name);
      fixes.push(fix);
    }
  }
  if (names.length === 0) return null;
  return (row) => {
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const value = row[name];
      if (value !== null && value !== undefined) row[name] = (fixes[i] as ValueFix)(value);
    }
  };
}

export function createMysqlDecoder(columns: readonly OutputColumn[]): RowDecoder {
  const json = columns.filter((c) => c.valueType === 'json').map((c) => c.name);
  const integers = columns.filter((c) => c.valueType === 'integer').map((c) => c.name);
  const bytes = columns.filter((c) => c.valueType === 'bytes').map((c) => c.name);
  if (json.length === 0 && integers.length === 0 && bytes.length === 0) return (row) => row;
  return (row: Row) => {
    for (const name of bytes) {
      const value = row[name];
      if (Buffer.isBuffer(value)) row[name] = value.toString('base64');
    }
    for (const name of json) {
      const value = row[name];
      if (typeof value === 'string') row[name] = JSON.parse(value);
    }
    for (const name of integers) {
      const value = row[name];
      if (typeof value === 'string') row[name] = Number(value);
    }
    return row;
  };
}

export function encodeMysqlParam(value: Param['value'], type: ValueType): unknown {
  if (value === null) return null;
  if (typeof type !== 'string' || type === 'json') return JSON.stringify(value); // MySQL has no arrays: JSON columns hold them
  switch (type) {
    case 'bytes':
      return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
    case 'timestamptz':
      return typeof value === 'string' ? mysqlDateTimeFromIso(value, true) : value;
    case 'timestamp':
      return typeof value === 'string' ? mysqlDateTimeFromIso(value, false) : value;
    default:
      return value;
  }
}
