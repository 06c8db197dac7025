/**
 * GraphQL reads beyond plain lists, over real HTTP on every engine against the demo database:
 * relationship filters and orders, many-to-many fields, `<rel>_aggregate`, `distinct_on`, json
 * operators and Relay connections. Every answer is checked against the REST API reading the same
 * rows (REST relation filters, orders and aggregates), or against the DISTINCT ON / JSON containment
 * rules applied to a full REST read — never against values copied from a response.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRoleKeys, describeEngines, SERVICE } from '../support/engines.js';

interface GqlBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}
interface List {
  resource: Row[];
  meta: { count: number; total?: number };
}
type Row = Record<string, unknown>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ENDPOINT = `/api/v1/${SERVICE}/_graphql`;
const ids = (rows: readonly Row[]) => rows.map((r) => String(r.id));

/** PostgreSQL's jsonb `@>` (and MySQL's JSON_CONTAINS): does `a` contain `b`? */
function jsonContains(a: Json, b: Json): boolean {
  if (Array.isArray(a)) {
    if (Array.isArray(b)) return b.every((x) => a.some((y) => jsonContains(y, x)));
    return b === null || typeof b !== 'object' ? a.some((y) => y === b) : false;
  }
  if (a !== null && typeof a === 'object') {
    if (b === null || typeof b !== 'object' || Array.isArray(b)) return false;
    return Object.entries(b).every(([k, v]) => k in a && jsonContains(a[k] as Json, v));
  }
  return a === b;
}

/** DISTINCT ON: the first row of each group of rows equal on `columns`, in the list's order. */
function distinctOn(rows: readonly Row[], columns: readonly string[]): Row[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = JSON.stringify(columns.map((c) => row[c] ?? null));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

describeEngines('GraphQL reads', (fixture) => {
  const gql = <T>(query: string, headers: Record<string, string> = {}) =>
    fixture().get<GqlBody<T>>(ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query }),
    });
  const data = async <T = Record<string, Row[]>>(query: string, headers?: Record<string, string>): Promise<T> => {
    const res = await gql<T>(query, headers);
    expect(res.body.errors, res.text).toBeUndefined();
    return res.body.data as T;
  };
  const rest = async (table: string, params: Record<string, string>, headers?: Record<string, string>): Promise<List> => {
    const res = await fixture().table<List>(table, params, headers ? { headers } : undefined);
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  const json = (value: unknown): Json => (typeof value === 'string' ? (JSON.parse(value) as Json) : (value as Json));

  describe('filters through relationships match REST relation filters', () => {
    const cases: [string, string, string][] = [
      ['orders', '{customer: {tier: {_eq: gold}}}', "customer.tier = 'gold'"],
      ['orders', '{_not: {customer: {tier: {_in: [gold, platinum]}}}, id: {_lte: "300"}}', "NOT customer.tier IN ('gold', 'platinum') AND id <= 300"],
      ['orders', '{order_items: {quantity: {_gt: 4}}}', 'order_items.quantity > 4'],
      ['customers', '{orders: {status: {_eq: cancelled}}}', "orders.status = 'cancelled'"],
      ['orders', '{products: {sku: {_like: "COO-%"}}}', "products.sku LIKE 'COO-%'"],
      ['order_items', '{order: {status: {_eq: paid}}, product: {price: {_lt: "30"}}}', "order.status = 'paid' AND product.price < 30"],
    ];
    it.each(cases)('%s where %s', async (table, where, filter) => {
      const result = await data<Record<string, Row[] | { aggregate: { count: number } }>>(
        `{ rows: ${table}(where: ${where}, limit: 1000) { id: ${table === 'order_items' ? 'order_id' : 'id'} } n: ${table}_aggregate(where: ${where}) { aggregate { count } } all: ${table}_aggregate { aggregate { count } } }`,
      );
      const expected = await rest(table, { filter, fields: table === 'order_items' ? 'order_id' : 'id', limit: '1000', include_count: 'true' });
      const count = (result.n as { aggregate: { count: number } }).aggregate.count;
      expect(count).toBe(expected.meta.total);
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan((result.all as { aggregate: { count: number } }).aggregate.count);
      const restIds = expected.resource.map((r) => String(r.id ?? r.order_id)).sort();
      expect(ids(result.rows as Row[]).sort()).toEqual(restIds);
    });

    it('limits the nesting of relationship filters by the filter depth limit', async () => {
      const nest = (levels: number) => {
        let where = '{id: {_gt: 0}}';
        for (let i = 0; i < levels; i++) where = i % 2 === 0 ? `{customer: ${where}}` : `{orders: ${where}}`;
        return where;
      };
      const shallow = await data<{ orders_aggregate: { aggregate: { count: number } } }>(`{ orders_aggregate(where: ${nest(5)}) { aggregate { count } } }`);
      const all = await rest('orders', { fields: 'id', limit: '1', include_count: 'true' });
      expect(shallow.orders_aggregate.aggregate.count).toBe(all.meta.total);
      const deep = await gql(`{ orders(where: ${nest(41)}) { id } }`);
      expect(deep.body.errors?.[0]?.extensions).toMatchObject({ code: 400, reason: 'filterTooComplex' });
    });

    it('orders through an object relationship like REST', async () => {
      const result = await data('{ orders(where: {customer_id: {_lte: 60}}, order_by: [{customer: {birth_date: desc_nulls_last}}, {id: asc}]) { id } }');
      const expected = await rest('orders', { filter: 'customer_id <= 60', order: 'customer.birth_date desc nulls last, id asc', fields: 'id', limit: '1000' });
      expect(expected.resource.length).toBeGreaterThan(10);
      expect(ids(result.orders as Row[])).toEqual(ids(expected.resource));
    });
  });

  describe('many-to-many relationships', () => {
    it('lists linked rows per parent with where, order_by, limit and offset', async () => {
      const result = await data<{ products: { id: number; tags: Row[] }[] }>(
        '{ products(order_by: {id: asc}, limit: 40) { id tags(where: {id: {_gt: 1}}, order_by: {name: desc}, limit: 2, offset: 1) { id name } } }',
      );
      let nonEmpty = 0;
      for (const product of result.products) {
        const expected = await rest('tags', { filter: `products.id = ${product.id} AND id > 1`, order: 'name desc, id asc', fields: 'id,name', limit: '2', offset: '1' });
        expect(product.tags).toEqual(expected.resource);
        if (product.tags.length > 0) nonEmpty += 1;
      }
      expect(nonEmpty).toBeGreaterThan(0);
    });

    it('loads them in two statements per level, however many parents', async () => {
      const res = await gql<{ orders: { products: Row[] }[] }>('{ orders(limit: 400) { id products { id } } }');
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.orders.flatMap((o) => o.products).length).toBeGreaterThan(400);
      expect(Number(res.headers.get('x-sluice-statements'))).toBeLessThanOrEqual(3);
    });
  });

  describe('<rel>_aggregate', () => {
    it('aggregates per parent like REST, and counts zero for parents without rows', async () => {
      const result = await data<{ customers: { id: number; orders_aggregate: { aggregate: { count: number; sum: Row; max: Row }; nodes: Row[] } }[] }>(
        '{ customers(order_by: {id: asc}, limit: 120) { id orders_aggregate(where: {status: {_neq: cancelled}}) { aggregate { count sum { total } max { total placed_at } } nodes { id } } } }',
      );
      const total = await rest('orders', { filter: `customer_id <= ${result.customers.at(-1)?.id} AND status != 'cancelled'`, fields: 'id', limit: '1', include_count: 'true' });
      expect(result.customers.reduce((n, c) => n + c.orders_aggregate.aggregate.count, 0)).toBe(total.meta.total);
      expect(result.customers.some((c) => c.orders_aggregate.aggregate.count === 0)).toBe(true);
      for (const customer of result.customers.slice(0, 12)) {
        const [expected] = (await rest('orders', { filter: `customer_id = ${customer.id} AND status != 'cancelled'`, fields: 'count(*),sum(total),max(total),max(placed_at)' })).resource;
        const { aggregate, nodes } = customer.orders_aggregate;
        expect(aggregate.count).toBe(expected?.count);
        expect(aggregate.sum.total).toBe(expected?.sum_total);
        expect(aggregate.max).toEqual({ total: expected?.max_total, placed_at: expected?.max_placed_at });
        expect(nodes).toHaveLength(aggregate.count);
      }
    });

    it('runs one grouped statement per level for hundreds of parents', async () => {
      const res = await gql<{ customers: { orders: { order_items_aggregate: { aggregate: { count: number } } }[] }[] }>(
        '{ customers(order_by: {id: asc}, limit: 150) { id orders { id order_items_aggregate { aggregate { count sum { quantity } } } } } }',
      );
      expect(res.body.errors).toBeUndefined();
      const orders = res.body.data?.customers.flatMap((c) => c.orders) ?? [];
      expect(orders.length).toBeGreaterThan(300);
      const items = await rest('order_items', { filter: `order.customer_id <= 150`, fields: 'order_id', limit: '1', include_count: 'true' });
      expect(orders.reduce((n, o) => n + o.order_items_aggregate.aggregate.count, 0)).toBe(items.meta.total);
      expect(Number(res.headers.get('x-sluice-statements'))).toBeLessThanOrEqual(3);
    });
  });

  describe('distinct_on', () => {
    it('keeps the first row of each group, as DISTINCT ON does', async () => {
      const result = await data(
        '{ orders(where: {customer_id: {_lte: 80}}, distinct_on: [customer_id], order_by: [{customer_id: asc}, {total: desc}]) { id customer_id total } }',
      );
      const all = await rest('orders', { filter: 'customer_id <= 80', order: 'customer_id asc, total desc, id asc', fields: 'id,customer_id,total', limit: '1000' });
      const expected = distinctOn(all.resource, ['customer_id']);
      expect(expected.length).toBeLessThan(all.resource.length);
      expect(result.orders).toEqual(expected);
    });

    it('orders by the distinct columns when order_by is absent, with NULLs as one group', async () => {
      const result = await data('{ orders(distinct_on: [shipped_at, status], where: {shipped_at: {_is_null: true}}) { status shipped_at } }');
      const all = await rest('orders', { filter: 'shipped_at IS NULL', order: 'shipped_at asc nulls last, status asc', fields: 'shipped_at,status', limit: '1000' });
      expect(result.orders).toEqual(distinctOn(all.resource, ['shipped_at', 'status']));
      expect(result.orders?.length).toBeGreaterThan(1);
    });

    it('applies per parent on array relationships', async () => {
      const result = await data<{ customers: { id: number; orders: Row[] }[] }>(
        '{ customers(order_by: {id: asc}, limit: 25) { id orders(distinct_on: [status], order_by: [{status: asc}, {total: desc}], limit: 3) { id status total } } }',
      );
      let grouped = 0;
      for (const customer of result.customers) {
        const all = await rest('orders', { filter: `customer_id = ${customer.id}`, order: 'status asc, total desc, id asc', fields: 'id,status,total', limit: '1000' });
        expect(customer.orders).toEqual(distinctOn(all.resource, ['status']).slice(0, 3));
        if (all.resource.length > customer.orders.length) grouped += 1;
      }
      expect(grouped).toBeGreaterThan(0);
    });

    it('refuses distinct_on columns that do not lead order_by', async () => {
      const res = await gql('{ orders(distinct_on: [status], order_by: [{total: desc}, {status: asc}]) { id } }');
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 400, reason: 'invalidParameter' });
      expect(res.body.errors?.[0]?.message).toContain('distinct_on');
    });
  });

  describe('json operators', () => {
    let customers: { id: string; preferences: Json }[] = [];
    beforeAll(async () => {
      const all = await rest('customers', { fields: 'id,preferences', order: 'id asc', limit: '1000' });
      customers = all.resource.map((r) => ({ id: String(r.id), preferences: json(r.preferences) }));
    });
    const hasKey = (value: Json, key: string) =>
      value !== null && typeof value === 'object' && (Array.isArray(value) ? value.includes(key) : key in value);
    const cases: [string, string, (p: Json) => boolean][] = [
      ['_contains', '{_contains: {language: "fr"}}', (p) => p !== null && jsonContains(p, { language: 'fr' })],
      ['_contains (nested)', '{_contains: {newsletter: {frequency: "weekly"}}}', (p) => p !== null && jsonContains(p, { newsletter: { frequency: 'weekly' } })],
      ['_contained_in', '{_contained_in: {language: "en", theme: "dark", newsletter: {frequency: "daily", topics: ["deals", "new-arrivals"]}}}',
        (p) => p !== null && jsonContains({ language: 'en', theme: 'dark', newsletter: { frequency: 'daily', topics: ['deals', 'new-arrivals'] } }, p)],
      ['_has_key', '{_has_key: "theme"}', (p) => hasKey(p, 'theme')],
      ['_has_keys_any', '{_has_keys_any: ["theme", "notifications"]}', (p) => hasKey(p, 'theme') || hasKey(p, 'notifications')],
      ['_has_keys_all', '{_has_keys_all: ["theme", "notifications"]}', (p) => hasKey(p, 'theme') && hasKey(p, 'notifications')],
      ['_not _has_key', '{_is_null: false}', (p) => p !== null],
    ];
    it.each(cases)('%s', async (_name, condition, predicate) => {
      const result = await data(`{ customers(where: {preferences: ${condition}}, order_by: {id: asc}) { id } }`);
      const expected = customers.filter((c) => predicate(c.preferences)).map((c) => c.id);
      if (!condition.includes('_contained_in')) expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(customers.length);
      expect(ids(result.customers as Row[])).toEqual(expected);
    });

    it('binds the key as a value', async () => {
      const result = await data(`{ customers(where: {preferences: {_has_key: "x') OR 1=1 --"}}) { id } }`);
      expect(result.customers).toEqual([]);
    });
  });

  describe('Relay connections', () => {
    type Page = { edges: { cursor: string; node: Row }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null } };
    const ORDER = '[{shipped_at: desc}, {total: asc}]';
    const WHERE = '{customer_id: {_lte: 40}}';
    const page = async (args: string): Promise<Page> =>
      (await data<{ orders_connection: Page }>(`{ orders_connection(${args}, where: ${WHERE}, order_by: ${ORDER}) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`)).orders_connection;
    let expected: string[] = [];
    beforeAll(async () => {
      expected = ids((await rest('orders', { filter: 'customer_id <= 40', order: 'shipped_at desc nulls first, total asc, id asc', fields: 'id', limit: '1000' })).resource);
    });

    it('pages forward through the whole ordered list', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 100; i++) {
        const p: Page = await page(`first: 7${after ? `, after: "${after}"` : ''}`);
        seen.push(...p.edges.map((e) => String(e.node.id)));
        expect(p.pageInfo.hasPreviousPage).toBe(after !== null);
        if (!p.pageInfo.hasNextPage) break;
        after = p.pageInfo.endCursor;
      }
      expect(expected.length).toBeGreaterThan(30);
      expect(seen).toEqual(expected);
    });

    it('pages backward through the whole ordered list', async () => {
      const pages: string[][] = [];
      let before: string | null = null;
      for (let i = 0; i < 100; i++) {
        const p: Page = await page(`last: 6${before ? `, before: "${before}"` : ''}`);
        pages.unshift(p.edges.map((e) => String(e.node.id)));
        expect(p.pageInfo.hasNextPage).toBe(before !== null);
        if (!p.pageInfo.hasPreviousPage) break;
        before = p.pageInfo.startCursor;
      }
      expect(pages.flat()).toEqual(expected);
    });

    it('meets the same rows between two cursors from either side', async () => {
      const all = await page('first: 20');
      const from = all.edges[5]?.cursor as string;
      const to = all.edges[15]?.cursor as string;
      const forward = await page(`first: 20, after: "${from}", before: "${to}"`);
      const backward = await page(`last: 20, after: "${from}", before: "${to}"`);
      expect(forward.edges.map((e) => String(e.node.id))).toEqual(expected.slice(6, 15));
      expect(backward.edges).toEqual(forward.edges);
    });

    it('refuses a tampered cursor, or one made for another order', async () => {
      const first = await page('first: 2');
      const cursor = first.pageInfo.endCursor as string;
      const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, unknown[]];
      const tampered = Buffer.from(JSON.stringify([decoded[0], decoded[1].map(() => 'x')])).toString('base64url');
      for (const bad of [tampered, `${cursor}!`, 'bm90IGpzb24']) {
        const res = await gql(`{ orders_connection(first: 2, after: "${bad}", order_by: ${ORDER}) { edges { cursor } } }`);
        expect(res.body.errors?.[0]?.extensions, bad).toMatchObject({ code: 400, reason: expect.stringMatching(/invalid/) });
      }
      const other = await gql(`{ orders_connection(first: 2, after: "${cursor}", order_by: {total: desc}) { edges { cursor } } }`);
      expect(other.body.errors?.[0]?.message).toContain('another order_by');
    });

    it('exists only for tables whose primary key is shown', async () => {
      const fields = await data<{ __schema: { queryType: { fields: { name: string }[] } } }>('{ __schema { queryType { fields { name } } } }');
      const names = fields.__schema.queryType.fields.map((f) => f.name);
      expect(names).toContain('orders_connection');
      expect(names).toContain('order_items_connection');
    });
  });

  describe('permissions', () => {
    let keys: Record<string, string> = {};
    beforeAll(async () => {
      const roles = {
        reads_gold: [
          { service_name: SERVICE, component: '_table/customers', verb_mask: 1, fields: ['id', 'email', 'tier'], filter: "tier = 'gold'" },
          { service_name: SERVICE, component: '_table/orders', verb_mask: 1 },
        ],
        reads_paid: [
          { service_name: SERVICE, component: '_table/customers', verb_mask: 1 },
          { service_name: SERVICE, component: '_table/orders', verb_mask: 1, filter: "status = 'paid'" },
        ],
      };
      keys = await createRoleKeys(fixture(), roles);
    });
    const as = (role: string) => ({ 'X-API-Key': keys[role] as string });

    it('cannot filter or order through a hidden column of a related table', async () => {
      const filter = await gql('{ orders(where: {customer: {birth_date: {_is_null: true}}}) { id } }', as('reads_gold'));
      expect(filter.body.errors?.[0]?.message).toContain('birth_date');
      const order = await gql('{ orders(order_by: {customer: {full_name: asc}}) { id } }', as('reads_gold'));
      expect(order.body.errors?.[0]?.message).toContain('full_name');
    });

    it("applies the related table's row filter inside relationship filters", async () => {
      const result = await data<{ orders_aggregate: { aggregate: { count: number } } }>('{ orders_aggregate(where: {customer: {id: {_gt: 0}}}) { aggregate { count } } }', as('reads_gold'));
      const gold = await rest('orders', { filter: "customer.tier = 'gold'", fields: 'id', limit: '1', include_count: 'true' });
      const all = await rest('orders', { fields: 'id', limit: '1', include_count: 'true' });
      expect(result.orders_aggregate.aggregate.count).toBe(gold.meta.total);
      expect(gold.meta.total).toBeLessThan(all.meta.total as number);
    });

    it("applies the related table's row filter in <rel>_aggregate", async () => {
      const result = await data<{ customers: { orders_aggregate: { aggregate: { count: number } } }[] }>(
        '{ customers(order_by: {id: asc}, limit: 100) { id orders_aggregate { aggregate { count } } } }',
        as('reads_paid'),
      );
      const paid = await rest('orders', { filter: "status = 'paid' AND customer_id <= 100", fields: 'id', limit: '1', include_count: 'true' });
      expect(result.customers.reduce((n, c) => n + c.orders_aggregate.aggregate.count, 0)).toBe(paid.meta.total);
    });
  });
});
