/**
 * Filters and orders through relations in the REST grammar → IR: the qualifier of `x.column` names
 * the table itself or one of its relations; the shapes here are what the dialects then compile.
 */
import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/query/filter/filter-parser.js';
import { resolveFilter } from '../../../src/query/filter/resolve-filter.js';
import { columnRef, eq, orderBy } from '../../../src/query/ir-factories.js';
import { resolveOrder } from '../../../src/query/rest-params.js';
import { relatedColumn, relationExists } from '../../../src/query/relation-paths.js';
import { tinyCatalog } from '../../support/tiny-catalog.js';

const catalog = tinyCatalog();
const lookup = (name: string) => catalog.tables.get(name)!;
const books = lookup('books');
const authors = lookup('authors');
const author = (name: string) => columnRef(authors, authors.columnsByName.get(name)!);
const resolve = (table: string, text: string) => resolveFilter(lookup(table), parseFilter(text), lookup);

describe('filters through relations', () => {
  it('turns a relation qualifier into an exists on the related table, and merges ANDed siblings into one', () => {
    const authorRelation = books.relationsByName.get('author')!;
    expect(resolve('books', "author.name = 'Austen'")).toEqual(relationExists(books, authorRelation, lookup, eq(author('name'), 'Austen')));
    expect(resolve('books', "author.name = 'Austen' AND author.mood = 'happy'")).toEqual({
      kind: 'and',
      items: [relationExists(books, authorRelation, lookup, { kind: 'and', items: [eq(author('name'), 'Austen'), eq(author('mood'), 'happy')] })],
    });
    const or = resolve('books', "author.name = 'Austen' OR author.mood = 'happy'");
    expect(or.kind === 'or' && or.items.map((i) => i.kind)).toEqual(['exists', 'exists']);
  });

  it('keeps the table\'s own name for its own columns, also on a self-referencing table', () => {
    expect(resolve('authors', "authors.name = 'x'")).toEqual(eq(author('name'), 'x'));
    const mentor = resolve('authors', "mentor.name = 'x'");
    expect(mentor).toEqual(relationExists(authors, authors.relationsByName.get('mentor')!, lookup, eq(author('name'), 'x')));
  });

  it('checks names and values against the related table', () => {
    expect(() => resolve('books', "writer.name = 'x'")).toThrow(expect.objectContaining({ status: 400, reason: 'unknownColumn' }));
    expect(() => resolve('books', "author.nam = 'x'")).toThrow(expect.objectContaining({ status: 400, context: expect.objectContaining({ table: 'authors', hint: "Did you mean 'name'?" }) }));
    expect(() => resolve('books', "author.mood = 'angry'")).toThrow(expect.objectContaining({ status: 400, reason: 'invalidValue' }));
    expect(() => resolveFilter(books, parseFilter("author.name = 'x'"))).toThrow(expect.objectContaining({ status: 400, reason: 'relationFilterUnavailable' }));
  });
});

describe('orders through relations', () => {
  it('orders by a column of a to-one relation, keeping the key as tie-breaker', () => {
    const items = resolveOrder(books, 'author.name desc', 'all', lookup);
    const id = columnRef(books, books.columnsByName.get('id')!);
    expect(items).toEqual([orderBy(relatedColumn(books, books.relationsByName.get('author')!, lookup, author('name')), 'desc'), orderBy(id)]);
  });

  it('refuses to-many relations, which have no single value to order by', () => {
    expect(() => resolveOrder(books, 'editions.number', 'all', lookup)).toThrow(expect.objectContaining({ status: 400, reason: 'invalidParameter' }));
    expect(() => resolveOrder(books, 'tags.name', 'all', lookup)).toThrow(/many/);
  });
});
