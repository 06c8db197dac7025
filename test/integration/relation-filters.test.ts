/**
 * Filters and orders through relations over real HTTP, once per engine, against the demo database
 * (read-only): `filter=customer.tier = 'gold'` (many-to-one), `order_items.quantity > 4`
 * (one-to-many), `products.…` (many-to-many through order_items), `parent.slug` (self-reference) and
 * `order=customer.birth_date desc` (a to-one relation's column). Every expectation is computed here
 * from separate plain reads of the tables involved, never from the response under test.
 *
 * Permissions: the related table is authorized like a read of its own (403 without a rule for it,
 * 403 for a hidden column of it), and its row filter applies inside the subquery, so a filter or an
 * order through a relation cannot reveal related rows the role may not see.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEngines, type HttpResult } from '../support/engines.js';

type Row = Record<string, unknown>;
interface List {
  resource: Row[];
  meta: { count: number; total?: number };
}
interface ErrorBody {
  error: { code: number; message: string; context: Record<string, unknown> };
}

const GET = 1;
const rule = (component: string, extra: { filter?: string; fields?: string[] } = {}) => ({ service_name: 'shop', component, verb_mask: GET, ...extra });

const ROLES = {
  /** Orders, but not customers. */
  orders_only: [rule('_table/orders')],
  /** Orders, and only the gold customers. */
  gold_customers: [rule('_table/orders'), rule('_table/customers', { filter: "tier = 'gold'" })],
  /** Orders, and some columns of customers. */
  customer_columns: [rule('_table/orders'), rule('_table/customers', { fields: ['id', 'tier', 'birth_date'] })],
  /** Orders of gold customers, by a row filter through the relation (the administrator's rule). */
  gold_orders: [rule('_table/orders', { filter: "customer.tier = 'gold'" })],
} as const;
type RoleName = keyof typeof ROLES;

const num = (value: unknown) => Number(value);
const sortedIds = (rows: readonly Row[]) => rows.map((r) => num(r.id)).sort((a, b) => a - b);

describeEngines('Filters and orders through relations', (fixture) => {
  const keys = new Map<RoleName, string>();
  let customers: Row[] = [];
  let orders: Row[] = [];
  let items: Row[] = [];
  let products: Row[] = [];
  let categories: Row[] = [];

  /** Every row of a table, in key order, paging by the maximum limit. */
  async function readAll(table: string, fields: string, init?: RequestInit): Promise<Row[]> {
    const rows: Row[] = [];
    for (let offset = 0; ; offset += 1000) {
      const res = await fixture().table<List>(table, { fields, limit: '1000', offset: String(offset) }, init);
      expect(res.status, res.text).toBe(200);
      rows.push(...res.body.resource);
      if (res.body.resource.length < 1000) return rows;
    }
  }

  /** A filtered read of every matching row (at most 2000) as `role` (or the admin). */
  async function read(table: string, params: Record<string, string>, role?: RoleName): Promise<HttpResult<List & ErrorBody>> {
    const init = role ? { headers: { 'X-API-Key': keys.get(role) as string } } : undefined;
    return fixture().table<List & ErrorBody>(table, { limit: '1000', ...params }, init);
  }

  beforeAll(async () => {
    for (const [name, access] of Object.entries(ROLES) as [RoleName, (typeof ROLES)[RoleName]][]) {
      const send = (path: string, body: unknown) =>
        fixture().get<{ id: number; api_key: string }>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const role = await send('/api/v1/system/role', { name, access });
      expect(role.status, role.text).toBe(201);
      const key = await send('/api/v1/system/api-key', { role_id: role.body.id, label: name });
      expect(key.status, key.text).toBe(201);
      keys.set(name, key.body.api_key);
    }
    customers = await readAll('customers', 'id,tier,full_name,birth_date');
    orders = await readAll('orders', 'id,customer_id');
    items = await readAll('order_items', 'order_id,product_id,quantity');
    products = await readAll('products', 'id,sku');
    categories = await readAll('categories', 'id,parent_id,slug');
  });

  const tierOf = (customerId: unknown) => customers.find((c) => num(c.id) === num(customerId))?.tier;
  const ordersWhere = (predicate: (order: Row) => boolean) => orders.filter(predicate).map((o) => num(o.id)).sort((a, b) => a - b);

  describe('filters', () => {
    it("many-to-one: customer.tier = 'gold' returns exactly the orders of gold customers", async () => {
      const expected = ordersWhere((o) => tierOf(o.customer_id) === 'gold');
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(orders.length);
      const res = await read('orders', { filter: "customer.tier = 'gold'", fields: 'id', include_count: 'true' });
      expect(res.status, res.text).toBe(200);
      expect(sortedIds(res.body.resource)).toEqual(expected);
      expect(res.body.meta.total).toBe(expected.length);
    });

    it('combines relation conditions with the table\'s own, and negates them', async () => {
      const res = await read('orders', { filter: "NOT customer.tier IN ('gold', 'platinum') AND id <= 300", fields: 'id' });
      expect(res.status, res.text).toBe(200);
      expect(sortedIds(res.body.resource)).toEqual(ordersWhere((o) => !['gold', 'platinum'].includes(tierOf(o.customer_id) as string) && num(o.id) <= 300));
    });

    it('one-to-many: order_items.quantity > 4 returns the orders having such an item', async () => {
      const withBig = new Set(items.filter((i) => num(i.quantity) > 4).map((i) => num(i.order_id)));
      const expected = ordersWhere((o) => withBig.has(num(o.id)));
      expect(expected.length).toBeGreaterThan(0);
      const res = await read('orders', { filter: 'order_items.quantity > 4', fields: 'id' });
      expect(res.status, res.text).toBe(200);
      expect(sortedIds(res.body.resource)).toEqual(expected);
    });

    it('applies ANDed conditions through the same relation to one related row', async () => {
      const product = num(items.find((i) => num(i.quantity) > 2)?.product_id);
      const same = new Set(items.filter((i) => num(i.quantity) <= 2 && num(i.product_id) === product).map((i) => num(i.order_id)));
      const res = await read('orders', { filter: `order_items.quantity <= 2 AND order_items.product_id = ${product}`, fields: 'id' });
      expect(res.status, res.text).toBe(200);
      expect(sortedIds(res.body.resource)).toEqual(ordersWhere((o) => same.has(num(o.id))));
    });

    it('many-to-many: products.sku goes through the order_items junction', async () => {
      const sku = String(products[0]?.sku);
      const productIds = new Set(products.filter((p) => p.sku === sku).map((p) => num(p.id)));
      const containing = new Set(items.filter((i) => productIds.has(num(i.product_id))).map((i) => num(i.order_id)));
      const res = await read('orders', { filter: `products.sku = '${sku}'`, fields: 'id' });
      expect(res.status, res.text).toBe(200);
      expect(sortedIds(res.body.resource)).toEqual(ordersWhere((o) => containing.has(num(o.id))));
      expect(res.body.resource.length).toBeGreaterThan(0);
    });

    it('self-reference: parent.slug on categories compares the parent row, not the row itself', async () => {
      const root = categories.find((c) => c.parent_id === null && categories.some((child) => child.parent_id === c.id)) as Row;
      const res = await read('categories', { filter: `parent.slug = '${String(root.slug)}'`, fields: 'id' });
      expect(res.status, res.text).toBe(200);
      const expected = categories.filter((c) => c.parent_id === root.id).map((c) => num(c.id));
      expect(sortedIds(res.body.resource)).toEqual(expected.sort((a, b) => a - b));
      expect(expected).not.toContain(num(root.id));
    });

    it('answers 400 for unknown relation columns, and for relation conditions in writes', async () => {
      const unknown = await read('orders', { filter: "customer.nickname = 'x'" });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.context).toMatchObject({ reason: 'unknownColumn', table: 'customers' });
      // A filter matching no row: even if it were carried out, nothing in the shared demo would change.
      const write = await fixture().get<ErrorBody>(`/api/v1/shop/_table/orders?filter=${encodeURIComponent("customer.email = 'nobody@nowhere.invalid'")}`, { method: 'DELETE' });
      expect(write.status, write.text).toBe(400);
      expect(write.body.error.context).toMatchObject({ reason: 'relationFilterUnavailable', relation: 'customer' });
    });
  });

  describe('order by a to-one relation\'s column', () => {
    /** Order ids sorted by their customer's birth date (nulls last when descending), then id. */
    function expectedOrder(rows: readonly Row[], birthDate: (customerId: unknown) => string | null, direction: 'asc' | 'desc', nulls: 'first' | 'last'): number[] {
      return rows
        .map((o) => ({ id: num(o.id), date: birthDate(o.customer_id) }))
        .sort((a, b) => {
          if (a.date !== b.date) {
            if (a.date === null) return nulls === 'first' ? -1 : 1;
            if (b.date === null) return nulls === 'first' ? 1 : -1;
            return (a.date < b.date ? -1 : 1) * (direction === 'asc' ? 1 : -1);
          }
          return a.id - b.id;
        })
        .map((o) => o.id);
    }
    const birthDate = (customerId: unknown) => (customers.find((c) => num(c.id) === num(customerId))?.birth_date as string | null) ?? null;

    it('order=customer.birth_date desc nulls last sorts orders by their customer, then by key', async () => {
      const subset = orders.filter((o) => num(o.customer_id) <= 60);
      expect(subset.some((o) => birthDate(o.customer_id) === null)).toBe(true);
      const res = await read('orders', { filter: 'customer_id <= 60', order: 'customer.birth_date desc nulls last', fields: 'id' });
      expect(res.status, res.text).toBe(200);
      expect(res.body.resource.map((r) => num(r.id))).toEqual(expectedOrder(subset, birthDate, 'desc', 'last'));
    });

    it('orders embedded rows by a relation of theirs (related=order_items&order_items.order=product.sku)', async () => {
      const order = orders.find((o) => items.filter((i) => num(i.order_id) === num(o.id)).length >= 3) as Row;
      const query = new URLSearchParams({ fields: 'id', related: 'order_items', 'order_items.fields': 'product_id', 'order_items.order': 'product.sku desc' });
      const res = await fixture().get<Row>(`/api/v1/shop/_table/orders/${String(order.id)}?${query.toString()}`);
      expect(res.status, res.text).toBe(200);
      const skuOf = (id: unknown) => String(products.find((p) => num(p.id) === num(id))?.sku);
      const expected = items.filter((i) => num(i.order_id) === num(order.id)).map((i) => num(i.product_id)).sort((a, b) => (skuOf(a) < skuOf(b) ? 1 : -1));
      expect((res.body.order_items as Row[]).map((i) => num(i.product_id))).toEqual(expected);
    });

    it('refuses to order by a to-many relation', async () => {
      const res = await read('orders', { order: 'order_items.quantity' });
      expect(res.status).toBe(400);
      expect(res.body.error.context).toMatchObject({ reason: 'invalidParameter', parameter: 'order' });
    });
  });

  describe('permissions', () => {
    const goldOrders = () => ordersWhere((o) => tierOf(o.customer_id) === 'gold');

    it('403 for a filter or an order through a table the role may not read', async () => {
      const plain = await read('orders', { fields: 'id', limit: '5' }, 'orders_only');
      expect(plain.status, plain.text).toBe(200);
      for (const params of [{ filter: "customer.tier = 'gold'" }, { order: 'customer.birth_date' }] as Record<string, string>[]) {
        const res = await read('orders', params, 'orders_only');
        expect(res.status, res.text).toBe(403);
        expect(res.body.resource).toBeUndefined();
        expect(res.body.error.context).toMatchObject({ component: '_table/customers', denial: 'noMatchingRule' });
      }
    });

    it('403 for a hidden column of the related table; its visible columns work', async () => {
      for (const params of [{ filter: "customer.full_name = 'x'" }, { order: 'customer.full_name' }] as Record<string, string>[]) {
        const res = await read('orders', params, 'customer_columns');
        expect(res.status, res.text).toBe(403);
        expect(res.body.error.context).toEqual({ reason: 'columnNotAllowed', table: 'customers', column: 'full_name' });
      }
      const res = await read('orders', { filter: "customer.tier = 'gold'", fields: 'id' }, 'customer_columns');
      expect(res.status, res.text).toBe(200);
      expect(sortedIds(res.body.resource)).toEqual(goldOrders());
    });

    it('applies the related table\'s row filter inside the subquery, so hidden customers cannot be detected', async () => {
      // The admin sees silver customers' orders; the role, whose customers are only the gold ones, must not.
      const silver = await read('orders', { filter: "customer.tier = 'silver'", fields: 'id' });
      expect(silver.body.resource.length).toBeGreaterThan(0);
      const hidden = await read('orders', { filter: "customer.tier = 'silver'", fields: 'id', include_count: 'true' }, 'gold_customers');
      expect(hidden.status, hidden.text).toBe(200);
      expect(hidden.body.resource).toEqual([]);
      expect(hidden.body.meta.total).toBe(0);
      // "Has a customer" holds exactly for the orders whose customer the role may see.
      const visible = await read('orders', { filter: 'customer.id > 0', fields: 'id' }, 'gold_customers');
      expect(sortedIds(visible.body.resource)).toEqual(goldOrders());
    });

    it('orders by a hidden related row as by NULL', async () => {
      const subset = orders.filter((o) => num(o.customer_id) <= 60);
      const res = await read('orders', { filter: 'customer_id <= 60', order: 'customer.birth_date asc nulls first', fields: 'id' }, 'gold_customers');
      expect(res.status, res.text).toBe(200);
      const goldBirthDate = (id: unknown) => (tierOf(id) === 'gold' ? ((customers.find((c) => num(c.id) === num(id))?.birth_date as string | null) ?? null) : null);
      const expected = subset
        .map((o) => ({ id: num(o.id), date: goldBirthDate(o.customer_id) }))
        .sort((a, b) => (a.date === b.date ? a.id - b.id : a.date === null ? -1 : b.date === null ? 1 : a.date < b.date ? -1 : 1))
        .map((o) => o.id);
      expect(res.body.resource.map((r) => num(r.id))).toEqual(expected);
    });

    it('lets an administrator write a row filter through a relation', async () => {
      const res = await read('orders', { fields: 'id', include_count: 'true' }, 'gold_orders');
      expect(res.status, res.text).toBe(200);
      expect(sortedIds(res.body.resource)).toEqual(goldOrders());
      expect(res.body.meta.total).toBe(goldOrders().length);
    });
  });
});
