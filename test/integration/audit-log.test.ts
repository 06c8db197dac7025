/**
 * The audit log over real HTTP: REST writes, refused writes, System API changes, failed logins and
 * bad credentials each leave exactly one entry (found by the request id each request sends), with
 * the facts the request really had — affected rows are checked against the table, and stored rows
 * are searched for every secret the tests sent. Then the audit endpoint's filters and paging,
 * the admin requirement, flushing at shutdown, retention pruning, and one run with the metadata
 * store on PostgreSQL.
 *
 * Each server serves its own in-memory PGlite database as service `w` (the shared demo data is
 * never touched); entries are read from the metadata store itself after `audit.flush()`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/http/server.js';
import { insertAuditRecords } from '../../src/system/store/audit-repo.js';
import { MetaStore } from '../../src/system/store/meta-store.js';
import { ADMIN_PASSWORD, adminLogin, request, startServerWith, type HttpResult } from '../support/engines.js';
import { PG_ADMIN_URL, shouldRunEngine } from '../support/servers.js';

const SERVICE = 'w';
const TABLE = 'audit_items';

interface StoredEntry {
  id: string;
  at: string;
  surface: string;
  principal_kind: string;
  principal_id: string | null;
  key_id: number | null;
  credential: string;
  service: string | null;
  action: string;
  target: string | null;
  affected_rows: number | null;
  status: number;
  duration_ms: number;
  request_id: string;
  client_ip: string | null;
}

interface EntryJson {
  id: number;
  time: string;
  surface: string;
  principal_kind: string;
  principal_id: string | null;
  key_id: number | null;
  credential: string;
  service: string | null;
  action: string;
  target: string | null;
  affected_rows: number | null;
  status: number;
  duration_ms: number;
  request_id: string;
}

interface AuditPage {
  resource: EntryJson[];
  meta: { count: number; page: number; page_size: number; total: number };
}

interface Client {
  readonly server: RunningServer;
  readonly token: string;
  /** Sends a request with a fresh X-Request-ID (returned), as the admin unless headers carry credentials or `anonymous`. */
  send<T = unknown>(
    method: string,
    pathAndQuery: string,
    body?: unknown,
    init?: { headers?: Record<string, string>; anonymous?: boolean },
  ): Promise<HttpResult<T> & { requestId: string }>;
  /** The stored entries of one request, after flushing the queue. */
  entries(requestId: string): Promise<StoredEntry[]>;
  cleanup(): Promise<void>;
}

async function startClient(dataDir: string, env: Record<string, string> = {}): Promise<Client> {
  const started = await startServerWith({ [SERVICE]: 'pglite://memory' }, dataDir, env);
  const server = started.server;
  const token = await adminLogin(server.url);
  return {
    server,
    token,
    async send<T>(method: string, pathAndQuery: string, body?: unknown, init: { headers?: Record<string, string>; anonymous?: boolean } = {}) {
      const requestId = `audit-${randomUUID()}`;
      const headers = new Headers(init.headers);
      headers.set('x-request-id', requestId);
      if (!init.anonymous && !headers.has('authorization') && !headers.has('x-api-key')) headers.set('authorization', `Bearer ${token}`);
      if (body !== undefined) headers.set('content-type', 'application/json');
      const res = await request<T>(server.url, pathAndQuery, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return { ...res, requestId };
    },
    async entries(requestId: string) {
      await server.audit.flush();
      return server.store.query<StoredEntry>('SELECT * FROM sluice.audit_log WHERE request_id = $1', [requestId]);
    },
    cleanup: started.cleanup,
  };
}

/** The one entry a request left (fails unless there is exactly one). */
async function onlyEntry(client: Client, requestId: string): Promise<StoredEntry> {
  const rows = await client.entries(requestId);
  expect(rows).toHaveLength(1);
  return rows[0] as StoredEntry;
}

async function expectStatus<T>(res: Promise<HttpResult<T> & { requestId: string }>, status: number): Promise<HttpResult<T> & { requestId: string }> {
  const done = await res;
  expect(done.status, done.text).toBe(status);
  return done;
}

describe('audit log [pglite metadata store]', () => {
  let dir: string;
  let client: Client;
  let writer: { id: number; key: string };
  let reader: { id: number; key: string };

  const rowCount = async (filter?: string): Promise<number> => {
    const query = new URLSearchParams({ include_count: 'true', limit: '0', ...(filter ? { filter } : {}) });
    const res = await expectStatus(client.send<{ meta: { total: number } }>('GET', `/api/v1/${SERVICE}/_table/${TABLE}?${query}`), 200);
    return res.body.meta.total;
  };

  const keyFor = async (name: string, verbMask: number) => {
    const role = await expectStatus(
      client.send<{ id: number }>('POST', '/api/v1/system/role', {
        name,
        access: [{ service_name: SERVICE, component: `_table/${TABLE}`, verb_mask: verbMask }],
      }),
      201,
    );
    const key = await expectStatus(client.send<{ id: number; api_key: string }>('POST', '/api/v1/system/api-key', { role_id: role.body.id }), 201);
    return { id: key.body.id, key: key.body.api_key };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-audit-'));
    client = await startClient(dir);
    await expectStatus(
      client.send('POST', `/api/v1/${SERVICE}/_schema`, {
        name: TABLE,
        columns: [
          { name: 'id', type: 'serial', is_primary_key: true },
          { name: 'name', type: 'text' },
          { name: 'qty', type: 'integer' },
        ],
      }),
      201,
    );
    writer = await keyFor('audit_writer', 31);
    reader = await keyFor('audit_reader', 1);
  });

  afterAll(async () => {
    await client?.cleanup();
  });

  describe('REST writes', () => {
    it('an insert with an API key: one entry with the key, table and rows inserted', async () => {
      const before = await rowCount();
      const res = await expectStatus(
        client.send('POST', `/api/v1/${SERVICE}/_table/${TABLE}`, [{ name: 'a', qty: 1 }, { name: 'b', qty: 2 }, { name: 'c', qty: 3 }], { headers: { 'x-api-key': writer.key } }),
        201,
      );
      expect(await rowCount()).toBe(before + 3);
      const entry = await onlyEntry(client, res.requestId);
      expect(entry).toMatchObject({
        surface: 'rest',
        principal_kind: 'apiKey',
        principal_id: String(writer.id),
        key_id: writer.id,
        credential: 'apiKey',
        service: SERVICE,
        action: `POST _table/${TABLE}`,
        target: TABLE,
        affected_rows: 3,
        status: 201,
      });
      expect(entry.duration_ms).toBeGreaterThanOrEqual(0);
      expect(entry.client_ip).toBeTruthy();
    });

    it('an update by filter records the rows it changed', async () => {
      const filter = `qty >= 2`;
      const matching = await rowCount(filter);
      expect(matching).toBeGreaterThan(0);
      const res = await expectStatus(client.send('PATCH', `/api/v1/${SERVICE}/_table/${TABLE}?${new URLSearchParams({ filter })}`, { name: 'updated' }), 200);
      expect(await rowCount(`name = 'updated'`)).toBe(matching);
      expect(await onlyEntry(client, res.requestId)).toMatchObject({
        principal_kind: 'admin',
        key_id: null,
        credential: 'bearer',
        action: `PATCH _table/${TABLE}`,
        target: TABLE,
        affected_rows: matching,
        status: 200,
      });
    });

    it('an update of one record by id records one row', async () => {
      const res = await expectStatus(client.send('PUT', `/api/v1/${SERVICE}/_table/${TABLE}/1`, { name: 'one', qty: 10 }, { headers: { 'x-api-key': writer.key } }), 200);
      expect(await rowCount(`qty = 10`)).toBe(1);
      expect(await onlyEntry(client, res.requestId)).toMatchObject({ action: `PUT _table/${TABLE}`, target: TABLE, affected_rows: 1, key_id: writer.id, status: 200 });
    });

    it('a delete records the rows it removed', async () => {
      const before = await rowCount();
      const res = await expectStatus(client.send('DELETE', `/api/v1/${SERVICE}/_table/${TABLE}?ids=2,3`, undefined, { headers: { 'x-api-key': writer.key } }), 200);
      expect(await rowCount()).toBe(before - 2);
      expect(await onlyEntry(client, res.requestId)).toMatchObject({ action: `DELETE _table/${TABLE}`, target: TABLE, affected_rows: 2, key_id: writer.id, status: 200 });
    });

    it('a refused write is recorded with its status, and writes nothing', async () => {
      const before = await rowCount();
      const res = await expectStatus(client.send('POST', `/api/v1/${SERVICE}/_table/${TABLE}`, { name: 'nope' }, { headers: { 'x-api-key': reader.key } }), 403);
      expect(await rowCount()).toBe(before);
      expect(await onlyEntry(client, res.requestId)).toMatchObject({
        principal_kind: 'apiKey',
        key_id: reader.id,
        action: `POST _table/${TABLE}`,
        target: TABLE,
        affected_rows: null,
        status: 403,
      });
    });

    it('reads are not recorded', async () => {
      const res = await expectStatus(client.send('GET', `/api/v1/${SERVICE}/_table/${TABLE}`, undefined, { headers: { 'x-api-key': reader.key } }), 200);
      expect(await client.entries(res.requestId)).toHaveLength(0);
    });

    it('schema changes name the table the body created', async () => {
      const name = 'audit_scratch';
      const created = await expectStatus(client.send('POST', `/api/v1/${SERVICE}/_schema`, { name, columns: [{ name: 'id', type: 'integer', is_primary_key: true }] }), 201);
      expect(await onlyEntry(client, created.requestId)).toMatchObject({ surface: 'rest', action: `POST _schema/${name}`, target: name, status: 201 });
      const dropped = await expectStatus(client.send('DELETE', `/api/v1/${SERVICE}/_schema/${name}`), 200);
      expect(await onlyEntry(client, dropped.requestId)).toMatchObject({ action: `DELETE _schema/${name}`, target: name, status: 200 });
      expect((await client.send('GET', `/api/v1/${SERVICE}/_schema/${name}`)).status).toBe(404);
    });
  });

  describe('authentication', () => {
    const allText = async () => {
      await client.server.audit.flush();
      return JSON.stringify(await client.server.store.query('SELECT * FROM sluice.audit_log'));
    };

    it('a failed login is recorded without the password', async () => {
      const password = `wrong-${randomUUID()}`;
      const res = await expectStatus(client.send('POST', '/api/v1/system/admin/session', { email: 'admin@sluice.test', password }, { anonymous: true }), 401);
      expect(await onlyEntry(client, res.requestId)).toMatchObject({
        surface: 'system',
        principal_kind: 'anonymous',
        principal_id: null,
        credential: 'password',
        action: 'POST system/admin/session',
        status: 401,
      });
      expect(await allText()).not.toContain(password);
    });

    it('a successful login is recorded as the admin, without the password or the token', async () => {
      const res = await expectStatus(
        client.send<{ session_token: string; admin_id: number }>('POST', '/api/v1/system/admin/session', { email: 'admin@sluice.test', password: ADMIN_PASSWORD }, { anonymous: true }),
        200,
      );
      expect(await onlyEntry(client, res.requestId)).toMatchObject({ principal_kind: 'admin', principal_id: String(res.body.admin_id), status: 200 });
      const text = await allText();
      expect(text).not.toContain(ADMIN_PASSWORD);
      expect(text).not.toContain(res.body.session_token);
      expect(text).not.toContain(client.token);
    });

    it('a bad API key is recorded without the key or its secret', async () => {
      const secret = writer.key.split('_').at(-1) as string;
      const tampered = `${writer.key.slice(0, -secret.length)}${secret.slice(0, -4)}ZZZZ`;
      expect(tampered).not.toBe(writer.key);
      const res = await expectStatus(client.send('GET', `/api/v1/${SERVICE}/_table/${TABLE}`, undefined, { headers: { 'x-api-key': tampered } }), 401);
      expect(await onlyEntry(client, res.requestId)).toMatchObject({
        surface: 'rest',
        principal_kind: 'anonymous',
        key_id: null,
        credential: 'apiKey',
        service: SERVICE,
        action: `GET _table/${TABLE}`,
        status: 401,
      });
      const text = await allText();
      for (const secretText of [tampered, secret, secret.slice(0, -4), writer.key, reader.key]) expect(text).not.toContain(secretText);
    });

    it('a bad bearer token and a missing one are recorded as 401s', async () => {
      const bad = await expectStatus(client.send('POST', `/api/v1/${SERVICE}/_table/${TABLE}`, { name: 'x' }, { headers: { authorization: 'Bearer not.a.token' } }), 401);
      expect(await onlyEntry(client, bad.requestId)).toMatchObject({ credential: 'bearer', status: 401, action: `POST _table/${TABLE}` });
      const none = await expectStatus(client.send('GET', '/api/v1/system/role', undefined, { anonymous: true }), 401);
      expect(await onlyEntry(client, none.requestId)).toMatchObject({ credential: 'none', surface: 'system', action: 'GET system/role', status: 401 });
      expect(await allText()).not.toContain('not.a.token');
    });
  });

  describe('System API changes', () => {
    it('roles, API keys, admins and services: one entry per change, no secrets', async () => {
      const role = await expectStatus(client.send<{ id: number }>('POST', '/api/v1/system/role', { name: 'audit_sys_role', access: [] }), 201);
      const roleUpdate = await expectStatus(client.send('PUT', `/api/v1/system/role/${role.body.id}`, { description: 'changed' }), 200);
      const key = await expectStatus(client.send<{ id: number; api_key: string }>('POST', '/api/v1/system/api-key', { role_id: role.body.id }), 201);
      const revoke = await expectStatus(client.send('DELETE', `/api/v1/system/api-key/${key.body.id}`), 200);
      const roleDelete = await expectStatus(client.send('DELETE', `/api/v1/system/role/${role.body.id}`), 200);
      const adminPassword = `pw-${randomUUID()}`;
      const admin = await expectStatus(client.send<{ id: number }>('POST', '/api/v1/system/admin', { email: 'audit-second@sluice.test', password: adminPassword }), 201);
      const adminUpdate = await expectStatus(client.send('PUT', `/api/v1/system/admin/${admin.body.id}`, { password: `${adminPassword}-2` }), 200);
      const adminDelete = await expectStatus(client.send('DELETE', `/api/v1/system/admin/${admin.body.id}`), 200);
      const dsnPath = path.join(dir, `svc-${randomUUID()}`);
      const service = await expectStatus(client.send('POST', '/api/v1/system/service', { name: 'auditsvc', driver: 'pglite', dsn: `pglite://${dsnPath}` }), 201);
      const serviceUpdate = await expectStatus(client.send('PUT', '/api/v1/system/service/auditsvc', { label: 'Audited' }), 200);
      const serviceDelete = await expectStatus(client.send('DELETE', '/api/v1/system/service/auditsvc'), 200);
      const listing = await expectStatus(client.send('GET', '/api/v1/system/role'), 200);

      const expected: [HttpResult & { requestId: string }, string, string | null][] = [
        [role, 'POST system/role', null],
        [roleUpdate, `PUT system/role/${role.body.id}`, null],
        [key, 'POST system/api-key', null],
        [revoke, `DELETE system/api-key/${key.body.id}`, null],
        [roleDelete, `DELETE system/role/${role.body.id}`, null],
        [admin, 'POST system/admin', null],
        [adminUpdate, `PUT system/admin/${admin.body.id}`, null],
        [adminDelete, `DELETE system/admin/${admin.body.id}`, null],
        [service, 'POST system/service', 'auditsvc'],
        [serviceUpdate, 'PUT system/service/auditsvc', 'auditsvc'],
        [serviceDelete, 'DELETE system/service/auditsvc', 'auditsvc'],
      ];
      for (const [res, action, serviceName] of expected) {
        expect(await onlyEntry(client, res.requestId)).toMatchObject({
          surface: 'system',
          principal_kind: 'admin',
          credential: 'bearer',
          action,
          service: serviceName,
          status: res.status,
        });
      }
      expect(await client.entries(listing.requestId)).toHaveLength(0);
      const text = JSON.stringify(await client.server.store.query('SELECT * FROM sluice.audit_log'));
      for (const secret of [key.body.api_key, adminPassword, dsnPath]) expect(text).not.toContain(secret);
    }, 120_000); // creating a service starts a PGlite database
  });

  describe('GET /api/v1/system/audit', () => {
    const page = async (query: Record<string, string>) =>
      (await expectStatus(client.send<AuditPage>('GET', `/api/v1/system/audit?${new URLSearchParams(query)}`), 200)).body;
    const count = async (where: string, params: unknown[]) => {
      await client.server.audit.flush();
      const [row] = await client.server.store.query<{ n: string }>(`SELECT count(*) AS n FROM sluice.audit_log ${where}`, params);
      return Number(row?.n);
    };

    it('lists entries newest first, with paging facts', async () => {
      const total = await count('', []);
      const first = await page({ page_size: '3' });
      expect(first.meta).toEqual({ count: 3, page: 1, page_size: 3, total });
      const second = await page({ page_size: '3', page: '2' });
      const both = await page({ page_size: '6' });
      expect([...first.resource, ...second.resource].map((e) => e.id)).toEqual(both.resource.map((e) => e.id));
      const times = both.resource.map((e) => Date.parse(e.time));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      const beyond = await page({ page_size: '10', page: String(Math.ceil(total / 10) + 1) });
      expect(beyond.resource).toEqual([]);
    });

    it('filters by key_id, tool, surface and service', async () => {
      const byKey = await page({ key_id: String(writer.id), page_size: '1000' });
      expect(byKey.meta.total).toBe(await count('WHERE key_id = $1', [writer.id]));
      expect(byKey.meta.total).toBeGreaterThanOrEqual(3);
      expect(byKey.resource.every((e) => e.key_id === writer.id && e.principal_id === String(writer.id))).toBe(true);

      const tool = `POST _table/${TABLE}`;
      const byTool = await page({ tool, page_size: '1000' });
      expect(byTool.meta.total).toBe(await count('WHERE action = $1', [tool]));
      expect(byTool.resource.length).toBeGreaterThan(0);
      expect(byTool.resource.every((e) => e.action === tool)).toBe(true);

      const system = await page({ surface: 'system', page_size: '1000' });
      expect(system.meta.total).toBe(await count(`WHERE surface = 'system'`, []));
      expect(system.resource.every((e) => e.surface === 'system')).toBe(true);

      const service = await page({ service: SERVICE, surface: 'rest', page_size: '1000' });
      expect(service.meta.total).toBe(await count(`WHERE service = $1 AND surface = 'rest'`, [SERVICE]));
      expect(service.resource.every((e) => e.service === SERVICE && e.surface === 'rest')).toBe(true);
    });

    it('filters by time: from inclusive, to exclusive', async () => {
      const marker = await expectStatus(client.send('POST', `/api/v1/${SERVICE}/_table/${TABLE}`, { name: 'marker' }), 201);
      const [entry] = await client.entries(marker.requestId);
      const at = new Date((entry as StoredEntry).at);
      const inside = await page({ from: at.toISOString(), to: new Date(at.getTime() + 1).toISOString(), page_size: '1000' });
      expect(inside.resource.map((e) => e.request_id)).toContain(marker.requestId);
      expect(inside.meta.total).toBe(await count('WHERE at >= $1 AND at < $2', [at.toISOString(), new Date(at.getTime() + 1).toISOString()]));
      const before = await page({ to: at.toISOString(), page_size: '1000' });
      expect(before.resource.map((e) => e.request_id)).not.toContain(marker.requestId);
      const future = await page({ from: new Date(Date.now() + 3_600_000).toISOString() });
      expect(future.meta.total).toBe(0);
      // A date as `to` includes that whole day (UTC).
      const day = at.toISOString().slice(0, 10);
      const byDate = await page({ from: day, to: day, page_size: '1000' });
      expect(byDate.resource.map((e) => e.request_id)).toContain(marker.requestId);
      const dayStart = `${day}T00:00:00.000Z`;
      const dayEnd = new Date(Date.parse(dayStart) + 86_400_000).toISOString();
      expect(byDate.meta.total).toBe(await count('WHERE at >= $1 AND at < $2', [dayStart, dayEnd]));
    });

    it('refuses bad parameters with 400 naming them', async () => {
      for (const [query, parameter] of [
        ['page_size=0', 'page_size'],
        ['page_size=1001', 'page_size'],
        ['page=abc', 'page'],
        ['surface=ftp', 'surface'],
        ['from=yesterday', 'from'],
        ['key_id=-1', 'key_id'],
        ['colour=blue', 'colour'],
      ] as const) {
        const res = await client.send<{ error: { context: { parameter: string; reason: string } } }>('GET', `/api/v1/system/audit?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.body.error.context).toMatchObject({ parameter, reason: 'invalidParameter' });
      }
    });

    it('is for admins only', async () => {
      expect((await client.send('GET', '/api/v1/system/audit', undefined, { headers: { 'x-api-key': writer.key } })).status).toBe(403);
      expect((await client.send('GET', '/api/v1/system/audit', undefined, { anonymous: true })).status).toBe(401);
    });
  });

  describe('retention', () => {
    it('prune deletes entries older than the retention period and keeps the rest', async () => {
      const old = `old-${randomUUID()}`;
      const recent = `recent-${randomUUID()}`;
      const base = {
        surface: 'rest' as const,
        principalKind: 'anonymous',
        principalId: null,
        keyId: null,
        credential: 'none' as const,
        service: SERVICE,
        action: 'POST _table/x',
        target: 'x',
        affectedRows: 1,
        status: 201,
        durationMs: 1,
        clientIp: null,
      };
      const day = 86_400_000;
      await insertAuditRecords(client.server.store, [
        { ...base, at: new Date(Date.now() - 31 * day), requestId: old },
        { ...base, at: new Date(Date.now() - 29 * day), requestId: recent },
      ]);
      expect(await client.entries(old)).toHaveLength(1);
      expect(await client.server.audit.prune()).toBeGreaterThanOrEqual(1);
      expect(await client.entries(old)).toHaveLength(0);
      expect(await client.entries(recent)).toHaveLength(1);
    });
  });
});

describe('audit log at shutdown and start', () => {
  it('flushes entries queued at shutdown, and prunes by the configured retention at start', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-audit-stop-'));
    try {
      let client = await startClient(dir);
      const requestId = `stale-${randomUUID()}`;
      await insertAuditRecords(client.server.store, [
        {
          at: new Date(Date.now() - 5 * 86_400_000),
          surface: 'system',
          principalKind: 'admin',
          principalId: '1',
          keyId: null,
          credential: 'bearer',
          service: null,
          action: 'POST system/role',
          target: null,
          affectedRows: null,
          status: 201,
          durationMs: 1,
          requestId,
          clientIp: null,
        },
      ]);
      const write = await expectStatus(
        client.send('POST', `/api/v1/${SERVICE}/_schema`, { name: 'stop_t', columns: [{ name: 'id', type: 'integer', is_primary_key: true }] }),
        201,
      );
      await client.server.close(); // no flush first: the entry is still queued

      const store = await MetaStore.open({ dataDir: dir });
      try {
        const rows = await store.query<StoredEntry>('SELECT * FROM sluice.audit_log WHERE request_id = $1', [write.requestId]);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ action: 'POST _schema/stop_t', status: 201 });
        expect(await store.query('SELECT 1 FROM sluice.audit_log WHERE request_id = $1', [requestId])).toHaveLength(1);
      } finally {
        await store.close();
      }

      client = await startClient(dir, { SLUICE_AUDIT_RETENTION_DAYS: '3' });
      try {
        expect(await client.entries(requestId)).toHaveLength(0);
        expect(await client.entries(write.requestId)).toHaveLength(1);
      } finally {
        await client.server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

const runPostgres = await shouldRunEngine('postgres');

describe.skipIf(!runPostgres)('audit log [postgres metadata store]', () => {
  const database = `sluice_it_audit_meta_${process.pid}`;
  const adminQuery = async (sql: string) => {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };
  const metaUrl = () => {
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${database}`;
    return url.href;
  };
  let dir: string;

  beforeAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE ${database}`);
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-audit-pg-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('records writes and failed logins, serves them, and flushes at shutdown', async () => {
    const client = await startClient(dir, { SLUICE_META_DATABASE_URL: metaUrl() });
    let closed = false;
    try {
      await expectStatus(client.send('POST', `/api/v1/${SERVICE}/_schema`, { name: 'pg_t', columns: [{ name: 'id', type: 'integer', is_primary_key: true }, { name: 'v', type: 'text' }] }), 201);
      const insert = await expectStatus(client.send('POST', `/api/v1/${SERVICE}/_table/pg_t`, [{ id: 1, v: 'a' }, { id: 2, v: 'b' }]), 201);
      expect(await onlyEntry(client, insert.requestId)).toMatchObject({ surface: 'rest', action: 'POST _table/pg_t', target: 'pg_t', affected_rows: 2, status: 201 });
      const password = `wrong-${randomUUID()}`;
      const login = await expectStatus(client.send('POST', '/api/v1/system/admin/session', { email: 'admin@sluice.test', password }, { anonymous: true }), 401);
      expect(await onlyEntry(client, login.requestId)).toMatchObject({ credential: 'password', status: 401 });
      const listed = await expectStatus(client.send<AuditPage>('GET', '/api/v1/system/audit?tool=POST%20_table%2Fpg_t'), 200);
      expect(listed.body.resource.map((e) => e.request_id)).toEqual([insert.requestId]);

      const deleted = await expectStatus(client.send('DELETE', `/api/v1/${SERVICE}/_table/pg_t/1`), 200);
      await client.server.close();
      closed = true;
      const direct = new pg.Client({ connectionString: metaUrl() });
      await direct.connect();
      try {
        const { rows } = await direct.query<StoredEntry>('SELECT * FROM sluice.audit_log WHERE request_id = $1', [deleted.requestId]);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ action: 'DELETE _table/pg_t', affected_rows: 1, status: 200 });
        const all = await direct.query('SELECT * FROM sluice.audit_log');
        expect(JSON.stringify(all.rows)).not.toContain(password);
      } finally {
        await direct.end();
      }
    } finally {
      if (!closed) await client.server.close();
    }
  }, 120_000);
});
