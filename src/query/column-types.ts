/**
 * The allow-lists of schema changes: column type text (`varchar(255)`, `decimal(10,2)`,
 * `timestamp with time zone`, `serial`) → a structured `ColumnType`, JSON defaults → typed
 * `ColumnDefault`s, and the rules for new table and column names. Anything outside them is a 400
 * (`unsupportedType`, `invalidDefault`, `invalidName`): request text never reaches SQL, the dialect
 * spells the structured result.
 *
 * Engine-neutral: a dialect may still refuse a type or default it has no spelling for.
 *
 * May import: catalog, errors, query.
 */
import { schemaErrors } from '../errors.js';
import type { ColumnDefault, ColumnType, DefaultExpression } from './schema-change.js';

/** Longest type text accepted (`timestamp(6) without time zone` is 30). */
const MAX_TYPE_TEXT = 64;

/** PostgreSQL truncates identifiers at 63 bytes (NAMEDATALEN - 1); MySQL allows 64 characters. */
const MAX_NAME_BYTES = 63;

/** The prefix of Sluice's own internal column aliases (see ROW_NUMBER_COLUMN). */
const RESERVED_PREFIX = '__sluice';

type TypeFactory = (args: readonly number[], typeText: string) => ColumnType;

const noArgs =
  (type: ColumnType): TypeFactory =>
  (args, text) => {
    if (args.length > 0) throw schemaErrors.unsupportedType(text, 'this type takes no length or precision');
    return type;
  };

const integer = (size: 'small' | 'regular' | 'big', autoIncrement: boolean) => noArgs({ kind: 'integer', size, autoIncrement });

function lengthType(kind: 'varchar' | 'char'): TypeFactory {
  return (args, text) => {
    if (args.length > 1) throw schemaErrors.unsupportedType(text, 'expected one length');
    const [length] = args;
    if (length !== undefined && (length < 1 || length > 10_485_760)) {
      throw schemaErrors.unsupportedType(text, 'the length must be between 1 and 10485760');
    }
    return length === undefined ? { kind } : { kind, length };
  };
}

const decimal: TypeFactory = (args, text) => {
  if (args.length > 2) throw schemaErrors.unsupportedType(text, 'expected decimal(precision, scale)');
  const [precision, scale] = args;
  if (precision !== undefined && (precision < 1 || precision > 1000)) {
    throw schemaErrors.unsupportedType(text, 'the precision must be between 1 and 1000');
  }
  if (scale !== undefined && precision !== undefined && scale > precision) {
    throw schemaErrors.unsupportedType(text, 'the scale cannot exceed the precision');
  }
  return { kind: 'decimal', ...(precision !== undefined ? { precision } : {}), ...(scale !== undefined ? { scale } : {}) };
};

function fractional(make: (precision: number | undefined) => ColumnType): TypeFactory {
  return (args, text) => {
    if (args.length > 1) throw schemaErrors.unsupportedType(text, 'expected one fractional-seconds precision');
    const [precision] = args;
    if (precision !== undefined && precision > 6) throw schemaErrors.unsupportedType(text, 'the precision must be between 0 and 6');
    return make(precision);
  };
}

const time = fractional((precision) => ({ kind: 'time', ...(precision !== undefined ? { precision } : {}) }));
const timestamp = (withTimeZone: boolean) =>
  fractional((precision) => ({ kind: 'timestamp', withTimeZone, ...(precision !== undefined ? { precision } : {}) }));

/** Type names (lower case, single spaces) → their structured type. */
const TYPES: ReadonlyMap<string, TypeFactory> = new Map<string, TypeFactory>([
  ['smallint', integer('small', false)],
  ['int2', integer('small', false)],
  ['integer', integer('regular', false)],
  ['int', integer('regular', false)],
  ['int4', integer('regular', false)],
  ['bigint', integer('big', false)],
  ['int8', integer('big', false)],
  ['smallserial', integer('small', true)],
  ['serial2', integer('small', true)],
  ['serial', integer('regular', true)],
  ['serial4', integer('regular', true)],
  ['bigserial', integer('big', true)],
  ['serial8', integer('big', true)],
  ['decimal', decimal],
  ['numeric', decimal],
  ['real', noArgs({ kind: 'float', size: 'single' })],
  ['float4', noArgs({ kind: 'float', size: 'single' })],
  ['float', noArgs({ kind: 'float', size: 'double' })],
  ['float8', noArgs({ kind: 'float', size: 'double' })],
  ['double', noArgs({ kind: 'float', size: 'double' })],
  ['double precision', noArgs({ kind: 'float', size: 'double' })],
  ['boolean', noArgs({ kind: 'boolean' })],
  ['bool', noArgs({ kind: 'boolean' })],
  ['varchar', lengthType('varchar')],
  ['character varying', lengthType('varchar')],
  ['char', lengthType('char')],
  ['character', lengthType('char')],
  ['text', noArgs({ kind: 'text' })],
  ['date', noArgs({ kind: 'date' })],
  ['time', time],
  ['time without time zone', time],
  ['timestamp', timestamp(false)],
  ['timestamp without time zone', timestamp(false)],
  ['datetime', timestamp(false)],
  ['timestamptz', timestamp(true)],
  ['timestamp with time zone', timestamp(true)],
  ['uuid', noArgs({ kind: 'uuid' })],
  ['json', noArgs({ kind: 'json', binary: false })],
  ['jsonb', noArgs({ kind: 'json', binary: true })],
  ['bytea', noArgs({ kind: 'bytes' })],
  ['blob', noArgs({ kind: 'bytes' })],
]);

/** `name`, `name(n)`, `name(p, s)`, and `time(p) with time zone`-style suffixes after the arguments. */
const TYPE_TEXT = /^([a-z][a-z0-9 ]*?)\s*(?:\(\s*(\d{1,8})\s*(?:,\s*(\d{1,8})\s*)?\))?\s*((?:with|without) time zone)?$/;

/** Parses a column type of a DDL body against the allow-list; 400 `unsupportedType` otherwise. */
export function parseColumnType(text: string): ColumnType {
  const shown = text.length > MAX_TYPE_TEXT ? `${text.slice(0, MAX_TYPE_TEXT)}…` : text;
  if (text.length > MAX_TYPE_TEXT) throw schemaErrors.unsupportedType(shown, 'too long');
  const normalised = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const match = TYPE_TEXT.exec(normalised);
  if (!match) throw schemaErrors.unsupportedType(shown, `expected one of ${supportedTypeNames()}`);
  const [, name = '', first, second, zone] = match;
  const key = zone ? `${name.trim()} ${zone}` : name.trim();
  const factory = TYPES.get(key);
  if (!factory) throw schemaErrors.unsupportedType(shown, `expected one of ${supportedTypeNames()}`);
  const args = [first, second].filter((a): a is string => a !== undefined).map(Number);
  return Object.freeze(factory(args, shown));
}

function supportedTypeNames(): string {
  return 'smallint, integer, bigint, serial, bigserial, decimal(p,s), real, double precision, boolean, varchar(n), char(n), text, date, time, timestamp, timestamptz, uuid, json, jsonb, bytea';
}

/** A type name for messages: `varchar(255)`, `integer`. */
export function describeColumnType(type: ColumnType): string {
  switch (type.kind) {
    case 'integer':
      return type.autoIncrement ? { small: 'smallserial', regular: 'serial', big: 'bigserial' }[type.size] : { small: 'smallint', regular: 'integer', big: 'bigint' }[type.size];
    case 'decimal':
      return type.precision === undefined ? 'decimal' : `decimal(${type.precision}${type.scale !== undefined ? `,${type.scale}` : ''})`;
    case 'float':
      return type.size === 'single' ? 'real' : 'double precision';
    case 'varchar':
    case 'char':
      return type.length === undefined ? type.kind : `${type.kind}(${type.length})`;
    case 'time':
      return type.precision === undefined ? 'time' : `time(${type.precision})`;
    case 'timestamp':
      return `${type.withTimeZone ? 'timestamptz' : 'timestamp'}${type.precision === undefined ? '' : `(${type.precision})`}`;
    case 'json':
      return type.binary ? 'jsonb' : 'json';
    default:
      return type.kind;
  }
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * Checks a new table, column or constraint name: 1–63 bytes of UTF-8 (the PostgreSQL limit; longer names would
 * be truncated silently), no control characters (NUL included), no leading or trailing spaces
 * (MySQL refuses trailing ones), not Sluice's reserved `__sluice` prefix. Dialects quote it.
 */
export function validateName(what: 'table' | 'column' | 'constraint', name: string): string {
  const problem = nameProblem(name);
  if (problem) throw schemaErrors.invalidName(what, problem, { [what]: name.slice(0, 80) });
  return name;
}

function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `it is longer than ${MAX_NAME_BYTES} bytes`;
  if (/\p{Cc}/u.test(name)) return 'it contains control characters';
  if (name.trim() !== name) return 'it starts or ends with white space';
  if (name.toLowerCase().startsWith(RESERVED_PREFIX)) return `the prefix '${RESERVED_PREFIX}' is reserved`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Defaults

/** JSON as a DDL body carries it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Default expressions by their accepted spellings (trimmed, lower case). */
const EXPRESSIONS: ReadonlyMap<string, DefaultExpression> = new Map([
  ['now()', 'currentTimestamp'],
  ['current_timestamp', 'currentTimestamp'],
  ['current_timestamp()', 'currentTimestamp'],
  ['current_date', 'currentDate'],
  ['current_date()', 'currentDate'],
  ['curdate()', 'currentDate'],
  ['gen_random_uuid()', 'randomUuid'],
  ['uuid()', 'randomUuid'],
]);

const INTEGER_RANGE = { small: 32_767n, regular: 2_147_483_647n, big: 9_223_372_036_854_775_807n } as const;
const DECIMAL_TEXT = /^-?(?:\d{1,1000})(?:\.\d{1,1000})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(\.\d{1,6})?)?$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(\.\d{1,6})?)?(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const literal = (form: 'number' | 'boolean' | 'string' | 'hex', text: string): ColumnDefault => Object.freeze({ kind: 'literal', form, text });

/**
 * A JSON default → a `ColumnDefault` for a column of `type`. `null` is SQL NULL; a string naming an
 * allowed expression (`now()`, `current_timestamp`, `current_date`, `gen_random_uuid()`, `uuid()`)
 * is that expression; anything else must be a literal of the column's type: integers (also as
 * digit strings, for bigint), decimals (numbers or numeric strings), finite floats, booleans, text,
 * ISO dates/times/timestamps, UUIDs, any JSON for json columns, base64 for binary ones.
 */
export function parseDefault(column: string, type: ColumnType, value: JsonValue): ColumnDefault {
  if (value === null) return Object.freeze({ kind: 'null' });
  if (typeof value === 'string') {
    const expression = EXPRESSIONS.get(value.trim().toLowerCase());
    if (expression) return Object.freeze({ kind: 'expression', expression });
  }
  const fail = (detail: string) => schemaErrors.invalidDefault(column, detail);
  switch (type.kind) {
    case 'integer': {
      if (type.autoIncrement) throw fail('an auto-increment column takes no default');
      const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' && /^-?\d{1,19}$/.test(value) ? value : undefined;
      if (text === undefined) throw fail('expected an integer');
      const big = BigInt(text);
      const limit = INTEGER_RANGE[type.size];
      if (big > limit || big < -limit - 1n) throw fail('out of range for the column type');
      return literal('number', big.toString());
    }
    case 'decimal': {
      const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' && DECIMAL_TEXT.test(value) ? value : undefined;
      if (text === undefined) throw fail('expected a decimal number');
      return literal('number', text);
    }
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw fail('expected a finite number');
      return literal('number', String(value));
    case 'boolean':
      if (typeof value !== 'boolean') throw fail('expected true or false');
      return literal('boolean', String(value));
    case 'varchar':
    case 'char':
    case 'text': {
      if (typeof value !== 'string') throw fail('expected a string');
      if (value.includes('\u0000')) throw fail('text cannot contain NUL characters');
      if (type.kind !== 'text' && type.length !== undefined && [...value].length > type.length) throw fail(`longer than ${type.length} characters`);
      return literal('string', value);
    }
    case 'date':
      if (typeof value !== 'string' || !isValidDate(value)) throw fail('expected a date as YYYY-MM-DD');
      return literal('string', value);
    case 'time':
      if (typeof value !== 'string' || !TIME.test(value)) throw fail('expected a time as HH:MM[:SS[.ffffff]]');
      return literal('string', value);
    case 'timestamp': {
      const text = typeof value === 'string' ? normaliseTimestamp(value, type.withTimeZone) : undefined;
      if (text === undefined) {
        throw fail(type.withTimeZone ? 'expected an ISO 8601 timestamp' : 'expected an ISO 8601 timestamp without a time zone');
      }
      return literal('string', text);
    }
    case 'uuid':
      if (typeof value !== 'string' || !UUID.test(value)) throw fail('expected a UUID');
      return literal('string', value.toLowerCase());
    case 'json':
      return literal('string', JSON.stringify(value));
    case 'bytes':
      if (typeof value !== 'string' || !BASE64.test(value)) throw fail('expected base64');
      return literal('hex', Buffer.from(value, 'base64').toString('hex'));
  }
}

function isValidDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = utcDate(year, month - 1, day, 0, 0, 0);
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A UTC date; unlike `Date.UTC`, years 0–99 are not taken as 1900–1999. */
function utcDate(year: number, month: number, day: number, hours: number, minutes: number, seconds: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hours, minutes, seconds, 0);
  return date;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff]`: for zone-aware columns converted to UTC (an absent zone means
 * UTC, as Sluice's sessions run in UTC); for wall-clock columns a zone is refused.
 */
function normaliseTimestamp(text: string, withTimeZone: boolean): string | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '00', fraction = '', zone] = match as unknown as [string, string, string, string, string, string, string?, string?, string?];
  if (!isValidDate(`${y}-${mo}-${d}`)) return undefined;
  if (!withTimeZone) return zone ? undefined : `${y}-${mo}-${d} ${h}:${mi}:${s}${fraction}`;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  const utc = utcDate(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi) - offsetMinutes, Number(s));
  const year = utc.getUTCFullYear();
  if (year < 1 || year > 9999) return undefined;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(year, 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())} ${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}${fraction}`;
}
