/**
 * The DDL allow-lists and the DDL each dialect writes, stated by hand (the integration suite
 * `schema-endpoints.test.ts` runs the same changes on real engines).
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors.js';
import { createMysqlDialect, mysqlCapabilities } from '../../../src/dialects/mysql/mysql-dialect.js';
import { createPostgresDialect } from '../../../src/dialects/postgres/postgres-dialect.js';
import { parseColumnType, parseDefault, validateName } from '../../../src/query/column-types.js';
import type { AlterTable, ColumnType, SchemaChange } from '../../../src/query/schema-change.js';
import { planAlterTable, planCreateTable, planDropTable } from '../../../src/query/schema-plan.js';
import { tinyCatalog } from '../../support/tiny-catalog.js';

const postgres = createPostgresDialect();
const mysql = createMysqlDialect(mysqlCapabilities('mariadb', '10.11.6-MariaDB'));
const catalog = tinyCatalog();

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return `${error.status} ${error.reason}`;
    throw error;
  }
  throw new Error('expected an ApiError');
}

const sqlOf = (dialect: typeof postgres, change: SchemaChange) => dialect.compileSchemaChange(change).statements.map((s) => s.sql);

describe('column types', () => {
  it.each<[string, ColumnType]>([
    ['serial', { kind: 'integer', size: 'regular', autoIncrement: true }],
    ['BIGINT', { kind: 'integer', size: 'big', autoIncrement: false }],
    ['varchar(255)', { kind: 'varchar', length: 255 }],
    ['character varying ( 20 )', { kind: 'varchar', length: 20 }],
    ['decimal(10,2)', { kind: 'decimal', precision: 10, scale: 2 }],
    ['numeric', { kind: 'decimal' }],
    ['double precision', { kind: 'float', size: 'double' }],
    ['timestamp', { kind: 'timestamp', withTimeZone: false }],
    ['timestamp(3) with time zone', { kind: 'timestamp', withTimeZone: true, precision: 3 }],
    ['jsonb', { kind: 'json', binary: true }],
  ])('%s', (text, expected) => {
    expect(parseColumnType(text)).toEqual(expected);
  });

  it.each([
    'integer; DROP TABLE x',
    'integer,',
    'varchar(255) NOT NULL',
    'text DEFAULT 1',
    'integer /* */',
    'money',
    'int[]',
    'varchar(0)',
    'decimal(5,6)',
    'time(7)',
    'serial(4)',
    'x'.repeat(65),
    'integer\u0000',
  ])('refuses %j', (text) => {
    expect(reasonOf(() => parseColumnType(text))).toBe('400 unsupportedType');
  });
});

describe('defaults', () => {
  const t = (text: string) => parseColumnType(text);
  it('types literals by the column', () => {
    expect(parseDefault('c', t('bigint'), '9223372036854775807')).toEqual({ kind: 'literal', form: 'number', text: '9223372036854775807' });
    expect(parseDefault('c', t('decimal(10,2)'), '9.99')).toEqual({ kind: 'literal', form: 'number', text: '9.99' });
    expect(parseDefault('c', t('text'), "it's")).toEqual({ kind: 'literal', form: 'string', text: "it's" });
    expect(parseDefault('c', t('timestamptz'), '2024-01-02T03:04:05.5+02:00')).toEqual({ kind: 'literal', form: 'string', text: '2024-01-02 01:04:05.5' });
    expect(parseDefault('c', t('bytea'), 'AQI=')).toEqual({ kind: 'literal', form: 'hex', text: '0102' });
    expect(parseDefault('c', t('json'), { a: [1] })).toEqual({ kind: 'literal', form: 'string', text: '{"a":[1]}' });
    expect(parseDefault('c', t('timestamp'), 'NOW()')).toEqual({ kind: 'expression', expression: 'currentTimestamp' });
    expect(parseDefault('c', t('integer'), null)).toEqual({ kind: 'null' });
  });

  it.each<[string, unknown]>([
    ['integer', '1; DROP TABLE x'],
    ['integer', 1.5],
    ['smallint', 40000],
    ['bigint', '9223372036854775808'],
    ['decimal', '1e5; x'],
    ['float', Number.NaN],
    ['boolean', 'true'],
    ['date', '2023-02-29'],
    ['timestamp', '2024-01-01T00:00:00Z'],
    ['timestamp', "now() - interval '1 day'"],
    ['uuid', 'not-a-uuid'],
    ['varchar(2)', 'abc'],
    ['text', 'a\u0000b'],
    ['serial', 1],
  ])('refuses %s default %j', (type, value) => {
    expect(reasonOf(() => parseDefault('c', parseColumnType(type), value as never))).toBe('400 invalidDefault');
  });
});

describe('names', () => {
  it.each(['', ' padded', 'a\u0000b', 'new\nline', 'x'.repeat(64), 'é'.repeat(32), '__sluice_rn'])('refuses %j', (name) => {
    expect(reasonOf(() => validateName('column', name))).toBe('400 invalidName');
  });
  it('accepts names that need quoting', () => {
    expect(validateName('table', 'a "b" `c`; --')).toBe('a "b" `c`; --');
  });
});

describe('create table', () => {
  const change = planCreateTable(catalog, {
    name: 'gadgets',
    columns: [
      { name: 'id', type: 'serial', is_primary_key: true },
      { name: 'name', type: 'varchar(255)', is_nullable: false },
      { name: 'note', type: 'text', default: "it's \\ fine" },
      { name: 'created_at', type: 'timestamp', default: 'now()' },
      { name: 'author_id', type: 'integer', is_unique: true },
    ],
    foreign_keys: [{ columns: ['author_id'], referenced_table: 'authors', referenced_columns: ['id'], on_delete: 'set null' }],
  });

  it('PostgreSQL: one statement, E-string literals', () => {
    expect(sqlOf(postgres, change)).toEqual([
      'CREATE TABLE "lib"."gadgets" ("id" serial NOT NULL, "name" varchar(255) NOT NULL, "note" text DEFAULT E\'it\'\'s \\\\ fine\', ' +
        '"created_at" timestamp DEFAULT CURRENT_TIMESTAMP, "author_id" integer UNIQUE, PRIMARY KEY ("id"), ' +
        'FOREIGN KEY ("author_id") REFERENCES "lib"."authors" ("id") ON UPDATE NO ACTION ON DELETE SET NULL)',
    ]);
    expect(postgres.compileSchemaChange(change).transactional).toBe(true);
  });

  it('MySQL: hex string literals, AUTO_INCREMENT, microsecond precision', () => {
    expect(sqlOf(mysql, change)).toEqual([
      "CREATE TABLE `lib`.`gadgets` (`id` INT NOT NULL AUTO_INCREMENT, `name` VARCHAR(255) NOT NULL, `note` LONGTEXT NULL DEFAULT (X'69742773205c2066696e65'), " +
        '`created_at` DATETIME(6) NULL DEFAULT CURRENT_TIMESTAMP(6), `author_id` INT NULL UNIQUE, PRIMARY KEY (`id`), ' +
        'FOREIGN KEY (`author_id`) REFERENCES `lib`.`authors` (`id`) ON UPDATE NO ACTION ON DELETE SET NULL)',
    ]);
    expect(mysql.compileSchemaChange(change).transactional).toBe(false);
  });

  it('refuses what the catalog or an engine cannot take', () => {
    expect(reasonOf(() => planCreateTable(catalog, { name: 'books', columns: [{ name: 'a', type: 'text' }] }))).toBe('409 tableExists');
    const uuid = planCreateTable(catalog, { name: 'u', columns: [{ name: 'id', type: 'uuid', default: 'gen_random_uuid()' }] });
    expect(sqlOf(postgres, uuid)).toEqual(['CREATE TABLE "lib"."u" ("id" uuid DEFAULT gen_random_uuid())']);
    expect(reasonOf(() => mysql.compileSchemaChange(uuid))).toBe('400 unsupportedType');
    const bare = planCreateTable(catalog, { name: 'v', columns: [{ name: 'a', type: 'varchar' }] });
    expect(reasonOf(() => mysql.compileSchemaChange(bare))).toBe('400 unsupportedType');
    const nowOnDate = planCreateTable(catalog, { name: 'w', columns: [{ name: 'a', type: 'date', default: 'now()' }] });
    expect(reasonOf(() => postgres.compileSchemaChange(nowOnDate))).toBe('400 invalidDefault');
  });
});

describe('alter table', () => {
  const books = catalog.tables.get('books');
  if (!books) throw new Error('tiny catalog without books');
  const titleColumn = 'title';

  it('compiles each change; the statements carry their change index', () => {
    const change = planAlterTable(catalog, 'books', [
      { type: 'add_column', definition: { name: 'ean', type: 'char(13)', is_unique: true } },
      { type: 'rename_column', column: titleColumn, new_name: 'name' },
      { type: 'modify_column', column: 'name', definition: { type: 'varchar(500)', is_nullable: false, default: 'n/a' } },
    ]);
    expect(postgres.compileSchemaChange(change).statements).toEqual([
      { sql: 'ALTER TABLE "lib"."books" ADD COLUMN "ean" char(13) UNIQUE', change: 0 },
      { sql: 'ALTER TABLE "lib"."books" RENAME COLUMN "title" TO "name"', change: 1 },
      { sql: 'ALTER TABLE "lib"."books" ALTER COLUMN "name" DROP DEFAULT', change: 2 },
      { sql: 'ALTER TABLE "lib"."books" ALTER COLUMN "name" TYPE varchar(500) USING "name"::varchar(500)', change: 2 },
      { sql: 'ALTER TABLE "lib"."books" ALTER COLUMN "name" SET NOT NULL', change: 2 },
      { sql: 'ALTER TABLE "lib"."books" ALTER COLUMN "name" SET DEFAULT E\'n/a\'', change: 2 },
    ]);
    expect(mysql.compileSchemaChange(change).statements).toEqual([
      { sql: 'ALTER TABLE `lib`.`books` ADD COLUMN `ean` CHAR(13) NULL UNIQUE', change: 0 },
      { sql: 'ALTER TABLE `lib`.`books` RENAME COLUMN `title` TO `name`', change: 1 },
      { sql: "ALTER TABLE `lib`.`books` MODIFY COLUMN `name` VARCHAR(500) NOT NULL DEFAULT X'6e2f61'", change: 2 },
    ]);
  });

  it('MySQL restates the current default in MODIFY, and needs a type to change nullability', () => {
    const withDefault: AlterTable = {
      kind: 'alterTable',
      table: { schema: 'lib', name: 'books' },
      changes: [
        {
          kind: 'modifyColumn',
          column: 'title',
          type: { kind: 'varchar', length: 80 },
          current: { nullable: true, default: { kind: 'reported', text: "'it''s'" }, autoIncrement: false, type: { kind: 'text' } },
        },
      ],
    };
    expect(sqlOf(mysql, withDefault)).toEqual(["ALTER TABLE `lib`.`books` MODIFY COLUMN `title` VARCHAR(80) NULL DEFAULT X'69742773'"]);
    const opaque: AlterTable = {
      ...withDefault,
      changes: [{ ...(withDefault.changes[0] as Extract<AlterTable['changes'][number], { kind: 'modifyColumn' }>), current: { nullable: true, default: { kind: 'reported', text: '(1 + 2)' }, autoIncrement: false, type: { kind: 'text' } } }],
    };
    expect(reasonOf(() => mysql.compileSchemaChange(opaque))).toBe('400 invalidSchemaChange');
    const nullability = planAlterTable(catalog, 'books', [{ type: 'modify_column', column: titleColumn, definition: { is_nullable: true } }]);
    expect(reasonOf(() => mysql.compileSchemaChange(nullability))).toBe('400 invalidSchemaChange');
    expect(sqlOf(postgres, nullability)).toEqual(['ALTER TABLE "lib"."books" ALTER COLUMN "title" DROP NOT NULL']);
  });

  it('checks names against the columns as earlier changes leave them', () => {
    expect(
      planAlterTable(catalog, 'books', [
        { type: 'add_column', definition: { name: 'extra', type: 'text' } },
        { type: 'rename_column', column: 'extra', new_name: 'more' },
        { type: 'drop_column', column: 'more' },
      ]).changes.map((c) => c.kind),
    ).toEqual(['addColumn', 'renameColumn', 'dropColumn']);
    expect(reasonOf(() => planAlterTable(catalog, 'books', [{ type: 'drop_column', column: titleColumn }, { type: 'drop_column', column: titleColumn }]))).toBe(
      '400 unknownColumn',
    );
    expect(reasonOf(() => planAlterTable(catalog, 'books', [{ type: 'drop_column', column: books.primaryKey[0] ?? 'id' }]))).toBe('400 invalidSchemaChange');
    expect(reasonOf(() => planAlterTable(catalog, 'nope', [{ type: 'drop_column', column: 'x' }]))).toBe('404 tableNotFound');
  });
});

describe('drop table', () => {
  it('drops without CASCADE', () => {
    const change = planDropTable(catalog, 'books');
    expect(sqlOf(postgres, change)).toEqual(['DROP TABLE "lib"."books"']);
    expect(sqlOf(mysql, change)).toEqual(['DROP TABLE `lib`.`books`']);
  });
});
