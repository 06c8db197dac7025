/**
 * IR → SQL for `distinctOn` (PostgreSQL DISTINCT ON; MySQL/MariaDB ROW_NUMBER() = 1, also used per
 * partition on every engine) and the json conditions `jsonContains` / `jsonHasKeys`.
 */
import { describe, expect, it } from 'vitest';
import type { Table } from '../../../src/catalog/catalog-types.js';
import { createMysqlDialect, mysqlCapabilities } from '../../../src/dialects/mysql/mysql-dialect.js';
import { createPostgresDialect } from '../../../src/dialects/postgres/postgres-dialect.js';
import { columnItem, columnRef, orderBy, param, tableRef } from '../../../src/query/ir-factories.js';
import type { ColumnRef, Expr, Select } from '../../../src/query/ir.js';
import { tinyCatalog } from '../../support/tiny-catalog.js';

const catalog = tinyCatalog();
const postgres = createPostgresDialect();
const mariadb = createMysqlDialect(mysqlCapabilities('mariadb', '10.11.6-MariaDB'));

function table(name: string): Table {
  const t = catalog.tables.get(name);
  if (!t) throw new Error(name);
  return t;
}
function col(name: string): ColumnRef {
  const t = table('books');
  return columnRef(t, t.columnsByName.get(name)!);
}
const base: Select = {
  kind: 'select',
  from: tableRef(table('books')),
  items: [columnItem(col('id')), columnItem(col('author_id')), columnItem(col('price'))],
  orderBy: [orderBy(col('author_id'), 'asc', 'last'), orderBy(col('price'), 'desc', 'first')],
  distinctOn: [col('author_id')],
};
const where = (expr: Expr): Select => ({ kind: 'select', from: base.from, items: [columnItem(col('id'))], where: expr, orderBy: [] });

describe('distinctOn', () => {
  it('is DISTINCT ON on PostgreSQL and ROW_NUMBER() = 1 on MySQL/MariaDB', () => {
    expect(postgres.compile({ ...base, limit: 10 })).toEqual({
      sql: 'SELECT DISTINCT ON ("books"."author_id") "books"."id", "books"."author_id", "books"."price" FROM "lib"."books" ORDER BY "books"."author_id" ASC NULLS LAST, "books"."price" DESC NULLS FIRST LIMIT 10',
      params: [],
    });
    expect(mariadb.compile({ ...base, where: { kind: 'compare', left: col('price'), op: '>', right: param('5', 'decimal') }, limit: 10 })).toEqual({
      sql:
        'SELECT `__sluice_d`.`id`, `__sluice_d`.`author_id`, `__sluice_d`.`price` FROM (' +
        'SELECT `books`.`id`, `books`.`author_id`, `books`.`price`, `books`.`author_id` AS `__sluice_o1`, `books`.`price` AS `__sluice_o2`, ' +
        'ROW_NUMBER() OVER (PARTITION BY `books`.`author_id` ORDER BY (`books`.`author_id` IS NULL) ASC, `books`.`author_id` ASC, (`books`.`price` IS NULL) DESC, `books`.`price` DESC) AS `__sluice_dn` ' +
        'FROM `lib`.`books` WHERE `books`.`price` > ?) `__sluice_d` WHERE `__sluice_d`.`__sluice_dn` = 1 ' +
        'ORDER BY (`__sluice_d`.`__sluice_o1` IS NULL) ASC, `__sluice_d`.`__sluice_o1` ASC, (`__sluice_d`.`__sluice_o2` IS NULL) DESC, `__sluice_d`.`__sluice_o2` DESC LIMIT 10',
      params: ['5'],
    });
  });

  it('takes the first row per (partition, distinct columns) before paging per partition', () => {
    const select: Select = { ...base, distinctOn: [col('price')], orderBy: [orderBy(col('price'), 'asc')], limitPerPartition: { partitionBy: [col('author_id')], limit: 2 } };
    expect(postgres.compile(select).sql).toBe(
      'SELECT "__sluice_p"."id", "__sluice_p"."author_id", "__sluice_p"."price" FROM (' +
        'SELECT "__sluice_d"."id", "__sluice_d"."author_id", "__sluice_d"."price", ROW_NUMBER() OVER (PARTITION BY "__sluice_d"."author_id" ORDER BY "__sluice_d"."__sluice_o1" ASC) AS "__sluice_rn" FROM (' +
        'SELECT "books"."id", "books"."author_id", "books"."price", "books"."price" AS "__sluice_o1", ROW_NUMBER() OVER (PARTITION BY "books"."author_id", "books"."price" ORDER BY "books"."price" ASC) AS "__sluice_dn" FROM "lib"."books"' +
        ') "__sluice_d" WHERE "__sluice_d"."__sluice_dn" = 1' +
        ') "__sluice_p" WHERE "__sluice_p"."__sluice_rn" <= 2 ORDER BY "__sluice_p"."author_id" ASC, "__sluice_p"."__sluice_rn" ASC',
    );
  });

  it('refuses windowed selects of anything but plain columns', () => {
    const counted: Select = { ...base, items: [{ kind: 'aggregate', fn: 'count', alias: 'n' }] };
    expect(() => mariadb.compile(counted)).toThrow(/plain columns/);
  });
});

describe('json conditions', () => {
  it('binds containment values and keys on both engines', () => {
    const contains: Expr = { kind: 'jsonContains', left: col('meta'), value: param({ a: [1] }, 'json'), direction: 'contains' };
    const containedIn: Expr = { kind: 'jsonContains', left: col('meta'), value: param({ a: 1 }, 'json'), direction: 'containedIn' };
    expect(postgres.compile(where({ kind: 'and', items: [contains, containedIn] }))).toEqual({
      sql: 'SELECT "books"."id" FROM "lib"."books" WHERE (CAST("books"."meta" AS jsonb) @> CAST($1 AS jsonb) AND CAST("books"."meta" AS jsonb) <@ CAST($2 AS jsonb))',
      params: ['{"a":[1]}', '{"a":1}'],
    });
    expect(mariadb.compile(where({ kind: 'and', items: [contains, containedIn] }))).toEqual({
      sql: 'SELECT `books`.`id` FROM `lib`.`books` WHERE (JSON_CONTAINS(`books`.`meta`, ?) AND JSON_CONTAINS(?, `books`.`meta`))',
      params: ['{"a":[1]}', '{"a":1}'],
    });
  });

  it('tests keys with ? on PostgreSQL and JSON_KEYS on MySQL, any or all', () => {
    const keys: Expr = { kind: 'jsonHasKeys', left: col('meta'), keys: [param('a', 'string'), param("b'", 'string')], match: 'any' };
    expect(postgres.compile(where(keys))).toEqual({
      sql: 'SELECT "books"."id" FROM "lib"."books" WHERE (CAST("books"."meta" AS jsonb) ? CAST($1 AS text) OR CAST("books"."meta" AS jsonb) ? CAST($2 AS text))',
      params: ['a', "b'"],
    });
    const m = '`books`.`meta`';
    const one = `(CASE WHEN ${m} IS NULL THEN NULL WHEN JSON_TYPE(${m}) = 'OBJECT' THEN JSON_CONTAINS(JSON_KEYS(${m}), JSON_QUOTE(?)) WHEN JSON_TYPE(${m}) = 'ARRAY' THEN JSON_CONTAINS(${m}, JSON_QUOTE(?)) ELSE FALSE END)`;
    expect(mariadb.compile(where({ ...keys, match: 'all' }))).toEqual({
      sql: `SELECT \`books\`.\`id\` FROM \`lib\`.\`books\` WHERE (${one} AND ${one})`,
      params: ['a', 'a', "b'", "b'"],
    });
    expect(postgres.compile(where({ ...keys, keys: [], match: 'all' })).sql).toContain('WHERE TRUE');
    expect(postgres.compile(where({ ...keys, keys: [] })).sql).toContain('WHERE FALSE');
  });
});
