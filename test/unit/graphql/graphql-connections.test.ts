/**
 * Keyset pages of Relay connections, without a database: the condition a cursor yields, evaluated
 * on rows in memory, must select exactly the rows after (or before) the cursor's row in the sorted
 * list, for every row, both directions and every NULL placement; cursors that do not fit are 400s.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Table } from '../../../src/catalog/catalog-types.js';
import { isApiError } from '../../../src/errors.js';
import { decodeCursor, encodeCursor, planPage } from '../../../src/graphql/graphql-connections.js';
import { columnRef, orderBy } from '../../../src/query/ir-factories.js';
import type { ColumnRef, Expr, OrderItem } from '../../../src/query/ir.js';
import { tinyCatalog } from '../../support/tiny-catalog.js';

const books = tinyCatalog().tables.get('books') as Table;
const col = (name: string): ColumnRef => columnRef(books, books.columnsByName.get(name)!);
type Row = { id: string; author_id: number; published: string | null };

/** SQL's three-valued logic is not needed: NULLs only meet IS NULL tests and comparisons (false here, as unknown is). */
function holds(expr: Expr, row: Row): boolean {
  const value = (c: ColumnRef) => row[c.name as keyof Row];
  const cmp = (a: unknown, b: unknown): number => (typeof a === 'number' ? a - (b as number) : a === b ? 0 : (a as string) < (b as string) ? -1 : 1);
  switch (expr.kind) {
    case 'and':
      return expr.items.every((i) => holds(i, row));
    case 'or':
      return expr.items.some((i) => holds(i, row));
    case 'constant':
      return expr.value;
    case 'isNull':
      return (value(expr.operand) === null) !== expr.negated;
    case 'compare': {
      const left = value(expr.left);
      if (left === null) return false;
      const right = expr.left.name === 'id' ? String(expr.right.value).padStart(6, '0') : expr.right.value;
      const c = cmp(expr.left.name === 'id' ? String(left).padStart(6, '0') : left, right);
      return { '=': c === 0, '<>': c !== 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0 }[expr.op];
    }
    default:
      throw new Error(`unexpected ${expr.kind}`);
  }
}

function sorted(rows: Row[], order: readonly OrderItem[]): Row[] {
  return [...rows].sort((a, b) => {
    for (const item of order) {
      const name = (item.column as ColumnRef).name as keyof Row;
      const [x, y] = name === 'id' ? [Number(a.id), Number(b.id)] : [a[name], b[name]];
      if (x === y) continue;
      const nullsLast = (item.nulls ?? (item.direction === 'asc' ? 'last' : 'first')) === 'last';
      if (x === null) return nullsLast ? 1 : -1;
      if (y === null) return nullsLast ? -1 : 1;
      const c = (x as number | string) < (y as number | string) ? -1 : 1;
      return item.direction === 'asc' ? c : -c;
    }
    return 0;
  });
}

const rowArb = fc.uniqueArray(
  fc.record({ id: fc.integer({ min: 1, max: 99999 }), author_id: fc.integer({ min: 1, max: 4 }), published: fc.option(fc.constantFrom('2020-01-01', '2021-06-30', '2024-12-31')) }),
  { minLength: 1, maxLength: 25, selector: (r) => r.id },
);
const orderArb = fc.tuple(fc.constantFrom('asc', 'desc' as const), fc.constantFrom('first', 'last' as const), fc.constantFrom('asc', 'desc' as const));

describe('connection pages', () => {
  it('after and before a cursor select exactly the rows after and before its row', () => {
    fc.assert(
      fc.property(rowArb, orderArb, (raw, [publishedDirection, nulls, authorDirection]) => {
        const rows: Row[] = raw.map((r) => ({ ...r, id: String(r.id) }));
        const order = [orderBy(col('published'), publishedDirection, nulls), orderBy(col('author_id'), authorDirection, 'last'), orderBy(col('id'), 'asc')];
        const list = sorted(rows, order);
        list.forEach((row, i) => {
          const cursor = encodeCursor(order, row);
          const after = planPage(books, order, { after: cursor }, 100);
          expect(list.filter((r) => holds(after.where as Expr, r)).map((r) => r.id)).toEqual(list.slice(i + 1).map((r) => r.id));
          const before = planPage(books, order, { before: cursor, last: 5 }, 100);
          expect(before.backward).toBe(true);
          expect(list.filter((r) => holds(before.where as Expr, r)).map((r) => r.id)).toEqual(list.slice(0, i).map((r) => r.id));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('refuses cursors that are not of this connection', () => {
    const order = [orderBy(col('author_id'), 'asc', 'last'), orderBy(col('id'), 'asc')];
    const good = encodeCursor(order, { author_id: 2, id: '7' });
    expect(decodeCursor(books, order, 'after', good)).toEqual([2, '7']);
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad = [
      'not a cursor!',
      forge({ a: 1 }),
      forge(['author_id asc last,id asc ', [2]]),
      forge(['author_id asc last,id asc ', [null, '7']]),
      forge(['author_id asc last,id asc ', ['two', '7']]),
      forge(['id asc ', ['7']]),
      encodeCursor([orderBy(col('author_id'), 'desc', 'last'), orderBy(col('id'), 'asc')], { author_id: 2, id: '7' }),
    ];
    for (const cursor of bad) {
      let error: unknown;
      try {
        decodeCursor(books, order, 'after', cursor);
      } catch (e) {
        error = e;
      }
      expect(isApiError(error) && error.status === 400, cursor).toBe(true);
    }
    expect(() => planPage(books, order, { first: 1, last: 1 }, 10)).toThrow(/first or last/);
    expect(() => planPage(books, order, { first: 11 }, 10)).toThrow(/at most 10/);
  });
});
