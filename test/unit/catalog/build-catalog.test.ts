import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../../src/catalog/build-catalog.js';
import type { RawCatalog } from '../../../src/catalog/raw-catalog.js';
import { TINY_RAW, tinyCatalog } from '../../support/tiny-catalog.js';

function relationSummary(catalog: ReturnType<typeof tinyCatalog>, table: string) {
  return catalog.tables.get(table)?.relations.map((r) => `${r.kind}:${r.name}->${r.target}`);
}

describe('buildCatalog', () => {
  const catalog = tinyCatalog();

  it('keeps tables sorted by name with columns in ordinal order and lookups', () => {
    expect([...catalog.tables.keys()]).toEqual(['author_stats', 'authors', 'book_tags', 'books', 'edition_notes', 'editions', 'tags']);
    const books = catalog.tables.get('books');
    expect(books?.columns.map((c) => c.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(books?.columnsByName.get('price')).toMatchObject({ valueType: 'decimal', precision: 10, scale: 2 });
    expect(catalog.tables.get('authors')?.comment).toBe('People who write');
  });

  it('derives primary keys, composite ones included, and views without one', () => {
    expect(catalog.tables.get('book_tags')?.primaryKey).toEqual(['book_id', 'tag_id']);
    expect(catalog.tables.get('editions')?.primaryKey).toEqual(['book_id', 'number']);
    expect(catalog.tables.get('author_stats')?.primaryKey).toEqual([]);
    expect(catalog.tables.get('author_stats')?.capabilities).toEqual({ insertable: false, updatable: false, deletable: false });
  });

  it('counts unique constraints and unique plain-column indexes as unique keys, not expression or partial indexes', () => {
    expect(catalog.tables.get('books')?.uniqueKeys).toEqual([['isbn']]);
    expect(catalog.tables.get('tags')?.uniqueKeys).toEqual([['name']]);
  });

  it('names many-to-one relations after the key column without _id, one-to-many after the referencing table', () => {
    expect(relationSummary(catalog, 'authors')).toEqual([
      'manyToOne:mentor->authors',
      'oneToMany:authors->authors',
      'oneToMany:books->books',
    ]);
    expect(catalog.tables.get('books')?.relationsByName.get('author')).toEqual({
      kind: 'manyToOne',
      name: 'author',
      target: 'authors',
      columns: [{ from: 'author_id', to: 'id' }],
      constraint: 'books_author_id_fkey',
    });
  });

  it('detects a junction table and derives many-to-many relations in both directions', () => {
    const tags = catalog.tables.get('books')?.relationsByName.get('tags');
    expect(tags).toEqual({
      kind: 'manyToMany',
      name: 'tags',
      target: 'tags',
      junction: {
        table: 'book_tags',
        sourceColumns: [{ from: 'book_id', to: 'id' }],
        targetColumns: [{ from: 'tag_id', to: 'id' }],
        sourceConstraint: 'book_tags_book_id_fkey',
        targetConstraint: 'book_tags_tag_id_fkey',
      },
    });
    expect(relationSummary(catalog, 'tags')).toEqual(['oneToMany:book_tags->book_tags', 'manyToMany:books->books']);
  });

  it('pairs composite foreign-key columns in key order, in both directions', () => {
    expect(catalog.tables.get('edition_notes')?.relations).toEqual([
      {
        kind: 'manyToOne',
        name: 'editions',
        target: 'editions',
        columns: [
          { from: 'book_id', to: 'book_id' },
          { from: 'edition_number', to: 'number' },
        ],
        constraint: 'edition_notes_edition_fkey',
      },
    ]);
    expect(catalog.tables.get('editions')?.relationsByName.get('edition_notes')).toMatchObject({
      kind: 'oneToMany',
      columns: [
        { from: 'book_id', to: 'book_id' },
        { from: 'number', to: 'edition_number' },
      ],
    });
  });

  it('uses one-to-one when the foreign key columns are unique on the referencing table', () => {
    const raw: RawCatalog = {
      ...TINY_RAW,
      relations: [...TINY_RAW.relations, { name: 'author_profiles', kind: 'table', comment: null, insertable: true, updatable: true, deletable: true }],
      columns: [...TINY_RAW.columns, { ...TINY_RAW.columns[0]!, table: 'author_profiles', name: 'author_id', position: 1 }],
      constraints: [
        ...TINY_RAW.constraints,
        { table: 'author_profiles', name: 'author_profiles_pkey', kind: 'primaryKey', columns: ['author_id'], targetTable: null, targetColumns: null, onUpdate: null, onDelete: null },
        { table: 'author_profiles', name: 'author_profiles_author_id_fkey', kind: 'foreignKey', columns: ['author_id'], targetTable: 'authors', targetColumns: ['id'], onUpdate: null, onDelete: null },
      ],
    };
    const built = buildCatalog(raw, 'lib');
    expect(built.tables.get('author_profiles')?.relationsByName.get('author')).toMatchObject({ kind: 'oneToOne', isParent: false, target: 'authors' });
    expect(built.tables.get('authors')?.relationsByName.get('author_profiles')).toMatchObject({ kind: 'oneToOne', isParent: true, target: 'author_profiles' });
  });

  it('replaces names that collide with a column or with each other by the long unique form', () => {
    const raw: RawCatalog = {
      ...TINY_RAW,
      relations: [...TINY_RAW.relations, { name: 'messages', kind: 'table', comment: null, insertable: true, updatable: true, deletable: true }],
      columns: [
        ...TINY_RAW.columns,
        { ...TINY_RAW.columns[2]!, table: 'books', name: 'author', position: 11 },
        { ...TINY_RAW.columns[0]!, table: 'messages', name: 'id', position: 1 },
        { ...TINY_RAW.columns[2]!, table: 'messages', name: 'sender_id', position: 2 },
        { ...TINY_RAW.columns[2]!, table: 'messages', name: 'recipient_id', position: 3 },
      ],
      constraints: [
        ...TINY_RAW.constraints,
        { table: 'messages', name: 'messages_pkey', kind: 'primaryKey', columns: ['id'], targetTable: null, targetColumns: null, onUpdate: null, onDelete: null },
        { table: 'messages', name: 'messages_recipient_fkey', kind: 'foreignKey', columns: ['recipient_id'], targetTable: 'authors', targetColumns: ['id'], onUpdate: null, onDelete: null },
        { table: 'messages', name: 'messages_sender_fkey', kind: 'foreignKey', columns: ['sender_id'], targetTable: 'authors', targetColumns: ['id'], onUpdate: null, onDelete: null },
      ],
    };
    const built = buildCatalog(raw, 'lib');
    // books has a column named `author`: the relation takes the long form.
    expect(built.tables.get('books')?.relationsByName.has('author')).toBe(false);
    expect(built.tables.get('books')?.relationsByName.get('authors_by_author_id')).toMatchObject({ kind: 'manyToOne', target: 'authors' });
    // Two keys from messages to authors: distinct child names, long parent names.
    expect(relationSummary(built, 'messages')).toEqual(['manyToOne:recipient->authors', 'manyToOne:sender->authors']);
    const authorRelations = built.tables.get('authors')?.relations.map((r) => r.name);
    expect(authorRelations).toContain('messages_by_recipient_id');
    expect(authorRelations).toContain('messages_by_sender_id');
    expect(authorRelations).not.toContain('messages');
  });

  it('keeps the first overload of a procedure by parameter count and drops table-mode parameters', () => {
    const raw: RawCatalog = {
      ...TINY_RAW,
      procedures: [
        {
          name: 'books_by',
          kind: 'function',
          parameters: [
            { name: 'a', position: 1, mode: 'in', dbType: 'integer', valueType: 'integer', hasDefault: false },
            { name: 'b', position: 2, mode: 'in', dbType: 'integer', valueType: 'integer', hasDefault: true },
          ],
          returnType: 'integer',
          returnValueType: 'integer',
          returnsSet: false,
          volatility: 'stable',
          comment: null,
        },
        {
          name: 'books_by',
          kind: 'function',
          parameters: [
            { name: 'a', position: 1, mode: 'in', dbType: 'integer', valueType: 'integer', hasDefault: false },
            { name: 'title', position: 2, mode: 'table', dbType: 'text', valueType: 'string', hasDefault: false },
          ],
          returnType: 'record',
          returnValueType: 'string',
          returnsSet: true,
          volatility: 'stable',
          comment: null,
        },
      ],
    };
    const procedure = buildCatalog(raw, 'lib').procedures.get('books_by');
    expect(procedure?.returnsSet).toBe(true);
    expect(procedure?.parameters.map((p) => p.name)).toEqual(['a']);
  });
});
