/** The semantic layer's merge (catalog/semantic.ts), on the tiny catalog: pure, no database. */
import { describe, expect, it } from 'vitest';
import { applySemantics, NO_OVERRIDES, semanticView, unknownSemanticTargets } from '../../../src/catalog/semantic.js';
import { tinyCatalog } from '../../support/tiny-catalog.js';

const OVERRIDES = {
  tables: [
    { name: 'authors', displayName: 'Authors', columns: [{ name: 'name', displayName: 'Name', description: 'As printed' }] },
    { name: 'books', description: 'Every book' },
    { name: 'gone', description: 'A table dropped since' },
  ],
};

describe('semantic layer', () => {
  const catalog = tinyCatalog();

  it('starts from the comments: description = comment, no display name', () => {
    const authors = catalog.tables.get('authors');
    expect(authors?.description).toBe('People who write');
    expect(authors?.displayName).toBeUndefined();
    expect(catalog.tables.get('books')?.description).toBeUndefined();
  });

  it('merges overrides over the comments, field by field, and ignores unknown targets', () => {
    const merged = applySemantics(catalog, OVERRIDES);
    const authors = merged.tables.get('authors');
    expect(authors).toMatchObject({ displayName: 'Authors', description: 'People who write', comment: 'People who write' });
    expect(authors?.columnsByName.get('name')).toMatchObject({ displayName: 'Name', description: 'As printed' });
    expect(authors?.columns.find((c) => c.name === 'name')).toBe(authors?.columnsByName.get('name'));
    expect(merged.tables.get('books')?.description).toBe('Every book');
    expect(merged.tables.has('gone')).toBe(false);
    // The input is left alone; applying again (or no overrides) starts from the comments.
    expect(catalog.tables.get('authors')?.displayName).toBeUndefined();
    const reset = applySemantics(merged, NO_OVERRIDES);
    expect(reset.tables.get('authors')).toMatchObject({ description: 'People who write' });
    expect(reset.tables.get('authors')?.displayName).toBeUndefined();
    expect(reset.tables.get('books')?.description).toBeUndefined();
    expect(applySemantics(merged, OVERRIDES)).toEqual(merged);
  });

  it('shows every table and column with the source of each value', () => {
    const view = semanticView(catalog, OVERRIDES);
    expect(view.tables.map((t) => t.name)).toEqual([...catalog.tables.keys()]);
    const authors = view.tables.find((t) => t.name === 'authors');
    expect(authors).toMatchObject({ displayName: 'Authors', description: 'People who write', source: { displayName: 'override', description: 'comment' } });
    expect(authors?.columns.find((c) => c.name === 'name')?.source).toEqual({ displayName: 'override', description: 'override' });
    expect(view.tables.find((t) => t.name === 'tags')).toMatchObject({ displayName: null, description: null, source: { displayName: null, description: null } });
  });

  it('names unknown and duplicate targets', () => {
    expect(
      unknownSemanticTargets(catalog, {
        tables: [
          { name: 'authors', columns: [{ name: 'nope' }, { name: 'name' }, { name: 'name' }] },
          { name: 'gone' },
          { name: 'books' },
          { name: 'books' },
        ],
      }),
    ).toEqual({ unknown: ['authors.nope', 'gone'], duplicate: ['authors.name', 'books'] });
  });
});
