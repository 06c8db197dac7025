/**
 * Wire values → lossless JSON forms, per engine, without a database (the integration suites check
 * the same forms end to end).
 */
import { describe, expect, it } from 'vitest';
import { createMysqlDecoder, encodeMysqlParam, mysqlTypeCast } from '../../../src/dialects/mysql/mysql-codecs.js';
import { createPostgresDecoder, postgresTypeParsers } from '../../../src/dialects/postgres/postgres-codecs.js';
import type { TypeCastField } from 'mysql2';

const parse = (oid: number, text: string) => (postgresTypeParsers.getTypeParser as (oid: number, format?: string) => (t: string) => unknown)(oid, 'text')(text);

describe('PostgreSQL type parsers', () => {
  it.each([
    ['int8 stays a string', 20, '9223372036854775807', '9223372036854775807'],
    ['int8[] elements stay strings', 1016, '{1,NULL,9007199254740993}', ['1', null, '9007199254740993']],
    ['numeric stays a string', 1700, '12345678901234567890.123456789', '12345678901234567890.123456789'],
    ['numeric[]', 1231, '{1.50,-2}', ['1.50', '-2']],
    ['float8 is a number', 701, '1.5', 1.5],
    ['float8 NaN stays a string', 701, 'NaN', 'NaN'],
    ['float4 -Infinity stays a string', 700, '-Infinity', '-Infinity'],
    ['int4 is a number', 23, '-42', -42],
    ['int4[]', 1007, '{1,2,3}', [1, 2, 3]],
    ['bool', 16, 't', true],
    ['bool[]', 1000, '{t,f,NULL}', [true, false, null]],
    ['date stays text', 1082, '2024-02-29', '2024-02-29'],
    ['timestamp → ISO', 1114, '2024-02-29 23:59:59.999999', '2024-02-29T23:59:59.999999'],
    ['timestamptz → ISO Z', 1184, '2024-02-29 23:59:59.5+00', '2024-02-29T23:59:59.5Z'],
    ['timestamptz[]', 1185, '{"2024-01-01 00:00:00+00","2024-01-02 00:00:00.000001+00"}', ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00.000001Z']],
    ['bytea → base64', 17, '\\x0001ff', Buffer.from([0, 1, 255]).toString('base64')],
    ['bytea[]', 1001, '{"\\\\x00ff",NULL}', [Buffer.from([0, 255]).toString('base64'), null]],
    ['jsonb', 3802, '{"a": [1, "x", null]}', { a: [1, 'x', null] }],
    ['jsonb scalar string', 3802, '"hello"', 'hello'],
    ['uuid[]', 2951, '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']],
    ['interval stays text', 1186, 'P1DT2H', 'P1DT2H'],
    ['text[] with quotes and commas', 1009, '{"a,b","c\\"d",e}', ['a,b', 'c"d', 'e']],
  ])('%s', (_name, oid, text, expected) => {
    expect(parse(oid, text)).toEqual(expected);
  });

  it('leaves unknown OIDs (enums, custom types) as text', () => {
    expect(parse(99999, 'happy')).toBe('happy');
  });
});

describe('createPostgresDecoder', () => {
  it('parses arrays of enums and integer counts that arrive as text, and touches nothing else', () => {
    const decode = createPostgresDecoder([
      { name: 'moods', valueType: { kind: 'array', of: 'enum' } },
      { name: 'count', valueType: 'integer' },
      { name: 'name', valueType: 'string' },
      { name: 'doc', valueType: 'json' },
    ]);
    expect(decode({ moods: '{happy,"very sad",NULL}', count: '42', name: '{not,an,array}', doc: 'just text' })).toEqual({
      moods: ['happy', 'very sad', null],
      count: 42,
      name: '{not,an,array}',
      doc: 'just text',
    });
    expect(decode({ moods: ['already'], count: 7, name: null, doc: null })).toEqual({ moods: ['already'], count: 7, name: null, doc: null });
  });
});

describe('MySQL codecs', () => {
  function field(type: string, value: string | null, extra: Partial<TypeCastField> = {}): TypeCastField {
    return {
      type,
      length: 1,
      db: 'd',
      table: 't',
      name: 'c',
      string: () => value,
      buffer: () => (value === null ? null : Buffer.from(value, 'latin1')),
      geometry: () => null,
      ...extra,
    } as TypeCastField;
  }
  const next = () => 'NEXT';

  it('reads TINYINT(1) and BIT(1) as booleans and other tinyints normally', () => {
    expect(mysqlTypeCast(field('TINY', '1'), next)).toBe(true);
    expect(mysqlTypeCast(field('TINY', '0'), next)).toBe(false);
    expect(mysqlTypeCast(field('TINY', null), next)).toBe(null);
    expect(mysqlTypeCast(field('TINY', '7', { length: 4 }), next)).toBe('NEXT');
    expect(mysqlTypeCast(field('BIT', '\u0001'), next)).toBe(true);
    expect(mysqlTypeCast(field('BIT', '\u0001\u0002', { length: 16 }), next)).toBe(Buffer.from([1, 2]).toString('base64'));
  });

  it('reads DATETIME as wall-clock ISO and TIMESTAMP as UTC ISO', () => {
    expect(mysqlTypeCast(field('DATETIME', '2024-05-01 10:20:30.250000'), next)).toBe('2024-05-01T10:20:30.25');
    expect(mysqlTypeCast(field('TIMESTAMP', '2024-05-01 10:20:30'), next)).toBe('2024-05-01T10:20:30Z');
  });

  it('keeps JSON as text for the decoder, whatever the server flagged', () => {
    expect(mysqlTypeCast(field('JSON', '"hello"'), next)).toBe('"hello"');
    expect(mysqlTypeCast(field('BLOB', '[1]', { extendedFormat: 'json' }), next)).toBe('[1]');
  });

  it('decodes JSON text once, binary strings to base64, counts to numbers', () => {
    const decode = createMysqlDecoder([
      { name: 'doc', valueType: 'json' },
      { name: 'greeting', valueType: 'json' },
      { name: 'blob', valueType: 'bytes' },
      { name: 'count', valueType: 'integer' },
      { name: 'id', valueType: 'bigint' },
    ]);
    expect(decode({ doc: '{"a":[1,2]}', greeting: '"hello"', blob: Buffer.from([0, 255]), count: '12', id: '9007199254740993' })).toEqual({
      doc: { a: [1, 2] },
      greeting: 'hello',
      blob: 'AP8=',
      count: 12,
      id: '9007199254740993',
    });
  });

  it('encodes parameters: JSON as text, base64 as bytes, date-times in UTC', () => {
    expect(encodeMysqlParam({ a: 1 }, 'json')).toBe('{"a":1}');
    expect(encodeMysqlParam(['x', 'y'], { kind: 'array', of: 'string' })).toBe('["x","y"]');
    expect(encodeMysqlParam('AP8=', 'bytes')).toEqual(Buffer.from([0, 255]));
    expect(encodeMysqlParam('2024-05-01T10:00:00-02:00', 'timestamptz')).toBe('2024-05-01 12:00:00');
    expect(encodeMysqlParam('2024-05-01T10:00:00-02:00', 'timestamp')).toBe('2024-05-01 10:00:00');
    expect(encodeMysqlParam(null, 'json')).toBe(null);
    expect(encodeMysqlParam(true, 'boolean')).toBe(true);
  });
});
