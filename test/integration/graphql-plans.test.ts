/**
 * Statement plans of GraphQL read fields (src/graphql/graphql-plans.ts) over real HTTP on every
 * engine: a by-key read binds each request's key to one kept statement, a list read keeps one per
 * distinct arguments, and callers whose grants differ never share one. Every answer is checked
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

  it('keeps a plan per distinct list arguments, each answering its own rows', async () => {
    const query = 'query ($min: numeric!) { products(where: {price: {_gt: $min}}, order_by: [{id: asc}], limit: 500) { id price } }';
    const expectedAbove = (min: string) => rest('products', { fields: 'id,price', filter: `price > ${min}`, order: 'id asc', limit: '500' });
    const prices = (await rest('products', { fields: 'price', order: 'price asc', limit: '500' })).map((row) => String(row.price));
    const [lowMin, highMin] = [prices[Math.floor(prices.length / 4)] as string, prices[Math.floor((prices.length * 3) / 4)] as string];
    const [low, high] = [await expectedAbove(lowMin), await expectedAbove(highMin)];
    expect(low.length).toBeGreaterThan(high.length);
    expect(high.length).toBeGreaterThan(0);
    const before = planned.mock.calls.length;
    expect((await data<{ products: Row[] }>(query, { min: lowMin })).products).toEqual(low);
    expect((await data<{ products: Row[] }>(query, { min: highMin })).products).toEqual(high);
    expect(planned.mock.calls.length).toBe(before + 2);
    for (let i = 0; i < 3; i++) {
      expect((await data<{ products: Row[] }>(query, { min: lowMin })).products).toEqual(low);
      expect((await data<{ products: Row[] }>(query, { min: highMin })).products).toEqual(high);
    }
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
