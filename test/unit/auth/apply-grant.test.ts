import { describe, expect, it } from 'vitest';
import { applyGrant, authorizeSchemaChange, forRelationLoad, referencedColumns } from '../../../src/auth/apply-grant.js';
import type { Grant } from '../../../src/auth/authorizer.js';
import { columnItem, columnRef, eq, orderBy, tableRef } from '../../../src/query/ir-factories.js';
import type { Select } from '../../../src/query/ir.js';
import { tinyCatalog } from '../../support/tiny-catalog.js';

const books = tinyCatalog().tables.get('books')!;
const ref = (name: string) => columnRef(books, books.columnsByName.get(name)!);
const select = (overrides: Partial<Select> = {}): Select => ({
  kind: 'select',
  from: tableRef(books),
  items: [columnItem(ref('id')), columnItem(ref('title'))],
  orderBy: [],
  ...overrides,
});
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
