/**
 * Statement plans of GraphQL read fields (src/graphql/graphql-plans.ts) over real HTTP on every
 * engine: a by-key read binds each request's key to one kept statement, a list read keeps one per
 * statement shape (its arguments' values bound per request, inline or as variables, while arguments
 * that shape the SQL get plans of their own), a connection one per page shape (the cursor's values
 * bound), and callers whose grants differ never share one. Every answer is checked
 * against the REST API reading the same rows as the same caller; whether a plan was made is read from
 * `Executor.plan` calls.
 */
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { Executor } from '../../src/executor/executor.js';
import { createRoleKeys, describeEngines, SERVICE } from '../support/engines.js';

interface GqlBody<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}
type Row = Record<string, unknown>;

const ENDPOINT = `/api/v1/${SERVICE}/_graphql`;

describeEngines('GraphQL statement plans', (fixture) => {
  let planned: MockInstance<Executor['plan']>;
  beforeAll(() => {
    planned = vi.spyOn(Executor.prototype, 'plan');
  });
  afterAll(() => planned.mockRestore());

  const gql = <T>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fixture().get<GqlBody<T>>(ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
    });
  const data = async <T>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T> => {
    const res = await gql<T>(query, variables, headers);
    expect(res.body.errors, res.text).toBeUndefined();
    return res.body.data as T;
  };
  const rest = async (table: string, params: Record<string, string>, headers?: Record<string, string>): Promise<Row[]> => {
    const res = await fixture().table<{ resource: Row[] }>(table, params, headers ? { headers } : undefined);
    expect(res.status, res.text).toBe(200);
    return res.body.resource;
  };

  it('reads every key through one plan, the key bound per request, inline or as a variable', async () => {
    const products = await rest('products', { fields: 'id,sku,name,price', order: 'id asc', limit: '5' });
    expect(products.length).toBe(5);
    const [first, second] = products as [Row, Row];
    const before = planned.mock.calls.length;
    await data(`{ products_by_pk(id: ${first.id}) { id sku name price } }`);
    const made = planned.mock.calls.length;
    expect(made).toBe(before + 1);
    // Back and forth, so that a value kept from an earlier request would show.
    for (const product of [second, first, ...products.slice(2), second]) {
      const inline = await data<{ products_by_pk: Row }>(`{ products_by_pk(id: ${product.id}) { id sku name price } }`);
      expect(inline.products_by_pk).toEqual(product);
      const variable = await data<{ products_by_pk: Row }>('query ($id: Int!) { products_by_pk(id: $id) { id sku name price } }', { id: product.id });
      expect(variable.products_by_pk).toEqual(product);
    }
    const none = await data<{ products_by_pk: Row | null }>('{ products_by_pk(id: -5) { id } }');
    expect(none.products_by_pk).toBeNull();
    expect(planned.mock.calls.length).toBe(made);
  });

  it('still checks each key value before binding it', async () => {
    const [order] = await rest('orders', { fields: 'id', order: 'id asc', limit: '1' });
    await data(`{ orders_by_pk(id: "${String(order?.id)}") { id } }`); // the plan exists
    const refused = await gql<{ orders_by_pk: Row | null }>('query ($id: bigint!) { orders_by_pk(id: $id) { id } }', { id: '1e3' });
    expect(refused.body.errors?.[0]?.extensions?.code, refused.text).toBe(400);
    expect(refused.body.data?.orders_by_pk ?? null).toBeNull();
  });

  it('reads list arguments that differ only in values through one plan, the values bound per request', async () => {
    const query = 'query ($min: numeric!) { products(where: {price: {_gt: $min}}, order_by: [{id: asc}], limit: 500) { id price } }';
    const expectedAbove = (min: string) => rest('products', { fields: 'id,price', filter: `price > ${min}`, order: 'id asc', limit: '500' });
    const prices = (await rest('products', { fields: 'price', order: 'price asc', limit: '500' })).map((row) => String(row.price));
    const mins = [1, 2, 3].map((quarter) => prices[Math.floor((prices.length * quarter) / 4)] as string);
    const expected = await Promise.all(mins.map(expectedAbove));
    expect(expected[0]?.length).toBeGreaterThan(expected[2]?.length ?? 0);
    expect(expected[2]?.length).toBeGreaterThan(0);
    const before = planned.mock.calls.length;
    // Back and forth, as a variable and inline, so that a value kept from an earlier request would show.
    for (const i of [0, 1, 0, 2, 1, 2]) {
      expect((await data<{ products: Row[] }>(query, { min: mins[i] })).products).toEqual(expected[i]);
      const inline = `{ products(where: {price: {_gt: "${mins[i] as string}"}}, order_by: [{id: asc}], limit: 500) { id price } }`;
      expect((await data<{ products: Row[] }>(inline)).products).toEqual(expected[i]);
    }
    expect(planned.mock.calls.length).toBe(before + 1);
  });

  it('binds the values inside boolean operators and relationship filters too', async () => {
    const query = `query ($min: numeric!, $customer: Int!, $skip: [bigint!]!) {
      orders(where: {_and: [{_or: [{total: {_gte: $min}}, {customer: {id: {_eq: $customer}}}]}, {_not: {id: {_in: $skip}}}]}, order_by: [{id: asc}], limit: 200) { id total customer_id }
    }`;
    const orders = await rest('orders', { fields: 'id,customer_id', order: 'id asc', limit: '4' });
    expect(orders.length).toBe(4);
    const cases = [
      { min: '900', customer: Number(orders[0]?.customer_id), skip: [String(orders[0]?.id), String(orders[1]?.id)] },
      { min: '700', customer: Number(orders[2]?.customer_id), skip: [String(orders[3]?.id), String(orders[2]?.id)] },
    ];
    const before = planned.mock.calls.length;
    for (const c of [...cases, ...cases]) {
      const expected = await rest('orders', {
        fields: 'id,total,customer_id',
        filter: `(total >= ${c.min} or customer_id = ${c.customer}) and id not in (${c.skip.join(', ')})`,
        order: 'id asc',
        limit: '200',
      });
      expect(expected.length).toBeGreaterThan(0);
      expect((await data<{ orders: Row[] }>(query, c)).orders).toEqual(expected);
    }
    expect(planned.mock.calls.length).toBe(before + 1);
  });

  it('gives list arguments that shape the SQL plans of their own, each answering its own rows', async () => {
    const ids = (await rest('products', { fields: 'id', order: 'id asc', limit: '6' })).map((row) => Number(row.id));
    expect(ids.length).toBe(6);
    const inList = (values: readonly number[]) => `{ products(where: {id: {_in: [${values.join(', ')}]}}, order_by: [{id: asc}]) { id sku } }`;
    const nulls = (isNull: boolean) => `{ products(where: {updated_at: {_is_null: ${String(isNull)}}}, order_by: [{id: asc}], limit: 7) { id sku } }`;
    const limited = (limit: number, min: number) => `{ products(where: {id: {_gte: ${min}}}, order_by: [{id: asc}], limit: ${limit}) { id sku } }`;
    const cases: readonly (readonly [query: string, filter: Record<string, string>])[] = [
      [inList(ids.slice(0, 2)), { filter: `id in (${ids.slice(0, 2).join(', ')})` }],
      [inList(ids.slice(0, 3)), { filter: `id in (${ids.slice(0, 3).join(', ')})` }],
      [inList(ids.slice(3, 5)), { filter: `id in (${ids.slice(3, 5).join(', ')})` }], // the first one's shape
      [nulls(true), { filter: 'updated_at is null', limit: '7' }],
      [nulls(false), { filter: 'updated_at is not null', limit: '7' }],
      [limited(2, ids[1] as number), { filter: `id >= ${ids[1] as number}`, limit: '2' }],
      [limited(3, ids[1] as number), { filter: `id >= ${ids[1] as number}`, limit: '3' }],
      [limited(2, ids[4] as number), { filter: `id >= ${ids[4] as number}`, limit: '2' }], // the first limit's shape
    ];
    const before = planned.mock.calls.length;
    for (const [query, params] of [...cases, ...cases]) {
      const expected = await rest('products', { fields: 'id,sku', order: 'id asc', ...params });
      expect((await data<{ products: Row[] }>(query)).products, query).toEqual(expected);
    }
    expect(planned.mock.calls.length).toBe(before + 6);
  });

  it('pages through a connection with one plan per page shape, the cursor bound per request', async () => {
    const expected = await rest('products', { fields: 'id,sku', order: 'price desc,id asc', limit: '12' });
    expect(expected.length).toBe(12);
    const query = `query ($after: String) {
      products_connection(first: 3, after: $after, order_by: [{price: desc}]) { edges { node { id sku } } pageInfo { hasNextPage endCursor } }
    }`;
    interface Page { edges: { node: Row }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
    const before = planned.mock.calls.length;
    const seen: Row[] = [];
    let after: string | null = null;
    for (let page = 0; page < 4; page++) {
      const connection: Page = (await data<{ products_connection: Page }>(query, { after })).products_connection;
      seen.push(...connection.edges.map((edge) => edge.node));
      expect(connection.pageInfo.hasNextPage).toBe(true);
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    // The first page has no cursor condition: a shape of its own; every later page shares one.
    expect(planned.mock.calls.length).toBe(before + 2);
  });

  describe('callers with different grants', () => {
    let keys: Record<string, string> = {};
    beforeAll(async () => {
      keys = await createRoleKeys(fixture(), {
        plans_paid: [{ service_name: SERVICE, component: '_table/orders', verb_mask: 1, filter: "status = 'paid'" }],
        plans_pending: [{ service_name: SERVICE, component: '_table/orders', verb_mask: 1, filter: "status = 'pending'" }],
      });
    });
    const as = (role: string) => ({ 'X-API-Key': keys[role] as string });

    it('never share a plan: each reads its own rows, request after request', async () => {
      const list = '{ orders(order_by: [{id: asc}], limit: 20) { id status } }';
      const expected = {
        plans_paid: await rest('orders', { fields: 'id,status', order: 'id asc', limit: '20' }, as('plans_paid')),
        plans_pending: await rest('orders', { fields: 'id,status', order: 'id asc', limit: '20' }, as('plans_pending')),
      };
      expect(expected.plans_paid.length).toBeGreaterThan(0);
      expect(expected.plans_pending.length).toBeGreaterThan(0);
      const paidId = String(expected.plans_paid[0]?.id);
      for (const role of ['plans_paid', 'plans_pending', 'plans_paid', 'plans_pending'] as const) {
        expect((await data<{ orders: Row[] }>(list, undefined, as(role))).orders).toEqual(expected[role]);
        const byKey = await data<{ orders_by_pk: Row | null }>(`{ orders_by_pk(id: "${paidId}") { id status } }`, undefined, as(role));
        expect(byKey.orders_by_pk).toEqual(role === 'plans_paid' ? expected.plans_paid[0] : null);
      }
    });
  });
});
