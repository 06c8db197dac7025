import { describe, expect, it } from 'vitest';
import { applyGrant, authorizeSchemaChange, forRelationLoad, referencedColumns, relatedTables } from '../../../src/auth/apply-grant.js';
import type { Grant } from '../../../src/auth/authorizer.js';
import { columnItem, columnRef, eq, orderBy, tableRef } from '../../../src/query/ir-factories.js';
import type { Exists, Select } from '../../../src/query/ir.js';
import { relatedColumn, relationExists } from '../../../src/query/relation-paths.js';
import { tinyCatalog } from '../../support/tiny-catalog.js';

const catalog = tinyCatalog();
const books = catalog.tables.get('books')!;
const authors = catalog.tables.get('authors')!;
const lookup = (name: string) => catalog.tables.get(name)!;
const ref = (name: string) => columnRef(books, books.columnsByName.get(name)!);
const authorRef = (name: string) => columnRef(authors, authors.columnsByName.get(name)!);
const select = (overrides: Partial<Select> = {}): Select => ({
  kind: 'select',
  from: tableRef(books),
  items: [columnItem(ref('id')), columnItem(ref('title'))],
  orderBy: [],
  ...overrides,
});
const FULL: Grant = { columns: 'all' };
const restricted: Grant = { columns: new Set(['id', 'title', 'author_id']), rowFilter: eq(ref('in_print'), true), maxLimit: 50 };

describe('applyGrant', () => {
  it('passes everything under a full grant, unchanged', () => {
    const statement = select({ where: eq(ref('price'), '1.00'), limit: 10 });
    expect(applyGrant(statement, { columns: 'all' })).toEqual(statement);
  });

  it('ANDs the row filter into reads and caps the limit', () => {
    const authorized = applyGrant(select({ where: eq(ref('author_id'), 1), limit: 500 }), restricted);
    expect(authorized.where).toEqual({ kind: 'and', items: [eq(ref('author_id'), 1), eq(ref('in_print'), true)] });
    expect(authorized.limit).toBe(50);
    expect(applyGrant(select(), restricted).limit).toBe(50);
  });

  it('rejects (403) selecting, filtering, ordering or writing a column outside the grant', () => {
    const cases: Select[] = [
      select({ items: [columnItem(ref('price'))] }),
      select({ where: eq(ref('price'), '1.00') }),
      select({ orderBy: [orderBy(ref('published'))] }),
      select({ items: [{ kind: 'aggregate', fn: 'sum', column: ref('price'), alias: 'sum_price' }] }),
    ];
    for (const statement of cases) {
      expect(() => applyGrant(statement, restricted)).toThrow(expect.objectContaining({ status: 403, reason: 'columnNotAllowed' }));
    }
    expect(() =>
      applyGrant({ kind: 'update', table: tableRef(books), set: [{ column: ref('price'), value: { kind: 'param', value: '1', type: 'decimal' } }], where: { kind: 'constant', value: true }, returning: [] }, restricted),
    ).toThrow(expect.objectContaining({ status: 403 }));
  });

  it('restricts updates and deletes by the row filter and refuses inserts under one', () => {
    const del = applyGrant({ kind: 'delete', from: tableRef(books), where: eq(ref('id'), '1'), returning: [] }, restricted);
    expect(del.where).toEqual({ kind: 'and', items: [eq(ref('id'), '1'), eq(ref('in_print'), true)] });
    expect(() =>
      applyGrant({ kind: 'insert', into: tableRef(books), columns: [ref('title')], rows: [[{ kind: 'param', value: 'x', type: 'string' }]], returning: [] }, restricted),
    ).toThrow(expect.objectContaining({ status: 403, reason: 'rowFilterOnInsert' }));
  });

  it('lets the relation loader add join keys and narrow, never widen', () => {
    const authorized = applyGrant(select({ items: [columnItem(ref('title'))] }), restricted);
    const condition = eq(ref('author_id'), 1);
    const { statement, addedColumns } = forRelationLoad(authorized, [ref('author_id')], condition, { limit: 3 });
    expect(addedColumns).toEqual(['author_id']);
    expect(statement.where).toEqual({ kind: 'and', items: [eq(ref('in_print'), true), condition] });
    expect(statement.limitPerPartition).toEqual({ partitionBy: [ref('author_id')], limit: 3 });
    expect(statement.limit).toBeUndefined();
    expect(referencedColumns(statement).map((c) => c.name)).toContain('author_id');
  });
});

describe('applyGrant through relations', () => {
  const byAuthor = (where = eq(authorRef('name'), 'Austen')) => relationExists(books, books.relationsByName.get('author')!, lookup, where);
  const authorGrant: Grant = { columns: new Set(['id', 'name']), rowFilter: eq(authorRef('mood'), 'happy') };

  it('counts the outer side of a correlation as the statement\'s own column, and the related table\'s columns as its', () => {
    const statement = select({ where: byAuthor() });
    expect(referencedColumns(statement).map((c) => c.name)).toEqual(['id', 'title', 'author_id']);
    expect(relatedTables(statement)).toEqual(['authors']);
    expect(relatedTables(select({ where: relationExists(books, books.relationsByName.get('tags')!, lookup) }))).toEqual(['tags', 'book_tags']);
    expect(() => applyGrant(statement, { columns: new Set(['id', 'title']) }, { related: new Map([['authors', FULL]]) })).toThrow(
      expect.objectContaining({ status: 403, reason: 'columnNotAllowed', context: { table: 'books', column: 'author_id' } }),
    );
  });

  it('refuses (403) a subquery on a related table without a grant', () => {
    expect(() => applyGrant(select({ where: byAuthor() }), FULL)).toThrow(expect.objectContaining({ status: 403, reason: 'relatedTableNotAllowed' }));
    const order = orderBy(relatedColumn(books, books.relationsByName.get('author')!, lookup, authorRef('name')));
    expect(() => applyGrant(select({ orderBy: [order] }), FULL, { related: new Map() })).toThrow(expect.objectContaining({ status: 403 }));
  });

  it('checks the columns used inside a subquery against the related table\'s grant', () => {
    const hidden = select({ where: byAuthor(eq(authorRef('born_at'), '2000-01-01T00:00:00Z')) });
    expect(() => applyGrant(hidden, FULL, { related: new Map([['authors', authorGrant]]) })).toThrow(
      expect.objectContaining({ status: 403, reason: 'columnNotAllowed', context: { table: 'authors', column: 'born_at' } }),
    );
    const order = orderBy(relatedColumn(books, books.relationsByName.get('author')!, lookup, authorRef('mood')));
    expect(() => applyGrant(select({ orderBy: [order] }), FULL, { related: new Map([['authors', authorGrant]]) })).toThrow(
      expect.objectContaining({ status: 403, context: { table: 'authors', column: 'mood' } }),
    );
  });

  it('ANDs the related row filter inside the subquery and the own row filter outside', () => {
    const authorized = applyGrant(select({ where: byAuthor() }), restricted, { related: new Map([['authors', authorGrant]]) });
    expect(authorized.where).toEqual({
      kind: 'and',
      items: [{ ...byAuthor(), where: { kind: 'and', items: [eq(authorRef('name'), 'Austen'), eq(authorRef('mood'), 'happy')] } }, eq(ref('in_print'), true)],
    });
    const order = orderBy(relatedColumn(books, books.relationsByName.get('author')!, lookup, authorRef('name')), 'desc');
    const ordered = applyGrant(select({ orderBy: [order] }), FULL, { related: new Map([['authors', authorGrant]]) });
    expect(ordered.orderBy[0]).toEqual({ ...order, column: { ...order.column, where: eq(authorRef('mood'), 'happy') } });
  });

  it('filters every level of a many-to-many path by its own table\'s row filter', () => {
    const tags = catalog.tables.get('tags')!;
    const bookTags = catalog.tables.get('book_tags')!;
    const tagName = columnRef(tags, tags.columnsByName.get('name')!);
    const statement = select({ where: relationExists(books, books.relationsByName.get('tags')!, lookup, eq(tagName, 'gothic')) });
    const linkFilter = eq(columnRef(bookTags, bookTags.columnsByName.get('tag_id')!), 7);
    const related = new Map<string, Grant>([
      ['book_tags', { columns: 'all', rowFilter: linkFilter }],
      ['tags', { columns: 'all', rowFilter: eq(tagName, 'public') }],
    ]);
    const junction = applyGrant(statement, FULL, { related }).where as Exists;
    const target = (junction.where as { items: readonly Exists[] }).items[0]!;
    expect((junction.where as { items: readonly unknown[] }).items[1]).toEqual(linkFilter);
    expect(target.where).toEqual({ kind: 'and', items: [eq(tagName, 'gothic'), eq(tagName, 'public')] });
  });
});

describe('authorizeSchemaChange', () => {
  const drop = { kind: 'dropTable', table: { schema: 'lib', name: 'books' } } as const;

  it('passes a change under a full grant, frozen', () => {
    const authorized = authorizeSchemaChange(drop, { columns: 'all' });
    expect(authorized).toEqual(drop);
    expect(Object.isFrozen(authorized)).toBe(true);
  });

  it('refuses a grant limited to some columns or rows', () => {
    expect(() => authorizeSchemaChange(drop, { columns: new Set(['id']) })).toThrow(/cannot change a schema/);
    expect(() => authorizeSchemaChange(drop, { columns: 'all', rowFilter: eq(ref('in_print'), true) })).toThrow(/cannot change a schema/);
  });
});
