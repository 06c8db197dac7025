/**
 * The MySQL/MariaDB introspector's pure parts with hand-written information_schema rows: type and
 * default mapping, enum label parsing, constraint/index grouping, routines, and the query builder.
 * Covers the MySQL 8 forms that the MariaDB server of the integration suite cannot produce (native
 * JSON, DEFAULT_GENERATED, unquoted literal defaults, STATISTICS.EXPRESSION).
 */
import { describe, expect, it } from 'vitest';

import type { RawCatalog, RawColumn } from '../../../src/catalog/raw-catalog.js';
import type { CompiledQuery, IntrospectionSource, QueryResult } from '../../../src/dialects/dialect.js';
import {
  buildMysqlIntrospectionQueries,
  introspectMysql,
  mapMysqlIntrospection,
  MYSQL_INTROSPECTION_VERSION,
  mysqlTypeOf,
  parseMysqlEnumValues,
  quoteMysqlString,
  type MysqlColumnRow,
  type MysqlIntrospectionRows,
  type MysqlVariant,
} from '../../../src/dialects/mysql/mysql-introspector.js';

const MYSQL = '8.0.36';
const MARIADB = '10.11.19-MariaDB-0+deb12u1';

function rows(partial: Partial<MysqlIntrospectionRows>): MysqlIntrospectionRows {
  return {
    tables: [],
    views: [],
    columns: [],
    checks: [],
    keyColumns: [],
    indexColumns: [],
    routines: [],
    parameters: [],
    ...partial,
  };
}

/** A COLUMNS row of table `t` with MySQL 8 style defaults for everything not given. */
function columnRow(partial: Partial<MysqlColumnRow> & Pick<MysqlColumnRow, 'column_name' | 'data_type'>): MysqlColumnRow {
  return {
    table_name: 't',
    ordinal_position: 1,
    column_default: null,
    is_nullable: 'YES',
    column_type: partial.data_type,
    character_maximum_length: null,
    numeric_precision: null,
    numeric_scale: null,
    extra: '',
    column_comment: '',
    ...partial,
  };
}

/** Maps one column of table `t` and returns it. */
function mapOne(row: MysqlColumnRow, variant: MysqlVariant = 'mysql', extra: Partial<MysqlIntrospectionRows> = {}): RawColumn {
  const catalog = mapMysqlIntrospection(
    rows({ tables: [{ table_name: 't', table_type: 'BASE TABLE', table_comment: '' }], columns: [row], ...extra }),
    variant,
    variant === 'mysql' ? MYSQL : MARIADB,
    'app',
  );
  const column = catalog.columns[0];
  if (!column) throw new Error('no column mapped');
  return column;
}

describe('parseMysqlEnumValues', () => {
  it('reads doubled quotes, backslash escapes and commas inside labels', () => {
    // As both engines print it: ' doubled, \ doubled; the comma is part of the label.
    expect(parseMysqlEnumValues(String.raw`enum('G','PG-13','it''s','back\\slash, comma')`)).toEqual([
      'G',
      'PG-13',
      "it's",
      'back\\slash, comma',
    ]);
  });

  it('decodes \\n, \\r, \\0 and \\Z; keeps raw tabs and double quotes; reads empty labels', () => {
    expect(parseMysqlEnumValues("enum('x\\ny','tab\there','q\"d','','a\\rb\\0c\\Zd')")).toEqual([
      'x\ny',
      'tab\there',
      'q"d',
      '',
      'a\rb\0c\x1ad',
    ]);
  });

  it('is not fooled by parentheses inside labels and ignores trailing text', () => {
    expect(parseMysqlEnumValues("enum('(a)','b)') CHARSET utf8mb4")).toEqual(['(a)', 'b)']);
  });

  it('reads SET types the same way and returns [] for text without a list', () => {
    expect(parseMysqlEnumValues("set('red','green')")).toEqual(['red', 'green']);
    expect(parseMysqlEnumValues('enum')).toEqual([]);
  });

  it('round-trips with quoteMysqlString', () => {
    const labels = ["it's", 'back\\slash', 'new\nline', 'plain'];
    expect(parseMysqlEnumValues(`enum(${labels.map(quoteMysqlString).join(',')})`)).toEqual(labels);
  });
});

describe('mysqlTypeOf', () => {
  it.each([
    // [DATA_TYPE, COLUMN_TYPE, dbType, valueType]
    ['tinyint', 'tinyint(1)', 'tinyint(1)', 'boolean'],
    ['tinyint', 'tinyint(1) unsigned', 'tinyint(1) unsigned', 'boolean'],
    ['tinyint', 'tinyint(4)', 'tinyint', 'integer'],
    ['tinyint', 'tinyint', 'tinyint', 'integer'], // MySQL 8.0.19+: no display width
    ['smallint', 'smallint(5) unsigned', 'smallint unsigned', 'integer'],
    ['mediumint', 'mediumint unsigned zerofill', 'mediumint unsigned', 'integer'],
    ['int', 'int', 'int', 'integer'],
    ['int', 'int(10) unsigned', 'int unsigned', 'integer'],
    ['year', 'year(4)', 'year', 'integer'],
    ['bigint', 'bigint(20)', 'bigint', 'bigint'],
    ['bigint', 'bigint unsigned', 'bigint unsigned', 'bigint'],
    ['decimal', 'decimal(10,2)', 'decimal', 'decimal'],
    ['decimal', 'decimal(5,1) unsigned', 'decimal unsigned', 'decimal'],
    ['float', 'float', 'float', 'float'],
    ['double', 'double', 'double', 'float'],
    ['char', 'char(36)', 'char', 'string'],
    ['varchar', 'varchar(100)', 'varchar', 'string'],
    ['tinytext', 'tinytext', 'tinytext', 'string'],
    ['text', 'text', 'text', 'string'],
    ['mediumtext', 'mediumtext', 'mediumtext', 'string'],
    ['longtext', 'longtext', 'longtext', 'string'],
    ['binary', 'binary(16)', 'binary', 'bytes'],
    ['varbinary', 'varbinary(32)', 'varbinary', 'bytes'],
    ['tinyblob', 'tinyblob', 'tinyblob', 'bytes'],
    ['blob', 'blob', 'blob', 'bytes'],
    ['mediumblob', 'mediumblob', 'mediumblob', 'bytes'],
    ['longblob', 'longblob', 'longblob', 'bytes'],
    ['bit', 'bit(1)', 'bit', 'boolean'],
    ['bit', 'bit(8)', 'bit', 'bytes'],
    ['date', 'date', 'date', 'date'],
    ['time', 'time(3)', 'time', 'time'],
    ['datetime', 'datetime(6)', 'datetime', 'timestamp'],
    ['timestamp', 'timestamp', 'timestamp', 'timestamptz'],
    ['json', 'json', 'json', 'json'], // MySQL's native JSON
    ['enum', "enum('a','b')", 'enum', 'enum'],
    ['set', "set('a','b')", 'set', 'string'],
    ['uuid', 'uuid', 'uuid', 'uuid'], // MariaDB 10.7+
    ['inet4', 'inet4', 'inet4', 'string'],
    ['inet6', 'inet6', 'inet6', 'string'],
    ['point', 'point', 'point', 'string'],
    ['geometry', 'geometry', 'geometry', 'string'],
    ['vector', 'vector(3)', 'vector', 'string'], // unknown: never fails
    ['INT', 'INT(11)', 'int', 'integer'], // upper-case input
  ] as const)('%s / %s → %s, %s', (dataType, columnType, dbType, valueType) => {
    expect(mysqlTypeOf(dataType, columnType)).toEqual({ dbType, valueType });
  });

  it('turns only LONGTEXT into json when the JSON check says so', () => {
    expect(mysqlTypeOf('longtext', 'longtext', true)).toEqual({ dbType: 'json', valueType: 'json' });
    expect(mysqlTypeOf('varchar', 'varchar(10)', true)).toEqual({ dbType: 'varchar', valueType: 'string' });
  });
});

describe('column defaults', () => {
  describe('MariaDB (quoted literals, NULL as text)', () => {
    it.each([
      // [DATA_TYPE, COLUMN_TYPE, COLUMN_DEFAULT, expected]
      ['varchar', 'varchar(10)', "'abc'", "'abc'"],
      ['varchar', 'varchar(10)', "'it''s'", "'it''s'"],
      ['varchar', 'varchar(10)', String.raw`'x\\y'`, String.raw`'x\\y'`],
      ['varchar', 'varchar(10)', String.raw`'l1\nl2'`, String.raw`'l1\nl2'`],
      ['varchar', 'varchar(10)', "''", "''"],
      // As MariaDB prints them: NUL as \0, Ctrl-Z raw (verified on 10.11); kept as printed.
      ['varchar', 'varchar(10)', "'n\\0m'", "'n\\0m'"],
      ['varchar', 'varchar(10)', "'p\x1aq'", "'p\x1aq'"],
      ['varchar', 'varchar(10)', "'NULL'", "'NULL'"], // the four-letter string, not NULL
      ['varchar', 'varchar(10)', 'NULL', null],
      ['varchar', 'varchar(10)', null, null],
      ['int', 'int(11)', '-3', '-3'],
      ['decimal', 'decimal(10,2)', '9.99', '9.99'],
      ['tinyint', 'tinyint(1)', '1', '1'],
      ['timestamp', 'timestamp', 'current_timestamp()', 'current_timestamp()'],
      ['datetime', 'datetime(3)', 'current_timestamp(3)', 'current_timestamp(3)'],
      ['char', 'char(36)', 'uuid()', 'uuid()'],
      ['int', 'int(11)', '(1 + 2)', '(1 + 2)'],
      ['varchar', 'varchar(10)', "concat('a','b')", "concat('a','b')"],
      ['varchar', 'varchar(10)', "'a' + 'b'", "'a' + 'b'"], // starts like a literal, is an expression
      ['bit', 'bit(3)', "b'101'", "b'101'"],
      ['date', 'date', "'2020-01-31'", "'2020-01-31'"],
    ] as const)('%s %s: %s → %s', (dataType, columnType, raw, expected) => {
      const column = mapOne(
        columnRow({ column_name: 'c', data_type: dataType, column_type: columnType, column_default: raw, is_generated: 'NEVER' }),
        'mariadb',
      );
      expect(column.defaultValue).toBe(expected);
    });
  });

  describe('MySQL 8 (unquoted literals, DEFAULT_GENERATED expressions)', () => {
    it.each([
      // [DATA_TYPE, COLUMN_TYPE, COLUMN_DEFAULT, EXTRA, expected]
      ['varchar', 'varchar(10)', 'abc', '', "'abc'"],
      ['varchar', 'varchar(10)', "it's", '', "'it''s'"],
      ['varchar', 'varchar(10)', 'x\\y', '', String.raw`'x\\y'`],
      ['varchar', 'varchar(10)', 'NULL', '', "'NULL'"], // a literal: MySQL's NULL default is SQL NULL
      ['varchar', 'varchar(10)', '', '', "''"],
      ['varchar', 'varchar(10)', 'l1\nl2\0', '', "'l1\\nl2\\0'"],
      ['varchar', 'varchar(10)', null, '', null],
      ['enum', "enum('G','PG-13')", 'PG-13', '', "'PG-13'"],
      ['date', 'date', '2020-01-31', '', "'2020-01-31'"],
      ['int', 'int', '-3', '', '-3'],
      ['decimal', 'decimal(10,2)', '9.99', '', '9.99'],
      ['double', 'double', '1e3', '', '1e3'],
      ['tinyint', 'tinyint(1)', '1', '', '1'],
      ['bit', 'bit(3)', "b'101'", '', "b'101'"],
      ['binary', 'binary(3)', '0x616263', '', '0x616263'],
      ['timestamp', 'timestamp', 'CURRENT_TIMESTAMP', 'DEFAULT_GENERATED', 'CURRENT_TIMESTAMP'],
      [
        'timestamp',
        'timestamp',
        'CURRENT_TIMESTAMP',
        'DEFAULT_GENERATED on update CURRENT_TIMESTAMP',
        'CURRENT_TIMESTAMP',
      ],
      ['datetime', 'datetime(3)', 'CURRENT_TIMESTAMP(3)', 'DEFAULT_GENERATED', 'CURRENT_TIMESTAMP(3)'],
      ['char', 'char(36)', 'uuid()', 'DEFAULT_GENERATED', 'uuid()'],
      // Expression text comes with its quotes escaped once more.
      ['text', 'text', String.raw`_utf8mb4\'abc\'`, 'DEFAULT_GENERATED', "_utf8mb4'abc'"],
      ['varchar', 'varchar(10)', String.raw`concat(_utf8mb4\'a\\\\b\',_utf8mb4\'c\')`, 'DEFAULT_GENERATED', String.raw`concat(_utf8mb4'a\\b',_utf8mb4'c')`],
      // Before 8.0.13 CURRENT_TIMESTAMP was reported bare.
      ['timestamp', 'timestamp', 'CURRENT_TIMESTAMP', 'on update CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP'],
    ] as const)('%s %s: %s [%s] → %s', (dataType, columnType, raw, extra, expected) => {
      const column = mapOne(columnRow({ column_name: 'c', data_type: dataType, column_type: columnType, column_default: raw, extra }));
      expect(column.defaultValue).toBe(expected);
    });
  });

  it('reads MariaDB before 10.2.7 the MySQL way', () => {
    const catalog = mapMysqlIntrospection(
      rows({
        tables: [{ table_name: 't', table_type: 'BASE TABLE', table_comment: '' }],
        columns: [columnRow({ column_name: 'c', data_type: 'varchar', column_type: 'varchar(5)', column_default: 'abc' })],
      }),
      'mariadb',
      '10.1.48-MariaDB',
      'app',
    );
    expect(catalog.columns[0]?.defaultValue).toBe("'abc'");
  });
});

describe('column mapping', () => {
  it('maps a MySQL 8 JSON column without any CHECK', () => {
    expect(mapOne(columnRow({ column_name: 'doc', data_type: 'json' }))).toMatchObject({ dbType: 'json', valueType: 'json' });
  });

  it('recognises MariaDB JSON from its json_valid CHECK (column or table level), per table', () => {
    const catalog = mapMysqlIntrospection(
      rows({
        tables: [
          { table_name: 't', table_type: 'BASE TABLE', table_comment: '' },
          { table_name: 'u', table_type: 'BASE TABLE', table_comment: '' },
        ],
        columns: [
          columnRow({ column_name: 'doc', data_type: 'longtext', character_maximum_length: '4294967295' }),
          columnRow({ column_name: 'notes', data_type: 'longtext', ordinal_position: 2 }),
          columnRow({ column_name: 'odd`name', data_type: 'longtext', ordinal_position: 3 }),
          columnRow({ table_name: 'u', column_name: 'doc', data_type: 'longtext' }),
        ],
        checks: [
          { table_name: 't', constraint_name: 'doc', check_clause: 'json_valid(`doc`)' },
          { table_name: 't', constraint_name: 'CONSTRAINT_1', check_clause: '(JSON_VALID(`odd``name`))' },
          { table_name: 't', constraint_name: 'notes', check_clause: 'json_valid(`notes`) or `notes` is null and 1' },
        ],
      }),
      'mariadb',
      MARIADB,
      'app',
    );
    const byName = (table: string, name: string) => catalog.columns.find((c) => c.table === table && c.name === name);
    expect(byName('t', 'doc')).toMatchObject({ dbType: 'json', valueType: 'json', maxLength: null });
    expect(byName('t', 'odd`name')).toMatchObject({ dbType: 'json', valueType: 'json' });
    // Not a plain json_valid check: a text column.
    expect(byName('t', 'notes')).toMatchObject({ dbType: 'longtext', valueType: 'string', maxLength: null });
    // Checks are per table: u.doc has none.
    expect(byName('u', 'doc')).toMatchObject({ dbType: 'longtext', valueType: 'string' });
  });

  it('ignores json_valid checks on MySQL (its JSON is a type of its own)', () => {
    const column = mapOne(columnRow({ column_name: 'doc', data_type: 'longtext' }), 'mysql', {
      checks: [{ table_name: 't', constraint_name: 'doc', check_clause: 'json_valid(`doc`)' }],
    });
    expect(column.valueType).toBe('string');
  });

  it('tells generated columns from DEFAULT_GENERATED and auto_increment', () => {
    const gen = (extra: string, isGenerated?: string) =>
      mapOne(
        columnRow({ column_name: 'c', data_type: 'int', extra, column_default: isGenerated ? 'NULL' : null, is_generated: isGenerated }),
        isGenerated ? 'mariadb' : 'mysql',
      );
    expect(gen('auto_increment').generated).toBe('autoIncrement');
    expect(gen('auto_increment INVISIBLE').generated).toBe('autoIncrement');
    expect(gen('VIRTUAL GENERATED').generated).toBe('computed');
    expect(gen('STORED GENERATED').generated).toBe('computed');
    expect(gen('DEFAULT_GENERATED').generated).toBeNull();
    expect(gen('DEFAULT_GENERATED on update CURRENT_TIMESTAMP').generated).toBeNull();
    expect(gen('').generated).toBeNull();
    // MariaDB: IS_GENERATED (system-versioning ROW START has no 'GENERATED' in EXTRA).
    expect(gen('ROW START', 'ALWAYS')).toMatchObject({ generated: 'computed', defaultValue: null });
    expect(gen('', 'NEVER').generated).toBeNull();
  });

  it('reads numbers sent as strings or bigints, Buffers as text, and sizes only where they apply', () => {
    const catalog = mapMysqlIntrospection(
      rows({
        tables: [{ table_name: Buffer.from('t'), table_type: 'BASE TABLE', table_comment: null }],
        columns: [
          columnRow({ column_name: 'v', data_type: 'varchar', column_type: 'varchar(40)', ordinal_position: '2', character_maximum_length: '40' }),
          columnRow({
            column_name: Buffer.from('price'),
            data_type: 'decimal',
            column_type: 'decimal(10,2)',
            ordinal_position: 1n,
            numeric_precision: '10',
            numeric_scale: 2,
            is_nullable: 'NO',
            column_comment: Buffer.from('Price in €'),
          }),
          columnRow({ column_name: 'i', data_type: 'int', column_type: 'int', ordinal_position: 3, numeric_precision: 10, numeric_scale: 0 }),
          columnRow({ column_name: 'b', data_type: 'blob', ordinal_position: 4, character_maximum_length: 65535 }),
          columnRow({ column_name: 'e', data_type: 'enum', column_type: "enum('a','b')", ordinal_position: 5, character_maximum_length: 1 }),
        ],
      }),
      'mysql',
      MYSQL,
      'app',
    );
    expect(catalog.columns).toEqual([
      {
        table: 't',
        name: 'price',
        position: 1,
        dbType: 'decimal',
        valueType: 'decimal',
        nullable: false,
        defaultValue: null,
        generated: null,
        maxLength: null,
        precision: 10,
        scale: 2,
        enumValues: null,
        comment: 'Price in €',
      },
      expect.objectContaining({ name: 'v', position: 2, maxLength: 40, precision: null, scale: null, nullable: true, comment: null }),
      expect.objectContaining({ name: 'i', position: 3, maxLength: null, precision: null, scale: null }),
      expect.objectContaining({ name: 'b', position: 4, maxLength: null, valueType: 'bytes' }),
      expect.objectContaining({ name: 'e', position: 5, maxLength: null, valueType: 'enum', enumValues: ['a', 'b'] }),
    ]);
  });

  it('rejects rows of an unexpected shape', () => {
    expect(() =>
      mapMysqlIntrospection(
        rows({ tables: [{ table_name: 't', table_type: 'BASE TABLE', table_comment: '' }], columns: [columnRow({ column_name: 'c', data_type: 'int', ordinal_position: 'x' })] }),
        'mysql',
        MYSQL,
        'app',
      ),
    ).toThrow(/COLUMNS/);
  });
});

describe('relations', () => {
  it('keeps tables (also system-versioned) and views, drops sequences and the like, and sorts', () => {
    const catalog = mapMysqlIntrospection(
      rows({
        tables: [
          { table_name: 'zeta', table_type: 'BASE TABLE', table_comment: 'Last table' },
          { table_name: 'v_agg', table_type: 'VIEW', table_comment: 'VIEW' },
          { table_name: 'v_simple', table_type: 'VIEW', table_comment: 'VIEW' },
          { table_name: 'history', table_type: 'SYSTEM VERSIONED', table_comment: '' },
          { table_name: 'seq', table_type: 'SEQUENCE', table_comment: '' },
          { table_name: 'tmp', table_type: 'TEMPORARY', table_comment: '' },
        ],
        views: [
          { table_name: 'v_agg', is_updatable: 'NO' },
          { table_name: 'v_simple', is_updatable: 'YES' },
        ],
        columns: [
          columnRow({ table_name: 'seq', column_name: 'next_not_cached_value', data_type: 'bigint' }),
          columnRow({ table_name: 'zeta', column_name: 'id', data_type: 'int' }),
        ],
      }),
      'mariadb',
      MARIADB,
      'app',
    );
    expect(catalog.relations).toEqual([
      { name: 'history', kind: 'table', comment: null, insertable: true, updatable: true, deletable: true },
      { name: 'v_agg', kind: 'view', comment: null, insertable: false, updatable: false, deletable: false },
      { name: 'v_simple', kind: 'view', comment: null, insertable: true, updatable: true, deletable: true },
      { name: 'zeta', kind: 'table', comment: 'Last table', insertable: true, updatable: true, deletable: true },
    ]);
    expect(catalog.columns.map((c) => `${c.table}.${c.name}`)).toEqual(['zeta.id']);
    expect(catalog).toMatchObject({
      engine: 'mysql',
      variant: 'mariadb',
      serverVersion: MARIADB,
      schema: 'app',
      introspectionVersion: MYSQL_INTROSPECTION_VERSION,
    });
  });

  it('sorts columns by table then position, by code unit', () => {
    const catalog = mapMysqlIntrospection(
      rows({
        tables: [
          { table_name: 'b', table_type: 'BASE TABLE', table_comment: '' },
          { table_name: 'B', table_type: 'BASE TABLE', table_comment: '' },
        ],
        columns: [
          columnRow({ table_name: 'b', column_name: 'y', data_type: 'int', ordinal_position: 2 }),
          columnRow({ table_name: 'b', column_name: 'x', data_type: 'int', ordinal_position: 1 }),
          columnRow({ table_name: 'B', column_name: 'z', data_type: 'int', ordinal_position: 1 }),
        ],
      }),
      'mysql',
      MYSQL,
      'app',
    );
    expect(catalog.relations.map((r) => r.name)).toEqual(['B', 'b']);
    expect(catalog.columns.map((c) => `${c.table}.${c.name}`)).toEqual(['B.z', 'b.x', 'b.y']);
  });
});

describe('constraints', () => {
  const tables = [
    { table_name: 'child', table_type: 'BASE TABLE', table_comment: '' },
    { table_name: 'parent', table_type: 'BASE TABLE', table_comment: '' },
  ];

  it('groups key columns in ORDINAL_POSITION order, pairs FK targets, drops cross-database FKs', () => {
    const catalog = mapMysqlIntrospection(
      rows({
        tables,
        keyColumns: [
          // Deliberately shuffled.
          { table_name: 'child', constraint_name: 'fk_parent', constraint_type: 'FOREIGN KEY', column_name: 'p_a', ordinal_position: '2', referenced_table_schema: 'app', referenced_table_name: 'parent', referenced_column_name: 'a', update_rule: 'CASCADE', delete_rule: 'SET NULL' },
          { table_name: 'parent', constraint_name: 'PRIMARY', constraint_type: 'PRIMARY KEY', column_name: 'b', ordinal_position: 2 },
          { table_name: 'child', constraint_name: 'fk_parent', constraint_type: 'FOREIGN KEY', column_name: 'p_b', ordinal_position: '1', referenced_table_schema: 'app', referenced_table_name: 'parent', referenced_column_name: 'b', update_rule: 'CASCADE', delete_rule: 'SET NULL' },
          { table_name: 'parent', constraint_name: 'PRIMARY', constraint_type: 'PRIMARY KEY', column_name: 'a', ordinal_position: 1 },
          { table_name: 'child', constraint_name: 'PRIMARY', constraint_type: 'PRIMARY KEY', column_name: 'id', ordinal_position: 1 },
          { table_name: 'parent', constraint_name: 'uq_label', constraint_type: 'UNIQUE', column_name: 'label', ordinal_position: 1 },
          { table_name: 'child', constraint_name: 'fk_elsewhere', constraint_type: 'FOREIGN KEY', column_name: 'x', ordinal_position: 1, referenced_table_schema: 'other_db', referenced_table_name: 'parent', referenced_column_name: 'a', update_rule: 'NO ACTION', delete_rule: 'NO ACTION' },
          { table_name: 'gone', constraint_name: 'PRIMARY', constraint_type: 'PRIMARY KEY', column_name: 'id', ordinal_position: 1 },
        ],
      }),
      'mysql',
      MYSQL,
      'app',
    );
    expect(catalog.constraints).toEqual([
      { table: 'child', name: 'PRIMARY', kind: 'primaryKey', columns: ['id'], targetTable: null, targetColumns: null, onUpdate: null, onDelete: null },
      { table: 'child', name: 'fk_parent', kind: 'foreignKey', columns: ['p_b', 'p_a'], targetTable: 'parent', targetColumns: ['b', 'a'], onUpdate: 'CASCADE', onDelete: 'SET NULL' },
      { table: 'parent', name: 'PRIMARY', kind: 'primaryKey', columns: ['a', 'b'], targetTable: null, targetColumns: null, onUpdate: null, onDelete: null },
      { table: 'parent', name: 'uq_label', kind: 'unique', columns: ['label'], targetTable: null, targetColumns: null, onUpdate: null, onDelete: null },
    ]);
  });
});

describe('indexes', () => {
  it('groups STATISTICS rows in SEQ_IN_INDEX order, with MySQL functional parts as their expression', () => {
    const catalog = mapMysqlIntrospection(
      rows({
        tables: [{ table_name: 't', table_type: 'BASE TABLE', table_comment: '' }],
        indexColumns: [
          { table_name: 't', index_name: 'ix_mixed', non_unique: 1, seq_in_index: 2, column_name: null, expression: '(lower(`email`))', index_type: 'BTREE' },
          { table_name: 't', index_name: 'ix_mixed', non_unique: 1, seq_in_index: 1, column_name: 'tenant', expression: null, index_type: 'BTREE' },
          { table_name: 't', index_name: 'PRIMARY', non_unique: '0', seq_in_index: '1', column_name: 'id', index_type: 'BTREE' },
          { table_name: 't', index_name: 'uq_email', non_unique: false, seq_in_index: 1, column_name: 'email', index_type: 'BTREE' },
          { table_name: 't', index_name: 'ft_body', non_unique: 1, seq_in_index: 1, column_name: 'body', index_type: 'FULLTEXT' },
          { table_name: 't', index_name: 'sp', non_unique: 1, seq_in_index: 1, column_name: 'g', index_type: '' },
        ],
      }),
      'mysql',
      MYSQL,
      'app',
    );
    expect(catalog.indexes).toEqual([
      { table: 't', name: 'PRIMARY', columns: ['id'], unique: true, primary: true, method: 'btree', predicate: null },
      { table: 't', name: 'ft_body', columns: ['body'], unique: false, primary: false, method: 'fulltext', predicate: null },
      { table: 't', name: 'ix_mixed', columns: ['tenant', '(lower(`email`))'], unique: false, primary: false, method: 'btree', predicate: null },
      { table: 't', name: 'sp', columns: ['g'], unique: false, primary: false, method: null, predicate: null },
      { table: 't', name: 'uq_email', columns: ['email'], unique: true, primary: false, method: 'btree', predicate: null },
    ]);
  });
});

describe('procedures', () => {
  const routine = (
    name: string,
    type: string,
    deterministic: string,
    access: string,
    extra: { data_type?: string; dtd_identifier?: string; routine_comment?: string } = {},
  ) => ({
    routine_name: name,
    specific_name: name,
    routine_type: type,
    data_type: extra.data_type ?? (type === 'FUNCTION' ? 'int' : ''),
    dtd_identifier: extra.dtd_identifier ?? (type === 'FUNCTION' ? 'int(11)' : null),
    is_deterministic: deterministic,
    sql_data_access: access,
    routine_comment: extra.routine_comment ?? '',
  });

  it('maps functions (return value at position 0) and procedures (IN/OUT/INOUT)', () => {
    const catalog = mapMysqlIntrospection(
      rows({
        routines: [
          routine('transfer', 'PROCEDURE', 'NO', 'MODIFIES SQL DATA', { routine_comment: 'Moves money' }),
          routine('is_on', 'FUNCTION', 'YES', 'NO SQL', { data_type: 'tinyint', dtd_identifier: 'tinyint(1)' }),
          routine('pkg', 'PACKAGE', 'NO', 'CONTAINS SQL'),
        ],
        parameters: [
          { specific_name: 'transfer', routine_type: 'PROCEDURE', ordinal_position: 3, parameter_mode: 'INOUT', parameter_name: 'note', data_type: 'varchar', dtd_identifier: 'varchar(50)' },
          { specific_name: 'transfer', routine_type: 'PROCEDURE', ordinal_position: 1, parameter_mode: 'IN', parameter_name: 'amount', data_type: 'decimal', dtd_identifier: 'decimal(10,2)' },
          { specific_name: 'transfer', routine_type: 'PROCEDURE', ordinal_position: 2, parameter_mode: 'OUT', parameter_name: 'total', data_type: 'bigint', dtd_identifier: 'bigint(20) unsigned' },
          { specific_name: 'is_on', routine_type: 'FUNCTION', ordinal_position: 0, parameter_mode: null, parameter_name: null, data_type: 'tinyint', dtd_identifier: 'tinyint(1)' },
          { specific_name: 'is_on', routine_type: 'FUNCTION', ordinal_position: 1, parameter_mode: null, parameter_name: 'x', data_type: 'json', dtd_identifier: 'json' },
        ],
      }),
      'mysql',
      MYSQL,
      'app',
    );
    expect(catalog.procedures).toEqual([
      {
        name: 'is_on',
        kind: 'function',
        parameters: [{ name: 'x', position: 1, mode: 'in', dbType: 'json', valueType: 'json', hasDefault: false }],
        returnType: 'tinyint(1)',
        returnValueType: 'boolean',
        returnsSet: false,
        volatility: 'immutable',
        comment: null,
      },
      {
        name: 'transfer',
        kind: 'procedure',
        parameters: [
          { name: 'amount', position: 1, mode: 'in', dbType: 'decimal', valueType: 'decimal', hasDefault: false },
          { name: 'total', position: 2, mode: 'out', dbType: 'bigint unsigned', valueType: 'bigint', hasDefault: false },
          { name: 'note', position: 3, mode: 'inout', dbType: 'varchar', valueType: 'string', hasDefault: false },
        ],
        returnType: null,
        returnValueType: null,
        returnsSet: false,
        volatility: 'volatile',
        comment: 'Moves money',
      },
    ]);
  });

  it('falls back to ROUTINES for the return type and keeps a function and a procedure of one name apart', () => {
    const catalog = mapMysqlIntrospection(
      rows({
        routines: [routine('twin', 'PROCEDURE', 'NO', 'CONTAINS SQL'), routine('twin', 'FUNCTION', 'YES', 'READS SQL DATA')],
        parameters: [
          { specific_name: 'twin', routine_type: 'PROCEDURE', ordinal_position: 1, parameter_mode: 'IN', parameter_name: 'p', data_type: 'int', dtd_identifier: 'int' },
          { specific_name: 'twin', routine_type: 'FUNCTION', ordinal_position: 1, parameter_mode: null, parameter_name: 'f', data_type: 'date', dtd_identifier: 'date' },
        ],
      }),
      'mysql',
      MYSQL,
      'app',
    );
    expect(catalog.procedures.map((p) => [p.name, p.kind, p.parameters.map((x) => x.name), p.returnType, p.volatility])).toEqual([
      ['twin', 'function', ['f'], 'int', 'stable'],
      ['twin', 'procedure', ['p'], null, 'volatile'],
    ]);
  });

  it.each([
    ['YES', 'NO SQL', 'immutable'],
    ['YES', 'READS SQL DATA', 'stable'],
    ['YES', 'CONTAINS SQL', 'volatile'],
    ['YES', 'MODIFIES SQL DATA', 'volatile'],
    ['NO', 'NO SQL', 'stable'],
    ['NO', 'READS SQL DATA', 'stable'],
  ] as const)('a function that is DETERMINISTIC=%s with %s is %s', (deterministic, access, volatility) => {
    const catalog = mapMysqlIntrospection(rows({ routines: [routine('f', 'FUNCTION', deterministic, access)] }), 'mysql', MYSQL, 'app');
    expect(catalog.procedures[0]?.volatility).toBe(volatility);
  });

  it('treats every procedure as volatile', () => {
    const catalog = mapMysqlIntrospection(rows({ routines: [routine('p', 'PROCEDURE', 'YES', 'NO SQL')] }), 'mysql', MYSQL, 'app');
    expect(catalog.procedures[0]?.volatility).toBe('volatile');
  });
});

describe('buildMysqlIntrospectionQueries', () => {
  const schema = "app'; DROP DATABASE x; --";

  it('only ever binds the schema name', () => {
    for (const [variant, version] of [
      ['mysql', MYSQL],
      ['mariadb', MARIADB],
    ] as const) {
      const queries = Object.values(buildMysqlIntrospectionQueries(variant, version, schema)).filter(
        (q): q is CompiledQuery => q !== null,
      );
      for (const query of queries) {
        expect(query.sql).not.toContain('DROP');
        expect(query.params.length).toBe((query.sql.match(/\?/g) ?? []).length);
        expect(query.params.every((p) => p === schema)).toBe(true);
      }
    }
  });

  it('reads MySQL 8 columns: EXPRESSION, no IS_GENERATED, no CHECK_CONSTRAINTS', () => {
    const queries = buildMysqlIntrospectionQueries('mysql', MYSQL, 'app');
    expect(queries.indexColumns.sql).toContain('EXPRESSION AS expression');
    expect(queries.columns.sql).toContain('NULL AS is_generated');
    expect(queries.checks).toBeNull();
    // Before 8.0.13 STATISTICS has no EXPRESSION column.
    expect(buildMysqlIntrospectionQueries('mysql', '8.0.12', 'app').indexColumns.sql).toContain('NULL AS expression');
  });

  it('reads MariaDB columns: IS_GENERATED, CHECK_CONSTRAINTS with TABLE_NAME, no EXPRESSION', () => {
    const queries = buildMysqlIntrospectionQueries('mariadb', MARIADB, 'app');
    expect(queries.indexColumns.sql).toContain('NULL AS expression');
    expect(queries.columns.sql).toContain('IS_GENERATED AS is_generated');
    expect(queries.checks?.sql).toContain('TABLE_NAME AS table_name');
    expect(buildMysqlIntrospectionQueries('mariadb', '10.2.10-MariaDB', 'app').checks).toBeNull();
  });

  it('aliases every selected column in lower case', () => {
    for (const query of Object.values(buildMysqlIntrospectionQueries('mysql', MYSQL, 'app'))) {
      if (query === null) continue;
      const select = query.sql.slice('SELECT'.length, query.sql.indexOf('FROM')).split(',');
      for (const item of select) expect(item.trim()).toMatch(/ AS [a-z_]+$/);
    }
  });
});

describe('introspectMysql', () => {
  function fakeSource(variant: IntrospectionSource['variant'], schemaExists: boolean, seen: CompiledQuery[] = []): IntrospectionSource {
    return {
      variant,
      serverVersion: async () => MYSQL,
      query: async <R,>(query: CompiledQuery): Promise<QueryResult<R>> => {
        seen.push(query);
        let result: Record<string, unknown>[] = [];
        if (query.sql.includes('SCHEMATA')) result = schemaExists ? [{ schema_name: 'app' }] : [];
        else if (query.sql.includes('information_schema.TABLES')) result = [{ table_name: 't', table_type: 'BASE TABLE', table_comment: 'T' }];
        else if (query.sql.includes('information_schema.COLUMNS')) {
          // MySQL 8 style: upper-case values as strings where BIGINT UNSIGNED.
          result = [{ ...columnRow({ column_name: 'doc', data_type: 'json', ordinal_position: '1' }), is_generated: null }];
        }
        return { rows: result as R[] };
      },
    };
  }

  it('runs the queries and maps their rows', async () => {
    const seen: CompiledQuery[] = [];
    const catalog: RawCatalog = await introspectMysql(fakeSource('mysql', true, seen), { schema: 'app' });
    expect(catalog.relations.map((r) => r.name)).toEqual(['t']);
    expect(catalog.columns[0]).toMatchObject({ name: 'doc', valueType: 'json', position: 1 });
    expect(catalog.serverVersion).toBe(MYSQL);
    // SCHEMATA, TABLES, VIEWS, COLUMNS, key columns, STATISTICS, ROUTINES, PARAMETERS (no CHECKs on MySQL).
    expect(seen).toHaveLength(8);
  });

  it('refuses a database that does not exist', async () => {
    await expect(introspectMysql(fakeSource('mysql', false), { schema: 'nope' })).rejects.toThrow(/Database "nope" does not exist/);
  });

  it('refuses a PostgreSQL source', async () => {
    await expect(introspectMysql(fakeSource('postgres', true), { schema: 'app' })).rejects.toThrow(/cannot read a postgres/);
  });
});
