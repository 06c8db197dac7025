/**
 * The MCP server with the SDK's own client, over Streamable HTTP against a real server on PGlite,
 * PostgreSQL and MariaDB: every tool is listed and called, results are checked against the database
 * (direct SQL where the engine allows it, else the REST API), refusals — a role without the table, a
 * key without the tool, run_sql on a service without raw SQL, a write through run_sql in read-only
 * mode, an unbounded delete — leave the database untouched and are audited (read back through
 * GET /api/v1/system/audit?surface=mcp). Also tools/list filtering, the resources, the per-key
 * allow-list through the System API, GET /api/v1/system/mcp, and the HTTP edge (401, 405).
 *
 * Over stdio (a service `w` on each engine): `sluice mcp` spawned from source, as the local operator and with an API
 * key whose allow-list narrows the tools; refused while a server holds the embedded metadata store,
 * and relayed to that server with --url; its calls are audited in the same store.
 *
 * Raw SQL runs on a second service `raw` created through the System API with raw_sql_allowed (the
 * same database on PostgreSQL and MariaDB, an in-memory one on PGlite, whose directory the server holds).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteDriver } from '../../src/dialects/postgres/pglite-driver.js';
import type { RunningServer } from '../../src/http/server.js';
import { MetaStore } from '../../src/system/store/meta-store.js';
import { adminLogin, request, startServerWith } from '../support/engines.js';
import { describeScratch, type ScratchFixture } from '../support/scratch.js';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL, shouldRunEngine } from '../support/servers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

const DDL = {
  postgres: [
    `CREATE TABLE mcp_customers (id integer PRIMARY KEY, name varchar(100) NOT NULL, tier varchar(20))`,
    `COMMENT ON TABLE mcp_customers IS 'People who buy things'`,
    `COMMENT ON COLUMN mcp_customers.tier IS 'Loyalty tier'`,
    `CREATE TABLE mcp_orders (id serial PRIMARY KEY, customer_id integer NOT NULL REFERENCES mcp_customers (id), total numeric(10,2) NOT NULL, status varchar(20) NOT NULL)`,
    `CREATE TABLE mcp_secrets (id integer PRIMARY KEY, secret varchar(50) NOT NULL)`,
    `CREATE FUNCTION mcp_add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$`,
    `INSERT INTO mcp_customers VALUES (1, 'Ada', 'gold'), (2, 'Brian', 'silver'), (3, 'Chen', NULL)`,
    `INSERT INTO mcp_orders (customer_id, total, status) VALUES (1, 10.50, 'open'), (1, 20.00, 'paid'), (2, 5.25, 'open'), (3, 7.00, 'paid'), (3, 1.00, 'open')`,
    `INSERT INTO mcp_secrets VALUES (1, 'hunter2')`,
  ],
  mysql: [
    `CREATE TABLE mcp_customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, tier VARCHAR(20) COMMENT 'Loyalty tier') COMMENT = 'People who buy things'`,
    `CREATE TABLE mcp_orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2) NOT NULL, status VARCHAR(20) NOT NULL,
       CONSTRAINT mcp_orders_customer FOREIGN KEY (customer_id) REFERENCES mcp_customers (id))`,
    `CREATE TABLE mcp_secrets (id INT PRIMARY KEY, secret VARCHAR(50) NOT NULL)`,
    `CREATE FUNCTION mcp_add(a INT, b INT) RETURNS INT DETERMINISTIC NO SQL RETURN a + b`,
    `INSERT INTO mcp_customers VALUES (1, 'Ada', 'gold'), (2, 'Brian', 'silver'), (3, 'Chen', NULL)`,
    `INSERT INTO mcp_orders (customer_id, total, status) VALUES (1, 10.50, 'open'), (1, 20.00, 'paid'), (2, 5.25, 'open'), (3, 7.00, 'paid'), (3, 1.00, 'open')`,
    `INSERT INTO mcp_secrets VALUES (1, 'hunter2')`,
  ],
};

const ALL_TOOLS = ['list_services', 'list_tables', 'describe_table', 'query', 'insert_rows', 'update_rows', 'delete_rows', 'call_procedure', 'run_sql'];

type Row = Record<string, unknown>;

interface AuditEntry {
  surface: string;
  principal_kind: string;
  key_id: number | null;
  service: string | null;
  action: string;
  target: string | null;
  affected_rows: number | null;
  status: number;
  request_id: string;
}

interface Keys {
  /** Role: reads customers, reads and writes orders, calls procedures. */
  reader: { id: number; key: string };
  /** Same role, allowed_tools = list_tables, query. */
  limited: { id: number; key: string };
  /** Role: `_sql` GET on `raw`, reads customers on `w`. */
  sqlReader: { id: number; key: string };
}

await describeScratch('mcp', DDL, (fixture) => {
  let fx: ScratchFixture;
  let keys: Keys;
  const clients: Client[] = [];

  /** An MCP client over Streamable HTTP with these headers (the admin's token by default); each request gets a fresh X-Request-ID. */
  async function connect(headers?: Record<string, string>): Promise<Client> {
    const client = new Client({ name: 'sluice-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', fx.baseUrl), {
      requestInit: { headers: headers ?? { authorization: `Bearer ${fx.adminToken}` } },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  }

  function ok(result: CallToolResult): Row {
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect((result.content[0] as { text: string }).text.length).toBeGreaterThan(0);
    return result.structuredContent as Row;
  }

  function refused(result: CallToolResult, reason: string): string {
    expect(result.isError).toBe(true);
    const text = (result.content[0] as { text: string }).text;
    expect(text).toContain(reason);
    return text;
  }

  /** Rows of a table as the database holds them: direct SQL where possible, else the REST API as the admin. */
  async function dbRows(table: string): Promise<Row[]> {
    if (fx.engine !== 'pglite') return fx.sql(`SELECT * FROM ${table} ORDER BY id`);
    const res = await fx.send<{ resource: Row[] }>('GET', `/api/v1/w/_table/${table}?order=id&limit=1000`);
    expect(res.status).toBe(200);
    return res.body.resource;
  }

  const ids = (rows: readonly Row[]) => rows.map((r) => Number(r.id));

  /** MCP audit entries, newest first, after the queue is written. */
  async function auditEntries(filter: string): Promise<AuditEntry[]> {
    await fx.server.audit.flush();
    const res = await fx.send<{ resource: AuditEntry[] }>('GET', `/api/v1/system/audit?surface=mcp&page_size=200&${filter}`);
    expect(res.status).toBe(200);
    return res.body.resource;
  }

  async function createKey(roleId: number, allowedTools?: string[]): Promise<{ id: number; key: string }> {
    const res = await fx.send<{ id: number; api_key: string; allowed_tools: string[] | null }>('POST', '/api/v1/system/api-key', {
      role_id: roleId,
      ...(allowedTools ? { allowed_tools: allowedTools } : {}),
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.allowed_tools).toEqual(allowedTools ?? null);
    return { id: res.body.id, key: res.body.api_key };
  }

  async function createRole(name: string, access: Row[]): Promise<number> {
    const res = await fx.send<{ id: number }>('POST', '/api/v1/system/role', { name, access });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }

  beforeAll(async () => {
    fx = fixture();
    const reader = await createRole('mcp_reader', [
      { service_name: 'w', component: '_table/mcp_customers', verb_mask: 1 },
      { service_name: 'w', component: '_table/mcp_orders', verb_mask: 31 },
      { service_name: 'w', component: '_proc/*', verb_mask: 2 },
    ]);
    const sqlReader = await createRole('mcp_sql_reader', [
      { service_name: 'raw', component: '_sql', verb_mask: 1 },
      { service_name: 'w', component: '_table/mcp_customers', verb_mask: 1 },
      { service_name: 'w', component: '_sql', verb_mask: 3 },
    ]);
    keys = {
      reader: await createKey(reader),
      limited: await createKey(reader, ['list_tables', 'query']),
      sqlReader: await createKey(sqlReader),
    };
    const raw =
      fx.engine === 'pglite' ? { driver: 'pglite', dsn: 'pglite://memory' }
      : { driver: fx.engine === 'postgres' ? 'postgres' : 'mariadb', dsn: fx.dsn };
    const created = await fx.send('POST', '/api/v1/system/service', { name: 'raw', ...raw, raw_sql_allowed: true });
    expect(created.status, created.text).toBe(201);
  });

  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
  });

  it('lists only the tools each caller may call', async () => {
    const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();
    expect(await names(await connect())).toEqual([...ALL_TOOLS].sort());
    // No _sql rule: run_sql is hidden.
    expect(await names(await connect({ 'x-api-key': keys.reader.key }))).toEqual(ALL_TOOLS.filter((t) => t !== 'run_sql').sort());
    expect(await names(await connect({ 'x-api-key': keys.limited.key }))).toEqual(['list_tables', 'query']);
    expect(await names(await connect({ 'x-api-key': keys.sqlReader.key }))).toContain('run_sql');
    const query = (await (await connect()).listTools()).tools.find((t) => t.name === 'query');
    expect(query?.inputSchema.type).toBe('object');
    expect(Object.keys(query?.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['service', 'table', 'filter', 'fields', 'order', 'limit', 'offset', 'group']));
    expect(query?.annotations?.readOnlyHint).toBe(true);
  });

  it('list_services and list_tables show what the caller may see', async () => {
    const admin = await connect();
    const services = ok(await call(admin, 'list_services')).services as Row[];
    expect(services.map((s) => s.name).sort()).toEqual(['raw', 'w']);
    expect(services.find((s) => s.name === 'raw')?.raw_sql).toBe('read_write');
    const reader = await connect({ 'x-api-key': keys.reader.key });
    const visible = ok(await call(reader, 'list_services')).services as Row[];
    expect(visible.map((s) => s.name)).toEqual(['w']);
    expect(visible[0]?.raw_sql).toBe('none');
    const tables = ok(await call(reader, 'list_tables', { service: 'w' })).tables as Row[];
    expect(tables.map((t) => t.name).sort()).toEqual(['mcp_customers', 'mcp_orders']);
    const all = ok(await call(admin, 'list_tables', { service: 'w' })).tables as Row[];
    expect(all.map((t) => t.name).sort()).toEqual(['mcp_customers', 'mcp_orders', 'mcp_secrets']);
    expect(all.find((t) => t.name === 'mcp_customers')).toMatchObject({ description: 'People who buy things', primary_key: ['id'] });
    // Two services: the service argument is required.
    refused(await call(reader, 'list_tables'), 'service');
  });

  it('describe_table gives columns, keys, relations and descriptions', async () => {
    const reader = await connect({ 'x-api-key': keys.reader.key });
    const table = ok(await call(reader, 'describe_table', { service: 'w', table: 'mcp_orders' }));
    expect((table.columns as Row[]).map((c) => c.name)).toEqual(['id', 'customer_id', 'total', 'status']);
    expect(table.primary_key).toEqual(['id']);
    expect((table.foreign_keys as Row[])[0]).toMatchObject({ columns: ['customer_id'], referenced_table: 'mcp_customers' });
    expect((table.relations as Row[]).map((r) => r.target_table)).toContain('mcp_customers');
    const customers = ok(await call(reader, 'describe_table', { service: 'w', table: 'mcp_customers' }));
    expect(customers.description).toBe('People who buy things');
    expect((customers.columns as Row[]).find((c) => c.name === 'tier')?.description).toBe('Loyalty tier');
  });

  it('query filters, orders, pages and aggregates like the REST API, checked against the database', async () => {
    const reader = await connect({ 'x-api-key': keys.reader.key });
    const orders = await dbRows('mcp_orders');
    const open = ok(await call(reader, 'query', { service: 'w', table: 'mcp_orders', filter: "status = 'open'", order: 'id desc', limit: 2, include_count: true }));
    const expected = orders.filter((o) => o.status === 'open').map((o) => Number(o.id)).sort((a, b) => b - a);
    expect(ids(open.rows as Row[])).toEqual(expected.slice(0, 2));
    expect(open.total).toBe(expected.length);
    const fields = ok(await call(reader, 'query', { service: 'w', table: 'mcp_customers', fields: ['id', 'name'], offset: 1, order: 'id' }));
    const customers = await dbRows('mcp_customers');
    expect(fields.rows).toEqual(customers.slice(1).map((c) => ({ id: Number(c.id), name: c.name })));
    const byId = ok(await call(reader, 'query', { service: 'w', table: 'mcp_customers', ids: [3, 1] }));
    expect(ids(byId.rows as Row[]).sort()).toEqual([1, 3]);
    const grouped = ok(await call(reader, 'query', { service: 'w', table: 'mcp_orders', fields: 'status,count(*)', group: 'status', order: 'status' }));
    const counts = new Map<string, number>();
    for (const o of orders) counts.set(String(o.status), (counts.get(String(o.status)) ?? 0) + 1);
    expect((grouped.rows as Row[]).map((r) => [r.status, Number(r.count)])).toEqual([...counts].sort(([a], [b]) => (a < b ? -1 : 1)));
    refused(await call(reader, 'query', { service: 'w', table: 'mcp_orders', limit: 5000 }), 'limit');
    refused(await call(reader, 'query', { service: 'w', table: 'mcp_orders', filter: 'status = ' }), 'filter');
  });

  it('insert_rows, update_rows and delete_rows write through the role, checked against the database', async () => {
    const reader = await connect({ 'x-api-key': keys.reader.key });
    const inserted = ok(await call(reader, 'insert_rows', { service: 'w', table: 'mcp_orders', rows: [{ customer_id: 2, total: '3.50', status: 'new' }, { customer_id: 2, total: '4.50', status: 'new' }] }));
    const newIds = ids(inserted.rows as Row[]);
    expect(newIds).toHaveLength(2);
    const stored = (await dbRows('mcp_orders')).filter((o) => newIds.includes(Number(o.id)));
    expect(stored.map((o) => o.status)).toEqual(['new', 'new']);

    const updated = ok(await call(reader, 'update_rows', { service: 'w', table: 'mcp_orders', set: { status: 'shipped' }, filter: "status = 'new'" }));
    expect(updated.count).toBe(2);
    expect((await dbRows('mcp_orders')).filter((o) => newIds.includes(Number(o.id))).map((o) => o.status)).toEqual(['shipped', 'shipped']);

    const before = await dbRows('mcp_orders');
    refused(await call(reader, 'delete_rows', { service: 'w', table: 'mcp_orders' }), 'unboundedWrite');
    refused(await call(reader, 'update_rows', { service: 'w', table: 'mcp_orders', set: { status: 'x' } }), 'unboundedWrite');
    expect(await dbRows('mcp_orders')).toEqual(before);

    const deleted = ok(await call(reader, 'delete_rows', { service: 'w', table: 'mcp_orders', ids: newIds }));
    expect(deleted.count).toBe(2);
    expect(ids(await dbRows('mcp_orders'))).toEqual(ids(before).filter((id) => !newIds.includes(id)));

    const entries = await auditEntries(`key_id=${keys.reader.id}`);
    const insert = entries.find((e) => e.action === 'insert_rows' && e.status === 200);
    expect(insert).toMatchObject({ service: 'w', target: 'mcp_orders', affected_rows: 2, principal_kind: 'apiKey', key_id: keys.reader.id });
    expect(entries.find((e) => e.action === 'delete_rows' && e.status === 200)).toMatchObject({ affected_rows: 2, target: 'mcp_orders' });
    expect(entries.find((e) => e.action === 'delete_rows' && e.status === 400)).toMatchObject({ target: 'mcp_orders' });
  });

  it('call_procedure calls a function with named arguments', async () => {
    const reader = await connect({ 'x-api-key': keys.reader.key });
    const result = ok(await call(reader, 'call_procedure', { service: 'w', procedure: 'mcp_add', arguments: { a: 2, b: 40 } }));
    expect(Object.values((result.rows as Row[])[0] ?? {})).toEqual([42]);
    refused(await call(reader, 'call_procedure', { service: 'w', procedure: 'mcp_add', arguments: { a: 1, c: 2 } }), 'c');
  });

  it('refuses what the role or the key may not do, leaves the database untouched, and audits the refusal', async () => {
    const reader = await connect({ 'x-api-key': keys.reader.key });
    const customers = await dbRows('mcp_customers');
    refused(await call(reader, 'query', { service: 'w', table: 'mcp_secrets' }), 'Refused');
    refused(await call(reader, 'describe_table', { service: 'w', table: 'mcp_secrets' }), 'Refused');
    refused(await call(reader, 'insert_rows', { service: 'w', table: 'mcp_customers', rows: [{ id: 9, name: 'Eve' }] }), 'Refused');
    const limited = await connect({ 'x-api-key': keys.limited.key });
    const text = refused(await call(limited, 'insert_rows', { service: 'w', table: 'mcp_customers', rows: [{ id: 9, name: 'Eve' }] }), 'toolNotAllowed');
    expect(text).toContain('insert_rows');
    refused(await call(limited, 'no_such_tool'), 'unknown tool');
    expect(await dbRows('mcp_customers')).toEqual(customers);

    const readerEntries = await auditEntries(`key_id=${keys.reader.id}`);
    expect(readerEntries.find((e) => e.action === 'query' && e.status === 403)).toMatchObject({ service: 'w', target: 'mcp_secrets', affected_rows: null });
    expect(readerEntries.find((e) => e.action === 'insert_rows' && e.status === 403)).toMatchObject({ target: 'mcp_customers' });
    const limitedEntries = await auditEntries(`key_id=${keys.limited.id}&tool=insert_rows`);
    expect(limitedEntries).toHaveLength(1);
    expect(limitedEntries[0]).toMatchObject({ status: 403, key_id: keys.limited.id });
  });

  it('run_sql: read-write for a POST rule, read-only for GET, refused without raw_sql_allowed; never stores the SQL', async () => {
    const admin = await connect();
    const table = `mcp_sql_${fx.engine}`;
    ok(await call(admin, 'run_sql', { service: 'raw', sql: `CREATE TABLE ${table} (id INT PRIMARY KEY, note VARCHAR(50))` }));
    const insert = ok(await call(admin, 'run_sql', { service: 'raw', sql: `INSERT INTO ${table} VALUES (1, 'secret-note-1'), (2, 'secret-note-2')` }));
    expect(insert.read_only).toBe(false);
    const count = async () => Number(Object.values(((ok(await call(admin, 'run_sql', { service: 'raw', sql: `SELECT count(*) AS n FROM ${table}` })).rows as Row[])[0]) ?? {})[0]);
    expect(await count()).toBe(2);
    if (fx.engine !== 'pglite') expect(await fx.sql(`SELECT id FROM ${table} ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);

    const sqlReader = await connect({ 'x-api-key': keys.sqlReader.key });
    const read = ok(await call(sqlReader, 'run_sql', { service: 'raw', sql: `SELECT id, note FROM ${table} ORDER BY id` }));
    expect(read).toMatchObject({ read_only: true, count: 2, truncated: false });
    expect((read.rows as Row[]).map((r) => Number(r.id))).toEqual([1, 2]);
    refused(await call(sqlReader, 'run_sql', { service: 'raw', sql: `DELETE FROM ${table}` }), 'readOnlyTransaction');
    refused(await call(sqlReader, 'run_sql', { service: 'raw', sql: `INSERT INTO ${table} VALUES (3, 'x')` }), 'readOnlyTransaction');
    // One statement only: a second one cannot escape the read-only transaction.
    refused(await call(sqlReader, 'run_sql', { service: 'raw', sql: `COMMIT; DELETE FROM ${table}` }), 'Error');
    // Pooled connections are shared: nothing may change their session, not even with write rights.
    refused(await call(admin, 'run_sql', { service: 'raw', sql: '/* x */ SET autocommit = 0' }), 'not accepted');
    // Service w does not allow raw SQL, whatever the role says.
    refused(await call(sqlReader, 'run_sql', { service: 'w', sql: 'DELETE FROM mcp_customers' }), 'rawSqlNotAllowed');
    refused(await call(admin, 'run_sql', { service: 'w', sql: 'SELECT 1' }), 'rawSqlNotAllowed');
    expect(await count()).toBe(2);
    expect((await dbRows('mcp_customers')).length).toBe(3);

    const entries = await auditEntries(`tool=run_sql&key_id=${keys.sqlReader.id}`);
    expect(entries.map((e) => [e.service, e.status])).toEqual([['w', 403], ['raw', 400], ['raw', 403], ['raw', 403], ['raw', 200]]);
    const stored = JSON.stringify(await fx.server.store.query("SELECT * FROM sluice.audit_log WHERE surface = 'mcp'"));
    expect(stored).not.toContain('secret-note');
    expect(stored).not.toContain('DELETE FROM');
  });

  it('run_sql: what the SQL does to its session does not outlive the call (the connection is not reused as it is)', async () => {
    const admin = await connect();
    const value = async (sql: string) => Object.values(((ok(await call(admin, 'run_sql', { service: 'raw', sql })).rows as Row[])[0]) ?? {})[0];
    if (fx.engine === 'mariadb') {
      await value(`SELECT @sluice_probe := 'leaked' AS v`);
      expect(await value('SELECT @sluice_probe AS v')).toBeNull();
    } else {
      // A session-level setting made by a function call, committed with write rights.
      expect(await value(`SELECT set_config('TimeZone', 'America/New_York', false) AS v`)).toBe('America/New_York');
      expect(await value(`SELECT current_setting('TimeZone') AS v`)).toBe('UTC');
    }
    // Other requests on the service still see Sluice's session (timestamps in UTC).
    const now = await value(fx.engine === 'mariadb' ? 'SELECT @@session.time_zone AS v' : `SELECT current_setting('TimeZone') AS v`);
    expect(now === 'UTC' || now === '+00:00').toBe(true);
  });

  it('serves the services and schema resources as the caller may see them', async () => {
    const reader = await connect({ 'x-api-key': keys.reader.key });
    const listed = (await reader.listResources()).resources.map((r) => r.uri);
    expect(listed).toEqual(['sluice://services', 'sluice://schema/w']);
    const templates = (await reader.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    expect(templates).toEqual(['sluice://schema/{service}']);
    const services = JSON.parse(((await reader.readResource({ uri: 'sluice://services' })).contents[0] as { text: string }).text) as { services: Row[] };
    expect(services.services.map((s) => s.name)).toEqual(['w']);
    const schema = JSON.parse(((await reader.readResource({ uri: 'sluice://schema/w' })).contents[0] as { text: string }).text) as { tables: Row[]; procedures: Row[] };
    expect(schema.tables.map((t) => t.name).sort()).toEqual(['mcp_customers', 'mcp_orders']);
    expect(schema.procedures.map((p) => p.name)).toContain('mcp_add');
    await expect(reader.readResource({ uri: 'sluice://schema/raw' })).rejects.toThrow(/raw/);
  });

  it('sets and validates allowed_tools through the System API; the next call sees the change', async () => {
    const bad = await fx.send('PATCH', `/api/v1/system/api-key/${keys.reader.id}`, { allowed_tools: ['query', 'drop_database'] });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('drop_database');
    const dup = await fx.send('PATCH', `/api/v1/system/api-key/${keys.reader.id}`, { allowed_tools: ['query', 'query'] });
    expect(dup.status).toBe(400);
    const client = await connect({ 'x-api-key': keys.reader.key });
    const patched = await fx.send<{ allowed_tools: string[] | null }>('PATCH', `/api/v1/system/api-key/${keys.reader.id}`, { allowed_tools: ['describe_table'] });
    expect(patched.status).toBe(200);
    expect(patched.body.allowed_tools).toEqual(['describe_table']);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['describe_table']);
    refused(await call(client, 'query', { service: 'w', table: 'mcp_customers' }), 'toolNotAllowed');
    const lifted = await fx.send<{ allowed_tools: string[] | null }>('PATCH', `/api/v1/system/api-key/${keys.reader.id}`, { allowed_tools: null });
    expect(lifted.body.allowed_tools).toBeNull();
    expect((await client.listTools()).tools).toHaveLength(ALL_TOOLS.length - 1);
  });

  it('describes the MCP server at GET /api/v1/system/mcp for admins only', async () => {
    const res = await fx.send<{ tools: { name: string; inputSchema: { type: string } }[]; transports: { type: string }[]; resources: { uri: string }[]; endpoint: string }>('GET', '/api/v1/system/mcp');
    expect(res.status).toBe(200);
    expect(res.body.tools.map((t) => t.name)).toEqual(ALL_TOOLS);
    expect(res.body.tools.every((t) => t.inputSchema.type === 'object')).toBe(true);
    expect(res.body.transports.map((t) => t.type)).toEqual(['streamable-http', 'stdio']);
    expect(res.body.resources.map((r) => r.uri)).toEqual(['sluice://services']);
    expect(res.body.endpoint).toBe(`${fx.baseUrl}/mcp`);
    const forbidden = await fx.send('GET', '/api/v1/system/mcp', undefined, { headers: { 'x-api-key': keys.reader.key } });
    expect(forbidden.status).toBe(403);
  });

  it('answers 401 without credentials (audited), 405 for GET and DELETE', async () => {
    const requestId = `mcp-${randomUUID()}`;
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-request-id': requestId };
    const anonymous = await fetch(new URL('/mcp', fx.baseUrl), { method: 'POST', headers, body: JSON.stringify(body) });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: number } }).error.code).toBe(401);
    const entries = await auditEntries('');
    expect(entries.filter((e) => e.request_id === requestId)).toMatchObject([{ status: 401, principal_kind: 'anonymous' }]);
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(new URL('/mcp', fx.baseUrl), { method, headers: { authorization: `Bearer ${fx.adminToken}`, accept: 'text/event-stream' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });
});

/** The stdio suite's database `w` on one engine: created with the DDL, read back with SQL, dropped. */
async function stdioDatabase(engine: 'pglite' | 'postgres' | 'mariadb', tmp: string) {
  if (engine === 'pglite') {
    const location = path.join(tmp, 'db');
    const setup = await openPgliteDriver({ location, statementTimeoutMs: 0 });
    for (const statement of DDL.postgres) await setup.query({ sql: statement, params: [] });
    await setup.close();
    return {
      dsn: `pglite://${location}`,
      // Opened only once no process holds it.
      customerIds: async () => {
        const reader = await openPgliteDriver({ location, statementTimeoutMs: 0 });
        try {
          return (await reader.query<{ id: number }>({ sql: 'SELECT id FROM mcp_customers ORDER BY id', params: [] })).rows.map((r) => Number(r.id));
        } finally {
          await reader.close();
        }
      },
      drop: async () => undefined,
    };
  }
  const database = `sluice_mcp_stdio_${process.pid}`;
  const adminUrl = engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL;
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const dsn = url.toString();
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const client = new pg.Client({ connectionString: dsn });
    await client.connect();
    for (const statement of DDL.postgres) await client.query(statement);
    await client.end();
    return {
      dsn,
      customerIds: async () => {
        const reader = new pg.Client({ connectionString: dsn });
        await reader.connect();
        try {
          return (await reader.query<{ id: number }>('SELECT id FROM mcp_customers ORDER BY id')).rows.map((r) => Number(r.id));
        } finally {
          await reader.end();
        }
      },
      drop: async () => {
        const again = new pg.Client({ connectionString: adminUrl });
        await again.connect();
        await again.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await again.end();
      },
    };
  }
  const admin = await mysql.createConnection({ uri: adminUrl });
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const connection = await mysql.createConnection({ uri: dsn });
  for (const statement of DDL.mysql) await connection.query(statement);
  await connection.end();
  return {
    dsn,
    customerIds: async () => {
      const reader = await mysql.createConnection({ uri: dsn });
      try {
        return ((await reader.query('SELECT id FROM mcp_customers ORDER BY id'))[0] as { id: number }[]).map((r) => Number(r.id));
      } finally {
        await reader.end();
      }
    },
    drop: async () => {
      const again = await mysql.createConnection({ uri: adminUrl });
      await again.query(`DROP DATABASE IF EXISTS ${database}`);
      await again.end();
    },
  };
}

for (const engine of ['pglite', 'postgres', 'mariadb'] as const) describe.skipIf(!(await shouldRunEngine(engine)))(`mcp over stdio [${engine}]`, () => {
  let tmp: string;
  let dataDir: string;
  let db: Awaited<ReturnType<typeof stdioDatabase>>;
  let server: RunningServer | undefined;
  let key: { id: number; key: string };
  let stderr = '';
  const env = () => ({ ...(process.env as Record<string, string>), SLUICE_SERVICE_W: db.dsn, SLUICE_LOG_LEVEL: 'warn' });

  async function stdioClient(args: string[], extraEnv: Record<string, string> = {}): Promise<Client> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', MAIN, 'mcp', '--service', 'w', '--data-dir', dataDir, ...args],
      cwd: ROOT,
      env: { ...env(), ...extraEnv },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const client = new Client({ name: 'sluice-stdio-test', version: '1.0.0' });
    await client.connect(transport);
    return client;
  }

  const text = (result: CallToolResult) => (result.content[0] as { text: string }).text;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'sluice-mcp-stdio-'));
    dataDir = path.join(tmp, 'data');
    db = await stdioDatabase(engine, tmp);
    server = (await startServerWith({ w: db.dsn }, dataDir)).server;
    const token = await adminLogin(server.url);
    const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const role = await request<{ id: number }>(server.url, '/api/v1/system/role', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'stdio_reader', access: [{ service_name: 'w', component: '_table/*', verb_mask: 31 }] }),
    });
    const created = await request<{ id: number; api_key: string }>(server.url, '/api/v1/system/api-key', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ role_id: role.body.id, allowed_tools: ['query', 'list_tables'] }),
    });
    expect(created.status).toBe(201);
    key = { id: created.body.id, key: created.body.api_key };
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await db?.drop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('is refused with a clear message while a server holds the metadata store, and relays to it with --url', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'mcp', '--service', 'w', '--data-dir', dataDir], { cwd: ROOT, env: env() });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('in use by another Sluice process');
    expect(output).toContain('--url');

    const relayed = await stdioClient(['--url', (server as RunningServer).url], { SLUICE_MCP_API_KEY: key.key });
    expect((await relayed.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_tables', 'query']);
    const result = (await relayed.callTool({ name: 'query', arguments: { table: 'mcp_customers', order: 'id' } })) as CallToolResult;
    expect(result.isError, text(result)).toBeFalsy();
    expect(((result.structuredContent as { rows: { id: number }[] }).rows).map((r) => r.id)).toEqual([1, 2, 3]);
    await relayed.close();
    await (server as RunningServer).close();
    server = undefined;
  }, 180_000);

  it('serves the tools in-process as the local operator and as an API key, writes through, and audits every call', async () => {
    const operator = await stdioClient([]);
    const tools = (await operator.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(ALL_TOOLS.filter((t) => t !== 'run_sql')); // w does not allow raw SQL
    const inserted = (await operator.callTool({ name: 'insert_rows', arguments: { table: 'mcp_customers', rows: [{ id: 4, name: 'Dana', tier: 'gold' }] } })) as CallToolResult;
    expect(inserted.isError, text(inserted)).toBeFalsy();
    const other = (await operator.callTool({ name: 'list_tables', arguments: { service: 'demo' } })) as CallToolResult;
    expect(other.isError).toBe(true);
    expect(text(other)).toContain("scoped to service 'w'");
    await operator.close();

    const limited = await stdioClient(['--api-key', key.key]);
    expect((await limited.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_tables', 'query']);
    const gold = (await limited.callTool({ name: 'query', arguments: { table: 'mcp_customers', filter: "tier = 'gold'", order: 'id' } })) as CallToolResult;
    expect(((gold.structuredContent as { rows: { id: number }[] }).rows).map((r) => r.id)).toEqual([1, 4]);
    const refusedCall = (await limited.callTool({ name: 'delete_rows', arguments: { table: 'mcp_customers', ids: [4] } })) as CallToolResult;
    expect(refusedCall.isError).toBe(true);
    expect(text(refusedCall)).toContain('toolNotAllowed');
    await limited.close();
    // The process has exited: the database and the store can be opened here.
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(await db.customerIds()).toEqual([1, 2, 3, 4]);

    const store = await MetaStore.open({ dataDir });
    try {
      const entries = await store.query<{ action: string; principal_kind: string; principal_id: string | null; key_id: number | null; status: number; service: string | null; target: string | null; affected_rows: number | null }>(
        "SELECT action, principal_kind, principal_id, key_id, status, service, target, affected_rows FROM sluice.audit_log WHERE surface = 'mcp' ORDER BY id",
      );
      expect(entries.find((e) => e.action === 'insert_rows')).toMatchObject({ principal_kind: 'admin', principal_id: '0', status: 200, service: 'w', target: 'mcp_customers', affected_rows: 1 });
      expect(entries.filter((e) => e.key_id === key.id).map((e) => [e.action, e.status])).toEqual([
        ['query', 200], // relayed through the server
        ['query', 200],
        ['delete_rows', 403],
      ]);
    } finally {
      await store.close();
    }
    expect(stderr).not.toContain('"level":50');
  }, 240_000);
});
