/**
 * A small hand-written RawCatalog for unit tests that need catalog objects without a database:
 * authors ← books (FK author_id), book_tags junction (composite PK) to tags, a self-reference
 * (authors.mentor_id), and a table with a composite key referenced by a composite foreign key.
 */
import type { RawCatalog, RawColumn, RawConstraint } from '../../src/catalog/raw-catalog.js';
import type { ValueType } from '../../src/catalog/catalog-types.js';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import type { Catalog, Table } from '../../src/catalog/catalog-types.js';
import { columnRef } from '../../src/query/ir-factories.js';
import type { ColumnRef } from '../../src/query/ir.js';

function col(table: string, name: string, position: number, valueType: ValueType, extra: Partial<RawColumn> = {}): RawColumn {
  return {
    table,
    name,
    position,
    dbType: typeof valueType === 'string' ? valueType : `${valueType.of}[]`,
    valueType,
    nullable: true,
    defaultValue: null,
    generated: null,
    maxLength: null,
    precision: null,
    scale: null,
    enumValues: null,
    comment: null,
    ...extra,
  };
}

function pk(table: string, ...columns: string[]): RawConstraint {
  return { table, name: `${table}_pkey`, kind: 'primaryKey', columns, targetTable: null, targetColumns: null, onUpdate: null, onDelete: null };
}

function fk(table: string, name: string, columns: string[], targetTable: string, targetColumns: string[]): RawConstraint {
  return { table, name, kind: 'foreignKey', columns, targetTable, targetColumns, onUpdate: 'NO ACTION', onDelete: 'CASCADE' };
}

export const TINY_RAW: RawCatalog = {
  engine: 'postgres',
  variant: 'postgres',
  serverVersion: '15.0',
  schema: 'lib',
  introspectionVersion: 1,
  relations: [
    { name: 'authors', kind: 'table', comment: 'People who write', insertable: true, updatable: true, deletable: true },
    { name: 'books', kind: 'table', comment: null, insertable: true, updatable: true, deletable: true },
    { name: 'tags', kind: 'table', comment: null, insertable: true, updatable: true, deletable: true },
    { name: 'book_tags', kind: 'table', comment: null, insertable: true, updatable: true, deletable: true },
    { name: 'editions', kind: 'table', comment: null, insertable: true, updatable: true, deletable: true },
    { name: 'edition_notes', kind: 'table', comment: null, insertable: true, updatable: true, deletable: true },
    { name: 'author_stats', kind: 'view', comment: null, insertable: false, updatable: false, deletable: false },
  ],
  columns: [
    col('authors', 'id', 1, 'integer', { nullable: false, generated: 'identity' }),
    col('authors', 'name', 2, 'string', { nullable: false, maxLength: 100 }),
    col('authors', 'mentor_id', 3, 'integer'),
    col('authors', 'mood', 4, 'enum', { enumValues: ['happy', 'sad'] }),
    col('authors', 'born_at', 5, 'timestamptz'),
    col('books', 'id', 1, 'bigint', { nullable: false, generated: 'identity' }),
    col('books', 'author_id', 2, 'integer', { nullable: false }),
    col('books', 'title', 3, 'string', { nullable: false }),
    col('books', 'price', 4, 'decimal', { precision: 10, scale: 2 }),
    col('books', 'meta', 5, 'json'),
    col('books', 'cover', 6, 'bytes'),
    col('books', 'labels', 7, { kind: 'array', of: 'string' }),
    col('books', 'published', 8, 'date'),
    col('books', 'in_print', 9, 'boolean'),
    col('books', 'isbn', 10, 'string'),
    col('tags', 'id', 1, 'integer', { nullable: false }),
    col('tags', 'name', 2, 'string', { nullable: false }),
    col('book_tags', 'book_id', 1, 'bigint', { nullable: false }),
    col('book_tags', 'tag_id', 2, 'integer', { nullable: false }),
    col('editions', 'book_id', 1, 'bigint', { nullable: false }),
    col('editions', 'number', 2, 'integer', { nullable: false }),
    col('edition_notes', 'id', 1, 'integer', { nullable: false }),
    col('edition_notes', 'book_id', 2, 'bigint', { nullable: false }),
    col('edition_notes', 'edition_number', 3, 'integer', { nullable: false }),
    col('author_stats', 'author_id', 1, 'integer'),
    col('author_stats', 'books', 2, 'bigint'),
  ],
  constraints: [
    pk('authors', 'id'),
    fk('authors', 'authors_mentor_id_fkey', ['mentor_id'], 'authors', ['id']),
    pk('books', 'id'),
    fk('books', 'books_author_id_fkey', ['author_id'], 'authors', ['id']),
    { table: 'books', name: 'books_isbn_key', kind: 'unique', columns: ['isbn'], targetTable: null, targetColumns: null, onUpdate: null, onDelete: null },
    pk('tags', 'id'),
    pk('book_tags', 'book_id', 'tag_id'),
    fk('book_tags', 'book_tags_book_id_fkey', ['book_id'], 'books', ['id']),
    fk('book_tags', 'book_tags_tag_id_fkey', ['tag_id'], 'tags', ['id']),
    pk('editions', 'book_id', 'number'),
    fk('editions', 'editions_book_id_fkey', ['book_id'], 'books', ['id']),
    pk('edition_notes', 'id'),
    fk('edition_notes', 'edition_notes_edition_fkey', ['book_id', 'edition_number'], 'editions', ['book_id', 'number']),
  ],
  indexes: [
    { table: 'books', name: 'books_title_idx', columns: ['title'], unique: false, primary: false, method: 'btree', predicate: null },
    { table: 'books', name: 'books_title_in_print', columns: ['title'], unique: true, primary: false, method: 'btree', predicate: 'in_print' },
    { table: 'tags', name: 'tags_name_key', columns: ['name'], unique: true, primary: false, method: 'btree', predicate: null },
    { table: 'tags', name: 'tags_lower_name', columns: ['lower(name)'], unique: true, primary: false, method: 'btree', predicate: null },
  ],
  procedures: [],
};

export function tinyCatalog(): Catalog {
  return buildCatalog(TINY_RAW, 'lib');
}

/** A table of `catalog` by name (a name it lacks fails the test). */
export function tableOf(catalog: Catalog, name: string): Table {
  const table = catalog.tables.get(name);
  if (!table) throw new Error(`no table ${name}`);
  return table;
}

/** A reference to a column of `catalog` (a name it lacks fails the test). */
export function columnOf(catalog: Catalog, tableName: string, name: string): ColumnRef {
  const table = tableOf(catalog, tableName);
  const column = table.columnsByName.get(name);
  if (!column) throw new Error(`no column ${tableName}.${name}`);
  return columnRef(table, column);
}
