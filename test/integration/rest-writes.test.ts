/**
 * REST writes on every engine, over real HTTP, on a scratch database: inserts (single, array,
 * resource envelope, batches that fail as a whole or per record), upserts, PUT/PATCH/DELETE by
 * filter, ids and keys, per-record paths, validation before SQL, row filters and column grants of
 * roles. State is checked afterwards through separate reads (and, on the servers, directly in SQL),
 * not only in the write's response.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeScratch, SCRATCH_SERVICE, type ScratchFixture } from '../support/scratch.js';

const POSTGRES = [
  `CREATE TABLE items (
     id serial PRIMARY KEY,
     sku varchar(20) NOT NULL UNIQUE,
     name varchar(40) NOT NULL,
     qty integer NOT NULL DEFAULT 0 CHECK (qty >= 0),
     price numeric(10,2),
     active boolean NOT NULL DEFAULT true,
     note text,
     total numeric(12,2) GENERATED ALWAYS AS (qty * price) STORED
   )`,
  `CREATE TABLE pairs (a integer NOT NULL, b integer NOT NULL, label text, PRIMARY KEY (a, b))`,
  `CREATE TABLE owned (id integer PRIMARY KEY, owner varchar(20) NOT NULL, body text, secret text)`,
  `CREATE VIEW item_stats AS SELECT count(*) AS n, sum(qty) AS qty FROM items`,
];
const MYSQL = [
  `CREATE TABLE items (
     id int AUTO_INCREMENT PRIMARY KEY,
     sku varchar(20) NOT NULL UNIQUE,
     name varchar(40) NOT NULL,
     qty int NOT NULL DEFAULT 0 CHECK (qty >= 0),
     price decimal(10,2),
     active boolean NOT NULL DEFAULT true,
     note text,
     total decimal(12,2) AS (qty * price) STORED
   ) ENGINE=InnoDB`,
  `CREATE TABLE pairs (a int NOT NULL, b int NOT NULL, label text, PRIMARY KEY (a, b)) ENGINE=InnoDB`,
  `CREATE TABLE owned (id int PRIMARY KEY, owner varchar(20) NOT NULL, body text, secret text) ENGINE=InnoDB`,
  `CREATE VIEW item_stats AS SELECT count(*) AS n, sum(qty) AS qty FROM items`,
];

interface Item {
  id: number;
  sku: string;
  name: string;
  qty: number;
  price: string | null;
  active: boolean;
  note: string | null;
  total: string | null;
}
interface ListBody<T> {
  resource: T[];
  meta: { count: number; failed?: number };
  errors?: { index: number; error: { code: number; context: Record<string, unknown> } }[];
}
interface ErrorBody {
  error: { code: number; message: string; context: Record<string, unknown> & { reason: string; index?: number } };
}

const T = `/api/v1/${SCRATCH_SERVICE}/_table`;

/** Reads rows back through a separate request (the read path, not the write's response). */
async function itemsWhere(f: ScratchFixture, filter: string): Promise<Item[]> {
  const res = await f.send<ListBody<Item>>('GET', `${T}/items?filter=${encodeURIComponent(filter)}&order=id&limit=1000`);
  expect(res.status).toBe(200);
  return res.body.resource;
}

/** Rows counted directly in the database where the test can reach it, else through the API. */
async function countSkus(f: ScratchFixture, prefix: string): Promise<number> {
  if (f.engine === 'pglite') return (await itemsWhere(f, `sku like '${prefix}%'`)).length;
  const rows = await f.sql<{ n: number | string }>(`SELECT count(*) AS n FROM items WHERE sku LIKE '${prefix}%'`);
  return Number(rows[0]?.n);
}

await describeScratch('REST writes', { postgres: POSTGRES, mysql: MYSQL }, (fixture) => {
  it('inserts one record and returns it with generated id, defaults and computed columns', async () => {
    const f = fixture();
    const res = await f.send<ListBody<Item>>('POST', `${T}/items`, { sku: 'one-1', name: 'Widget', qty: 3, price: '2.50' });
    expect(res.status).toBe(201);
    expect(res.body.meta.count).toBe(1);
    const [created] = res.body.resource;
    expect(created).toMatchObject({ sku: 'one-1', name: 'Widget', qty: 3, price: '2.50', active: true, note: null, total: '7.50' });
    expect(typeof created?.id).toBe('number');
    const [stored] = await itemsWhere(f, `id = ${created?.id}`);
    expect(stored).toEqual(created);
  });

  it('inserts an array and a resource envelope in body order, in one statement per batch', async () => {
    const f = fixture();
    const records = Array.from({ length: 30 }, (_, i) => ({ sku: `arr-${String(i).padStart(2, '0')}`, name: `n${i}`, qty: i }));
    const res = await f.send<ListBody<Item>>('POST', `${T}/items`, records);
    expect(res.status).toBe(201);
    expect(res.body.resource.map((r) => r.sku)).toEqual(records.map((r) => r.sku));
    // One INSERT (plus the transaction) whatever the batch size, where the engine returns rows.
    expect(Number(res.headers.get('x-sluice-statements'))).toBe(2);
    const envelope = await f.send<ListBody<Item>>('POST', `${T}/items`, { resource: [{ sku: 'env-1', name: 'a' }, { sku: 'env-2', name: 'b' }] });
    expect(envelope.status).toBe(201);
    expect(envelope.body.resource.map((r) => r.sku)).toEqual(['env-1', 'env-2']);
    expect(await countSkus(f, 'arr-')).toBe(30);
    expect(await countSkus(f, 'env-')).toBe(2);
  });

  it('writes nothing when one record of a batch fails, and names the failing record', async () => {
    const f = fixture();
    const duplicate = await f.send<ErrorBody>('POST', `${T}/items`, [
      { sku: 'batch-1', name: 'a' },
      { sku: 'batch-2', name: 'b' },
      { sku: 'batch-1', name: 'again' },
    ]);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.context).toMatchObject({ reason: 'uniqueViolation', index: 2 });
    const check = await f.send<ErrorBody>('POST', `${T}/items`, [{ sku: 'batch-3', name: 'a' }, { sku: 'batch-4', name: 'b', qty: -1 }]);
    expect(check.status).toBe(400);
    expect(check.body.error.context).toMatchObject({ reason: 'checkViolation', index: 1 });
    expect(await countSkus(f, 'batch-')).toBe(0);
  });

  it('with rollback=false keeps the good records and reports each failure (207)', async () => {
    const f = fixture();
    await f.send('POST', `${T}/items`, { sku: 'cont-0', name: 'existing' });
    const res = await f.send<ListBody<Item>>('POST', `${T}/items?rollback=false`, [
      { sku: 'cont-1', name: 'ok' },
      { sku: 'cont-0', name: 'duplicate' },
      { sku: 'cont-2', name: 'ok too' },
    ]);
    expect(res.status).toBe(207);
    expect(res.body.resource.map((r) => r.sku)).toEqual(['cont-1', 'cont-2']);
    expect(res.body.errors).toEqual([{ index: 1, error: expect.objectContaining({ code: 409 }) }]);
    expect(res.body.meta).toMatchObject({ count: 2, failed: 1 });
    expect((await itemsWhere(f, "sku like 'cont-%'")).map((r) => [r.sku, r.name])).toEqual([
      ['cont-0', 'existing'],
      ['cont-1', 'ok'],
      ['cont-2', 'ok too'],
    ]);
  });

  it('validates records against the catalog before any SQL runs', async () => {
    const f = fixture();
    const cases: [unknown, number, string, number?][] = [
      [{ sku: 'v-1', nme: 'typo' }, 400, 'unknownColumn', 0],
      [[{ sku: 'v-2', name: 'ok' }, { sku: 'v-3', name: 'x', qty: 'many' }], 400, 'invalidValue', 1],
      [{ sku: 'v-4', name: { nested: true } }, 400, 'invalidValue', 0],
      [{ sku: 'v-5', name: 'x'.repeat(41) }, 400, 'invalidValue', 0],
      [{ sku: 'v-6', name: 'x', total: '1.00' }, 400, 'readOnlyColumn', 0],
      [{ sku: 'v-7', name: 'x', active: 'perhaps' }, 400, 'invalidValue', 0],
      [[], 400, 'invalidBody'],
      [[1, 2], 400, 'invalidBody', 0],
      ['"just a string"', 400, 'malformedBody'], // express.json accepts objects and arrays only
      ['{"sku": ', 400, 'malformedBody'],
    ];
    for (const [body, status, reason, index] of cases) {
      const res = await f.send<ErrorBody>('POST', `${T}/items`, body);
      expect({ body, status: res.status, reason: res.body.error.context.reason }).toEqual({ body, status, reason });
      if (index !== undefined) expect(res.body.error.context.index).toBe(index);
    }
    const noType = await f.send<ErrorBody>('POST', `${T}/items`, 'sku=v-8', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(noType.status).toBe(400);
    expect(noType.body.error.context.reason).toBe('invalidBody');
    expect(await countSkus(f, 'v-')).toBe(0);
  });

  it('upserts idempotently by primary key or unique key (upsert=true and Prefer: resolution=merge-duplicates)', async () => {
    const f = fixture();
    const first = await f.send<ListBody<Item>>('POST', `${T}/items?upsert=true`, [
      { sku: 'up-1', name: 'first', qty: 1 },
      { sku: 'up-2', name: 'second', qty: 2 },
    ]);
    expect(first.status).toBe(201);
    const again = await f.send<ListBody<Item>>('POST', `${T}/items?upsert=true`, [
      { sku: 'up-1', name: 'first', qty: 1 },
      { sku: 'up-2', name: 'second', qty: 2 },
    ]);
    expect(again.status).toBe(201);
    expect(again.body.resource.map((r) => r.id)).toEqual(first.body.resource.map((r) => r.id));
    const merged = await f.send<ListBody<Item>>('POST', `${T}/items`, [{ sku: 'up-2', name: 'renamed', qty: 5 }, { sku: 'up-3', name: 'third' }], {
      headers: { prefer: 'resolution=merge-duplicates' },
    });
    expect(merged.status).toBe(201);
    const stored = await itemsWhere(f, "sku like 'up-%'");
    expect(stored.map((r) => [r.sku, r.name, r.qty])).toEqual([
      ['up-1', 'first', 1],
      ['up-2', 'renamed', 5],
      ['up-3', 'third', 0],
    ]);
    expect(stored[1]?.id).toBe(first.body.resource[1]?.id);
    const byId = await f.send<ListBody<Item>>('POST', `${T}/items?upsert=true`, { id: stored[0]?.id, sku: 'up-1', name: 'by id' });
    expect(byId.status).toBe(201);
    expect((await itemsWhere(f, "sku = 'up-1'"))[0]?.name).toBe('by id');
    const noKey = await f.send<ErrorBody>('POST', `${T}/items?upsert=true`, { name: 'no key' });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.context.reason).toBe('upsertWithoutKey');
  });

  it('PATCH updates by filter, by ids in the query or body, and by keyed records', async () => {
    const f = fixture();
    const created = await f.send<ListBody<Item>>('POST', `${T}/items`, [1, 2, 3, 4].map((i) => ({ sku: `p-${i}`, name: `p${i}`, qty: i })));
    const ids = created.body.resource.map((r) => r.id);
    const byFilter = await f.send<ListBody<Item>>('PATCH', `${T}/items?filter=${encodeURIComponent("sku like 'p-%' and qty >= 3")}`, { note: 'big' });
    expect(byFilter.status).toBe(200);
    expect(byFilter.body.meta.count).toBe(2);
    expect(byFilter.body.resource.map((r) => r.note)).toEqual(['big', 'big']);
    const byQueryIds = await f.send<ListBody<Item>>('PATCH', `${T}/items?ids=${ids[0]},${ids[1]}`, { qty: 10 });
    expect(byQueryIds.body.meta.count).toBe(2);
    const byBodyIds = await f.send<ListBody<Item>>('PATCH', `${T}/items`, { ids: [ids[0]], name: 'first' });
    expect(byBodyIds.body.resource).toEqual([expect.objectContaining({ id: ids[0], name: 'first', qty: 10 })]);
    const keyed = await f.send<ListBody<Item>>('PATCH', `${T}/items`, [{ id: ids[2], qty: 30 }, { id: ids[3], name: 'fourth' }]);
    expect(keyed.status).toBe(200);
    expect(keyed.body.meta.count).toBe(2);
    const stored = await itemsWhere(f, "sku like 'p-%'");
    expect(stored.map((r) => [r.name, r.qty, r.note, r.total])).toEqual([
      ['first', 10, null, null],
      ['p2', 10, null, null],
      ['p3', 30, 'big', null],
      ['fourth', 4, 'big', null],
    ]);
    const missing = await f.send<ErrorBody>('PATCH', `${T}/items`, [{ id: ids[0], qty: 1 }, { id: 987654, qty: 1 }]);
    expect(missing.status).toBe(404);
    expect(missing.body.error.context).toMatchObject({ reason: 'recordNotFound', index: 1 });
    expect((await itemsWhere(f, `id = ${ids[0]}`))[0]?.qty).toBe(10); // the whole PATCH was rolled back
  });

  it('PUT replaces whole records: omitted columns go back to their defaults', async () => {
    const f = fixture();
    const [item] = (await f.send<ListBody<Item>>('POST', `${T}/items`, { sku: 'put-1', name: 'full', qty: 7, price: '1.00', note: 'n', active: false })).body.resource;
    const res = await f.send<ListBody<Item>>('PUT', `${T}/items`, [{ id: item?.id, sku: 'put-1', name: 'replaced' }]);
    expect(res.status).toBe(200);
    expect(res.body.resource[0]).toMatchObject({ id: item?.id, name: 'replaced', qty: 0, price: null, note: null, active: true, total: null });
    const [stored] = await itemsWhere(f, `id = ${item?.id}`);
    expect(stored).toEqual(res.body.resource[0]);
    const noKey = await f.send<ErrorBody>('PUT', `${T}/items`, [{ sku: 'put-1', name: 'no key' }]);
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.context).toMatchObject({ reason: 'unboundedWrite', index: 0 });
  });

  it('refuses PUT, PATCH and DELETE that address no rows, and changes nothing', async () => {
    const f = fixture();
    await f.send('POST', `${T}/items`, { sku: 'guard-1', name: 'safe' });
    for (const [method, body] of [
      ['PATCH', { name: 'everything' }],
      ['DELETE', undefined],
      ['DELETE', {}],
    ] as const) {
      const res = await f.send<ErrorBody>(method, `${T}/items`, body);
      expect({ method, status: res.status, reason: res.body.error.context.reason }).toEqual({ method, status: 400, reason: 'unboundedWrite' });
    }
    expect((await itemsWhere(f, "sku = 'guard-1'"))[0]?.name).toBe('safe');
  });

  it('DELETE by filter, ids, body ids and keyed records reports the count', async () => {
    const f = fixture();
    const created = await f.send<ListBody<Item>>('POST', `${T}/items`, [1, 2, 3, 4, 5].map((i) => ({ sku: `d-${i}`, name: `d${i}` })));
    const ids = created.body.resource.map((r) => r.id);
    const byFilter = await f.send<ListBody<Item>>('DELETE', `${T}/items?filter=${encodeURIComponent("sku = 'd-1'")}`);
    expect(byFilter.status).toBe(200);
    expect(byFilter.body.meta.count).toBe(1);
    expect((await f.send<ListBody<Item>>('DELETE', `${T}/items?ids=${ids[1]}`)).body.meta.count).toBe(1);
    expect((await f.send<ListBody<Item>>('DELETE', `${T}/items`, { ids: [ids[2], 999999] })).body.meta.count).toBe(1);
    expect((await f.send<ListBody<Item>>('DELETE', `${T}/items`, { resource: [{ id: ids[3] }] })).body.meta.count).toBe(1);
    expect((await itemsWhere(f, "sku like 'd-%'")).map((r) => r.sku)).toEqual(['d-5']);
    expect((await f.send<ListBody<Item>>('DELETE', `${T}/items?sku.eq=d-5`)).body.meta.count).toBe(1); // PostgREST-style condition
    expect(await itemsWhere(f, "sku like 'd-%'")).toEqual([]);
  });

  it('reads, replaces, updates and deletes one record by id, composite keys included', async () => {
    const f = fixture();
    const [item] = (await f.send<ListBody<Item>>('POST', `${T}/items`, { sku: 'rec-1', name: 'record', qty: 2 })).body.resource;
    const patched = await f.send<Item>('PATCH', `${T}/items/${item?.id}`, { qty: 9 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: item?.id, name: 'record', qty: 9 });
    const replaced = await f.send<Item>('PUT', `${T}/items/${item?.id}`, { sku: 'rec-1', name: 'new' });
    expect(replaced.body).toMatchObject({ name: 'new', qty: 0 });
    const removed = await f.send<Item>('DELETE', `${T}/items/${item?.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: item?.id, name: 'new' });
    expect((await f.send('GET', `${T}/items/${item?.id}`)).status).toBe(404);
    for (const method of ['PATCH', 'PUT', 'DELETE']) {
      const res = await f.send<ErrorBody>(method, `${T}/items/${item?.id}`, method === 'DELETE' ? undefined : { name: 'x', sku: 'x' });
      expect({ method, status: res.status, reason: res.body.error.context.reason }).toEqual({ method, status: 404, reason: 'recordNotFound' });
    }

    expect((await f.send('POST', `${T}/pairs`, [{ a: 1, b: 2, label: 'one-two' }, { a: 2, b: 1, label: 'two-one' }])).status).toBe(201);
    const pair = await f.send<{ label: string }>('PATCH', `${T}/pairs/1,2`, { label: 'changed' });
    expect(pair.body).toEqual({ a: 1, b: 2, label: 'changed' });
    expect((await f.send<{ label: string }>('GET', `${T}/pairs/2,1`)).body.label).toBe('two-one');
    expect((await f.send('DELETE', `${T}/pairs`, { resource: [{ a: 2, b: 1 }] })).status).toBe(200);
    expect((await f.send<ListBody<unknown>>('GET', `${T}/pairs`)).body.resource).toEqual([{ a: 1, b: 2, label: 'changed' }]);
  });

  it('refuses every write on a read-only service, admins included', async () => {
    const f = fixture();
    const created = await f.send('POST', '/api/v1/system/service', { name: 'w_ro', driver: 'pglite', dsn: 'pglite://memory', read_only: true });
    expect(created.status, created.text).toBe(201);
    for (const [method, path, body] of [
      ['POST', '/items', { sku: 'ro', name: 'x' }],
      ['PATCH', '/items?ids=1', { name: 'x' }],
      ['PUT', '/items/1', { sku: 'ro', name: 'x' }],
      ['DELETE', '/items?ids=1', undefined],
    ] as const) {
      const res = await f.send<ErrorBody>(method, `/api/v1/w_ro/_table${path}`, body);
      expect({ method, status: res.status, reason: res.body.error.context.reason }).toEqual({ method, status: 403, reason: 'readOnlyService' });
    }
    expect((await f.send('DELETE', '/api/v1/system/service/w_ro')).status).toBe(200);
  });

  it('answers 405 for writes to a view that cannot take them', async () => {
    const res = await fixture().send<ErrorBody>('POST', `${T}/item_stats`, { n: 1 });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });

  describeRoles(fixture);
});

/** Roles with row filters and column grants, writing through API keys. */
function describeRoles(fixture: () => ScratchFixture): void {
  const keys = new Map<string, string>();
  const ALL = 31;

  beforeAll(async () => {
    const f = fixture();
    const roles = {
      alice_writer: [{ service_name: SCRATCH_SERVICE, component: '_table/owned', verb_mask: ALL, filter: "owner = 'alice'", fields: ['id', 'owner', 'body'] }],
      items_no_price: [{ service_name: SCRATCH_SERVICE, component: '_table/items', verb_mask: ALL, fields: ['id', 'sku', 'name', 'qty'] }],
    };
    for (const [name, access] of Object.entries(roles)) {
      const role = await f.send<{ id: number }>('POST', '/api/v1/system/role', { name, access });
      expect(role.status).toBe(201);
      const key = await f.send<{ api_key: string }>('POST', '/api/v1/system/api-key', { role_id: role.body.id, label: name });
      keys.set(name, key.body.api_key);
    }
    const seeded = await f.send('POST', `${T}/owned`, [
      { id: 1, owner: 'alice', body: 'a1', secret: 's1' },
      { id: 2, owner: 'bob', body: 'b1', secret: 's2' },
    ]);
    expect(seeded.status).toBe(201);
  });

  const as = (role: string) => ({ headers: { 'x-api-key': keys.get(role) as string } });
  const owned = async (id: number) => (await fixture().send<{ owner: string; body: string } | ErrorBody>('GET', `${T}/owned/${id}`)).body;

  it('a row filter admits inserts and updates only of rows inside it', async () => {
    const f = fixture();
    const inside = await f.send<ListBody<unknown>>('POST', `${T}/owned`, { id: 10, owner: 'alice', body: 'mine' }, as('alice_writer'));
    expect(inside.status).toBe(201);
    expect(inside.body.resource).toEqual([{ id: 10, owner: 'alice', body: 'mine' }]);
    const outside = await f.send<ErrorBody>('POST', `${T}/owned`, [{ id: 11, owner: 'alice' }, { id: 12, owner: 'bob', body: 'not mine' }], as('alice_writer'));
    expect(outside.status).toBe(403);
    expect(outside.body.error.context.reason).toBe('rowFilterViolation');
    expect(await owned(11)).toMatchObject({ error: { code: 404 } }); // the whole batch was rolled back
    expect(await owned(12)).toMatchObject({ error: { code: 404 } });

    const moveOut = await f.send<ErrorBody>('PATCH', `${T}/owned/10`, { owner: 'bob' }, as('alice_writer'));
    expect(moveOut.status).toBe(403);
    expect(await owned(10)).toMatchObject({ owner: 'alice' });

    const othersRow = await f.send<ErrorBody>('PATCH', `${T}/owned/2`, { body: 'hijacked' }, as('alice_writer'));
    expect(othersRow.status).toBe(404);
    const othersByFilter = await f.send<ListBody<unknown>>('PATCH', `${T}/owned?filter=${encodeURIComponent('id > 0')}`, { body: 'edited' }, as('alice_writer'));
    expect(othersByFilter.body.meta.count).toBe(2); // rows 1 and 10
    // An upsert could take over bob's row (the check afterwards sees only the new owner): refused.
    const takeover = await f.send<ErrorBody>('POST', `${T}/owned?upsert=true`, { id: 2, owner: 'alice', body: 'taken' }, as('alice_writer'));
    expect(takeover.status).toBe(403);
    expect(takeover.body.error.context.reason).toBe('upsertUnderRowFilter');
    const deleted = await f.send<ListBody<unknown>>('DELETE', `${T}/owned?ids=2`, undefined, as('alice_writer'));
    expect(deleted.body.meta.count).toBe(0);
    expect(await owned(2)).toMatchObject({ owner: 'bob', body: 'b1' });
  });

  it('a column grant refuses writes to columns outside it, and returns only granted columns', async () => {
    const f = fixture();
    const hidden = await f.send<ErrorBody>('POST', `${T}/items`, { sku: 'g-1', name: 'x', price: '9.99' }, as('items_no_price'));
    expect(hidden.status).toBe(403);
    expect(hidden.body.error.context).toMatchObject({ reason: 'columnNotAllowed', column: 'price' });
    const allowed = await f.send<ListBody<Record<string, unknown>>>('POST', `${T}/items`, { sku: 'g-2', name: 'x' }, as('items_no_price'));
    expect(allowed.status).toBe(201);
    expect(Object.keys(allowed.body.resource[0] ?? {}).sort()).toEqual(['id', 'name', 'qty', 'sku']);
    const id = allowed.body.resource[0]?.id as number;
    // PUT resets only columns the role may write: price and note stay as an admin set them.
    await f.send('PATCH', `${T}/items/${id}`, { price: '5.00', note: 'kept' });
    const put = await f.send<Record<string, unknown>>('PUT', `${T}/items/${id}`, { sku: 'g-2', name: 'y' }, as('items_no_price'));
    expect(put.status).toBe(200);
    expect((await itemsWhere(f, `id = ${id}`))[0]).toMatchObject({ name: 'y', qty: 0, price: '5.00', note: 'kept' });
    expect((await countSkus(f, 'g-'))).toBe(1);
  });
}
