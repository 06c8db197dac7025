/**
 * The MySQL/MariaDB introspector against a real MariaDB server (10.11 on the development machine).
 * A deliberately awkward schema is built in a fresh database; semantic facts are asserted by hand.
 * The MySQL 8 branches (native JSON, DEFAULT_GENERATED, unquoted defaults, functional indexes) are
 * covered by the unit tests of the mapping; the assertions here are written for MariaDB where the two
 * engines print things differently (defaults, JSON) and say so.
 */
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RawCatalog, RawColumn, RawConstraint, RawIndex, RawProcedure } from '../../src/catalog/raw-catalog.js';
import type { CompiledQuery, QueryResult } from '../../src/dialects/dialect.js';
import type { IntrospectionSource } from '../../src/dialects/dialect.js';
import { introspectMysql } from '../../src/dialects/mysql/mysql-introspector.js';
import { MYSQL_ADMIN_URL, shouldRunEngine } from '../support/servers.js';

const DATABASE = `sluice_it_my_introspect_${process.pid}`;
const OTHER_DATABASE = `sluice_it_my_introspect_other_${process.pid}`;

/** Must not appear: another database's table (and a foreign key into it, which is left out). */
const OTHER_SQL = [`CREATE TABLE \`${OTHER_DATABASE}\`.outsider (id INT PRIMARY KEY, secret VARCHAR(10))`];

/** The awkward schema, one statement per entry (run inside DATABASE). */
const SCHEMA_SQL = [
  // A table named with a reserved word, with a column named with another one.
  `CREATE TABLE \`select\` (
    \`from\` INT NOT NULL PRIMARY KEY,
    \`the-name\` VARCHAR(40) NOT NULL
  ) COMMENT = 'named like a keyword'`,

  // Composite primary key; a unique constraint next to a plain index.
  `CREATE TABLE region (
    country CHAR(2) NOT NULL,
    code VARCHAR(10) NOT NULL,
    name VARCHAR(100) NOT NULL,
    PRIMARY KEY (country, code),
    CONSTRAINT uq_region_name UNIQUE (name),
    INDEX ix_region_code (code)
  )`,

  // Self reference; two composite foreign keys to the same table, whose column order differs from
  // the table's column order.
  `CREATE TABLE \`person list\` (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    \`manager-id\` BIGINT UNSIGNED NULL,
    home_code VARCHAR(10),
    home_country CHAR(2),
    work_code VARCHAR(10),
    work_country CHAR(2),
    outsider_id INT,
    CONSTRAINT fk_person_manager FOREIGN KEY (\`manager-id\`) REFERENCES \`person list\` (id) ON DELETE SET NULL,
    CONSTRAINT fk_person_home FOREIGN KEY (home_country, home_code) REFERENCES region (country, code)
      ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT fk_person_work FOREIGN KEY (work_country, work_code) REFERENCES region (country, code),
    CONSTRAINT fk_person_outsider FOREIGN KEY (outsider_id) REFERENCES \`${OTHER_DATABASE}\`.outsider (id)
  )`,

  // Every type family, and defaults of each kind.
  `CREATE TABLE type_zoo (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    flag TINYINT(1) NOT NULL DEFAULT 1,
    small_num TINYINT(4) DEFAULT -3,
    big_u BIGINT UNSIGNED,
    big_s BIGINT,
    price DECIMAL(10,2) DEFAULT 9.99,
    ratio FLOAT,
    precise DOUBLE,
    happened_at DATETIME(6),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    day DATE DEFAULT '2020-01-31',
    clock TIME,
    yr YEAR,
    doc JSON,
    notes LONGTEXT COMMENT 'free-form notes',
    rating ENUM('G', 'PG-13', 'it''s', 'back\\\\slash, comma') NOT NULL DEFAULT 'PG-13',
    tags SET('red', 'green'),
    picture BLOB,
    digest VARBINARY(32),
    b1 BIT(1),
    b8 BIT(8),
    label VARCHAR(100) NOT NULL DEFAULT 'abc',
    apostrophe VARCHAR(20) DEFAULT 'it''s',
    maybe VARCHAR(10) DEFAULT NULL,
    required_int INT NOT NULL,
    token CHAR(36) DEFAULT (uuid()),
    native_uuid UUID,
    ip INET6,
    place POINT,
    doubled INT AS (small_num * 2) VIRTUAL,
    shout VARCHAR(110) AS (UPPER(label)) STORED,
    counter MEDIUMINT UNSIGNED DEFAULT 0,
    money DECIMAL(12,3) UNSIGNED
  ) COMMENT = 'every type'`,

  `CREATE VIEW \`person view\` AS SELECT id, \`manager-id\` FROM \`person list\``,
  `CREATE VIEW region_counts AS SELECT country, COUNT(*) AS n FROM region GROUP BY country`,

  // Routines: the bodies need no client DELIMITER when sent as one statement.
  `CREATE FUNCTION count_regions(p_country CHAR(2)) RETURNS INT
    DETERMINISTIC READS SQL DATA COMMENT 'regions per country'
    RETURN (SELECT COUNT(*) FROM region WHERE country = p_country)`,
  `CREATE FUNCTION is_on(x TINYINT(1)) RETURNS TINYINT(1) DETERMINISTIC NO SQL RETURN x`,
  `CREATE PROCEDURE adjust(IN amount DECIMAL(10,2), OUT doubled BIGINT UNSIGNED, INOUT note VARCHAR(50))
    MODIFIES SQL DATA
    BEGIN
      SET doubled = amount * 2;
      SET note = CONCAT(note, '!');
    END`,
];

/** A test-only `IntrospectionSource` over one mysql2 connection, configured like Sluice's driver. */
async function connect(): Promise<{ connection: mysql.Connection; source: IntrospectionSource }> {
  const url = new URL(MYSQL_ADMIN_URL);
  const connection = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    // Like the driver's: TINYINT(1) values are booleans.
    typeCast: (field, next) => {
      if (field.type === 'TINY' && field.length === 1) {
        const text = field.string();
        return text === null ? null : text !== '0';
      }
      return next();
    },
  });
  const [versionRows] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS version');
  const version = String(versionRows[0]?.version);
  const source: IntrospectionSource = {
    variant: /mariadb/i.test(version) ? 'mariadb' : 'mysql',
    serverVersion: async () => version,
    query: async <R,>(query: CompiledQuery): Promise<QueryResult<R>> => {
      // The introspector only ever binds the schema name (a string).
      const [rows] = await connection.execute<RowDataPacket[]>(query.sql, query.params.map(String));
      return { rows: rows as unknown as R[] };
    },
  };
  return { connection, source };
}

const runMariadb = await shouldRunEngine('mariadb');

describe.skipIf(!runMariadb)('MySQL introspector on MariaDB', () => {
  let connection: mysql.Connection;
  let catalog: RawCatalog;

  const column = (table: string, name: string): RawColumn => {
    const found = catalog.columns.find((c) => c.table === table && c.name === name);
    if (!found) throw new Error(`column ${table}.${name} not introspected`);
    return found;
  };
  const constraint = (table: string, name: string): RawConstraint => {
    const found = catalog.constraints.find((c) => c.table === table && c.name === name);
    if (!found) throw new Error(`constraint ${table}.${name} not introspected`);
    return found;
  };
  const index = (table: string, name: string): RawIndex => {
    const found = catalog.indexes.find((i) => i.table === table && i.name === name);
    if (!found) throw new Error(`index ${table}.${name} not introspected`);
    return found;
  };
  const procedure = (name: string): RawProcedure => {
    const found = catalog.procedures.find((p) => p.name === name);
    if (!found) throw new Error(`procedure ${name} not introspected`);
    return found;
  };

  beforeAll(async () => {
    const connected = await connect();
    connection = connected.connection;
    await connection.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
    await connection.query(`DROP DATABASE IF EXISTS \`${OTHER_DATABASE}\``);
    await connection.query(`CREATE DATABASE \`${OTHER_DATABASE}\``);
    await connection.query(`CREATE DATABASE \`${DATABASE}\``);
    for (const sql of OTHER_SQL) await connection.query(sql);
    await connection.query(`USE \`${DATABASE}\``);
    for (const sql of SCHEMA_SQL) await connection.query(sql);
    catalog = await introspectMysql(connected.source, { schema: DATABASE });
  });

  afterAll(async () => {
    if (!connection) return;
    // This database's foreign key points into the other one: drop this one first.
    await connection.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
    await connection.query(`DROP DATABASE IF EXISTS \`${OTHER_DATABASE}\``);
    await connection.end();
  });

  it('describes the catalog', () => {
    expect(catalog.engine).toBe('mysql');
    expect(catalog.variant).toBe('mariadb');
    expect(catalog.serverVersion).toMatch(/MariaDB/);
    expect(catalog.schema).toBe(DATABASE);
    expect(catalog.introspectionVersion).toBe(1);
  });

  it('lists the tables and views of the database only, sorted', () => {
    expect(catalog.relations.map((r) => [r.name, r.kind])).toEqual([
      ['person list', 'table'],
      ['person view', 'view'],
      ['region', 'table'],
      ['region_counts', 'view'],
      ['select', 'table'],
      ['type_zoo', 'table'],
    ]);
    expect(catalog.columns.some((c) => c.table === 'outsider' || c.name === 'secret')).toBe(false);
  });

  it('reads comments and view updatability', () => {
    const byName = new Map(catalog.relations.map((r) => [r.name, r]));
    expect(byName.get('select')).toMatchObject({ comment: 'named like a keyword', insertable: true, updatable: true, deletable: true });
    expect(byName.get('type_zoo')?.comment).toBe('every type');
    expect(byName.get('region')?.comment).toBeNull();
    // TABLE_COMMENT says 'VIEW' for views: not a comment.
    expect(byName.get('person view')).toMatchObject({ comment: null, insertable: true, updatable: true, deletable: true });
    expect(byName.get('region_counts')).toMatchObject({ comment: null, insertable: false, updatable: false, deletable: false });
    expect(column('type_zoo', 'notes').comment).toBe('free-form notes');
    expect(column('type_zoo', 'label').comment).toBeNull();
  });

  it('keeps names that need backquotes', () => {
    expect(catalog.columns.filter((c) => c.table === 'select').map((c) => c.name)).toEqual(['from', 'the-name']);
    expect(column('person list', 'manager-id').position).toBe(2);
    expect(constraint('select', 'PRIMARY').columns).toEqual(['from']);
  });

  it('numbers columns 1..n per table, in order', () => {
    const zoo = catalog.columns.filter((c) => c.table === 'type_zoo');
    expect(zoo.map((c) => c.position)).toEqual(zoo.map((_, i) => i + 1));
    expect(zoo[0]?.name).toBe('id');
  });

  it('maps integer types: tinyint(1) is boolean, other widths and unsigned types are numbers', () => {
    expect(column('type_zoo', 'flag')).toMatchObject({ dbType: 'tinyint(1)', valueType: 'boolean', nullable: false });
    expect(column('type_zoo', 'small_num')).toMatchObject({ dbType: 'tinyint', valueType: 'integer' });
    expect(column('type_zoo', 'big_u')).toMatchObject({ dbType: 'bigint unsigned', valueType: 'bigint' });
    expect(column('type_zoo', 'big_s')).toMatchObject({ dbType: 'bigint', valueType: 'bigint' });
    expect(column('type_zoo', 'counter')).toMatchObject({ dbType: 'mediumint unsigned', valueType: 'integer' });
    expect(column('type_zoo', 'yr')).toMatchObject({ dbType: 'year', valueType: 'integer' });
  });

  it('maps decimal and floating types with precision and scale for decimals only', () => {
    expect(column('type_zoo', 'price')).toMatchObject({ dbType: 'decimal', valueType: 'decimal', precision: 10, scale: 2 });
    expect(column('type_zoo', 'money')).toMatchObject({ dbType: 'decimal unsigned', valueType: 'decimal', precision: 12, scale: 3 });
    expect(column('type_zoo', 'ratio')).toMatchObject({ dbType: 'float', valueType: 'float', precision: null, scale: null });
    expect(column('type_zoo', 'precise')).toMatchObject({ dbType: 'double', valueType: 'float', precision: null, scale: null });
    expect(column('type_zoo', 'id')).toMatchObject({ precision: null, scale: null });
  });

  it('maps temporal types: datetime is a timestamp, timestamp an instant', () => {
    expect(column('type_zoo', 'happened_at')).toMatchObject({ dbType: 'datetime', valueType: 'timestamp' });
    expect(column('type_zoo', 'created_at')).toMatchObject({ dbType: 'timestamp', valueType: 'timestamptz' });
    expect(column('type_zoo', 'day')).toMatchObject({ dbType: 'date', valueType: 'date' });
    expect(column('type_zoo', 'clock')).toMatchObject({ dbType: 'time', valueType: 'time' });
  });

  it("recognises MariaDB's JSON (LONGTEXT + json_valid check) and leaves other LONGTEXT alone", () => {
    expect(column('type_zoo', 'doc')).toMatchObject({ dbType: 'json', valueType: 'json', maxLength: null });
    expect(column('type_zoo', 'notes')).toMatchObject({ dbType: 'longtext', valueType: 'string', maxLength: null });
  });

  it('reads enum labels exactly, and maps set to string', () => {
    expect(column('type_zoo', 'rating')).toMatchObject({
      dbType: 'enum',
      valueType: 'enum',
      enumValues: ['G', 'PG-13', "it's", 'back\\slash, comma'],
      maxLength: null,
      nullable: false,
    });
    expect(column('type_zoo', 'tags')).toMatchObject({ dbType: 'set', valueType: 'string', enumValues: null });
  });

  it('maps binary types and bits', () => {
    expect(column('type_zoo', 'picture')).toMatchObject({ dbType: 'blob', valueType: 'bytes', maxLength: null });
    expect(column('type_zoo', 'digest')).toMatchObject({ dbType: 'varbinary', valueType: 'bytes', maxLength: 32 });
    expect(column('type_zoo', 'b1')).toMatchObject({ dbType: 'bit', valueType: 'boolean' });
    expect(column('type_zoo', 'b8')).toMatchObject({ dbType: 'bit', valueType: 'bytes' });
  });

  it('maps MariaDB-only types', () => {
    expect(column('type_zoo', 'native_uuid')).toMatchObject({ dbType: 'uuid', valueType: 'uuid' });
    expect(column('type_zoo', 'ip')).toMatchObject({ dbType: 'inet6', valueType: 'string' });
    expect(column('type_zoo', 'place')).toMatchObject({ dbType: 'point', valueType: 'string' });
  });

  it('reads character lengths for char/varchar only', () => {
    expect(column('type_zoo', 'label').maxLength).toBe(100);
    expect(column('type_zoo', 'token').maxLength).toBe(36);
    expect(column('region', 'country').maxLength).toBe(2);
  });

  it('normalises defaults of each kind', () => {
    // MariaDB prints string literals quoted, NULL as the text NULL: both come out as SQL.
    expect(column('type_zoo', 'label').defaultValue).toBe("'abc'");
    expect(column('type_zoo', 'apostrophe').defaultValue).toBe("'it''s'");
    expect(column('type_zoo', 'rating').defaultValue).toBe("'PG-13'");
    expect(column('type_zoo', 'day').defaultValue).toBe("'2020-01-31'");
    expect(column('type_zoo', 'flag').defaultValue).toBe('1');
    expect(column('type_zoo', 'small_num').defaultValue).toBe('-3');
    expect(column('type_zoo', 'price').defaultValue).toBe('9.99');
    expect(column('type_zoo', 'counter').defaultValue).toBe('0');
    expect(column('type_zoo', 'maybe').defaultValue).toBeNull();
    expect(column('type_zoo', 'big_s').defaultValue).toBeNull(); // nullable, no DEFAULT: NULL
    expect(column('type_zoo', 'required_int').defaultValue).toBeNull(); // NOT NULL, no DEFAULT
    // Expressions as the server prints them (MySQL 8 would say CURRENT_TIMESTAMP).
    expect(column('type_zoo', 'created_at').defaultValue).toBe('current_timestamp()');
    expect(column('type_zoo', 'token').defaultValue).toBe('uuid()');
  });

  it('tells auto_increment and generated columns apart', () => {
    expect(column('type_zoo', 'id')).toMatchObject({ generated: 'autoIncrement', defaultValue: null, nullable: false });
    expect(column('person list', 'id')).toMatchObject({ generated: 'autoIncrement', dbType: 'bigint unsigned' });
    expect(column('type_zoo', 'doubled')).toMatchObject({ generated: 'computed', defaultValue: null, valueType: 'integer' });
    expect(column('type_zoo', 'shout')).toMatchObject({ generated: 'computed', defaultValue: null, maxLength: 110 });
    expect(column('type_zoo', 'created_at').generated).toBeNull();
    expect(column('type_zoo', 'label').generated).toBeNull();
  });

  it('reads the composite primary key in key order', () => {
    expect(constraint('region', 'PRIMARY')).toEqual({
      table: 'region',
      name: 'PRIMARY',
      kind: 'primaryKey',
      columns: ['country', 'code'],
      targetTable: null,
      targetColumns: null,
      onUpdate: null,
      onDelete: null,
    });
  });

  it('tells a unique constraint from a plain index', () => {
    expect(constraint('region', 'uq_region_name')).toMatchObject({ kind: 'unique', columns: ['name'] });
    expect(catalog.constraints.some((c) => c.name === 'ix_region_code')).toBe(false);
    expect(index('region', 'uq_region_name')).toEqual({
      table: 'region',
      name: 'uq_region_name',
      columns: ['name'],
      unique: true,
      primary: false,
      method: 'btree',
      predicate: null,
    });
    expect(index('region', 'ix_region_code')).toMatchObject({ columns: ['code'], unique: false, primary: false });
    expect(index('region', 'PRIMARY')).toMatchObject({ columns: ['country', 'code'], unique: true, primary: true });
  });

  it('reads composite foreign keys with their column pairs in order, twice to the same table', () => {
    expect(constraint('person list', 'fk_person_home')).toEqual({
      table: 'person list',
      name: 'fk_person_home',
      kind: 'foreignKey',
      columns: ['home_country', 'home_code'],
      targetTable: 'region',
      targetColumns: ['country', 'code'],
      onUpdate: 'CASCADE',
      onDelete: 'RESTRICT',
    });
    expect(constraint('person list', 'fk_person_work')).toMatchObject({
      columns: ['work_country', 'work_code'],
      targetTable: 'region',
      targetColumns: ['country', 'code'],
      // MariaDB reports an unspecified action as RESTRICT.
      onUpdate: 'RESTRICT',
      onDelete: 'RESTRICT',
    });
  });

  it('reads a self-referencing foreign key and leaves out one into another database', () => {
    expect(constraint('person list', 'fk_person_manager')).toMatchObject({
      columns: ['manager-id'],
      targetTable: 'person list',
      targetColumns: ['id'],
      onDelete: 'SET NULL',
    });
    expect(catalog.constraints.filter((c) => c.table === 'person list').map((c) => c.name)).toEqual([
      'PRIMARY',
      'fk_person_home',
      'fk_person_manager',
      'fk_person_work',
    ]);
    // The index InnoDB created for it is still an index of this table.
    expect(index('person list', 'fk_person_outsider').columns).toEqual(['outsider_id']);
  });

  it('sorts constraints and indexes by table, then name', () => {
    const keys = (list: readonly { table: string; name: string }[]) => list.map((x) => `${x.table}\u0000${x.name}`);
    const sorted = (list: string[]) => [...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(keys(catalog.constraints)).toEqual(sorted(keys(catalog.constraints)));
    expect(keys(catalog.indexes)).toEqual(sorted(keys(catalog.indexes)));
  });

  it('reads a DETERMINISTIC READS SQL DATA function', () => {
    expect(procedure('count_regions')).toEqual({
      name: 'count_regions',
      kind: 'function',
      parameters: [{ name: 'p_country', position: 1, mode: 'in', dbType: 'char', valueType: 'string', hasDefault: false }],
      returnType: 'int',
      returnValueType: 'integer',
      returnsSet: false,
      volatility: 'stable',
      comment: 'regions per country',
    });
    expect(procedure('is_on')).toMatchObject({
      parameters: [{ name: 'x', position: 1, mode: 'in', dbType: 'tinyint(1)', valueType: 'boolean', hasDefault: false }],
      returnType: 'tinyint(1)',
      returnValueType: 'boolean',
      volatility: 'immutable',
    });
  });

  it('reads a procedure with IN, OUT and INOUT parameters', () => {
    expect(procedure('adjust')).toEqual({
      name: 'adjust',
      kind: 'procedure',
      parameters: [
        { name: 'amount', position: 1, mode: 'in', dbType: 'decimal', valueType: 'decimal', hasDefault: false },
        { name: 'doubled', position: 2, mode: 'out', dbType: 'bigint unsigned', valueType: 'bigint', hasDefault: false },
        { name: 'note', position: 3, mode: 'inout', dbType: 'varchar', valueType: 'string', hasDefault: false },
      ],
      returnType: null,
      returnValueType: null,
      returnsSet: false,
      volatility: 'volatile',
      comment: null,
    });
    expect(catalog.procedures.map((p) => p.name)).toEqual(['adjust', 'count_regions', 'is_on']);
  });

  it('is deterministic', async () => {
    const again = await connect();
    try {
      expect(await introspectMysql(again.source, { schema: DATABASE })).toEqual(catalog);
    } finally {
      await again.connection.end();
    }
  });

  it('refuses a database that does not exist', async () => {
    const again = await connect();
    try {
      await expect(introspectMysql(again.source, { schema: `${DATABASE}_missing` })).rejects.toThrow(/does not exist/);
    } finally {
      await again.connection.end();
    }
  });
});
