/**
 * `_proc` over real HTTP on PGlite, PostgreSQL and MariaDB, against routines this suite creates in
 * a database of its own (the demo database is shared, and its routines are covered by the last
 * block, which uses the demo fixture): listing, scalar and set-returning calls, argument binding
 * and validation, GET only for side-effect-free functions (in a read-only transaction), OUT
 * parameters of PostgreSQL procedures, and per-role visibility. Effects are checked by reading the
 * table back through the API, never by trusting the call's answer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { generateDemoData } from '../../src/demo/demo-data.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminLogin, demoEngines, describeEngines, request, type HttpResult } from '../support/engines.js';
import { expectValid } from '../support/openapi-lint.js';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL, type TestEngine } from '../support/servers.js';

const SERVICE = 'procs';

interface List<T = Record<string, unknown>> {
  resource: T[];
  meta: { count: number; took_ms?: number };
}
interface ErrorBody {
  error: { code: number; message: string; context: Record<string, unknown> & { reason: string } };
}
interface Listed {
  name: string;
  type: string;
  return_type: string | null;
  returns_set: boolean;
  volatility: string;
  parameters: { name: string; type: string; mode: string; has_default: boolean }[];
}

const ITEMS = [
  ['a', 1],
  ['b', 2],
  ['c', 3],
] as const;

const POSTGRES_SQL = [
  `CREATE TABLE proc_items (id serial PRIMARY KEY, label text NOT NULL, qty integer NOT NULL)`,
  `INSERT INTO proc_items (label, qty) VALUES ${ITEMS.map(([l, q]) => `('${l}', ${q})`).join(', ')}`,
  `CREATE FUNCTION add_ints(a integer, b integer DEFAULT 10) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$`,
  `CREATE FUNCTION items_over(min_qty integer) RETURNS SETOF proc_items LANGUAGE sql STABLE AS $$ SELECT * FROM proc_items WHERE qty > min_qty ORDER BY id $$`,
  `CREATE FUNCTION add_item(p_label text, p_qty integer) RETURNS integer LANGUAGE sql VOLATILE AS $$ INSERT INTO proc_items (label, qty) VALUES (p_label, p_qty) RETURNING id $$`,
  `CREATE PROCEDURE bump_qty(IN p_id integer, IN p_by integer, OUT new_qty integer) LANGUAGE plpgsql AS $$
BEGIN UPDATE proc_items SET qty = qty + p_by WHERE id = p_id RETURNING qty INTO new_qty; END $$`,
  `CREATE FUNCTION echo_types(p_big bigint, p_day date, p_flag boolean, p_doc jsonb) RETURNS TABLE(big bigint, day date, flag boolean, doc jsonb)
LANGUAGE sql IMMUTABLE AS $$ SELECT p_big, p_day, p_flag, p_doc $$`,
  `CREATE FUNCTION sneaky_write(p_label text) RETURNS integer LANGUAGE plpgsql STABLE AS $$
BEGIN INSERT INTO proc_items (label, qty) VALUES (p_label, 0); RETURN 1; END $$`,
  `CREATE TABLE "odd name.é/{x}" (id integer PRIMARY KEY, "a b" text NOT NULL)`,
];

/** A table whose name no OpenAPI component name may hold as it is (and its expected component). */
const ODD_TABLE = {
  postgres: { name: 'odd name.é/{x}', component: 'procs.table.odd-20name-2E-C3-A9-2F-7Bx-7D' },
  mysql: { name: 'odd name-é {x}', component: 'procs.table.odd-20name-2D-C3-A9-20-7Bx-7D' },
} as const;

const MYSQL_SQL = [
  `CREATE TABLE proc_items (id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(50) NOT NULL, qty INT NOT NULL)`,
  `INSERT INTO proc_items (label, qty) VALUES ${ITEMS.map(([l, q]) => `('${l}', ${q})`).join(', ')}`,
  `CREATE FUNCTION add_ints(a INT, b INT) RETURNS INT DETERMINISTIC NO SQL RETURN a + b`,
  `CREATE PROCEDURE items_over(IN min_qty INT) READS SQL DATA SELECT * FROM proc_items WHERE qty > min_qty ORDER BY id`,
  `CREATE FUNCTION add_item(p_label VARCHAR(50), p_qty INT) RETURNS INT MODIFIES SQL DATA
BEGIN INSERT INTO proc_items (label, qty) VALUES (p_label, p_qty); RETURN LAST_INSERT_ID(); END`,
  `CREATE PROCEDURE bump_qty(IN p_id INT, IN p_by INT, OUT new_qty INT) MODIFIES SQL DATA
BEGIN UPDATE proc_items SET qty = qty + p_by WHERE id = p_id; SELECT qty INTO new_qty FROM proc_items WHERE id = p_id; END`,
  `CREATE FUNCTION echo_big(p_big BIGINT, p_day DATE, p_flag BOOLEAN) RETURNS BIGINT DETERMINISTIC NO SQL
RETURN p_big + (p_flag IS TRUE) + DAYOFMONTH(p_day) - DAYOFMONTH(p_day)`,
  `CREATE FUNCTION sneaky_write(p_label VARCHAR(50)) RETURNS INT READS SQL DATA
BEGIN INSERT INTO proc_items (label, qty) VALUES (p_label, 0); RETURN 1; END`,
  "CREATE TABLE `odd name-é {x}` (id INT PRIMARY KEY, `a b` TEXT NOT NULL)",
];

const ROUTINES: Record<'postgres' | 'mysql', readonly string[]> = {
  postgres: ['add_ints', 'add_item', 'bump_qty', 'echo_types', 'items_over', 'sneaky_write'],
  mysql: ['add_ints', 'add_item', 'bump_qty', 'echo_big', 'items_over', 'sneaky_write'],
};

/** Creates a database of this suite's own with the routines above; returns its DSN and how to drop it. */
async function createDatabase(engine: TestEngine, tmp: string): Promise<{ dsn: string; drop: () => Promise<void> }> {
  const name = `sluice_procs_${process.pid}_${Date.now().toString(36)}`;
  if (engine === 'pglite') {
    const dir = path.join(tmp, 'procs');
    const db = new PGlite(dir);
    for (const sql of POSTGRES_SQL) await db.exec(sql);
    await db.close();
    return { dsn: `pglite://${dir}`, drop: async () => undefined };
  }
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.href });
    await client.connect();
    for (const sql of POSTGRES_SQL) await client.query(sql);
    await client.end();
    return {
      dsn: url.href,
      drop: async () => {
        const c = new pg.Client({ connectionString: PG_ADMIN_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.query(`USE ${name}`);
  for (const sql of MYSQL_SQL) await admin.query(sql);
  await admin.end();
  const url = new URL(MYSQL_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    dsn: url.href,
    drop: async () => {
      const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

const GET = 1;
const POST = 2;
const ROLES = {
  add_ints_post: [{ service_name: SERVICE, component: '_proc/add_ints', verb_mask: POST }],
  add_ints_get: [{ service_name: SERVICE, component: '_proc/add_ints', verb_mask: GET }],
  add_item_get: [{ service_name: SERVICE, component: '_proc/add_item', verb_mask: GET }],
  all_procs: [{ service_name: SERVICE, component: '_proc/*', verb_mask: GET | POST }],
} as const;
type RoleName = keyof typeof ROLES;

for (const engine of ['pglite', 'postgres', 'mariadb'] as const) {
  describe.skipIf(!demoEngines().includes(engine))(`stored procedures [${engine}]`, () => {
    const family = engine === 'mariadb' ? 'mysql' : 'postgres';
    let server: RunningServer;
    let token = '';
    let tmp = '';
    let drop: () => Promise<void> = async () => undefined;
    const keys = new Map<RoleName, string>();

    const send = <T = List>(pathAndQuery: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<HttpResult<T>> => {
      const headers: Record<string, string> = init.key ? { 'X-API-Key': init.key } : { authorization: `Bearer ${token}` };
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      return request<T>(server.url, pathAndQuery, {
        method: init.method ?? 'GET',
        headers,
        ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
      });
    };
    const callProc = <T = List>(name: string, body?: unknown, query = '', key?: string) =>
      send<T>(`/api/v1/${SERVICE}/_proc/${name}${query}`, { method: 'POST', body, ...(key ? { key } : {}) });
    const items = async () => (await send<List<{ id: number; label: string; qty: number }>>(`/api/v1/${SERVICE}/_table/proc_items?order=id`)).body.resource;
    const expectError = (res: HttpResult<unknown>, status: number, reason: string) => {
      expect(res.status, res.text).toBe(status);
      expect((res.body as ErrorBody).error.context.reason).toBe(reason);
      return (res.body as ErrorBody).error;
    };

    beforeAll(async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), `sluice-procs-${engine}-`));
      const created = await createDatabase(engine, tmp);
      drop = created.drop;
      const config = await loadConfig({
        env: { PORT: '0', SLUICE_DATA_DIR: tmp, SLUICE_POOL_SIZE: '2', SLUICE_ADMIN_EMAIL: ADMIN_EMAIL, SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD },
        cli: { service: [`${SERVICE}=${created.dsn}`] },
      });
      server = await startServer(config, { logger: pino({ level: process.env.SLUICE_TEST_LOG_LEVEL ?? 'silent' }) });
      token = await adminLogin(server.url);
      for (const [name, access] of Object.entries(ROLES) as [RoleName, (typeof ROLES)[RoleName]][]) {
        const role = await send<{ id: number }>('/api/v1/system/role', { method: 'POST', body: { name, access } });
        expect(role.status, role.text).toBe(201);
        const key = await send<{ api_key: string }>('/api/v1/system/api-key', { method: 'POST', body: { role_id: role.body.id, label: name } });
        expect(key.status, key.text).toBe(201);
        keys.set(name, key.body.api_key);
      }
    });
    afterAll(async () => {
      await server?.close();
      await drop();
      await rm(tmp, { recursive: true, force: true });
    });
    const keyOf = (role: RoleName) => keys.get(role) as string;

    it('lists every routine with its kind, volatility and parameters', async () => {
      const res = await send<List<Listed>>(`/api/v1/${SERVICE}/_proc`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.resource.map((p) => p.name).sort()).toEqual(ROUTINES[family]);
      expect(res.body.meta.count).toBe(ROUTINES[family].length);
      const byName = new Map(res.body.resource.map((p) => [p.name, p]));
      const addInts = byName.get('add_ints') as Listed;
      expect(addInts).toMatchObject({ type: 'function', returns_set: false, volatility: 'immutable' });
      expect(addInts.parameters.map((p) => [p.name, p.mode, p.has_default])).toEqual([
        ['a', 'in', false],
        ['b', 'in', family === 'postgres'],
      ]);
      expect(byName.get('add_item')).toMatchObject({ type: 'function', volatility: 'volatile' });
      expect(byName.get('items_over')).toMatchObject(
        family === 'postgres' ? { type: 'function', returns_set: true, volatility: 'stable' } : { type: 'procedure', return_type: null },
      );
      const bump = byName.get('bump_qty') as Listed;
      expect(bump.type).toBe('procedure');
      expect(bump.parameters.map((p) => [p.name, p.mode])).toEqual([
        ['p_id', 'in'],
        ['p_by', 'in'],
        ['new_qty', 'out'],
      ]);
    });

    it('calls a scalar function: the result under the function name, typed', async () => {
      const res = await callProc('add_ints', { a: 2, b: 40 });
      expect(res.status, res.text).toBe(200);
      expect(res.body.resource).toEqual([{ add_ints: 42 }]);
      expect(res.body.meta.count).toBe(1);
      expect(typeof res.body.meta.took_ms).toBe('number');
    });

    it('merges query parameters with the body and refuses a name given in both', async () => {
      const merged = await callProc('add_ints', { b: 5 }, '?a=-7');
      expect(merged.status, merged.text).toBe(200);
      expect(merged.body.resource).toEqual([{ add_ints: -2 }]);
      const onlyQuery = await callProc('add_ints', undefined, '?a=3&b=4');
      expect(onlyQuery.body.resource).toEqual([{ add_ints: 7 }]);
      const both = await callProc('add_ints', { a: 1, b: 2 }, '?a=1');
      expect(expectError(both, 400, 'invalidParameter').context.parameter).toBe('a');
    });

    it('calls side-effect-free functions with GET, and refuses GET for volatile ones', async () => {
      const res = await send(`/api/v1/${SERVICE}/_proc/add_ints?a=20&b=22`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.resource).toEqual([{ add_ints: 42 }]);
      const before = await items();
      const refused = await send(`/api/v1/${SERVICE}/_proc/add_item?p_label=x&p_qty=1`);
      expect(expectError(refused, 405, 'methodNotAllowed').context.allowed).toEqual(['POST']);
      expect(await items()).toEqual(before);
    });

    it('a GET call runs read-only: a function that lies about its volatility cannot write', async () => {
      const before = await items();
      const res = await send(`/api/v1/${SERVICE}/_proc/sneaky_write?p_label=sneaky`);
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      expect(res.text).not.toMatch(/INSERT/i);
      expect(await items()).toEqual(before);
    });

    it('POST runs a volatile function and its effect is in the table', async () => {
      const res = await callProc('add_item', { p_label: 'posted', p_qty: 17 });
      expect(res.status, res.text).toBe(200);
      const id = Number(res.body.resource[0]?.add_item);
      const row = (await items()).find((r) => r.id === id);
      expect(row).toEqual({ id, label: 'posted', qty: 17 });
    });

    it('returns the rows of a set-returning routine, typed like the table', async () => {
      const res = await callProc('items_over', { min_qty: 1 });
      expect(res.status, res.text).toBe(200);
      const expected = (await items()).filter((r) => r.qty > 1);
      expect(expected.length).toBeGreaterThan(1);
      expect(res.body.resource).toEqual(expected);
      expect(res.body.meta.count).toBe(expected.length);
    });

    it('uses a parameter default when the argument is left out (PostgreSQL)', async () => {
      const res = await callProc('add_ints', { a: 1 });
      if (family === 'postgres') {
        expect(res.status, res.text).toBe(200);
        expect(res.body.resource).toEqual([{ add_ints: 11 }]);
      } else {
        expect(expectError(res, 400, 'missingParameter').context.parameter).toBe('b');
      }
    });

    it('validates arguments before calling: unknown, missing, mistyped, not an object', async () => {
      const unknown = expectError(await callProc('add_ints', { a: 1, bb: 2 }), 400, 'unknownParameter');
      expect(unknown.context).toMatchObject({ procedure: 'add_ints', parameter: 'bb', hint: "Did you mean 'b'?" });
      expect(expectError(await callProc('add_item', { p_label: 'x' }), 400, 'missingParameter').context.parameter).toBe('p_qty');
      const mistyped = expectError(await callProc('add_ints', { a: 'twelve', b: 1 }), 400, 'invalidValue');
      expect(mistyped.context).toMatchObject({ procedure: 'add_ints', parameter: 'a', expected: 'an integer' });
      expectError(await callProc('add_ints', { a: 1.5, b: 1 }), 400, 'invalidValue');
      expectError(await callProc('add_ints', { a: { n: 1 }, b: 1 }), 400, 'invalidValue');
      expectError(await callProc('add_ints', [1, 2]), 400, 'malformedBody');
      expectError(await callProc('add_ints', '{"a": 1,'), 400, 'malformedBody');
    });

    it('answers 404 with a hint for an unknown routine', async () => {
      const error = expectError(await callProc('add_int', { a: 1 }), 404, 'procedureNotFound');
      expect(error.context.hint).toBe("Did you mean 'add_ints'?");
    });

    it('returns the OUT parameters of a PostgreSQL procedure; refuses them on MySQL', async () => {
      const before = (await items()).find((r) => r.label === 'b') as { id: number; qty: number };
      const res = await callProc('bump_qty', { p_id: before.id, p_by: 5 });
      const after = (await items()).find((r) => r.id === before.id) as { qty: number };
      if (family === 'postgres') {
        expect(res.status, res.text).toBe(200);
        expect(after.qty).toBe(before.qty + 5);
        expect(res.body.resource).toEqual([{ new_qty: after.qty }]);
      } else {
        expectError(res, 400, 'unsupportedCall');
        expect(after.qty).toBe(before.qty);
      }
    });

    it('binds and returns lossless types (bigint as a string, dates, booleans, JSON)', async () => {
      if (family === 'postgres') {
        const doc = { nested: [1, 'two', null] };
        const res = await callProc('echo_types', { p_big: '9007199254740993', p_day: '2024-02-29', p_flag: 'true', p_doc: doc });
        expect(res.status, res.text).toBe(200);
        expect(res.body.resource).toEqual([{ big: '9007199254740993', day: '2024-02-29', flag: true, doc }]);
        expectError(await callProc('echo_types', { p_big: 1, p_day: '2024-02-30', p_flag: true, p_doc: null }), 400, 'invalidValue');
      } else {
        const res = await callProc('echo_big', { p_big: '9007199254740993', p_day: '2024-02-29', p_flag: true });
        expect(res.status, res.text).toBe(200);
        expect(res.body.resource).toEqual([{ echo_big: '9007199254740994' }]);
        expectError(await callProc('echo_big', { p_big: '1', p_day: 'yesterday', p_flag: true }), 400, 'invalidValue');
      }
    });

    it('the OpenAPI document of this service validates, with an awkward table name and the routines', async () => {
      type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: unknown }> }> }>>; components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> } };
      const res = await send<Doc>(`/api/v1/${SERVICE}/_doc`);
      expect(res.status, res.text).toBe(200);
      await expectValid(res.body);
      const odd = ODD_TABLE[family];
      expect(res.body.components.schemas[odd.component]?.properties).toEqual({ id: { type: 'integer' }, 'a b': { type: 'string' } });
      expect(res.body.components.schemas[`${odd.component}.insert`]?.required).toEqual(['id', 'a b']);
      const documented = Object.keys(res.body.paths).find((p) => p.startsWith(`/api/v1/${SERVICE}/_table/odd`) && !p.endsWith('{id}'));
      expect(documented).toBe(`/api/v1/${SERVICE}/_table/${encodeURIComponent(odd.name)}`);
      expect((await send(documented as string)).status).toBe(200);
      // Arguments by name, required unless defaulted; a MySQL procedure with OUT parameters cannot be called, so has no path.
      expect(res.body.components.schemas[`${SERVICE}.proc.add_ints.args`]?.required).toEqual(family === 'postgres' ? ['a'] : ['a', 'b']);
      const bump = res.body.paths[`/api/v1/${SERVICE}/_proc/bump_qty`];
      if (family === 'postgres') {
        expect(bump?.post?.responses['200']?.content['application/json']?.schema).toMatchObject({
          properties: { resource: { items: { properties: { new_qty: { type: ['integer', 'null'] } } } } },
        });
      } else {
        expect(bump).toBeUndefined();
      }
    });

    describe('roles', () => {
      it('lists only what a role may call, and 403s the rest before any 404', async () => {
        const listing = async (role: RoleName) => send<List<Listed>>(`/api/v1/${SERVICE}/_proc`, { key: keyOf(role) });
        expect((await listing('add_ints_post')).body.resource.map((p) => p.name)).toEqual(['add_ints']);
        // GET is enough for a side-effect-free function…
        expect((await listing('add_ints_get')).body.resource.map((p) => p.name)).toEqual(['add_ints']);
        // …but not for a volatile one, so this role may call nothing.
        expectError(await listing('add_item_get'), 403, 'forbidden');
        expect((await listing('all_procs')).body.resource.map((p) => p.name).sort()).toEqual(ROUTINES[family]);

        const allowed = await callProc('add_ints', { a: 1, b: 1 }, '', keyOf('add_ints_post'));
        expect(allowed.body.resource).toEqual([{ add_ints: 2 }]);
        const before = await items();
        expectError(await callProc('add_item', { p_label: 'no', p_qty: 1 }, '', keyOf('add_ints_post')), 403, 'forbidden');
        expectError(await callProc('no_such_routine', {}, '', keyOf('add_ints_post')), 403, 'forbidden');
        expectError(await callProc('add_ints', { a: 1, b: 1 }, '', keyOf('add_ints_get')), 403, 'forbidden');
        expect(await items()).toEqual(before);
        expect((await callProc('no_such_routine', {}, '', keyOf('all_procs'))).status).toBe(404);
      });
    });
  });
}

// The demo's own routines, through the shared demo fixture (reads only).
const data = generateDemoData();
describeEngines('stored procedures on the demo', (fixture) => {
  it('calls customer_lifetime_value and products_in_category', async () => {
    const value = await fixture().get<List>('/api/v1/shop/_proc/customer_lifetime_value?p_customer_id=2');
    expect(value.status, value.text).toBe(200);
    const expectedCents = data.orders.filter((o) => o.customer_id === 2 && o.status !== 'cancelled').reduce((s, o) => s + Math.round(Number(o.total) * 100), 0);
    const result = value.body.resource[0]?.customer_lifetime_value;
    expect(typeof result).toBe('string');
    expect(Math.round(Number(result) * 100)).toBe(expectedCents);

    const products = await fixture().get<List>('/api/v1/shop/_proc/products_in_category', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ p_category_id: 7 }),
    });
    expect(products.status, products.text).toBe(200);
    expect(products.body.resource.map((r) => Number(r.id))).toEqual(data.products.filter((p) => p.category_id === 7).map((p) => p.id));
  });
});
