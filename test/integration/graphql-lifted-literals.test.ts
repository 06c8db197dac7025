/**
 * Queries that differ only in inline values share one compiled query (src/graphql/graphql-literals.ts):
 * over real HTTP, each text answers with its own rows — on its first request (through yoga) and on
 * later ones (the fast path) — and exactly as the same query does in a document of two operations,
 * which is not lifted. The compilations are counted through graphql-jit's `compileQuery`.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { describeEngines, SERVICE, type EngineFixture } from '../support/engines.js';

const compiled = vi.hoisted(() => ({ count: 0 }));
vi.mock('graphql-jit', async (importOriginal) => {
  const original = await importOriginal<typeof import('graphql-jit')>();
  return {
    ...original,
    compileQuery: (...args: Parameters<typeof original.compileQuery>) => {
      compiled.count++;
      return original.compileQuery(...args);
    },
  };
});

const ENDPOINT = `/api/v1/${SERVICE}/_graphql`;

interface GqlBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; locations?: unknown; extensions?: Record<string, unknown> }[];
}

/** Queries with inline values of the kinds that are lifted: Int, String, Boolean, enums, lists, inside input objects. */
const QUERIES: readonly [name: string, query: string][] = [
  ['a read by primary key', '{ customers_by_pk(id: 3) { id email tier } }'],
  ['a page with an enum order', '{ customers(limit: 4, offset: 2, order_by: [{tier: desc}, {id: asc}]) { id tier } }'],
  [
    'a filter with strings, lists, booleans and enums',
    '{ customers(where: {email: {_like: "%e%"}, id: {_in: [1, 2, 3, 5, 8, 13]}, tier: {_neq: platinum}, marketing_opt_in: {_in: [true, false]}}, order_by: [{id: asc}]) { id email } }',
  ],
];

/** The same query in a document of two operations, which is never lifted: the reference answer. */
const unlifted = (query: string) => ({ query: `query Reference ${query} query Unused { __typename }`, operationName: 'Reference' });

describeEngines('GraphQL queries with inline values', (fixture: () => EngineFixture) => {
  const post = async (body: Record<string, unknown>) => {
    const res = await fixture().get<GqlBody>(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, res.text).toBe(200);
    expect(res.body.errors, res.text).toBeUndefined();
    return res.body.data;
  };

  beforeEach(() => {
    compiled.count = 0;
  });

  it.each(QUERIES)('%s: answers as the unlifted query does, first and later requests', async (_name, query) => {
    const reference = await post(unlifted(query));
    expect(Object.values(reference ?? {}).flat().length).toBeGreaterThan(0);
    for (let i = 0; i < 2; i++) expect(await post({ query })).toEqual(reference);
  });

  it('texts that differ only in inline values are compiled once and each answers with its own rows', async () => {
    const ids = [11, 12, 13, 14];
    const texts = ids.map((id) => `{ customers_by_pk(id: ${id}) { id email } }`);
    for (const text of texts) expect((await post({ query: text }))?.customers_by_pk).toMatchObject({ id: ids[texts.indexOf(text)] });
    expect(compiled.count).toBe(1);
    // Again, now through the fast path, in another order.
    for (const text of [...texts].reverse()) expect((await post({ query: text }))?.customers_by_pk).toMatchObject({ id: ids[texts.indexOf(text)] });
    expect(compiled.count).toBe(1);
    // A different selection is another shape.
    await post({ query: '{ customers_by_pk(id: 11) { id } }' });
    expect(compiled.count).toBe(2);
  });

  it('a mutation’s inline values are not shared', async () => {
    const remove = (id: number) => fixture().get<GqlBody>(ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `mutation { delete_customers_by_pk(id: ${id}) { id } }` }) });
    for (const id of [-1, -2]) {
      const res = await remove(id);
      expect(res.status, res.text).toBe(200);
      expect(res.body.data?.delete_customers_by_pk, res.text).toBeNull();
    }
    expect(compiled.count).toBe(2);
  });
});

describe('graphql-jit counting', () => {
  it('is in place (the mock above is what the server uses)', async () => {
    const jit = await import('graphql-jit');
    const before = compiled.count;
    const { buildSchema, parse } = await import('graphql');
    jit.compileQuery(buildSchema('type Query { a: Int }'), parse('{ a }'));
    expect(compiled.count).toBe(before + 1);
  });
});
