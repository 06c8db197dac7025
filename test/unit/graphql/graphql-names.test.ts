import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DERIVED_SUFFIXES,
  encodeName,
  enumValueName,
  fieldName,
  functionFieldName,
  isValidGraphqlName,
  MUTATION_PREFIXES,
  MUTATION_SUFFIXES,
  tableTypeName,
} from '../../../src/graphql/graphql-names.js';

/** The root field names a table gives rise to, per root type. */
function rootsOf(table: string): { query: Set<string>; mutation: Set<string> } {
  const type = tableTypeName(table);
  return {
    query: new Set(['', ...DERIVED_SUFFIXES].map((suffix) => `${type}${suffix}`)),
    mutation: new Set(MUTATION_PREFIXES.flatMap((prefix) => MUTATION_SUFFIXES.map((suffix) => `${prefix}${type}${suffix}`))),
  };
}

/** Both root types together (a conservative set for the function rule). */
const rootNames = (table: string): Set<string> => new Set([...rootsOf(table).query, ...rootsOf(table).mutation]);

/** Inverse of `encodeName`, written from the README's description: proves the rule is decodable. */
function decode(encoded: string): string {
  const split = encoded.lastIndexOf('__');
  let readable = [...encoded.slice(0, split)];
  const code = encoded.slice(split + 2);
  const tokens = code === '' ? [] : code.split('_');
  if (tokens[0] === 'p') {
    readable = readable.slice(1);
    tokens.shift();
  }
  for (const token of tokens) {
    const [position, hex] = token.split('x') as [string, string];
    readable[Number(position)] = String.fromCodePoint(parseInt(hex, 16));
  }
  return readable.join('');
}

// Names that stress the rule: mostly from a small alphabet (so collisions would be found), plus any unicode.
const awkward = fc.oneof(
  fc.stringMatching(/^[-_a-b0-9 .]{0,8}$/),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', '_', '__', '__typename', 'PG-13', 'true', 'null', 'order items', '2fa', 'a__b', 'a___', 'orders_bool_exp', 'Query', 'String'),
);

describe('GraphQL names', () => {
  it('keeps plain names and encodes the others as documented', () => {
    expect(fieldName('customer_id')).toBe('customer_id');
    expect(fieldName('PG-13')).toBe('PG_13__2x2d');
    expect(fieldName('order items')).toBe('order_items__5x20');
    expect(fieldName('2fa')).toBe('_2fa__p');
    expect(fieldName('__typename')).toBe('x__typename__p');
    expect(fieldName('a__b')).toBe('a__b__');
    expect(enumValueName('true')).toBe('true__');
    expect(tableTypeName('String')).toBe('String__');
    expect(tableTypeName('orders_bool_exp')).toBe('orders_bool_exp__');
    expect(tableTypeName('orders')).toBe('orders');
  });

  it('always yields a valid GraphQL name', () => {
    fc.assert(
      fc.property(awkward, (name) => {
        for (const mapped of [fieldName(name), tableTypeName(name), enumValueName(name)]) expect(isValidGraphqlName(mapped), mapped).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('is collision-free: different SQL names never map to the same GraphQL name', () => {
    fc.assert(
      fc.property(awkward, awkward, (a, b) => {
        fc.pre(a !== b);
        expect(fieldName(a)).not.toBe(fieldName(b));
        expect(tableTypeName(a)).not.toBe(tableTypeName(b));
        expect(enumValueName(a)).not.toBe(enumValueName(b));
      }),
      { numRuns: 5000 },
    );
  });

  it('encodes reversibly, so the rule is injective for every name', () => {
    fc.assert(
      fc.property(awkward, (name) => {
        expect(decode(encodeName(name))).toBe(name);
      }),
      { numRuns: 3000 },
    );
  });

  it('names functions apart from every table root field, and apart from each other', () => {
    expect(functionFieldName('pairs_aggregate', (n) => rootNames('pairs').has(n))).toBe('pairs_aggregate__f');
    expect(functionFieldName('my fn', () => true)).toBe('my_fn__2x20_f');
    expect(functionFieldName('restock', (n) => rootNames('pairs').has(n))).toBe('restock');
    fc.assert(
      fc.property(awkward, awkward, awkward, (f, g, table) => {
        const taken = rootNames(table);
        const name = functionFieldName(f, (n) => taken.has(n));
        expect(isValidGraphqlName(name), name).toBe(true);
        expect(taken.has(name)).toBe(false);
        // The renamed form is no table's root field at all, whatever the catalog holds.
        expect(rootNames(table).has(functionFieldName(f, () => true))).toBe(false);
        if (f !== g) expect(functionFieldName(g, (n) => taken.has(n))).not.toBe(name);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the root fields of different tables apart, per root type', () => {
    const tables = fc.oneof(awkward, fc.constantFrom('x', 'x_one', 'x_by_pk', 'insert_x', 'insert_x_one', 'update_x', 'x_aggregate'));
    fc.assert(
      fc.property(tables, tables, (a, b) => {
        fc.pre(a !== b);
        const [mine, theirs] = [rootsOf(a), rootsOf(b)];
        for (const name of theirs.query) expect(mine.query.has(name), name).toBe(false);
        for (const name of theirs.mutation) expect(mine.mutation.has(name), name).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps table type names apart from the names derived from other tables', () => {
    fc.assert(
      fc.property(awkward, awkward, fc.constantFrom(...DERIVED_SUFFIXES), (a, b, suffix) => {
        expect(tableTypeName(b)).not.toBe(`${tableTypeName(a)}${suffix}`);
      }),
      { numRuns: 3000 },
    );
  });
});
