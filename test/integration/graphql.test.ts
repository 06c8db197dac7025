/**
 * GraphQL over real HTTP on every engine, against the shared demo database (read-only here).
 * Every answer is checked against the REST API reading the same rows (filters, ordering, by_pk,
 * aggregates, relationships), never against values copied from a response; permissions are checked
 * with roles made through the System API; batching with the X-Sluice-Statements header.
 */
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminLogin, createRoleKeys, describeEngines, request, SERVICE, startEngineServer } from '../support/engines.js';

interface GqlBody<T = Record<string, unknown>> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}
interface List<T = Record<string, unknown>> {
  resource: T[];
  meta: { count: number; total?: number };
}
type Row = Record<string, unknown>;

const ENDPOINT = `/api/v1/${SERVICE}/_graphql`;

describeEngines('GraphQL', (fixture) => {
  const gql = <T = Record<string, Row[]>>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}, anonymous = false) =>
    fixture().get<GqlBody<T>>(ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
      anonymous,
    });
  /** The data of a query that must succeed. */
  const data = async <T = Record<string, Row[]>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T> => {
    const res = await gql<T>(query, variables, headers);
    expect(res.body.errors, res.text).toBeUndefined();
    expect(res.status).toBe(200);
    return res.body.data as T;
  };
  const rest = async (table: string, params: Record<string, string>, headers?: Record<string, string>) => {
    const res = await fixture().table<List>(table, params, headers ? { headers } : undefined);
    expect(res.status, res.text).toBe(200);
    return res.body;
  };

  describe('filters match the REST read of the same condition', () => {
    // [table, where (GraphQL), filter (REST)]
    const cases: [string, string, Record<string, string>][] = [
      ['orders', '{status: {_eq: paid}}', { filter: "status = 'paid'" }],
      ['orders', '{status: {_neq: paid}}', { filter: "status != 'paid'" }],
      ['orders', '{total: {_gt: "500"}}', { filter: 'total > 500' }],
      ['orders', '{total: {_gte: 500.5}}', { filter: 'total >= 500.5' }],
      ['products', '{price: {_lt: "20"}}', { filter: 'price < 20' }],
      ['products', '{price: {_lte: "20"}}', { filter: 'price <= 20' }],
      ['orders', '{status: {_in: [paid, shipped]}}', { filter: "status IN ('paid', 'shipped')" }],
      ['orders', '{status: {_nin: [paid, shipped]}}', { filter: "status NOT IN ('paid', 'shipped')" }],
      ['products', '{sku: {_like: "COO-%"}}', { filter: "sku LIKE 'COO-%'" }],
      ['products', '{sku: {_nlike: "COO-%"}}', { filter: "sku NOT LIKE 'COO-%'" }],
      ['customers', '{email: {_ilike: "%YILMAZ%"}}', { 'email.ilike': '*YILMAZ*' }],
      ['orders', '{shipped_at: {_is_null: true}}', { filter: 'shipped_at IS NULL' }],
      ['orders', '{shipped_at: {_is_null: false}}', { filter: 'shipped_at IS NOT NULL' }],
      ['orders', '{placed_at: {_gte: "2025-06-01T00:00:00Z"}, customer_id: {_lt: 100}}', { filter: "placed_at >= '2025-06-01T00:00:00Z' AND customer_id < 100" }],
      ['orders', '{_or: [{status: {_eq: cancelled}}, {total: {_lt: "50"}}]}', { filter: "status = 'cancelled' OR total < 50" }],
      ['orders', '{_and: [{status: {_eq: paid}}, {_not: {total: {_lt: "100"}}}]}', { filter: "status = 'paid' AND NOT total < 100" }],
      ['customers', '{tier: {_eq: gold}, birth_date: {_is_null: false}}', { filter: "tier = 'gold' AND birth_date IS NOT NULL" }],
    ];
    it.each(cases)('%s where %s', async (table, where, params) => {
      const result = await data<Record<string, Row[] | { aggregate: { count: number } }>>(
        `{ rows: ${table}(where: ${where}, order_by: {id: asc}, limit: 50) { id } total: ${table}_aggregate(where: ${where}) { aggregate { count } } all: ${table}_aggregate { aggregate { count } } }`,
      );
      const expected = await rest(table, { ...params, fields: 'id', order: 'id asc', limit: '50', include_count: 'true' });
      const count = (result.total as { aggregate: { count: number } }).aggregate.count;
      expect(count).toBe(expected.meta.total);
      // The condition must select something and leave something out, or the case proves nothing.
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan((result.all as { aggregate: { count: number } }).aggregate.count);
      expect((result.rows as Row[]).map((r) => String(r.id))).toEqual(expected.resource.map((r) => String(r.id)));
    });

    it('_nilike selects exactly the rows _ilike leaves out', async () => {
      const result = await data<Record<string, { aggregate: { count: number } }>>(
        '{ a: customers_aggregate(where: {email: {_ilike: "%YILMAZ%"}}) { aggregate { count } } b: customers_aggregate(where: {email: {_nilike: "%YILMAZ%"}}) { aggregate { count } } }',
      );
      const all = await rest('customers', { fields: 'id', limit: '1', include_count: 'true' });
      expect(result.a?.aggregate.count).toBeGreaterThan(0);
      expect((result.a?.aggregate.count ?? 0) + (result.b?.aggregate.count ?? 0)).toBe(all.meta.total);
    });

    it('refuses a value of the wrong type, as REST does', async () => {
      const res = await gql('{ orders(where: {placed_at: {_eq: "yesterday"}}) { id } }');
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 400, reason: 'invalidValue' });
    });
  });

  it('reads the same rows whether where and order_by come inline or as variables (recursive input types)', async () => {
    const where = { _or: [{ status: { _eq: 'cancelled' } }, { _and: [{ total: { _gte: '500' } }, { _not: { customer: { tier: { _eq: 'gold' } } } }] }] };
    const viaVariables = await data<{ orders: Row[] }>(
      'query ($where: orders_bool_exp!, $order_by: [orders_order_by!], $limit: Int) { orders(where: $where, order_by: $order_by, limit: $limit) { id status total } }',
      { where, order_by: [{ total: 'desc' }, { id: 'asc' }], limit: 40 },
    );
    const inline = await data<{ orders: Row[] }>(
      '{ orders(where: {_or: [{status: {_eq: cancelled}}, {_and: [{total: {_gte: "500"}}, {_not: {customer: {tier: {_eq: gold}}}}]}]}, order_by: [{total: desc}, {id: asc}], limit: 40) { id status total } }',
    );
    expect(viaVariables.orders.length).toBeGreaterThan(0);
    expect(viaVariables.orders).toEqual(inline.orders);
    const expected = await rest('orders', { fields: 'id', filter: "status = 'cancelled' OR total >= 500", order: 'total desc, id asc', limit: '1', include_count: 'true' });
    expect(viaVariables.orders.length).toBeLessThanOrEqual(expected.meta.total as number);
  });

  it('orders like REST, NULLs placed as asked', async () => {
    const result = await data('{ products(order_by: [{price: desc}, {id: asc}], limit: 30) { id price } }');
    const expected = await rest('products', { fields: 'id,price', order: 'price desc, id asc', limit: '30' });
    expect(result.products).toEqual(expected.resource);
    const nulls = await data('{ first: customers(order_by: {birth_date: asc_nulls_first}, limit: 3) { birth_date } last: customers(order_by: {birth_date: desc_nulls_last}, limit: 3) { birth_date } }');
    expect(nulls.first?.[0]?.birth_date).toBeNull();
    expect(nulls.last?.[0]?.birth_date).not.toBeNull();
    const offset = await data('{ products(order_by: {id: asc}, limit: 5, offset: 10) { id } }');
    const page = await rest('products', { fields: 'id', order: 'id asc', limit: '5', offset: '10' });
    expect(offset.products).toEqual(page.resource);
  });

  it('reads one row by primary key, or null', async () => {
    const result = await data<{ products_by_pk: Row | null; none: Row | null }>('{ products_by_pk(id: 7) { id name price sku } none: products_by_pk(id: 987654) { id } }');
    const expected = await fixture().get<Row>(`/api/v1/${SERVICE}/_table/products/7?fields=id,name,price,sku`);
    expect(result.products_by_pk).toEqual(expected.body);
    expect(result.none).toBeNull();
  });

  it('aggregates like REST fields=count(*),sum(…)', async () => {
    const result = await data<{ orders_aggregate: { aggregate: Row & { sum: Row; avg: Row; min: Row; max: Row }; nodes: Row[] } }>(
      '{ orders_aggregate(where: {status: {_eq: delivered}}) { aggregate { count sum { total } avg { total } min { placed_at total } max { total } } nodes { id } } }',
    );
    const [expected] = (await rest('orders', { fields: 'count(*),sum(total),avg(total),min(placed_at),min(total),max(total)', filter: "status = 'delivered'" })).resource;
    const { aggregate, nodes } = result.orders_aggregate;
    expect(aggregate.count).toBe(expected?.count);
    expect(aggregate.sum.total).toBe(expected?.sum_total);
    expect(aggregate.avg.total).toBe(expected?.avg_total);
    expect(aggregate.min).toEqual({ placed_at: expected?.min_placed_at, total: expected?.min_total });
    expect(aggregate.max.total).toBe(expected?.max_total);
    expect(nodes).toHaveLength(aggregate.count as number);
  });

  describe('relationships', () => {
    it('follows object and array relationships both ways, consistently with the keys', async () => {
      const result = await data<{ orders: (Row & { customer: Row; order_items: Row[] })[] }>(
        '{ orders(where: {id: {_lte: "300"}}, order_by: {id: asc}) { id customer_id customer { id email } order_items { order_id product_id product { id } } } }',
      );
      expect(result.orders).toHaveLength(300);
      for (const order of result.orders) {
        expect(order.customer.id).toBe(order.customer_id);
        for (const item of order.order_items) {
          expect(String(item.order_id)).toBe(String(order.id));
          expect((item.product as Row).id).toBe(item.product_id);
        }
      }
      const items = await rest('order_items', { fields: 'order_id', filter: 'order_id <= 300', limit: '1', include_count: 'true' });
      expect(result.orders.reduce((n, o) => n + o.order_items.length, 0)).toBe(items.meta.total);
      const customer = result.orders[0]?.customer;
      const expected = await fixture().get<Row>(`/api/v1/${SERVICE}/_table/customers/${String(customer?.id)}?fields=id,email`);
      expect(customer).toEqual(expected.body);
    });

    it('pages, filters and orders an array relationship per parent', async () => {
      const result = await data<{ customers: { id: number; orders: Row[] }[] }>(
        '{ customers(order_by: {id: asc}, limit: 8) { id orders(where: {status: {_neq: cancelled}}, order_by: {total: desc}, limit: 2) { id total } } }',
      );
      expect(result.customers).toHaveLength(8);
      let nonEmpty = 0;
      for (const customer of result.customers) {
        const expected = await rest('orders', { fields: 'id,total', filter: `customer_id = ${customer.id} AND status != 'cancelled'`, order: 'total desc, id asc', limit: '2' });
        expect(customer.orders).toEqual(expected.resource);
        if (customer.orders.length > 0) nonEmpty += 1;
      }
      expect(nonEmpty).toBeGreaterThan(0);
    });

    it('runs at most depth + 1 statements for a 3-level query over hundreds of parents', async () => {
      const res = await gql<{ customers: { orders: { order_items: { product: Row | null }[] }[] }[] }>(
        '{ customers(order_by: {id: asc}, limit: 200) { id orders { id order_items { quantity product { id name } } } } }',
      );
      expect(res.body.errors).toBeUndefined();
      const customers = res.body.data?.customers ?? [];
      expect(customers).toHaveLength(200);
      const orders = customers.flatMap((c) => c.orders);
      const items = orders.flatMap((o) => o.order_items);
      expect(orders.length).toBeGreaterThan(200);
      expect(items.length).toBeGreaterThan(orders.length);
      expect(items.every((i) => i.product !== null)).toBe(true);
      expect(Number(res.headers.get('x-sluice-statements'))).toBeLessThanOrEqual(4);
      expect(Number(res.headers.get('x-sluice-statements'))).toBeGreaterThanOrEqual(1);
    });
  });

  describe('limits and errors', () => {
    it('caps limit at limits.maxLimit', async () => {
      const res = await gql('{ orders(limit: 1001) { id } }');
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 400, reason: 'invalidParameter' } });
      expect(res.body.errors?.[0]?.message).toContain('at most 1000');
      const all = await data('{ orders { id } }');
      expect(all.orders).toHaveLength(1000);
    });

    it('refuses queries nested too deep', async () => {
      let selection = 'id';
      for (let i = 0; i < 6; i += 1) selection = `customer { orders(limit: 1) { ${selection} } }`;
      const res = await gql(`{ orders(limit: 1) { ${selection} } }`);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.map((e) => e.message).join('\n')).toMatch(/depth limit of 12/i);
      const cheap = await gql('{ orders(limit: 1) { customer { orders(limit: 1) { id } } } }');
      expect(cheap.body.errors).toBeUndefined();
    });

    it('answers anonymous callers as REST does when no anonymous role is configured', async () => {
      const res = await gql('{ orders { id } }', undefined, {}, true);
      const restRes = await fixture().table('orders', {}, { anonymous: true });
      expect(res.status).toBe(restRes.status);
      expect(res.body).toEqual(restRes.body);
    });

    it('serves GraphiQL to browsers', async () => {
      const res = await fixture().get(ENDPOINT, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.text.toLowerCase()).toContain('graphiql');
    });
  });

  describe('per-role schemas', () => {
    let keys: Record<string, string> = {};
    beforeAll(async () => {
      const roles = {
        gql_shaped: [
          { service_name: SERVICE, component: '_table/customers', verb_mask: 1, fields: ['id', 'email', 'tier'] },
          { service_name: SERVICE, component: '_table/orders', verb_mask: 1, filter: "status = 'paid'" },
        ],
        gql_none: [{ service_name: SERVICE, component: '_proc/*', verb_mask: 1 }],
      };
      keys = await createRoleKeys(fixture(), roles);
    });
    const as = (role: string) => ({ 'X-API-Key': keys[role] as string });

    it('shows only the tables and columns the role may read', async () => {
      const result = await data<Record<string, { name: string; fields: { name: string }[] } | null>>(
        '{ products: __type(name: "products") { name fields { name } } customers: __type(name: "customers") { name fields { name } } orders: __type(name: "orders") { name fields { name } } }',
        undefined,
        as('gql_shaped'),
      );
      expect(result.products).toBeNull();
      expect(result.customers?.fields.map((f) => f.name).sort()).toEqual(['email', 'id', 'orders', 'orders_aggregate', 'tier']);
      expect(result.orders?.fields.map((f) => f.name)).toContain('customer');
      expect(result.orders?.fields.map((f) => f.name)).not.toContain('order_items');
      const hidden = await gql('{ customers(limit: 1) { id birth_date } }', undefined, as('gql_shaped'));
      expect(hidden.body.errors?.[0]?.message).toContain('birth_date');
      const admin = await data<Record<string, { fields: { name: string }[] } | null>>('{ __type(name: "customers") { fields { name } } }');
      expect(admin.__type?.fields.map((f) => f.name)).toContain('birth_date');
    });

    it("applies the role's row filter at the root and in nested relationships", async () => {
      const result = await data<{ customers: { id: number; orders: { status: string }[] }[]; orders_aggregate: { aggregate: { count: number } } }>(
        '{ customers(order_by: {id: asc}, limit: 100) { id orders { status } } orders_aggregate { aggregate { count } } }',
        undefined,
        as('gql_shaped'),
      );
      const nested = result.customers.flatMap((c) => c.orders);
      expect(nested.length).toBeGreaterThan(0);
      expect(nested.every((o) => o.status === 'paid')).toBe(true);
      const paidOfThese = await rest('orders', { fields: 'id', filter: "status = 'paid' AND customer_id <= " + String(result.customers.at(-1)?.id), limit: '1', include_count: 'true' });
      expect(nested).toHaveLength(paidOfThese.meta.total as number);
      const paid = await rest('orders', { fields: 'id', filter: "status = 'paid'", limit: '1', include_count: 'true' });
      expect(result.orders_aggregate.aggregate.count).toBe(paid.meta.total);
    });

    it('follows role edits from the next request on: what a caller may do is kept per role definition, not longer', async () => {
      const send = async <T>(method: string, path: string, body: unknown) => {
        const res = await fixture().get<T>(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(res.status, res.text).toBeLessThan(300);
        return res.body;
      };
      const role = await send<{ id: number }>('POST', '/api/v1/system/role', {
        name: `gql_edited_${fixture().engine}`,
        access: [{ service_name: SERVICE, component: '_table/customers', verb_mask: 1, fields: ['id'] }],
      });
      const key = { 'X-API-Key': (await send<{ api_key: string }>('POST', '/api/v1/system/api-key', { role_id: role.id, label: 'edited' })).api_key };
      const query = '{ customers(order_by: {id: asc}, limit: 3) { id tier } }';
      const before = await gql(query, undefined, key);
      expect(before.body.errors?.[0]?.message).toContain('tier');
      // The same query again: refused the same way (from the kept view).
      expect((await gql(query, undefined, key)).body.errors?.[0]?.message).toContain('tier');

      await send('PUT', `/api/v1/system/role/${role.id}`, { access: [{ service_name: SERVICE, component: '_table/customers', verb_mask: 1, fields: ['id', 'tier'] }] });
      const widened = await data<{ customers: Row[] }>(query, undefined, key);
      const expected = await rest('customers', { fields: 'id,tier', order: 'id asc', limit: '3' });
      expect(widened.customers).toEqual(expected.resource.map((r) => ({ id: r.id, tier: r.tier })));

      await send('PUT', `/api/v1/system/role/${role.id}`, { is_active: false });
      const inactive = await gql(query, undefined, key);
      expect(inactive.status).toBe(403);
    });

    it('refuses a role that may read no table, as REST does', async () => {
      const res = await gql('{ orders { id } }', undefined, as('gql_none'));
      const restRes = await fixture().table('orders', {}, { headers: as('gql_none') });
      expect(res.status).toBe(403);
      expect(restRes.status).toBe(403);
    });
  });

  it('passes the GraphQL-over-HTTP audit without errors', async () => {
    const token = fixture().adminToken;
    const results = await auditServer({
      url: `${fixture().baseUrl}${ENDPOINT}`,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', `Bearer ${token}`);
        return fetch(input, { ...init, headers });
      },
    });
    const errors = results.filter((r) => r.status === 'error').map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(errors).toEqual([]);
    expect(results.filter((r) => r.status === 'ok').length).toBeGreaterThan(20);
  });
});


describe('GraphQL with introspection and GraphiQL switched off', () => {
  let started: Awaited<ReturnType<typeof startEngineServer>> | undefined;
  let token = '';
  beforeAll(async () => {
    started = await startEngineServer('pglite', { SLUICE_GRAPHQL_INTROSPECTION: 'false', SLUICE_GRAPHQL_GRAPHIQL: 'false' });
    token = await adminLogin(started.server.url);
  });
  afterAll(async () => {
    await started?.cleanup();
  });

  it('refuses introspection but still answers queries, and serves no GraphiQL', async () => {
    const post = (query: string) =>
      request<GqlBody>(started?.server.url ?? '', ENDPOINT, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
    const introspection = await post('{ __schema { types { name } } }');
    expect(introspection.body.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await post('{ order { id } }');
    expect(typo.body.errors?.[0]?.message).not.toMatch(/did you mean/i);
    const query = await post('{ tags(limit: 2) { id } }');
    expect(query.body.errors).toBeUndefined();
    expect(query.body.data?.tags).toHaveLength(2);
    const page = await request(started?.server.url ?? '', ENDPOINT, { headers: { accept: 'text/html', authorization: `Bearer ${token}` } });
    expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
  });
});
