/**
 * Statement shapes (src/query/statement-shape.ts): statements that differ only in values share a
 * shape, whose slots are their values in the same positions, and a statement compiled once with
 * its slots gives, bound with another's values, exactly what compiling the other gives — on every
 * dialect. Statements that differ in anything else have different shapes.
 */
import { describe, expect, it } from 'vitest';
import type { Table } from '../../../src/catalog/catalog-types.js';
import type { Dialect } from '../../../src/dialects/dialect.js';
import { createMysqlDialect, mysqlCapabilities } from '../../../src/dialects/mysql/mysql-dialect.js';
import { createPostgresDialect } from '../../../src/dialects/postgres/postgres-dialect.js';
import { columnItem, orderBy, param, tableRef } from '../../../src/query/ir-factories.js';
import type { ColumnRef, Expr, ParamValue, Select } from '../../../src/query/ir.js';
import { relatedColumn, relationExists } from '../../../src/query/relation-paths.js';
import { statementShape } from '../../../src/query/statement-shape.js';
import { columnOf, tableOf, tinyCatalog } from '../../support/tiny-catalog.js';

const catalog = tinyCatalog();
const dialects: readonly (readonly [string, Dialect])[] = [
  ['postgres', createPostgresDialect()],
  ['mariadb', createMysqlDialect(mysqlCapabilities('mariadb', '10.11.6-MariaDB'))],
  ['mysql8', createMysqlDialect(mysqlCapabilities('mysql', '8.0.36'))],
];

const table = (name: string): Table => tableOf(catalog, name);
const col = (tableName: string, name: string): ColumnRef => columnOf(catalog, tableName, name);
const books = table('books');
const lookup = (name: string) => table(name);
const relation = (tableName: string, name: string) => table(tableName).relationsByName.get(name)!;
const compare = (left: ColumnRef, op: '=' | '>' | '<', value: ParamValue): Expr => ({ kind: 'compare', left, op, right: param(value, left.valueType) });

/** A list read of books the way the GraphQL and REST surfaces build them, with its values given. */
function booksSelect(v: { title: string; prices: readonly string[]; author: string; tag: string; minPrice: string; limit?: number; mood?: string }): Select {
  return {
    kind: 'select',
    from: tableRef(books),
    items: [columnItem(col('books', 'id')), columnItem(col('books', 'title'))],
    where: {
      kind: 'and',
      items: [
        { kind: 'or', items: [compare(col('books', 'title'), '=', v.title), { kind: 'in', left: col('books', 'price'), values: v.prices.map((p) => param(p, 'decimal')), negated: false }] },
        { kind: 'not', item: { kind: 'like', left: col('books', 'title'), pattern: param(`%${v.title}%`, 'string'), negated: false, caseInsensitive: true } },
        relationExists(books, relation('books', 'author'), lookup, compare(col('authors', 'name'), '=', v.author)),
        { kind: 'jsonContains', left: col('books', 'meta'), value: param({ tag: v.tag }, 'json'), direction: 'contains' },
        { kind: 'between', operand: col('books', 'price'), low: param(v.minPrice, 'decimal'), high: param('1000', 'decimal'), negated: false },
        ...(v.mood !== undefined ? [relationExists(books, relation('books', 'author'), lookup, compare(col('authors', 'mood'), '=', v.mood))] : []),
      ],
    },
    orderBy: [orderBy(relatedColumn(books, relation('books', 'author'), lookup, col('authors', 'name')), 'desc', 'last'), orderBy(col('books', 'id'))],
    limit: v.limit ?? 20,
  };
}

const first = { title: 'Emma', prices: ['10.00', '12.50'], author: 'Austen', tag: 'classic', minPrice: '5' };
const second = { title: 'Mrs Dalloway', prices: ['7.25', '9.99'], author: 'Woolf', tag: 'modern', minPrice: '6.5' };

describe('statement shapes', () => {
  it('are equal for statements that differ only in values, their slots holding each one’s values in the same order', () => {
    const [a, b] = [statementShape(booksSelect(first)), statementShape(booksSelect(second))];
    expect(b.key).toBe(a.key);
    expect(a.slots.map((s) => s.value)).toEqual(['Emma', '10.00', '12.50', '%Emma%', 'Austen', { tag: 'classic' }, '5', '1000']);
    expect(b.slots.map((s) => s.value)).toEqual(['Mrs Dalloway', '7.25', '9.99', '%Mrs Dalloway%', 'Woolf', { tag: 'modern' }, '6.5', '1000']);
    for (const value of ['Emma', 'Austen', 'classic']) expect(a.key).not.toContain(value);
  });

  it.each(dialects)('compiled once, bound with another statement’s values, give what compiling that statement gives (%s)', (_name, dialect) => {
    const [a, b] = [booksSelect(first), booksSelect(second)];
    const shapeA = statementShape(a);
    const template = dialect.compileTemplate(a, shapeA.slots);
    const values = statementShape(b).slots.map((s) => s.value);
    expect(template.bind(values)).toEqual(dialect.compile(b));
    expect(template.bind(shapeA.slots.map((s) => s.value))).toEqual(dialect.compile(a));
  });

  it('differ for statements that differ in anything but values', () => {
    const base = statementShape(booksSelect(first)).key;
    const variants: Select[] = [
      booksSelect({ ...first, prices: ['10.00', '12.50', '14.00'] }), // an IN list's length
      booksSelect({ ...first, limit: 21 }), // LIMIT is written inline
      booksSelect({ ...first, mood: 'happy' }), // one more condition
      { ...booksSelect(first), offset: 0 },
      { ...booksSelect(first), orderBy: [orderBy(col('books', 'id'), 'desc')] },
      { ...booksSelect(first), items: [columnItem(col('books', 'id'))] },
      { ...booksSelect(first), where: compare(col('books', 'title'), '>', 'Emma') },
      { ...booksSelect(first), where: compare(col('books', 'isbn'), '=', 'Emma') },
      { ...booksSelect(first), where: { kind: 'isNull', operand: col('books', 'isbn'), negated: false } },
      { ...booksSelect(first), where: { kind: 'isNull', operand: col('books', 'isbn'), negated: true } },
      { ...booksSelect(first), where: { kind: 'constant', value: false } },
      { ...booksSelect(first), where: { kind: 'constant', value: true } },
      // The same value bound as another type is cast differently by some compilers.
      { ...booksSelect(first), where: { kind: 'compare', left: col('books', 'title'), op: '=', right: param('Emma', 'json') } },
    ];
    const keys = variants.map((v) => statementShape(v).key);
    expect(new Set([base, ...keys]).size).toBe(variants.length + 1);
  });

  it('cannot be mistaken for one another through names or values that look like structure', () => {
    const titled = (value: string): Select => ({ kind: 'select', from: tableRef(books), items: [columnItem(col('books', 'id'))], where: compare(col('books', 'title'), '=', value), orderBy: [] });
    expect(statementShape(titled('?"string"},{')).key).toBe(statementShape(titled('x')).key);
    // A name like a parameter's mark is no parameter, and names cannot run into one another.
    const named = (schema: string, name: string): Select => ({ kind: 'select', from: { kind: 'tableRef', schema, name }, items: [], orderBy: [] });
    const strange = statementShape(named('lib', '?"string"'));
    expect(strange.slots).toEqual([]);
    expect(strange.key).not.toBe(statementShape(named('lib', 'x')).key);
    expect(statementShape(named('a', 'bc')).key).not.toBe(statementShape(named('ab', 'c')).key);
    expect(statementShape({ ...named('a', 'b'), limit: 1 }).key).not.toBe(statementShape({ ...named('a', 'b'), limit: 11 }).key);
  });

  it('leave out properties that are undefined, as the compilers do', () => {
    const select = booksSelect(first);
    expect(statementShape({ ...select, offset: undefined }).key).toBe(statementShape(select).key);
  });
});
