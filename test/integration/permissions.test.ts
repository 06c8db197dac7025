/**
 * Role-based access control over real HTTP, once per engine (PGlite, PostgreSQL, MariaDB).
 *
 * The suite creates roles and one API key per role through the System API (as the admin), then
 * checks a matrix of role × table → outcome for a plain read, plus the listing, with the status and
 * the whole error envelope; the roles that shape reads (a column allow-list, a row filter) get their
 * own cases. Every expected row set is computed from the demo data generator, never copied from a
 * response, and every restricted read also asserts what must NOT be there (hidden columns, rows
 * outside the filter), so the suite fails if authorization were bypassed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoData, type DemoData, type OrderRow } from '../../src/demo/demo-data.js';
import { DEMO_TABLES, DEMO_VIEWS } from '../../src/demo/demo-sql.js';
import { describeEngines, type HttpResult } from '../support/engines.js';

const data = generateDemoData();

interface List<T = Record<string, unknown>> {
  resource: T[];
  meta: { count: number; total?: number; limit?: number; offset?: number };
}
interface ErrorBody {
  error: { code: number; message: string; context: Record<string, unknown> & { reason: string } };
}

// ---------------------------------------------------------------------------------------------
// Roles, as the System API takes them

interface RuleBody {
  service_name: string;
  component: string;
  verb_mask: number;
  filter?: string;
  fields?: string[];
}
interface RoleSpec {
  is_active?: boolean;
  access: RuleBody[];
}

const GET = 1;
const POST = 2;
const rule = (service_name: string, component: string, verb_mask: number, extra: Pick<RuleBody, 'filter' | 'fields'> = {}): RuleBody => ({
  service_name,
  component,
  verb_mask,
  ...extra,
});

const LIMITED_FIELDS = ['id', 'email', 'tier'];
const PAID = "status = 'paid'";

const ROLES = {
  reader_all: { access: [rule('*', '*', GET)] },
  orders_only: { access: [rule('shop', '_table/orders', GET)] },
  prefix_match: { access: [rule('sh*', '_table/*', GET)] },
  prefix_whole_name: { access: [rule('shop*', '_table/*', GET)] },
  prefix_miss: { access: [rule('shx*', '_table/*', GET)] },
  customers_limited: { access: [rule('shop', '_table/customers', GET, { fields: LIMITED_FIELDS })] },
  paid_orders: { access: [rule('shop', '_table/orders', GET, { filter: PAID })] },
  specific_beats_broad: { access: [rule('shop', '_table/*', GET), rule('shop', '_table/customers', 0)] },
  specific_first: { access: [rule('shop', '_table/customers', 0), rule('shop', '_table/*', GET)] },
  broad_deny_specific_allow: { access: [rule('*', '*', 0), rule('shop', '_table/orders', GET)] },
  post_only: { access: [rule('shop', '_table/*', POST)] },
  inactive: { is_active: false, access: [rule('*', '*', GET)] },
  filter_unknown_column: { access: [rule('shop', '_table/*', GET, { filter: 'tenant_id = 1' })] },
  other_service: { access: [rule('warehouse', '*', 31)] },
  no_rules: { access: [] },
} satisfies Record<string, RoleSpec>;

type RoleName = keyof typeof ROLES;
type Caller = RoleName | 'anonymous';

// ---------------------------------------------------------------------------------------------
// The matrix: a plain GET of each table (and of the listing) per caller.
//   OK   200, rows as the generator has them (shaped by the role's fields/filter)
//   NR   403 forbidden, denial noMatchingRule       VB   403 forbidden, denial verbNotAllowed
//   IN   403 forbidden, inactive role (no denial)   RF   403 rowFilterNotApplicable
//   AN   401 noCredentials

const OK = 'ok';
const NR = 'noMatchingRule';
const VB = 'verbNotAllowed';
const IN = 'inactive';
const RF = 'rowFilterNotApplicable';
const AN = 'noCredentials';
type Cell = typeof OK | typeof NR | typeof VB | typeof IN | typeof RF | typeof AN;
type Denied = Exclude<Cell, typeof OK>;

const COLUMNS = ['categories', 'customers', 'products', 'tags', 'product_tags', 'orders', 'order_items', 'customer_order_summary'] as const;
type TableName = (typeof COLUMNS)[number];
type Cells = readonly [Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell];
/** The listing `GET /_table`: every table, exactly these names, or a refusal. */
type Listing = 'all' | readonly TableName[] | Denied;

const MATRIX: Readonly<Record<Caller, { readonly tables: Cells; readonly listing: Listing }>> = {
  //                                   categories customers products tags product_tags orders order_items customer_order_summary
  reader_all: /*                */ { tables: [OK, OK, OK, OK, OK, OK, OK, OK], listing: 'all' },
  orders_only: /*               */ { tables: [NR, NR, NR, NR, NR, OK, NR, NR], listing: ['orders'] },
  prefix_match: /*              */ { tables: [OK, OK, OK, OK, OK, OK, OK, OK], listing: 'all' },
  prefix_whole_name: /*         */ { tables: [OK, OK, OK, OK, OK, OK, OK, OK], listing: 'all' },
  prefix_miss: /*               */ { tables: [NR, NR, NR, NR, NR, NR, NR, NR], listing: NR },
  customers_limited: /*         */ { tables: [NR, OK, NR, NR, NR, NR, NR, NR], listing: ['customers'] },
  paid_orders: /*               */ { tables: [NR, NR, NR, NR, NR, OK, NR, NR], listing: ['orders'] },
  specific_beats_broad: /*      */ { tables: [OK, VB, OK, OK, OK, OK, OK, OK], listing: 'all' },
  specific_first: /*            */ { tables: [OK, VB, OK, OK, OK, OK, OK, OK], listing: 'all' },
  broad_deny_specific_allow: /* */ { tables: [VB, VB, VB, VB, VB, OK, VB, VB], listing: ['orders'] },
  post_only: /*                 */ { tables: [VB, VB, VB, VB, VB, VB, VB, VB], listing: VB },
  inactive: /*                  */ { tables: [IN, IN, IN, IN, IN, IN, IN, IN], listing: IN },
  filter_unknown_column: /*     */ { tables: [RF, RF, RF, RF, RF, RF, RF, RF], listing: 'all' },
  other_service: /*             */ { tables: [NR, NR, NR, NR, NR, NR, NR, NR], listing: NR },
  no_rules: /*                  */ { tables: [NR, NR, NR, NR, NR, NR, NR, NR], listing: NR },
  anonymous: /*                 */ { tables: [AN, AN, AN, AN, AN, AN, AN, AN], listing: AN },
};

// ---------------------------------------------------------------------------------------------
// Expectations from the generator

const cents = (decimal: string) => Math.round(Number(decimal) * 100);
const paidOrders = data.orders.filter((o) => o.status === 'paid');
const nonPaidOrder = data.orders.find((o) => o.status !== 'paid') as OrderRow;
const firstPaidOrder = paidOrders[0] as OrderRow;

const PRIMARY_KEYS: Readonly<Record<TableName, readonly string[]>> = {
  categories: ['id'],
  customers: ['id'],
  products: ['id'],
  tags: ['id'],
  product_tags: ['product_id', 'tag_id'],
  orders: ['id'],
  order_items: ['order_id', 'product_id'],
  customer_order_summary: [], // a view: no key, engine order
};
const VIEW_COLUMNS = ['customer_id', 'full_name', 'order_count', 'total_spent'];

/** The rows `caller` may read from `table`, as generator rows, in primary-key order. */
function visibleRows(caller: Caller, table: TableName): Record<string, unknown>[] {
  if (table === 'customer_order_summary') return data.customers.map((c) => ({ customer_id: c.id }));
  const rows = (data[table as keyof DemoData] as unknown as Record<string, unknown>[]).filter(
    (row) => !(caller === 'paid_orders' && table === 'orders') || row.status === 'paid',
  );
  const key = PRIMARY_KEYS[table];
  return [...rows].sort((a, b) => {
    for (const column of key) {
      const diff = Number(a[column]) - Number(b[column]);
      if (diff !== 0) return diff;
    }
    return 0;
  });
}

/** The columns a plain read of `table` returns to `caller`, in table order. */
function visibleColumns(caller: Caller, table: TableName): string[] {
  if (caller === 'customers_limited' && table === 'customers') return LIMITED_FIELDS;
  if (table === 'customer_order_summary') return VIEW_COLUMNS;
  return Object.keys((data[table as keyof DemoData] as unknown as Record<string, unknown>[])[0] ?? {});
}

const keyOf = (table: TableName, row: Record<string, unknown>) => PRIMARY_KEYS[table].map((column) => Number(row[column]));
const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r.id));

/** The API's timestamp form of a generator timestamp: fraction without trailing zeros. */
function apiTimestamp(iso: string | null): string | null {
  if (iso === null) return null;
  return iso.replace(/(\.\d*?)0+Z$/, '$1Z').replace(/\.Z$/, 'Z');
}
const apiOrder = (o: OrderRow) => ({ ...o, id: String(o.id), placed_at: apiTimestamp(o.placed_at), shipped_at: apiTimestamp(o.shipped_at) });
const limitedCustomer = (id: number) => {
  const c = data.customers.find((row) => row.id === id);
  if (!c) throw new Error(`no customer ${id} in the generator`);
  return { id: c.id, email: c.email, tier: c.tier };
};

// ---------------------------------------------------------------------------------------------

describeEngines('Permissions', (fixture) => {
  const keys = new Map<RoleName, string>();

  /** A System API write as the admin; throws unless it answers `expected`. */
  async function adminSend<T>(method: string, path: string, body: unknown, expected: number): Promise<T> {
    const res = await fixture().get<T>(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== expected) throw new Error(`${method} ${path} → ${res.status} ${res.text}`);
    return res.body;
  }

  async function createRoleWithKey(name: string, spec: RoleSpec): Promise<{ roleId: number; key: string }> {
    const role = await adminSend<{ id: number; name: string; is_active: boolean }>('POST', '/api/v1/system/role', { name, ...spec }, 201);
    expect(role).toMatchObject({ name, is_active: spec.is_active ?? true });
    const key = await adminSend<{ api_key: string; role_id: number }>('POST', '/api/v1/system/api-key', { role_id: role.id, label: name }, 201);
    expect(key.role_id).toBe(role.id);
    return { roleId: role.id, key: key.api_key };
  }

  beforeAll(async () => {
    for (const [name, spec] of Object.entries(ROLES) as [RoleName, RoleSpec][]) {
      keys.set(name, (await createRoleWithKey(name, spec)).key);
    }
  });

  /** Request options that send `caller`'s credentials (none for anonymous). */
  function as(caller: Caller, headers: Record<string, string> = {}): RequestInit & { anonymous?: boolean } {
    if (caller === 'anonymous') return { anonymous: true, headers };
    const key = keys.get(caller);
    if (!key) throw new Error(`no API key for role ${caller}`);
    return { headers: { ...headers, 'X-API-Key': key } };
  }

  const read = <T = List>(caller: Caller, table: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    fixture().table<T>(table, params, as(caller, headers));
  const record = <T = Record<string, unknown>>(caller: Caller, table: string, id: string | number, query = '') =>
    fixture().get<T>(`/api/v1/shop/_table/${table}/${id}${query}`, as(caller));

  /** The envelope of a refusal: status, code, and the exact context. */
  function expectDenied(res: HttpResult<unknown>, cell: Denied, caller: Caller, component: string, table?: string): void {
    const status = cell === AN ? 401 : 403;
    expect(res.status, res.text).toBe(status);
    const body = res.body as ErrorBody & { resource?: unknown };
    expect(body.resource).toBeUndefined();
    expect(body.error.code).toBe(status);
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message.length).toBeGreaterThan(0);
    const context = { role: caller, service: 'shop', component, verb: 'GET' };
    switch (cell) {
      case AN:
        expect(body.error.context).toEqual({ reason: 'noCredentials' });
        break;
      case NR:
      case VB:
        expect(body.error.context).toEqual({ reason: 'forbidden', ...context, denial: cell });
        break;
      case IN:
        expect(body.error.context).toEqual({ reason: 'forbidden', ...context });
        expect(body.error.message).toMatch(/inactive/);
        break;
      case RF:
        expect(body.error.context).toEqual({ reason: 'rowFilterNotApplicable', role: caller, table });
        // The rule belongs to the administrator: its text must not leak to the caller.
        expect(res.text).not.toContain('tenant_id');
        break;
    }
  }

  it('covers every table and view of the demo in the matrix', () => {
    expect([...COLUMNS].sort()).toEqual([...DEMO_TABLES, ...DEMO_VIEWS].sort());
    expect(Object.keys(MATRIX).sort()).toEqual([...Object.keys(ROLES), 'anonymous'].sort());
  });

  describe('matrix: role × table', () => {
    for (const [caller, row] of Object.entries(MATRIX) as [Caller, (typeof MATRIX)[Caller]][]) {
      describe(caller, () => {
        COLUMNS.forEach((table, column) => {
          const cell = row.tables[column] as Cell;
          it(`GET _table/${table} → ${cell}`, async () => {
            const res = await read(caller, table, { include_count: 'true', limit: '5' });
            if (cell !== OK) {
              expectDenied(res, cell, caller, `_table/${table}`, table);
              return;
            }
            expect(res.status, res.text).toBe(200);
            const expected = visibleRows(caller, table);
            const body = res.body as List;
            expect(body.meta.total).toBe(expected.length);
            expect(body.meta.count).toBe(Math.min(5, expected.length));
            const columns = visibleColumns(caller, table);
            for (const returned of body.resource) expect(Object.keys(returned)).toEqual(columns);
            if (PRIMARY_KEYS[table].length > 0) {
              expect(body.resource.map((r) => keyOf(table, r))).toEqual(expected.slice(0, 5).map((r) => keyOf(table, r)));
            }
            if (caller === 'paid_orders') for (const order of body.resource) expect(order.status).toBe('paid');
          });
        });

        it(`GET _table (listing) → ${typeof row.listing === 'string' ? row.listing : row.listing.join(',')}`, async () => {
          const res = await fixture().get<List<{ name: string }>>('/api/v1/shop/_table', as(caller));
          const { listing } = row;
          if (listing !== 'all' && typeof listing === 'string') {
            expectDenied(res, listing, caller, '_table');
            return;
          }
          expect(res.status, res.text).toBe(200);
          if (listing === 'all') {
            expect(res.body.resource.map((r) => r.name).sort()).toEqual([...COLUMNS].sort());
          } else {
            expect(res.body).toEqual({ resource: listing.map((name) => ({ name })), meta: { count: listing.length } });
          }
        });
      });
    }
  });

  describe('customers_limited: fields id, email, tier', () => {
    const hidden = ['uuid', 'full_name', 'marketing_opt_in', 'preferences', 'tags', 'birth_date', 'avatar', 'created_at'];

    it('returns exactly the visible columns on a plain read, and the admin more', async () => {
      const res = await read('customers_limited', 'customers');
      expect(res.status, res.text).toBe(200);
      expect(res.body.resource).toEqual(data.customers.slice(0, 25).map((c) => limitedCustomer(c.id)));
      for (const row of res.body.resource) for (const column of hidden) expect(row).not.toHaveProperty(column);
      const admin = await fixture().table<List>('customers', { limit: '1' });
      expect(Object.keys(admin.body.resource[0] ?? {})).toEqual(expect.arrayContaining([...LIMITED_FIELDS, ...hidden]));
    });

    it('accepts fields within the grant, and * as the visible columns', async () => {
      const res = await read('customers_limited', 'customers', { fields: 'id,email', limit: '3' });
      expect(res.status, res.text).toBe(200);
      expect(res.body.resource).toEqual(data.customers.slice(0, 3).map((c) => ({ id: c.id, email: c.email })));
      const star = await read('customers_limited', 'customers', { fields: '*', limit: '3' });
      expect(star.status, star.text).toBe(200);
      expect(star.body.resource).toEqual(data.customers.slice(0, 3).map((c) => limitedCustomer(c.id)));
    });

    const refused: [string, Record<string, string>, string][] = [
      ['fields naming a hidden column', { fields: 'full_name' }, 'full_name'],
      ['fields mixing visible and hidden', { fields: 'id,birth_date' }, 'birth_date'],
      ['filter on a hidden column', { filter: "full_name = 'x'" }, 'full_name'],
      ['filter with a hidden column behind OR', { filter: "id > 0 OR uuid IS NULL" }, 'uuid'],
      ['order by a hidden column', { order: 'birth_date' }, 'birth_date'],
    ];
    it.each(refused)('refuses %s with 403 columnNotAllowed', async (_name, params, column) => {
      const res = await read<ErrorBody>('customers_limited', 'customers', params);
      expect(res.status, res.text).toBe(403);
      expect(res.body.error).toMatchObject({ code: 403, context: { reason: 'columnNotAllowed', table: 'customers', column } });
    });

    it('filters on a visible column, correctly against the generator', async () => {
      const res = await read('customers_limited', 'customers', { filter: "tier = 'gold'", limit: '1000', include_count: 'true' });
      expect(res.status, res.text).toBe(200);
      const gold = data.customers.filter((c) => c.tier === 'gold');
      expect(gold.length).toBeGreaterThan(0);
      expect(res.body.resource).toEqual(gold.map((c) => limitedCustomer(c.id)));
      expect(res.body.meta.total).toBe(gold.length);
    });

    it('orders by a visible column, reads by ids and counts', async () => {
      const desc = await read('customers_limited', 'customers', { order: 'id desc', limit: '4' });
      expect(ids(desc.body.resource)).toEqual(data.customers.map((c) => c.id).sort((a, b) => b - a).slice(0, 4));
      const byIds = await read('customers_limited', 'customers', { ids: '1,2' });
      expect(byIds.status, byIds.text).toBe(200);
      expect(byIds.body.resource).toEqual([limitedCustomer(1), limitedCustomer(2)]);
      const counted = await read('customers_limited', 'customers', { include_count: 'true', limit: '0' });
      expect(counted.status, counted.text).toBe(200);
      expect(counted.body.resource).toEqual([]);
      expect(counted.body.meta.total).toBe(data.customers.length);
      expect(counted.headers.get('x-total-count')).toBe(String(data.customers.length));
    });

    it('returns only the visible columns of one record, and refuses hidden fields there', async () => {
      const res = await record('customers_limited', 'customers', 1);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual(limitedCustomer(1));
      const hiddenField = await record<ErrorBody>('customers_limited', 'customers', 1, '?fields=full_name');
      expect(hiddenField.status, hiddenField.text).toBe(403);
      expect(hiddenField.body.error.context).toMatchObject({ reason: 'columnNotAllowed', column: 'full_name' });
    });

    it('streams only the visible columns as NDJSON', async () => {
      const res = await read<unknown>('customers_limited', 'customers', {}, { Accept: 'application/x-ndjson' });
      expect(res.status, res.text).toBe(200);
      const lines = res.text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toEqual(data.customers.map((c) => limitedCustomer(c.id)));
    });
  });

  describe("paid_orders: filter status = 'paid'", () => {
    it('has paid and non-paid orders to tell apart', () => {
      expect(paidOrders.length).toBeGreaterThan(0);
      expect(paidOrders.length).toBeLessThan(data.orders.length);
      expect(nonPaidOrder.status).not.toBe('paid');
    });

    it('reads only paid orders, and counts only them', async () => {
      const res = await read('paid_orders', 'orders', { limit: '1000', include_count: 'true' });
      expect(res.status, res.text).toBe(200);
      expect(ids(res.body.resource)).toEqual(paidOrders.slice(0, 1000).map((o) => o.id));
      for (const order of res.body.resource) expect(order.status).toBe('paid');
      expect(res.body.meta.total).toBe(paidOrders.length);
      expect(res.headers.get('x-total-count')).toBe(String(paidOrders.length));
      const admin = await fixture().table<List>('orders', { limit: '0', include_count: 'true' });
      expect(admin.body.meta.total).toBe(data.orders.length);
    });

    it('answers ids outside the filter with nothing', async () => {
      const res = await read('paid_orders', 'orders', { ids: String(nonPaidOrder.id) });
      expect(res.status, res.text).toBe(200);
      expect(res.body.resource).toEqual([]);
      const mixed = await read('paid_orders', 'orders', { ids: `${nonPaidOrder.id},${firstPaidOrder.id}` });
      expect(ids(mixed.body.resource)).toEqual([firstPaidOrder.id]);
      const admin = await fixture().table<List>('orders', { ids: String(nonPaidOrder.id) });
      expect(ids(admin.body.resource)).toEqual([nonPaidOrder.id]);
    });

    it('answers a record outside the filter with 404 and one inside with the record', async () => {
      const outside = await record<ErrorBody>('paid_orders', 'orders', nonPaidOrder.id);
      expect(outside.status, outside.text).toBe(404);
      expect(outside.body.error).toMatchObject({
        code: 404,
        context: { reason: 'recordNotFound', service: 'shop', table: 'orders', id: String(nonPaidOrder.id) },
      });
      const inside = await record('paid_orders', 'orders', firstPaidOrder.id);
      expect(inside.status, inside.text).toBe(200);
      expect(inside.body).toEqual(apiOrder(firstPaidOrder));
      const admin = await fixture().get(`/api/v1/shop/_table/orders/${nonPaidOrder.id}`);
      expect(admin.status).toBe(200);
    });

    it('streams only paid orders as NDJSON', async () => {
      const res = await read<unknown>('paid_orders', 'orders', { fields: 'id,status', include_count: 'true' }, { Accept: 'application/x-ndjson' });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const lines = res.text.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; status: string });
      expect(lines).toEqual(paidOrders.map((o) => ({ id: String(o.id), status: 'paid' })));
      expect(res.headers.get('x-total-count')).toBe(String(paidOrders.length));
    });

    it("ANDs the caller's filter with the role's", async () => {
      const res = await read('paid_orders', 'orders', { filter: 'total > 1000', fields: 'id,status,total', limit: '1000', include_count: 'true' });
      expect(res.status, res.text).toBe(200);
      const expected = paidOrders.filter((o) => cents(o.total) > 100_000);
      expect(expected.length).toBeGreaterThan(0);
      expect(data.orders.filter((o) => cents(o.total) > 100_000).length).toBeGreaterThan(expected.length);
      expect(ids(res.body.resource)).toEqual(expected.map((o) => o.id));
      expect(res.body.meta.total).toBe(expected.length);
      for (const order of res.body.resource) {
        expect(order.status).toBe('paid');
        expect(cents(String(order.total))).toBeGreaterThan(100_000);
      }
    });

    it("cannot widen the role's filter with OR", async () => {
      const res = await read('paid_orders', 'orders', { filter: "status = 'cancelled' OR id > 0", fields: 'id,status', limit: '1000', include_count: 'true' });
      expect(res.status, res.text).toBe(200);
      expect(ids(res.body.resource)).toEqual(paidOrders.slice(0, 1000).map((o) => o.id));
      expect(res.body.meta.total).toBe(paidOrders.length);
      const cancelled = await read('paid_orders', 'orders', { filter: "status = 'cancelled'", include_count: 'true' });
      expect(cancelled.body.resource).toEqual([]);
      expect(cancelled.body.meta.total).toBe(0);
    });
  });

  describe('credentials', () => {
    it('refuses a key whose role was deleted, with 401 (the key goes with the role)', async () => {
      const { roleId, key } = await createRoleWithKey('doomed', { access: [rule('shop', '_table/orders', GET)] });
      const before = await fixture().table<List>('orders', { ids: '1' }, { headers: { 'X-API-Key': key } });
      expect(before.status, before.text).toBe(200);
      expect(ids(before.body.resource)).toEqual([1]);

      const deleted = await fixture().get<{ success: boolean; message: string }>(`/api/v1/system/role/${roleId}`, { method: 'DELETE' });
      expect(deleted.status, deleted.text).toBe(200);
      expect(deleted.body.success).toBe(true);
      expect(deleted.body.message).toMatch(/1 API key\b/);

      const after = await fixture().table<ErrorBody>('orders', { ids: '1' }, { headers: { 'X-API-Key': key } });
      expect(after.status, after.text).toBe(401);
      expect(after.body.error).toEqual({ code: 401, message: expect.any(String), context: { reason: 'invalidApiKey' } });
      const listed = await fixture().get<List<{ role_id: number }>>('/api/v1/system/api-key');
      expect(listed.body.resource.some((k) => k.role_id === roleId)).toBe(false);
    });

    it('refuses a malformed or unknown key with 401 invalidApiKey, not as anonymous', async () => {
      const valid = keys.get('reader_all') as string;
      for (const key of ['nonsense', `${valid.slice(0, -4)}${valid.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`]) {
        const res = await fixture().table<ErrorBody>('orders', {}, { headers: { 'X-API-Key': key } });
        expect(res.status, res.text).toBe(401);
        expect(res.body.error.context.reason).toBe('invalidApiKey');
      }
    });

    it('does not let a role key use the System API', async () => {
      const res = await fixture().get<ErrorBody>('/api/v1/system/role', as('reader_all'));
      expect(res.status, res.text).toBe(403);
      expect(res.body.error.context.reason).toBe('adminRequired');
    });
  });
});
