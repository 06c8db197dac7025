/**
 * REST reads over real HTTP against the demo shop, once per engine (PGlite, PostgreSQL, MariaDB).
 * Expected results are computed from the demo data generator, never from what the server answered,
 * so every assertion can fail.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_IDS, generateDemoData, type CustomerRow, type OrderRow, type ProductRow } from '../../src/demo/demo-data.js';
import { DEMO_TABLES, DEMO_VIEWS } from '../../src/demo/demo-sql.js';
import { describeEngines } from '../support/engines.js';

const data = generateDemoData();

interface List<T = Record<string, unknown>> {
  resource: T[];
  meta: { count: number; total?: number; limit?: number; offset?: number; took_ms?: number };
}
interface ErrorBody {
  error: { code: number; message: string; context: Record<string, unknown> & { reason: string } };
}

/** The API's timestamp form of a generator timestamp: fraction without trailing zeros. */
function apiTimestamp(iso: string | null): string | null {
  if (iso === null) return null;
  return iso.replace(/(\.\d*?)0+Z$/, '$1Z').replace(/\.Z$/, 'Z');
}

function apiCustomer(c: CustomerRow): Record<string, unknown> {
  return {
    id: c.id,
    uuid: c.uuid,
    email: c.email,
    full_name: c.full_name,
    tier: c.tier,
    marketing_opt_in: c.marketing_opt_in,
    preferences: c.preferences,
    tags: c.tags,
    birth_date: c.birth_date,
    avatar: c.avatar === null ? null : Buffer.from(c.avatar).toString('base64'),
    created_at: apiTimestamp(c.created_at),
  };
}

function apiProduct(p: ProductRow): Record<string, unknown> {
  return { ...p, updated_at: apiTimestamp(p.updated_at) };
}

function apiOrder(o: OrderRow): Record<string, unknown> {
  return { ...o, id: String(o.id), placed_at: apiTimestamp(o.placed_at), shipped_at: apiTimestamp(o.shipped_at) };
}

const cents = (decimal: string) => Math.round(Number(decimal) * 100);
const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r.id));
const customer = (id: number) => data.customers.find((c) => c.id === id) as CustomerRow;

describeEngines('REST reads', (fixture) => {
  describe('tables and paging', () => {
    it('lists every table and view of the service', async () => {
      const res = await fixture().get<List<{ name: string }>>('/api/v1/shop/_table');
      expect(res.status).toBe(200);
      expect(res.body.resource.map((r) => r.name).sort()).toEqual([...DEMO_TABLES, ...DEMO_VIEWS].sort());
      expect(res.body.meta.count).toBe(DEMO_TABLES.length + DEMO_VIEWS.length);
    });

    it('answers the first 25 rows in primary-key order by default, with meta', async () => {
      const res = await fixture().table<List>('products');
      expect(res.status).toBe(200);
      expect(ids(res.body.resource)).toEqual(data.products.slice(0, 25).map((p) => p.id));
      expect(res.body.meta).toMatchObject({ count: 25, limit: 25, offset: 0 });
      expect(typeof res.body.meta.took_ms).toBe('number');
      expect(res.body.meta.total).toBeUndefined();
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('pages with limit and offset and counts with include_count', async () => {
      const res = await fixture().table<List>('customers', { limit: '7', offset: '30', include_count: 'true', fields: 'id' });
      expect(ids(res.body.resource)).toEqual(data.customers.slice(30, 37).map((c) => c.id));
      expect(res.body.meta).toMatchObject({ count: 7, total: data.customers.length, limit: 7, offset: 30 });
      expect(res.headers.get('x-total-count')).toBe(String(data.customers.length));
      expect(res.headers.get('x-sluice-statements')).toBe('2');
    });

    it('caps limit at 1000 and allows limit=0 for a count only', async () => {
      const capped = await fixture().table<List>('order_items', { limit: '5000', fields: 'order_id' });
      expect(capped.body.meta).toMatchObject({ count: 1000, limit: 1000 });
      const none = await fixture().table<List>('orders', { limit: '0', include_count: 'true', filter: "status = 'paid'" });
      expect(none.body.resource).toEqual([]);
      expect(none.body.meta.total).toBe(data.orders.filter((o) => o.status === 'paid').length);
    });

    it('runs one statement for a page read', async () => {
      const res = await fixture().table('tags');
      expect(res.headers.get('x-sluice-statements')).toBe('1');
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('keeps an incoming X-Request-ID', async () => {
      const res = await fixture().table('tags', {}, { headers: { 'X-Request-ID': 'trace-abc.123' } });
      expect(res.headers.get('x-request-id')).toBe('trace-abc.123');
    });
  });

  describe('lossless values', () => {
    it('returns every column type of a customer in its documented JSON form', async () => {
      for (const id of [DEMO_IDS.customers.obrien, DEMO_IDS.customers.zoe, DEMO_IDS.customers.li]) {
        const res = await fixture().get(`/api/v1/shop/_table/customers/${id}`);
        expect(res.status).toBe(200);
        expect(res.body).toEqual(apiCustomer(customer(id)));
      }
    });

    it('returns bigint ids and decimals as strings, floats and booleans as JSON types', async () => {
      const res = await fixture().table<List>('orders', { ids: '1,7,2000' });
      expect(res.body.resource).toEqual([1, 7, 2000].map((id) => apiOrder(data.orders.find((o) => o.id === id) as OrderRow)));
      const products = await fixture().table<List>('products', { limit: '40' });
      expect(products.body.resource).toEqual(data.products.slice(0, 40).map(apiProduct));
    });

    it('reads NULL in every nullable column', async () => {
      const res = await fixture().get<Record<string, unknown>>(`/api/v1/shop/_table/customers/${DEMO_IDS.customers.allNulls}`);
      expect(res.body).toMatchObject({ preferences: null, birth_date: null, avatar: null });
    });

    it('reads a view', async () => {
      const res = await fixture().table<List>('customer_order_summary', { filter: `customer_id = ${DEMO_IDS.customers.obrien}` });
      expect(res.body.resource).toHaveLength(1);
      const expected = data.orders.filter((o) => o.customer_id === DEMO_IDS.customers.obrien && o.status !== 'cancelled');
      const row = res.body.resource[0] as Record<string, unknown>;
      expect(Number(row.order_count)).toBe(expected.length);
      expect(cents(String(row.total_spent))).toBe(expected.reduce((sum, o) => sum + cents(o.total), 0));
    });
  });

  describe('filter operators', () => {
    const cases: [string, string, (p: ProductRow) => boolean][] = [
      ['=', 'category_id = 7', (p) => p.category_id === 7],
      ['!=', 'category_id != 7', (p) => p.category_id !== 7],
      ['<>', 'category_id <> 7', (p) => p.category_id !== 7],
      ['> on decimals', 'price > 250', (p) => cents(p.price) > 25000],
      ['>=', 'price >= 99.99', (p) => cents(p.price) >= 9999],
      ['<', 'price < 10.5', (p) => cents(p.price) < 1050],
      ['<=', 'price <= 10.49', (p) => cents(p.price) <= 1049],
      ['negative numbers', 'price > -1', () => true],
      ['IN', 'category_id IN (3, 5, 8)', (p) => [3, 5, 8].includes(p.category_id)],
      ['NOT IN', 'category_id NOT IN (3, 5, 8)', (p) => ![3, 5, 8].includes(p.category_id)],
      ['IS NULL', 'released_on IS NULL', (p) => p.released_on === null],
      ['IS NOT NULL', 'weight_kg IS NOT NULL', (p) => p.weight_kg !== null],
      ['BETWEEN', 'price BETWEEN 20 AND 30', (p) => cents(p.price) >= 2000 && cents(p.price) <= 3000],
      ['NOT BETWEEN', 'price NOT BETWEEN 20 AND 30', (p) => cents(p.price) < 2000 || cents(p.price) > 3000],
      ['LIKE', "sku LIKE 'C_C-%'", (p) => /^C.C-/.test(p.sku)],
      ['NOT LIKE', "sku NOT LIKE '%1'", (p) => !p.sku.endsWith('1')],
      ['CONTAINS escapes %', "name CONTAINS '%'", (p) => p.name.includes('%')],
      ['CONTAINS escapes _', "name CONTAINS '_'", (p) => p.name.includes('_')],
      ['STARTS WITH', "sku STARTS WITH 'COO-'", (p) => p.sku.startsWith('COO-')],
      ['ENDS WITH', "sku ENDS WITH '7'", (p) => p.sku.endsWith('7')],
      ['NOT CONTAINS', "sku NOT CONTAINS '5'", (p) => !p.sku.includes('5')],
      ['booleans', 'is_active = false', (p) => !p.is_active],
      ['dates', "released_on >= '2024-01-01'", (p) => p.released_on !== null && p.released_on >= '2024-01-01'],
      ['qualified names', 'products.category_id = 4', (p) => p.category_id === 4],
      ['AND binds tighter than OR', 'category_id = 3 OR category_id = 4 AND is_active = false', (p) => p.category_id === 3 || (p.category_id === 4 && !p.is_active)],
      ['parentheses', '(category_id = 3 OR category_id = 4) AND is_active = false', (p) => (p.category_id === 3 || p.category_id === 4) && !p.is_active],
      ['NOT', 'NOT (category_id = 3 OR price < 50)', (p) => !(p.category_id === 3 || cents(p.price) < 5000)],
      ['case-insensitive keywords', 'price < 100 and not is_active = true Or category_id iN (3)', (p) => (cents(p.price) < 10000 && !p.is_active) || p.category_id === 3],
    ];
    it.each(cases)('%s: %s', async (_name, filter, predicate) => {
      const res = await fixture().table<List>('products', { filter, fields: 'id', limit: '1000' });
      expect(res.status, res.text).toBe(200);
      const expected = data.products.filter(predicate).map((p) => p.id);
      expect(expected.length).toBeGreaterThan(0);
      expect(ids(res.body.resource)).toEqual(expected);
    });

    it('compares enums, timestamps, bigints and unicode and quoted strings', async () => {
      const since = '2025-01-01T00:00:00Z';
      const orders = await fixture().table<List>('orders', { filter: `status = 'shipped' AND placed_at >= '${since}'`, fields: 'id', limit: '1000' });
      expect(ids(orders.body.resource)).toEqual(data.orders.filter((o) => o.status === 'shipped' && o.placed_at >= since).map((o) => o.id));
      const bigint = await fixture().table<List>('orders', { filter: 'id > 1995', fields: 'id' });
      expect(bigint.body.resource).toEqual(['1996', '1997', '1998', '1999', '2000'].map((id) => ({ id })));
      const li = await fixture().table<List>('customers', { filter: `full_name = '${customer(DEMO_IDS.customers.li).full_name}'`, fields: 'id' });
      expect(ids(li.body.resource)).toEqual([DEMO_IDS.customers.li]);
      const obrien = await fixture().table<List>('customers', { filter: "full_name = 'Patrick O''Brien'", fields: 'id' });
      expect(ids(obrien.body.resource)).toEqual([DEMO_IDS.customers.obrien]);
      const shipped = await fixture().table<List>('orders', { filter: "shipped_at < '2024-03-01 12:00:00+01:00'", fields: 'id', limit: '1000' });
      const cutoff = '2024-03-01T11:00:00Z';
      expect(ids(shipped.body.resource)).toEqual(data.orders.filter((o) => o.shipped_at !== null && o.shipped_at < cutoff).map((o) => o.id));
    });

    it('filters on composite-key tables and combines filter with ids', async () => {
      const res = await fixture().table<List>('order_items', { filter: 'quantity >= 4', ids: '1,2;3,4', fields: 'order_id,product_id' });
      expect(res.status).toBe(200);
      const wanted = data.order_items.filter((i) => i.quantity >= 4 && ((i.order_id === 1 && i.product_id === 2) || (i.order_id === 3 && i.product_id === 4)));
      expect(res.body.resource).toEqual(wanted.map((i) => ({ order_id: String(i.order_id), product_id: i.product_id })));
    });
  });

  describe('fields, order and ids', () => {
    it('returns only the requested fields, in the requested order', async () => {
      const res = await fixture().table<List>('customers', { fields: 'email,id', limit: '2' });
      expect(res.body.resource).toEqual(data.customers.slice(0, 2).map((c) => ({ email: c.email, id: c.id })));
      expect(Object.keys(res.body.resource[0] ?? {})).toEqual(['email', 'id']);
    });

    it('orders by several columns and directions, with the key as a tie-breaker', async () => {
      const res = await fixture().table<List>('order_items', { order: 'quantity DESC, unit_price asc', fields: 'order_id,product_id,quantity,unit_price', limit: '60' });
      const expected = [...data.order_items]
        .sort((a, b) => b.quantity - a.quantity || cents(a.unit_price) - cents(b.unit_price) || a.order_id - b.order_id || a.product_id - b.product_id)
        .slice(0, 60)
        .map((i) => ({ order_id: String(i.order_id), product_id: i.product_id, quantity: i.quantity, unit_price: i.unit_price }));
      expect(res.body.resource).toEqual(expected);
    });

    it('places NULLs as asked on every engine', async () => {
      for (const nulls of ['first', 'last'] as const) {
        const res = await fixture().table<List>('products', { order: `released_on desc nulls ${nulls}`, fields: 'id', limit: '1000' });
        const withDate = data.products.filter((p) => p.released_on !== null).sort((a, b) => (b.released_on as string).localeCompare(a.released_on as string) || a.id - b.id);
        const without = data.products.filter((p) => p.released_on === null);
        const expected = nulls === 'first' ? [...without, ...withDate] : [...withDate, ...without];
        expect(ids(res.body.resource)).toEqual(expected.map((p) => p.id));
      }
    });

    it('reads by ids in every accepted form', async () => {
      const plain = await fixture().table<List>('products', { ids: '5,3,9', fields: 'id' });
      expect(ids(plain.body.resource)).toEqual([3, 5, 9]);
      const json = await fixture().table<List>('products', { ids: '[5, "3"]', fields: 'id' });
      expect(ids(json.body.resource)).toEqual([3, 5]);
      const first = data.order_items[0]!;
      const second = data.order_items[10]!;
      const composite = await fixture().table<List>('order_items', { ids: JSON.stringify([[second.order_id, second.product_id], [first.order_id, first.product_id]]), fields: 'order_id,product_id' });
      expect(composite.body.resource).toEqual([first, second].map((i) => ({ order_id: String(i.order_id), product_id: i.product_id })));
    });

    it('reads one record by id, composite ids in key order', async () => {
      const item = data.order_items[42]!;
      const res = await fixture().get<Record<string, unknown>>(`/api/v1/shop/_table/order_items/${item.order_id},${item.product_id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...item, order_id: String(item.order_id) });
      const fields = await fixture().get(`/api/v1/shop/_table/products/${DEMO_IDS.products.percent}?fields=name`);
      expect(fields.body).toEqual({ name: data.products.find((p) => p.id === DEMO_IDS.products.percent)?.name });
    });

    it('streams NDJSON without the default limit', async () => {
      const res = await fixture().table('order_items', { fields: 'order_id,product_id' }, { headers: { Accept: 'application/x-ndjson' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const lines = res.text.trimEnd().split('\n').map((line) => JSON.parse(line) as { order_id: string; product_id: number });
      expect(lines).toHaveLength(data.order_items.length);
      expect(lines[0]).toEqual({ order_id: String(data.order_items[0]!.order_id), product_id: data.order_items[0]!.product_id });
      const limited = await fixture().table('customers', { fields: 'id', limit: '3', include_count: 'true' }, { headers: { Accept: 'application/x-ndjson' } });
      expect(limited.text).toBe('{"id":1}\n{"id":2}\n{"id":3}\n');
      expect(limited.headers.get('x-total-count')).toBe(String(data.customers.length));
    });
  });

  describe('errors', () => {
    async function expectError(path: string, status: number, reason: string, context: Record<string, unknown> = {}) {
      const res = await fixture().get<ErrorBody>(path);
      expect(res.status, res.text).toBe(status);
      expect(res.body.error).toMatchObject({ code: status, context: { reason, ...context } });
      expect(typeof res.body.error.message).toBe('string');
      return res.body.error;
    }

    it('answers unknown services, tables, records and routes with 404 envelopes', async () => {
      await expectError('/api/v1/nope/_table', 404, 'serviceNotFound', { service: 'nope' });
      const table = await expectError('/api/v1/shop/_table/prodcts', 404, 'tableNotFound', { service: 'shop', table: 'prodcts' });
      expect(table.context.hint).toBe("Did you mean 'products'?");
      await expectError('/api/v1/shop/_table/products/999999', 404, 'recordNotFound');
      await expectError('/api/v2/whatever', 404, 'routeNotFound');
    });

    it('answers bad parameters with 400 envelopes naming what is wrong', async () => {
      await expectError('/api/v1/shop/_table/products?filter=prce%20%3E%201', 400, 'unknownColumn', { column: 'prce', hint: "Did you mean 'price'?" });
      await expectError('/api/v1/shop/_table/products?fields=id,nam', 400, 'unknownColumn', { column: 'nam' });
      await expectError('/api/v1/shop/_table/products?order=id%20sideways', 400, 'filterSyntax');
      await expectError('/api/v1/shop/_table/products?filter=price%20%3E', 400, 'filterSyntax', { parameter: 'filter' });
      await expectError("/api/v1/shop/_table/products?filter=price%20%3D%20'cheap'", 400, 'invalidValue', { column: 'price' });
      await expectError("/api/v1/shop/_table/orders?filter=status%20%3D%20'lost'", 400, 'invalidValue', { column: 'status' });
      await expectError("/api/v1/shop/_table/orders?filter=placed_at%20%3E%20'yesterday'", 400, 'invalidValue');
      await expectError('/api/v1/shop/_table/products?filter=attributes%20%3D%201', 400, 'invalidValue', { column: 'attributes' });
      await expectError('/api/v1/shop/_table/products?limit=ten', 400, 'invalidParameter', { parameter: 'limit' });
      await expectError('/api/v1/shop/_table/products?limit=1&limit=2', 400, 'invalidParameter', { parameter: 'limit' });
      await expectError('/api/v1/shop/_table/products?offset=-5', 400, 'invalidParameter', { parameter: 'offset' });
      await expectError('/api/v1/shop/_table/products?include_count=maybe', 400, 'invalidParameter', { parameter: 'include_count' });
      await expectError('/api/v1/shop/_table/products?ids=1,abc', 400, 'invalidValue', { column: 'id' });
      await expectError('/api/v1/shop/_table/order_items/1', 400, 'invalidId');
      await expectError('/api/v1/shop/_table/customer_order_summary/1', 400, 'noPrimaryKey');
    });

    it('answers HEAD with the headers of GET, its Content-Length included', async () => {
      // Reads whose body does not vary between two requests (a list's meta carries its timing).
      for (const path of ['/api/v1/shop/_table/products/2', '/api/v1/shop/_table/products/987654']) {
        const get = await fixture().get(path);
        const head = await fixture().get(path, { method: 'HEAD' });
        expect(head.status).toBe(get.status);
        expect(head.text).toBe('');
        expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
        // The length of GET's body in bytes (measured here, not taken from the header).
        expect(Number(get.headers.get('content-length'))).toBe(Buffer.byteLength(get.text));
        expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
      }
      const list = await fixture().get('/api/v1/shop/_table/products?limit=3', { method: 'HEAD' });
      expect(Number(list.headers.get('content-length'))).toBeGreaterThan(0);
    });

    it('answers methods a path lacks with 405 and its Allow list, and unacceptable media types with 406', async () => {
      const post = await fixture().get<ErrorBody>('/api/v1/shop/_table', { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      const postRecord = await fixture().get<ErrorBody>('/api/v1/shop/_table/products/1', { method: 'POST' });
      expect(postRecord.status).toBe(405);
      expect(postRecord.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, DELETE');
      const csv = await fixture().table<ErrorBody>('products', {}, { headers: { Accept: 'text/csv' } });
      expect(csv.status).toBe(406);
      expect(csv.body.error.context.reason).toBe('notAcceptable');
    });

    it('never answers hostile input with a 5xx, raw SQL or anything but the envelope', async () => {
      const hostile = [
        "name = 'x'; DROP TABLE products; --",
        "name = 'x' OR 1=1",
        'name = "x"',
        "name = 'x' /* comment */",
        "1 = 1",
        "name = '\u0000'",
        "name LIKE '%' ESCAPE '\\'",
        `${'('.repeat(5000)}id = 1${')'.repeat(5000)}`,
        `id IN (${Array.from({ length: 1500 }, (_, i) => i).join(',')})`,
        'x'.repeat(20_000),
        "name = 'unterminated",
        'id = 99999999999999999999999',
        "sku = 'SKU-0001' UNION SELECT * FROM customers",
        'price > 1e400',
      ];
      for (const filter of hostile) {
        const res = await fixture().table<ErrorBody | List>('products', { filter });
        expect(res.status, `${filter.slice(0, 60)} → ${res.text.slice(0, 200)}`).toBeLessThan(500);
        if (res.status !== 200) {
          expect((res.body as ErrorBody).error.code).toBe(res.status);
          expect(res.text).not.toMatch(/SELECT|syntax error at|ER_|sqlMessage/i);
        }
      }
      const tables = await fixture().get('/api/v1/shop/_table/products%22%3B%20DROP%20TABLE%20x%3B--');
      expect(tables.status).toBe(404);
    });
  });

  describe('probes', () => {
    it('reports liveness and readiness', async () => {
      expect((await fixture().get('/healthz')).body).toEqual({ status: 'ok' });
      const ready = await fixture().get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ok', checks: { shop: 'ok' } });
    });
  });
});
