/**
 * IR → SQL per dialect (Kysely's testSql): each case states, by hand, the SQL and parameters each
 * engine must get. The integration suites then run the same constructs for real.
 */
import { describe, expect, it } from 'vitest';
import type { Table } from '../../../src/catalog/catalog-types.js';
import type { CompiledQuery } from '../../../src/dialects/dialect.js';
import { createMysqlDialect, mysqlCapabilities } from '../../../src/dialects/mysql/mysql-dialect.js';
import { createPostgresDialect } from '../../../src/dialects/postgres/postgres-dialect.js';
import { columnItem, escapeLikePattern, orderBy, param, tableRef, userLikePattern } from '../../../src/query/ir-factories.js';
import type { ColumnRef, Expr, Statement } from '../../../src/query/ir.js';
import { relatedColumn, relationExists } from '../../../src/query/relation-paths.js';
import { columnOf, tableOf, tinyCatalog } from '../../support/tiny-catalog.js';

const catalog = tinyCatalog();
const postgres = createPostgresDialect();
const mariadb = createMysqlDialect(mysqlCapabilities('mariadb', '10.11.6-MariaDB'));
const mysql8 = createMysqlDialect(mysqlCapabilities('mysql', '8.0.36'));

const table = (name: string): Table => tableOf(catalog, name);
const col = (tableName: string, name: string): ColumnRef => columnOf(catalog, tableName, name);

function testSql(statement: Statement, expected: { postgres: CompiledQuery; mysql: CompiledQuery; mysql8?: CompiledQuery }) {
  expect(postgres.compile(statement)).toEqual(expected.postgres);
  expect(mariadb.compile(statement)).toEqual(expected.mysql);
  expect(mysql8.compile(statement)).toEqual(expected.mysql8 ?? expected.mysql);
}

const books = tableRef(table('books'));

describe('select', () => {
  it('qualifies and quotes every identifier and binds every value', () => {
    testSql(
      {
        kind: 'select',
        from: books,
        items: [columnItem(col('books', 'id')), columnItem(col('books', 'title'))],
        where: {
          kind: 'and',
          items: [
            { kind: 'compare', left: col('books', 'price'), op: '>=', right: param('10.50', 'decimal') },
            { kind: 'in', left: col('books', 'author_id'), values: [param(1, 'integer'), param(2, 'integer')], negated: true },
            { kind: 'isNull', operand: col('books', 'published'), negated: false },
          ],
        },
        orderBy: [orderBy(col('books', 'title'), 'desc'), orderBy(col('books', 'id'))],
        limit: 25,
        offset: 50,
      },
      {
        postgres: {
          sql: 'SELECT "books"."id", "books"."title" FROM "lib"."books" WHERE ("books"."price" >= $1 AND "books"."author_id" NOT IN ($2, $3) AND "books"."published" IS NULL) ORDER BY "books"."title" DESC, "books"."id" ASC LIMIT 25 OFFSET 50',
          params: ['10.50', 1, 2],
        },
        mysql: {
          sql: 'SELECT `books`.`id`, `books`.`title` FROM `lib`.`books` WHERE (`books`.`price` >= ? AND `books`.`author_id` NOT IN (?, ?) AND `books`.`published` IS NULL) ORDER BY `books`.`title` DESC, `books`.`id` ASC LIMIT 25 OFFSET 50',
          params: ['10.50', 1, 2],
        },
      },
    );
  });

  it('escapes quote characters inside identifiers', () => {
    const weird: ColumnRef = { kind: 'columnRef', table: 'we"ird`t', name: 'a"b`c', valueType: 'string' };
    testSql(
      { kind: 'select', from: { kind: 'tableRef', schema: 's"1', name: 'we"ird`t' }, items: [columnItem(weird)], orderBy: [] },
      {
        postgres: { sql: 'SELECT "we""ird`t"."a""b`c" FROM "s""1"."we""ird`t"', params: [] },
        mysql: { sql: 'SELECT `we"ird``t`.`a"b``c` FROM `s"1`.`we"ird``t`', params: [] },
      },
    );
  });

  it('writes LIKE with the ! escape and casts non-text columns to text on PostgreSQL only', () => {
    testSql(
      {
        kind: 'select',
        from: books,
        items: [columnItem(col('books', 'id'))],
        where: {
          kind: 'or',
          items: [
            { kind: 'like', left: col('books', 'title'), pattern: param(`%${escapeLikePattern('100%_!')}%`, 'string'), negated: false, caseInsensitive: false },
            { kind: 'like', left: col('books', 'published'), pattern: param(userLikePattern('2024-!%'), 'string'), negated: true, caseInsensitive: false },
            { kind: 'like', left: col('books', 'title'), pattern: param('a%', 'string'), negated: false, caseInsensitive: true },
          ],
        },
        orderBy: [],
      },
      {
        postgres: {
          sql: `SELECT "books"."id" FROM "lib"."books" WHERE ("books"."title" LIKE $1 ESCAPE '!' OR CAST("books"."published" AS text) NOT LIKE $2 ESCAPE '!' OR "books"."title" ILIKE $3 ESCAPE '!')`,
          params: ['%100!%!_!!%', '2024-!!%', 'a%'],
        },
        mysql: {
          sql: "SELECT `books`.`id` FROM `lib`.`books` WHERE (`books`.`title` LIKE ? ESCAPE '!' OR `books`.`published` NOT LIKE ? ESCAPE '!' OR LOWER(`books`.`title`) LIKE LOWER(?) ESCAPE '!')",
          params: ['%100!%!_!!%', '2024-!!%', 'a%'],
        },
      },
    );
  });

  it('writes NOT, BETWEEN, empty IN, composite tuple IN and constants', () => {
    testSql(
      {
        kind: 'select',
        from: tableRef(table('editions')),
        items: [columnItem(col('editions', 'number'))],
        where: {
          kind: 'and',
          items: [
            { kind: 'not', item: { kind: 'between', operand: col('editions', 'number'), low: param(1, 'integer'), high: param(3, 'integer'), negated: false } },
            { kind: 'between', operand: col('editions', 'number'), low: param(5, 'integer'), high: param(9, 'integer'), negated: true },
            { kind: 'in', left: col('editions', 'number'), values: [], negated: false },
            {
              kind: 'tupleIn',
              left: [col('editions', 'book_id'), col('editions', 'number')],
              rows: [
                [param('1', 'bigint'), param(2, 'integer')],
                [param('3', 'bigint'), param(4, 'integer')],
              ],
            },
            { kind: 'constant', value: true },
          ],
        },
        orderBy: [],
      },
      {
        postgres: {
          sql: 'SELECT "editions"."number" FROM "lib"."editions" WHERE (NOT ("editions"."number" BETWEEN $1 AND $2) AND "editions"."number" NOT BETWEEN $3 AND $4 AND FALSE AND ("editions"."book_id", "editions"."number") IN (($5, $6), ($7, $8)) AND TRUE)',
          params: [1, 3, 5, 9, '1', 2, '3', 4],
        },
        mysql: {
          sql: 'SELECT `editions`.`number` FROM `lib`.`editions` WHERE (NOT (`editions`.`number` BETWEEN ? AND ?) AND `editions`.`number` NOT BETWEEN ? AND ? AND FALSE AND (`editions`.`book_id`, `editions`.`number`) IN ((?, ?), (?, ?)) AND TRUE)',
          params: [1, 3, 5, 9, '1', 2, '3', 4],
        },
      },
    );
  });

  it('spells NULLS FIRST/LAST natively on PostgreSQL and emulates it on MySQL', () => {
    testSql(
      {
        kind: 'select',
        from: books,
        items: [columnItem(col('books', 'id'))],
        orderBy: [orderBy(col('books', 'published'), 'asc', 'last'), orderBy(col('books', 'price'), 'desc', 'first')],
        offset: 10,
      },
      {
        postgres: {
          sql: 'SELECT "books"."id" FROM "lib"."books" ORDER BY "books"."published" ASC NULLS LAST, "books"."price" DESC NULLS FIRST OFFSET 10',
          params: [],
        },
        mysql: {
          sql: 'SELECT `books`.`id` FROM `lib`.`books` ORDER BY (`books`.`published` IS NULL) ASC, `books`.`published` ASC, (`books`.`price` IS NULL) DESC, `books`.`price` DESC LIMIT 18446744073709551615 OFFSET 10',
          params: [],
        },
      },
    );
  });

  it('writes aggregates with aliases and GROUP BY', () => {
    testSql(
      {
        kind: 'select',
        from: books,
        items: [
          columnItem(col('books', 'author_id')),
          { kind: 'aggregate', fn: 'count', alias: 'count' },
          { kind: 'aggregate', fn: 'sum', column: col('books', 'price'), alias: 'sum_price' },
        ],
        groupBy: [col('books', 'author_id')],
        orderBy: [],
      },
      {
        postgres: {
          sql: 'SELECT "books"."author_id", COUNT(*) AS "count", SUM("books"."price") AS "sum_price" FROM "lib"."books" GROUP BY "books"."author_id"',
          params: [],
        },
        mysql: {
          sql: 'SELECT `books`.`author_id`, COUNT(*) AS `count`, SUM(`books`.`price`) AS `sum_price` FROM `lib`.`books` GROUP BY `books`.`author_id`',
          params: [],
        },
      },
    );
  });

  it('pages per partition with ROW_NUMBER() in one statement', () => {
    testSql(
      {
        kind: 'select',
        from: books,
        items: [columnItem(col('books', 'id')), columnItem(col('books', 'author_id'))],
        where: { kind: 'in', left: col('books', 'author_id'), values: [param(1, 'integer'), param(2, 'integer')], negated: false },
        orderBy: [orderBy(col('books', 'price'), 'desc')],
        limitPerPartition: { partitionBy: [col('books', 'author_id')], limit: 3, offset: 1 },
      },
      {
        postgres: {
          sql: 'SELECT "__sluice_p"."id", "__sluice_p"."author_id" FROM (SELECT "books"."id", "books"."author_id", ROW_NUMBER() OVER (PARTITION BY "books"."author_id" ORDER BY "books"."price" DESC) AS "__sluice_rn" FROM "lib"."books" WHERE "books"."author_id" IN ($1, $2)) "__sluice_p" WHERE "__sluice_p"."__sluice_rn" > 1 AND "__sluice_p"."__sluice_rn" <= 4 ORDER BY "__sluice_p"."author_id" ASC, "__sluice_p"."__sluice_rn" ASC',
          params: [1, 2],
        },
        mysql: {
          sql: 'SELECT `__sluice_p`.`id`, `__sluice_p`.`author_id` FROM (SELECT `books`.`id`, `books`.`author_id`, ROW_NUMBER() OVER (PARTITION BY `books`.`author_id` ORDER BY `books`.`price` DESC) AS `__sluice_rn` FROM `lib`.`books` WHERE `books`.`author_id` IN (?, ?)) `__sluice_p` WHERE `__sluice_p`.`__sluice_rn` > 1 AND `__sluice_p`.`__sluice_rn` <= 4 ORDER BY `__sluice_p`.`author_id` ASC, `__sluice_p`.`__sluice_rn` ASC',
          params: [1, 2],
        },
      },
    );
  });

  it('refuses limits that are not non-negative safe integers', () => {
    const base = { kind: 'select' as const, from: books, items: [columnItem(col('books', 'id'))], orderBy: [] };
    for (const limit of [-1, 1.5, Number.NaN, 2 ** 60]) {
      expect(() => postgres.compile({ ...base, limit })).toThrow(RangeError);
      expect(() => mariadb.compile({ ...base, limit })).toThrow(RangeError);
    }
  });
});

describe('subqueries through relations', () => {
  const lookup = (name: string) => table(name);
  const relation = (tableName: string, name: string) => table(tableName).relationsByName.get(name)!;
  const eqParam = (left: ColumnRef, value: string | number): Expr => ({ kind: 'compare', left, op: '=', right: param(value, left.valueType) });

  it('writes a many-to-one exists with its own alias, correlated to the outer row', () => {
    testSql(
      {
        kind: 'select',
        from: books,
        items: [columnItem(col('books', 'id'))],
        where: {
          kind: 'and',
          items: [eqParam(col('books', 'title'), 'Emma'), relationExists(table('books'), relation('books', 'author'), lookup, eqParam(col('authors', 'name'), 'Austen'))],
        },
        orderBy: [],
      },
      {
        postgres: {
          sql: 'SELECT "books"."id" FROM "lib"."books" WHERE ("books"."title" = $1 AND EXISTS (SELECT 1 FROM "lib"."authors" AS "__sluice_r1" WHERE "__sluice_r1"."id" = "books"."author_id" AND "__sluice_r1"."name" = $2))',
          params: ['Emma', 'Austen'],
        },
        mysql: {
          sql: 'SELECT `books`.`id` FROM `lib`.`books` WHERE (`books`.`title` = ? AND EXISTS (SELECT 1 FROM `lib`.`authors` AS `__sluice_r1` WHERE `__sluice_r1`.`id` = `books`.`author_id` AND `__sluice_r1`.`name` = ?))',
          params: ['Emma', 'Austen'],
        },
      },
    );
  });

  it('keeps a self-reference apart: inside the subquery the table means the related row, the correlation reaches the outer one', () => {
    // Authors whose mentor is called Woolf, and who are happy themselves.
    const mentorIsWoolf = relationExists(table('authors'), relation('authors', 'mentor'), lookup, eqParam(col('authors', 'name'), 'Woolf'));
    testSql(
      {
        kind: 'select',
        from: tableRef(table('authors')),
        items: [columnItem(col('authors', 'name'))],
        where: { kind: 'and', items: [mentorIsWoolf, eqParam(col('authors', 'mood'), 'happy')] },
        orderBy: [orderBy(col('authors', 'name'))],
      },
      {
        postgres: {
          sql: 'SELECT "authors"."name" FROM "lib"."authors" WHERE (EXISTS (SELECT 1 FROM "lib"."authors" AS "__sluice_r1" WHERE "__sluice_r1"."id" = "authors"."mentor_id" AND "__sluice_r1"."name" = $1) AND "authors"."mood" = $2) ORDER BY "authors"."name" ASC',
          params: ['Woolf', 'happy'],
        },
        mysql: {
          sql: 'SELECT `authors`.`name` FROM `lib`.`authors` WHERE (EXISTS (SELECT 1 FROM `lib`.`authors` AS `__sluice_r1` WHERE `__sluice_r1`.`id` = `authors`.`mentor_id` AND `__sluice_r1`.`name` = ?) AND `authors`.`mood` = ?) ORDER BY `authors`.`name` ASC',
          params: ['Woolf', 'happy'],
        },
      },
    );
  });

  it('nests a mentor-of-a-mentor self-reference with one alias per level', () => {
    const grandMentor = relationExists(table('authors'), relation('authors', 'mentor'), lookup, eqParam(col('authors', 'name'), 'Eliot'));
    const statement: Statement = {
      kind: 'select',
      from: tableRef(table('authors')),
      items: [columnItem(col('authors', 'id'))],
      where: relationExists(table('authors'), relation('authors', 'mentor'), lookup, grandMentor),
      orderBy: [],
    };
    expect(postgres.compile(statement)).toEqual({
      sql: 'SELECT "authors"."id" FROM "lib"."authors" WHERE EXISTS (SELECT 1 FROM "lib"."authors" AS "__sluice_r1" WHERE "__sluice_r1"."id" = "authors"."mentor_id" AND EXISTS (SELECT 1 FROM "lib"."authors" AS "__sluice_r2" WHERE "__sluice_r2"."id" = "__sluice_r1"."mentor_id" AND "__sluice_r2"."name" = $1))',
      params: ['Eliot'],
    });
  });

  it('goes through the junction of a many-to-many relation with nested exists, and correlates composite keys', () => {
    testSql(
      {
        kind: 'select',
        from: books,
        items: [columnItem(col('books', 'id'))],
        where: {
          kind: 'or',
          items: [
            relationExists(table('books'), relation('books', 'tags'), lookup, eqParam(col('tags', 'name'), 'gothic')),
            { kind: 'not', item: relationExists(table('books'), relation('books', 'editions'), lookup, relationExists(table('editions'), relation('editions', 'edition_notes'), lookup)) },
          ],
        },
        orderBy: [],
      },
      {
        postgres: {
          sql: 'SELECT "books"."id" FROM "lib"."books" WHERE (EXISTS (SELECT 1 FROM "lib"."book_tags" AS "__sluice_r1" WHERE "__sluice_r1"."book_id" = "books"."id" AND EXISTS (SELECT 1 FROM "lib"."tags" AS "__sluice_r2" WHERE "__sluice_r2"."id" = "__sluice_r1"."tag_id" AND "__sluice_r2"."name" = $1)) OR NOT (EXISTS (SELECT 1 FROM "lib"."editions" AS "__sluice_r3" WHERE "__sluice_r3"."book_id" = "books"."id" AND EXISTS (SELECT 1 FROM "lib"."edition_notes" AS "__sluice_r4" WHERE "__sluice_r4"."book_id" = "__sluice_r3"."book_id" AND "__sluice_r4"."edition_number" = "__sluice_r3"."number"))))',
          params: ['gothic'],
        },
        mysql: {
          sql: 'SELECT `books`.`id` FROM `lib`.`books` WHERE (EXISTS (SELECT 1 FROM `lib`.`book_tags` AS `__sluice_r1` WHERE `__sluice_r1`.`book_id` = `books`.`id` AND EXISTS (SELECT 1 FROM `lib`.`tags` AS `__sluice_r2` WHERE `__sluice_r2`.`id` = `__sluice_r1`.`tag_id` AND `__sluice_r2`.`name` = ?)) OR NOT (EXISTS (SELECT 1 FROM `lib`.`editions` AS `__sluice_r3` WHERE `__sluice_r3`.`book_id` = `books`.`id` AND EXISTS (SELECT 1 FROM `lib`.`edition_notes` AS `__sluice_r4` WHERE `__sluice_r4`.`book_id` = `__sluice_r3`.`book_id` AND `__sluice_r4`.`edition_number` = `__sluice_r3`.`number`))))',
          params: ['gothic'],
        },
      },
    );
  });

  it('orders by a to-one related column with a scalar subquery, binding its parameters once per occurrence', () => {
    // A related value carrying a condition (as a row filter would add): MySQL writes it twice to emulate NULLS LAST.
    const mentorName = { ...relatedColumn(table('authors'), relation('authors', 'mentor'), lookup, col('authors', 'name')), where: eqParam(col('authors', 'mood'), 'happy') };
    testSql(
      {
        kind: 'select',
        from: tableRef(table('authors')),
        items: [columnItem(col('authors', 'id'))],
        where: eqParam(col('authors', 'mood'), 'sad'),
        orderBy: [orderBy(mentorName, 'desc', 'last'), orderBy(col('authors', 'id'))],
        limit: 5,
      },
      {
        postgres: {
          sql: 'SELECT "authors"."id" FROM "lib"."authors" WHERE "authors"."mood" = $1 ORDER BY (SELECT "__sluice_r1"."name" FROM "lib"."authors" AS "__sluice_r1" WHERE "__sluice_r1"."id" = "authors"."mentor_id" AND "__sluice_r1"."mood" = $2) DESC NULLS LAST, "authors"."id" ASC LIMIT 5',
          params: ['sad', 'happy'],
        },
        mysql: {
          sql: 'SELECT `authors`.`id` FROM `lib`.`authors` WHERE `authors`.`mood` = ? ORDER BY ((SELECT `__sluice_r1`.`name` FROM `lib`.`authors` AS `__sluice_r1` WHERE `__sluice_r1`.`id` = `authors`.`mentor_id` AND `__sluice_r1`.`mood` = ?) IS NULL) ASC, (SELECT `__sluice_r2`.`name` FROM `lib`.`authors` AS `__sluice_r2` WHERE `__sluice_r2`.`id` = `authors`.`mentor_id` AND `__sluice_r2`.`mood` = ?) DESC, `authors`.`id` ASC LIMIT 5',
          params: ['sad', 'happy', 'happy'],
        },
      },
    );
  });

  it('filters updates and deletes through relations', () => {
    const byAusten = relationExists(table('books'), relation('books', 'author'), lookup, eqParam(col('authors', 'name'), 'Austen'));
    testSql(
      { kind: 'delete', from: books, where: byAusten, returning: [] },
      {
        postgres: {
          sql: 'DELETE FROM "lib"."books" WHERE EXISTS (SELECT 1 FROM "lib"."authors" AS "__sluice_r1" WHERE "__sluice_r1"."id" = "books"."author_id" AND "__sluice_r1"."name" = $1)',
          params: ['Austen'],
        },
        mysql: {
          sql: 'DELETE FROM `lib`.`books` WHERE EXISTS (SELECT 1 FROM `lib`.`authors` AS `__sluice_r1` WHERE `__sluice_r1`.`id` = `books`.`author_id` AND `__sluice_r1`.`name` = ?)',
          params: ['Austen'],
        },
      },
    );
  });
});

describe('writes and calls', () => {
  it('inserts rows with DEFAULT, encodes json and bytes, and returns where the engine can', () => {
    const statement: Statement = {
      kind: 'insert',
      into: books,
      columns: [col('books', 'title'), col('books', 'meta'), col('books', 'cover')],
      rows: [
        [param('A', 'string'), param({ a: [1, 2] }, 'json'), param('AQI=', 'bytes')],
        [param('B', 'string'), { kind: 'default' }, param(null, 'bytes')],
      ],
      returning: [col('books', 'id')],
    };
    expect(postgres.compile(statement)).toEqual({
      sql: 'INSERT INTO "lib"."books" ("title", "meta", "cover") VALUES ($1, $2, $3), ($4, DEFAULT, $5) RETURNING "id"',
      params: ['A', '{"a":[1,2]}', Buffer.from([1, 2]), 'B', null],
    });
    expect(mariadb.compile(statement)).toEqual({
      sql: 'INSERT INTO `lib`.`books` (`title`, `meta`, `cover`) VALUES (?, ?, ?), (?, DEFAULT, ?) RETURNING `id`',
      params: ['A', '{"a":[1,2]}', Buffer.from([1, 2]), 'B', null],
    });
    expect(mysql8.compile(statement).sql).toBe('INSERT INTO `lib`.`books` (`title`, `meta`, `cover`) VALUES (?, ?, ?), (?, DEFAULT, ?)');
  });

  it('upserts with ON CONFLICT / ON DUPLICATE KEY UPDATE, and "do nothing" without INSERT IGNORE', () => {
    const base = {
      kind: 'insert' as const,
      into: tableRef(table('tags')),
      columns: [col('tags', 'id'), col('tags', 'name')],
      rows: [[param(1, 'integer'), param('x', 'string')]],
      returning: [],
    };
    testSql(
      { ...base, onConflict: { target: [col('tags', 'id')], update: [col('tags', 'name')] } },
      {
        postgres: { sql: 'INSERT INTO "lib"."tags" ("id", "name") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name"', params: [1, 'x'] },
        mysql: { sql: 'INSERT INTO `lib`.`tags` (`id`, `name`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)', params: [1, 'x'] },
      },
    );
    testSql(
      { ...base, onConflict: { target: [col('tags', 'id')], update: [] } },
      {
        postgres: { sql: 'INSERT INTO "lib"."tags" ("id", "name") VALUES ($1, $2) ON CONFLICT ("id") DO NOTHING', params: [1, 'x'] },
        mysql: { sql: 'INSERT INTO `lib`.`tags` (`id`, `name`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `id` = `id`', params: [1, 'x'] },
      },
    );
  });

  it('upserts conditionally (DO UPDATE … WHERE) on PostgreSQL only', () => {
    const statement: Statement = {
      kind: 'insert',
      into: tableRef(table('tags')),
      columns: [col('tags', 'id'), col('tags', 'name')],
      rows: [[param(1, 'integer'), param('x', 'string')]],
      returning: [],
      onConflict: {
        target: [col('tags', 'id')],
        update: [col('tags', 'name')],
        where: { kind: 'compare', left: col('tags', 'name'), op: '<>', right: param('locked', 'string') },
      },
    };
    expect(postgres.compile(statement)).toEqual({
      sql: 'INSERT INTO "lib"."tags" ("id", "name") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name" WHERE "tags"."name" <> $3',
      params: [1, 'x', 'locked'],
    });
    expect(() => mariadb.compile(statement)).toThrow(/no conditional upsert/);
  });

  it('updates with SET and increments; RETURNING only on PostgreSQL', () => {
    testSql(
      {
        kind: 'update',
        table: books,
        set: [
          { column: col('books', 'title'), value: param('T', 'string') },
          { column: col('books', 'price'), value: { kind: 'increment', by: param('1.25', 'decimal') } },
        ],
        where: { kind: 'compare', left: col('books', 'id'), op: '=', right: param('7', 'bigint') },
        returning: [col('books', 'id'), col('books', 'price')],
      },
      {
        postgres: {
          sql: 'UPDATE "lib"."books" SET "title" = $1, "price" = "price" + $2 WHERE "books"."id" = $3 RETURNING "id", "price"',
          params: ['T', '1.25', '7'],
        },
        mysql: { sql: 'UPDATE `lib`.`books` SET `title` = ?, `price` = `price` + ? WHERE `books`.`id` = ?', params: ['T', '1.25', '7'] },
      },
    );
  });

  it('deletes with RETURNING on PostgreSQL and MariaDB, not MySQL', () => {
    const statement: Statement = {
      kind: 'delete',
      from: books,
      where: { kind: 'compare', left: col('books', 'id'), op: '=', right: param('7', 'bigint') },
      returning: [col('books', 'id')],
    };
    testSql(statement, {
      postgres: { sql: 'DELETE FROM "lib"."books" WHERE "books"."id" = $1 RETURNING "id"', params: ['7'] },
      mysql: { sql: 'DELETE FROM `lib`.`books` WHERE `books`.`id` = ? RETURNING `id`', params: ['7'] },
      mysql8: { sql: 'DELETE FROM `lib`.`books` WHERE `books`.`id` = ?', params: ['7'] },
    });
  });

  it('calls functions and procedures with arguments cast to their declared types on PostgreSQL', () => {
    const args = [
      { value: param(5, 'integer'), dbType: 'integer' },
      { value: param('x', 'string'), dbType: 'character varying' },
    ];
    testSql(
      { kind: 'call', schema: 'lib', procedure: 'f', procedureKind: 'function', returnsSet: true, args },
      {
        postgres: { sql: 'SELECT * FROM "lib"."f"(CAST($1 AS integer), CAST($2 AS character varying))', params: [5, 'x'] },
        mysql: { sql: 'SELECT `lib`.`f`(?, ?) AS `f`', params: [5, 'x'] },
      },
    );
    testSql(
      { kind: 'call', schema: 'lib', procedure: 'p', procedureKind: 'procedure', returnsSet: false, args },
      {
        postgres: { sql: 'CALL "lib"."p"(CAST($1 AS integer), CAST($2 AS character varying))', params: [5, 'x'] },
        mysql: { sql: 'CALL `lib`.`p`(?, ?)', params: [5, 'x'] },
      },
    );
    expect(() =>
      postgres.compile({ kind: 'call', schema: 'lib', procedure: 'f', procedureKind: 'function', returnsSet: false, args: [{ value: param(1, 'integer'), dbType: 'int); DROP TABLE x; --' }] }),
    ).toThrow(/unexpected type name/);
  });

  it('converts date-times to UTC MySQL literals and keeps microseconds', () => {
    const born = col('authors', 'born_at');
    const statement: Statement = {
      kind: 'select',
      from: tableRef(table('authors')),
      items: [columnItem(born)],
      where: { kind: 'compare', left: born, op: '>', right: param('2024-03-01T23:30:00.123456+02:00', 'timestamptz') },
      orderBy: [],
    };
    expect(mariadb.compile(statement).params).toEqual(['2024-03-01 21:30:00.123456']);
    expect(postgres.compile(statement).params).toEqual(['2024-03-01T23:30:00.123456+02:00']);
  });
});

describe('templates (compiled once, bound per run)', () => {
  const id = param(1, 'integer');
  const title = param('Dune', 'string');
  const statement: Statement = {
    kind: 'select',
    from: books,
    items: [columnItem(col('books', 'id'))],
    where: {
      kind: 'and',
      items: [
        { kind: 'compare', left: col('books', 'id'), op: '=', right: id },
        { kind: 'compare', left: col('books', 'title'), op: '<>', right: title },
        { kind: 'compare', left: col('books', 'price'), op: '>', right: param('1.00', 'decimal') },
      ],
    },
    orderBy: [],
  };

  it('binds each run’s values in place of the slots and keeps every other parameter', () => {
    for (const dialect of [postgres, mariadb, mysql8]) {
      const template = dialect.compileTemplate(statement, [title, id]);
      const compiled = dialect.compile(statement);
      expect(template.sql).toBe(compiled.sql);
      expect(template.bind(['Dune', 1])).toEqual(compiled);
      expect(template.bind(['Emma', 7]).params).toEqual([7, 'Emma', '1.00']);
      // The same text object every run: drivers find their prepared statement by it.
      expect(template.bind(['Emma', 8]).sql).toBe(template.sql);
    }
  });

  it('binds a slot everywhere it occurs, encoded as the dialect binds its type', () => {
    const data = param({ a: 1 }, 'json');
    const both: Statement = {
      kind: 'select',
      from: books,
      items: [columnItem(col('books', 'id'))],
      where: { kind: 'or', items: [{ kind: 'compare', left: col('books', 'id'), op: '=', right: id }, { kind: 'compare', left: col('books', 'author_id'), op: '=', right: id }] },
      orderBy: [],
    };
    expect(postgres.compileTemplate(both, [id]).bind([5]).params).toEqual([5, 5]);
    const withJson: Statement = { ...both, where: { kind: 'jsonContains', left: col('books', 'meta'), value: data, direction: 'contains' } };
    expect(postgres.compileTemplate(withJson, [data]).bind([{ b: [2] }]).params).toEqual(['{"b":[2]}']);
  });

  it('refuses a slot the statement does not hold (it would run with its first value forever) and a wrong number of values', () => {
    for (const dialect of [postgres, mariadb]) {
      expect(() => dialect.compileTemplate(statement, [id, param(1, 'integer')])).toThrow(/slot does not occur/);
      expect(() => dialect.compileTemplate(statement, [id]).bind([])).toThrow(/bound with 0 values/);
    }
  });
});
