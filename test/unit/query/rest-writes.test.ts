/**
 * Planning inserts from body records (query/rest-writes.ts), as far as it can go wrong without a
 * database: grouping by column set, and records that name no column at all.
 */
import { describe, expect, it } from 'vitest';
import type { Table } from '../../../src/catalog/catalog-types.js';
import { createPostgresDialect } from '../../../src/dialects/postgres/postgres-dialect.js';
import { columnRef } from '../../../src/query/ir-factories.js';
import { planInserts, recordValues } from '../../../src/query/rest-writes.js';
import { tinyCatalog } from '../../support/tiny-catalog.js';

const authors = tinyCatalog().tables.get('authors') as Table;
const returning = authors.columns.map((c) => columnRef(authors, c));

describe('planInserts', () => {
  it('groups records by the columns they name, keeping body order within a group', () => {
    const records = [{ name: 'a' }, { name: 'b', mood: 'sad' }, { name: 'c' }].map((r, i) => recordValues(authors, r, i));
    const groups = planInserts(authors, records, { returning });
    expect(groups.map((g) => g.indexes)).toEqual([[0, 2], [1]]);
  });

  // Found by test/integration/fuzz-writes.test.ts: `[{}, {}, {"name": "x"}, {}]` planned one
  // column-less INSERT of three rows, which no dialect can write, and answered 500.
  it('gives every record without columns an INSERT of its own, which the dialect can compile', () => {
    const records = [{}, {}, { name: 'x' }, {}].map((r, i) => recordValues(authors, r, i));
    const groups = planInserts(authors, records, { returning });
    expect(groups.map((g) => g.indexes).sort()).toEqual([[0], [1], [2], [3]]);
    const dialect = createPostgresDialect();
    for (const group of groups) {
      expect(group.statement.rows).toHaveLength(1);
      expect(() => dialect.compile(group.statement)).not.toThrow();
    }
  });
});
