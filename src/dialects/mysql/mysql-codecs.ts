/**
 * MySQL/MariaDB values ↔ their lossless JSON form (see ValueType).
 *
 * Reading happens mostly in `mysqlTypeCast`, mysql2's per-field hook, which knows the wire type:
 * TINYINT(1) and BIT(1) become booleans, DATETIME becomes ISO text and TIMESTAMP ISO text with `Z`
 * (sessions run at time_zone '+00:00'), BIT(n>1) becomes base64. The pool options make BIGINT
 * and DECIMAL arrive as strings (`supportBigNumbers`, `bigNumberStrings`; DECIMAL is text by
 * default) and dates as text (`dateStrings`). `createMysqlDecoder` handles what the wire cannot
 * tell: JSON arrives as text (the typeCast keeps it so; MariaDB's JSON is LONGTEXT anyway) and is
 * parsed for the columns the catalog says are json, binary
 * strings arrive as Buffers (the typeCast hook is not told the charset) and become base64, and
 * integer outputs computed as BIGINT (`COUNT(*)`) arrive as strings.
 *
 * Writing: `encodeMysqlParam` turns JSON-form values into what mysql2 binds (JSON text, Buffers,
 * `YYYY-MM-DD HH:MM:SS.ffffff` date-times in UTC).
 */
import type { TypeCastField, TypeCastNext } from 'mysql2';
import type { ValueType } from '../../catalog/catalog-types.js';
import type { Param } from '../../query/ir.js';
import type { OutputColumn, Row, RowDecoder } from '../dialect.js';
import { isoFromMysqlDateTime, mysqlDateTimeFromIso } from '../temporal.js';

/** mysql2 `typeCast`: see the module header. Everything else goes to mysql2's own parsing (`next`). */
export function mysqlTypeCast(field: TypeCastField, next: TypeCastNext): unknown {
  // JSON stays text on the wire and is parsed once, by the decoder: mysql2 parses it only when the
  // server flags it (MySQL's JSON type, MariaDB 10.5+ extended metadata), and parsing a JSON string
  // value twice would fail.
  if (field.type === 'JSON' || field.extendedFormat === 'json') return field.string('utf8');
  switch (field.type) {
    case 'TINY':
      if (field.length === 1) {
        const text = field.string();
        return text === null ? null : text !== '0';
      }
      return next();
    case 'BIT':
      if (field.length === 1) {
        const bytes = field.buffer();
        return bytes === null ? null : bytes[0] === 1;
      }
      return bytesToBase64(field.buffer());
    case 'DATETIME': {
      const text = field.string();
      return text === null ? null : isoFromMysqlDateTime(text, false);
    }
    case 'TIMESTAMP': {
      const text = field.string();
      return text === null ? null : isoFromMysqlDateTime(text, true);
    }
    default:
      return next();
  }
}

function bytesToBase64(bytes: Buffer | null): string | null {
  return bytes === null ? null : bytes.toString('base64');
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
