/**
 * Wire values → lossless JSON forms, per engine, without a database (the integration suites check
 * the same forms end to end).
 */
import { describe, expect, it } from 'vitest';
import { createMysqlDecoder, encodeMysqlParam, mysqlRowConverter } from '../../../src/dialects/mysql/mysql-codecs.js';
import { createPostgresDecoder, postgresTypeParsers } from '../../../src/dialects/postgres/postgres-codecs.js';
import { Types, type FieldPacket } from 'mysql2';
import type { Row } from '../../../src/dialects/dialect.js';

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

  it('a NULL in the first row does not stop the pass for the rows after it', () => {
    const decode = createPostgresDecoder([
      { name: 'moods', valueType: { kind: 'array', of: 'enum' } },
      { name: 'count', valueType: 'integer' },
    ]);
    const rows = [{ moods: null, count: null }, { moods: '{happy}', count: '3' }, { moods: '{}', count: '0' }].map(decode);
    expect(rows).toEqual([{ moods: null, count: null }, { moods: ['happy'], count: 3 }, { moods: [], count: 0 }]);
  });
});

describe('MySQL codecs', () => {
  // Wire metadata as mysql2 reports it (columnType codes from mysql2's Types).
  function field(name: string, columnType: number, columnLength = 1): FieldPacket {
    return { name, columnType, columnLength } as FieldPacket;
  }
  const convert = (fields: FieldPacket[], row: Row): Row => {
    const converter = mysqlRowConverter(fields);
    converter?.(row);
    return row;
  };

  it('reads TINYINT(1) and BIT(1) as booleans and other tinyints normally', () => {
    const fields = [field('a', Types.TINY), field('b', Types.TINY), field('c', Types.TINY), field('d', Types.TINY, 4), field('e', Types.BIT), field('f', Types.BIT, 16)];
    expect(convert(fields, { a: 1, b: 0, c: null, d: 7, e: Buffer.from([1]), f: Buffer.from([1, 2]) })).toEqual({
      a: true,
      b: false,
      c: null,
      d: 7,
      e: true,
      f: Buffer.from([1, 2]).toString('base64'),
    });
  });

  it('reads DATETIME as wall-clock ISO and TIMESTAMP as UTC ISO', () => {
    const fields = [field('local', Types.DATETIME, 26), field('instant', Types.TIMESTAMP, 19)];
    expect(convert(fields, { local: '2024-05-01 10:20:30.250000', instant: '2024-05-01 10:20:30' })).toEqual({
      local: '2024-05-01T10:20:30.25',
      instant: '2024-05-01T10:20:30Z',
    });
  });

  it('leaves results without such columns alone', () => {
    expect(mysqlRowConverter([field('id', Types.LONG, 11), field('doc', Types.JSON, 4294967295)])).toBeNull();
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
