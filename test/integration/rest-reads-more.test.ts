/**
 * Reads beyond `filter`/`fields`/`order`, on every engine over real HTTP against the demo shop:
 * PostgREST-style parameters (checked against the equivalent Faucet-style read), aggregates with
 * `group` (checked against totals computed here from the streamed rows), and `related=` embedding
 * (checked against separate reads of the related tables, batched: one statement per relation).
 */
import { beforeAll, expect, it } from 'vitest';
import { describeEngines, type EngineFixture } from '../support/engines.js';

interface List<T = Record<string, unknown>> {
  resource: T[];
  meta: { count: number; total?: number };
}
interface ErrorBody {
  error: { code: number; context: { reason: string } };
}

async function all<T>(f: EngineFixture, table: string, params: Record<string, string>): Promise<T[]> {
  const query = new URLSearchParams(params).toString();
  const res = await f.get(`/api/v1/shop/_table/${table}?${query}`, { headers: { accept: 'application/x-ndjson' } });
  expect(res.status).toBe(200);
  return res.text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

/** A decimal string as an exact number of cents. */
const cents = (value: string) => {
  const [whole = '0', fraction = ''] = value.split('.');
  return BigInt(whole) * 100n + BigInt((fraction + '00').slice(0, 2)) * (whole.startsWith('-') ? -1n : 1n);
};

describeEngines('REST reads: PostgREST parameters, aggregates, related', (fixture) => {
  it('PostgREST-style parameters select the same rows as the Faucet filter they stand for', async () => {
    const f = fixture();
    const pairs: [Record<string, string>, Record<string, string>][] = [
      [
        { 'price.gte': '100', 'price.lt': '500', select: 'id,name,price', order: 'price.desc,id.asc', limit: '50' },
        { filter: 'price >= 100 and price < 500', fields: 'id,name,price', order: 'price desc, id asc', limit: '50' },
      ],
      [
        { 'status.in': '(paid,shipped)', select: 'id,status', limit: '100' },
        { filter: "status in ('paid', 'shipped')", fields: 'id,status', limit: '100' },
      ],
      [
        { 'status.neq': 'cancelled', 'shipped_at.is': 'null', select: 'id', limit: '200' },
        { filter: "status <> 'cancelled' and shipped_at is null", fields: 'id', limit: '200' },
      ],
      [{ 'shipped_at.is.not.null': '', select: 'id', limit: '30' }, { filter: 'shipped_at is not null', fields: 'id', limit: '30' }],
      [{ 'sku.like': 'COO-*', select: 'sku' }, { filter: "sku like 'COO-%'", fields: 'sku' }],
      [{ 'is_active.is': 'false', select: 'id' }, { filter: 'is_active = false', fields: 'id' }],
    ];
    for (const [postgrest, faucet] of pairs) {
      const table = 'sku.like' in postgrest || 'is_active.is' in postgrest ? 'products' : 'price.gte' in postgrest ? 'products' : 'orders';
      const a = await f.table<List>(table, postgrest);
      const b = await f.table<List>(table, faucet);
      expect(a.status, JSON.stringify(postgrest)).toBe(200);
      expect(a.body.resource).toEqual(b.body.resource);
      expect(a.body.resource.length).toBeGreaterThan(0);
    }
  });

  it('ilike matches case-insensitively, and bad PostgREST parameters are 400s in the envelope', async () => {
    const f = fixture();
    const everyone = await all<{ id: number; full_name: string }>(f, 'customers', { fields: 'id,full_name' });
    const expected = everyone.filter((c) => c.full_name.toLowerCase().includes('smith')).map((c) => c.id);
    const res = await f.table<List<{ id: number }>>('customers', { 'full_name.ilike': '*SMITH*', select: 'id', limit: '1000' });
    expect(res.body.resource.map((r) => r.id).sort((x, y) => x - y)).toEqual(expected.sort((x, y) => x - y));
    expect(expected.length).toBeGreaterThan(0);
    for (const [params, reason] of [
      [{ 'nope.eq': '1' }, 'unknownColumn'],
      [{ 'total.gt': 'cheap' }, 'invalidValue'],
      [{ 'status.in': 'paid,shipped' }, 'invalidParameter'],
      [{ 'shipped_at.is': 'maybe' }, 'invalidParameter'],
      [{ order: 'price.sideways' }, 'unknownColumn'],
      [{ select: 'id', fields: 'id' }, 'invalidParameter'],
    ] as const) {
      const bad = await f.table<ErrorBody>('orders', params);
      expect({ params, status: bad.status, reason: bad.body.error.context.reason }).toEqual({ params, status: 400, reason });
    }
  });

  it('aggregates with group match totals computed from the rows themselves', async () => {
    const f = fixture();
    const orders = await all<{ status: string; total: string }>(f, 'orders', { fields: 'status,total' });
    const expected = new Map<string, { count: number; sum: bigint }>();
    for (const o of orders) {
      const entry = expected.get(o.status) ?? { count: 0, sum: 0n };
      entry.count += 1;
      entry.sum += cents(o.total);
      expected.set(o.status, entry);
    }
    const res = await f.table<List<{ status: string; count: number; sum_total: string; avg_total: string; max_total: string }>>('orders', {
      fields: 'status,count(*),sum(total),avg(total),max(total)',
      group: 'status',
    });
    expect(res.status).toBe(200);
    expect(res.body.resource.length).toBe(expected.size);
    for (const row of res.body.resource) {
      const want = expected.get(row.status);
      expect(row.count).toBe(want?.count);
      expect(cents(row.sum_total)).toBe(want?.sum);
      expect(Number(row.avg_total)).toBeCloseTo(Number(want?.sum) / 100 / (want?.count ?? 1), 2);
    }
    const overall = await f.table<List<{ count: number; min_total: string; count_shipped_at: number }>>('orders', {
      fields: 'count(*),min(total),count(shipped_at)',
    });
    expect(overall.body.resource).toHaveLength(1);
    expect(overall.body.resource[0]?.count).toBe(orders.length);
    const minimum = orders.reduce((m, o) => (cents(o.total) < m ? cents(o.total) : m), cents(orders[0]?.total ?? '0'));
    expect(cents(overall.body.resource[0]?.min_total ?? '0')).toBe(minimum);
    const filtered = await f.table<List<{ count: number }>>('orders', { fields: 'count(*)', filter: "status = 'paid'" });
    expect(filtered.body.resource[0]?.count).toBe(expected.get('paid')?.count);
    for (const [params, reason] of [
      [{ fields: 'sum(status)' }, 'unsupportedOperator'],
      [{ fields: 'status,count(*)' }, 'invalidParameter'],
      [{ fields: 'count(*)', include_count: 'true' }, 'invalidParameter'],
      [{ fields: 'avg(nope)' }, 'unknownColumn'],
    ] as const) {
      const bad = await f.table<ErrorBody>('orders', params);
      expect({ params, status: bad.status, reason: bad.body.error.context.reason }).toEqual({ params, status: 400, reason });
    }
  });

  it('related= embeds to-one, to-many and many-to-many rows, one statement per relation', async () => {
    const f = fixture();
    const res = await f.table<List<{ id: string; customer_id: number; customer: { id: number; email: string }; order_items: { product_id: number }[] }>>('orders', {
      fields: 'id,customer_id',
      limit: '20',
      related: 'customer,order_items',
      'customer.fields': 'id,email',
      'order_items.fields': 'product_id',
      'order_items.order': 'product_id',
    });
    expect(res.status).toBe(200);
    // The page, then one statement per relation, whatever the number of orders.
    expect(Number(res.headers.get('x-sluice-statements'))).toBe(3);
    const customers = await f.table<List<{ id: number; email: string }>>('customers', {
      ids: [...new Set(res.body.resource.map((o) => o.customer_id))].join(','),
      fields: 'id,email',
      limit: '100',
    });
    const byId = new Map(customers.body.resource.map((c) => [c.id, c]));
    for (const order of res.body.resource) {
      expect(order.customer).toEqual(byId.get(order.customer_id));
      const items = await f.table<List<{ product_id: number }>>('order_items', { filter: `order_id = ${order.id}`, fields: 'product_id', order: 'product_id' });
      expect(order.order_items).toEqual(items.body.resource);
    }

    const tagged = await f.table<List<{ id: number; tags: { id: number }[] }>>('products', { fields: 'id', limit: '10', related: 'tags', 'tags.fields': 'id', 'tags.order': 'id' });
    expect(Number(tagged.headers.get('x-sluice-statements'))).toBe(3); // page, junction rows, tags
    for (const product of tagged.body.resource) {
      const links = await all<{ tag_id: number }>(f, 'product_tags', { filter: `product_id = ${product.id}`, fields: 'tag_id', order: 'tag_id' });
      expect(product.tags.map((t) => t.id)).toEqual(links.map((l) => l.tag_id));
    }

    const limited = await f.table<List<{ order_items: unknown[] }>>('orders', { fields: 'id', limit: '5', related: 'order_items', 'order_items.limit': '1' });
    for (const order of limited.body.resource) expect(order.order_items.length).toBeLessThanOrEqual(1);
    const record = await f.get<{ name: string; category: { id: number } }>('/api/v1/shop/_table/products/1?fields=name&related=category');
    expect(Object.keys(record.body).sort()).toEqual(['category', 'name']); // the join key was added for the load, then removed
    const unknown = await f.table<ErrorBody>('orders', { related: 'custmer' });
    expect(unknown.status).toBe(400);
  });

  it('related= nests (orders.order_items.product): one statement per level, rows matching separate reads', async () => {
    const f = fixture();
    type Product = { name: string };
    type Item = { product_id: number; product: Product };
    type Order = { id: string; order_items: Item[] };
    const res = await f.table<List<{ id: number; orders: Order[] }>>('customers', {
      fields: 'id',
      limit: '30',
      related: 'orders,orders.order_items,orders.order_items.product',
      'orders.fields': 'id',
      'orders.order': 'id',
      'orders.limit': '3',
      'orders.order_items.fields': 'product_id',
      'orders.order_items.order': 'product_id',
      'orders.order_items.product.fields': 'name',
    });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('x-sluice-statements'))).toBe(4);
    const products = new Map((await all<{ id: number; name: string }>(f, 'products', { fields: 'id,name' })).map((p) => [p.id, p.name]));
    let leaves = 0;
    for (const customer of res.body.resource) {
      const orders = await f.table<List<{ id: string }>>('orders', { filter: `customer_id = ${customer.id}`, fields: 'id', order: 'id', limit: '3' });
      expect(customer.orders.map((o) => o.id)).toEqual(orders.body.resource.map((o) => o.id));
      for (const order of customer.orders) {
        expect(Object.keys(order).sort()).toEqual(['id', 'order_items']); // join keys added for the loads are gone
        for (const item of order.order_items) {
          expect(item.product).toEqual({ name: products.get(item.product_id) });
          leaves += 1;
        }
      }
    }
    expect(leaves).toBeGreaterThan(20);
    const bad = await f.table<ErrorBody>('customers', { related: 'orders.nope' });
    expect(bad.status).toBe(400);
  });

  describeRelatedPermissions(fixture);
});

function describeRelatedPermissions(fixture: () => EngineFixture): void {
  let key = '';
  beforeAll(async () => {
    const f = fixture();
    const send = (path: string, body: unknown) => f.get<{ id: number; api_key: string }>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const role = await send('/api/v1/system/role', {
      name: 'orders_without_customers',
      access: [
        { service_name: 'shop', component: '_table/orders', verb_mask: 1 },
        { service_name: 'shop', component: '_table/order_items', verb_mask: 1, fields: ['order_id', 'quantity'] },
      ],
    });
    key = (await send('/api/v1/system/api-key', { role_id: role.body.id, label: 'related' })).body.api_key;
  });

  it('related tables are authorized like reads of their own', async () => {
    const f = fixture();
    const as = { headers: { 'x-api-key': key } };
    const denied = await f.table<ErrorBody>('orders', { related: 'customer', limit: '2' }, as);
    expect(denied.status).toBe(403);
    const hiddenColumn = await f.table<ErrorBody>('orders', { related: 'order_items', 'order_items.fields': 'product_id', limit: '2' }, as);
    expect(hiddenColumn.status).toBe(403);
    expect(hiddenColumn.body.error.context.reason).toBe('columnNotAllowed');
    const allowed = await f.table<List<{ order_items: Record<string, unknown>[] }>>('orders', { related: 'order_items', limit: '2' }, as);
    expect(allowed.status).toBe(200);
    for (const order of allowed.body.resource) for (const item of order.order_items) expect(Object.keys(item).sort()).toEqual(['order_id', 'quantity']);
  });
}
