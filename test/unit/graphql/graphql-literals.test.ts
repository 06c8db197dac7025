/**
 * Lifting inline values into variables (src/graphql/graphql-literals.ts): which values are lifted,
 * the variable values they become (checked by running both forms through graphql-js's own
 * executor), and error locations moved back into the text that was sent.
 */
import { buildSchema, execute, GraphQLError, parse, print, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { liftLiterals, relocated } from '../../../src/graphql/graphql-literals.js';

const schema = buildSchema(`
  scalar JSON
  enum Direction { asc desc }
  input IntComparison { _eq: Int _in: [Int!] }
  input Where { id: IntComparison name: String }
  type Item { id: Int! name: String echo: String }
  type Query {
    item(id: Int!): Item
    byKey(key: ID!): String
    items(limit: Int, offset: Int, order: Direction, where: Where, ratio: Float, flag: Boolean, tag: String, data: JSON): [Item!]!
  }
  type Mutation { touch(id: Int!): Item }
`);

/** What a resolver sees: the arguments after coercion, as JSON. */
const rootValue = {
  item: (args: unknown) => ({ id: 1, name: JSON.stringify(args), echo: null }),
  byKey: (args: { key: string }) => args.key,
  items: (args: unknown) => [{ id: 1, name: JSON.stringify(args), echo: null }],
};

const run = (document: DocumentNode, variableValues?: Record<string, unknown>) => execute({ schema, document, rootValue, ...(variableValues ? { variableValues } : {}) });

describe('liftLiterals', () => {
  it('gives texts that differ only in inline values one shape, each with its own values', () => {
    const one = liftLiterals(schema, parse('{ item(id: 7) { id name } }'), undefined);
    const two = liftLiterals(schema, parse('{ item(id: 8) { id name } }'), undefined);
    expect(one?.shape).toBeDefined();
    expect(two?.shape).toBe(one?.shape);
    expect(one?.values).toEqual({ _lit0: 7 });
    expect(two?.values).toEqual({ _lit0: 8 });
    expect(one?.shape).toContain('$_lit0: Int!');
  });

  it.each([
    ['scalars, enums, lists and input objects', '{ items(limit: 5, offset: 0, order: desc, ratio: 1.5, flag: true, tag: "a \\"quoted\\" \\u00e9", where: {id: {_in: [1, 2, 3]}, name: "x"}) { name } }'],
    ['an Int written where a Float goes', '{ items(ratio: 2) { name } }'],
    ['an ID written as a number beyond 2^53', '{ byKey(key: 123456789012345678901234567890) }'],
    ['an ID written as a string', '{ byKey(key: "k-1") }'],
    ['a query with its own variables', 'query Q($n: Int) { items(limit: $n, offset: 2) { name } }'],
  ])('%s: the lifted form resolves exactly as the inline one', async (_name, text) => {
    const document = parse(text);
    const lifted = liftLiterals(schema, document, undefined);
    expect(lifted).toBeDefined();
    const variables = { n: 4 };
    const inline = await run(document, variables);
    const asVariables = await run(lifted?.document as DocumentNode, { ...variables, ...lifted?.values });
    expect(inline.errors).toBeUndefined();
    expect(asVariables).toEqual(inline);
  });

  it('leaves what could change a result inline', () => {
    // A custom scalar's literal and variable forms may be parsed differently; nulls and directive arguments shape the query.
    expect(liftLiterals(schema, parse('{ items(data: {a: 1}, tag: null) { name echo @include(if: true) } }'), undefined)).toBeUndefined();
    expect(liftLiterals(schema, parse('{ items(data: "text") { name } }'), undefined)).toBeUndefined();
    // Mutations keep their arguments; so do documents with several operations.
    expect(liftLiterals(schema, parse('mutation { touch(id: 1) { id } }'), undefined)).toBeUndefined();
    expect(liftLiterals(schema, parse('query A { item(id: 1) { id } } query B { item(id: 2) { id } }'), 'A')).toBeUndefined();
    // An operation name the document does not have is left to the executor's own error.
    expect(liftLiterals(schema, parse('query A { item(id: 1) { id } }'), 'B')).toBeUndefined();
    // A variable's default value stays as written.
    const lifted = liftLiterals(schema, parse('query ($n: Int = 3) { items(limit: $n, offset: 1) { name } }'), undefined);
    expect(lifted && print(lifted.document)).toContain('$n: Int = 3');
  });

  it('lifts values inside fragments and picks names the operation does not use', () => {
    expect(liftLiterals(schema, parse('query ($_lit0: Int) { items(limit: $_lit0) { ...F } } fragment F on Item { id }'), undefined)).toBeUndefined(); // nothing inline
    const spread = liftLiterals(schema, parse('query ($_lit0: Int) { items(limit: $_lit0) { id } ...G } fragment G on Query { item(id: 5) { id } }'), undefined);
    expect(spread?.values).toEqual({ _lit1: 5 });
    expect(spread && print(spread.document)).toMatch(/query \(\$_lit0: Int, \$_lit1: Int!\)/);
  });
});

describe('relocated', () => {
  it('moves an error’s locations from the shape’s first text to the text that was sent', () => {
    const first = '{ item(id: 7) { id name } }';
    const sent = '{ item(id: 123456) {\n  id name } }';
    const lifted = liftLiterals(schema, parse(first), undefined);
    expect(lifted).toBeDefined();
    // graphql-jit's errors carry locations computed from the document it compiled: the first text's.
    const nameInFirst = { line: 1, column: first.indexOf('name') + 1 };
    const error = new GraphQLError('Cannot return null for non-nullable field Item.name.', { path: ['item', 'name'] });
    Object.defineProperty(error, 'locations', { value: [nameInFirst], enumerable: true });
    const [moved] = relocated([error], lifted?.document as DocumentNode, sent);
    expect(moved?.locations).toEqual([{ line: 2, column: '  id name'.indexOf('name') + 1 }]);
    expect(moved?.path).toEqual(['item', 'name']);
    expect(moved?.message).toBe(error.message);
  });

  it('leaves errors without locations as they are', () => {
    const lifted = liftLiterals(schema, parse('{ item(id: 7) { id } }'), undefined);
    const error = new GraphQLError('refused', { path: ['item'] });
    expect(relocated([error], lifted?.document as DocumentNode, '{ item(id: 8) { id } }')).toEqual([error]);
  });
});
