/**
 * The System API (`/api/v1/system`) over real HTTP, against one PGlite-backed server shared by the
 * whole file (the describes run in order and build on each other's state only where they say so):
 * admin sessions and accounts, services — created over the real PostgreSQL and MariaDB demo
 * databases when those servers are up — roles, API keys, and the admin requirement of every route.
 *
 * Expectations come from the Faucet reference (paths, bodies, envelopes), the rules the route
 * modules document (409 for config services, 400s naming the field, the last admin …) and the demo
 * data generator; what must be stored (hashes, the sealed DSN, revoked sessions) is read back from
 * the metadata store itself, never inferred from what the server answered.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createKeyring, loadOrCreateSecretKey } from '../../src/auth/secrets.js';
import { generateDemoData } from '../../src/demo/demo-data.js';
import { DEMO_TABLES, DEMO_VIEWS } from '../../src/demo/demo-sql.js';
import type { RunningServer } from '../../src/http/server.js';
import { dsnAssociatedData } from '../../src/system/bootstrap.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminLogin, demoEngines, request, startEngineServer, type HttpResult } from '../support/engines.js';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL } from '../support/servers.js';

const data = generateDemoData();
const DEMO_DATABASE = inject('demoDatabase');
const TABLE_COUNT = DEMO_TABLES.length + DEMO_VIEWS.length;

// ---------------------------------------------------------------------------------------------
// Shapes

interface ErrorBody {
  error: { code: number; message: string; context: Record<string, unknown> & { reason: string } };
}
interface List<T> {
  resource: T[];
  meta: { count: number };
}
interface Session {
  session_token: string;
  token_type: string;
  expires_in: number;
  admin_id: number;
  email: string;
  name: string;
}
interface AdminJson {
  id: number;
  email: string;
  name: string;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}
interface ServiceJson {
  id: number;
  name: string;
  label: string;
  driver: string;
  schema: string | null;
  read_only: boolean;
  raw_sql_allowed: boolean;
  is_active: boolean;
  source: string;
  status: string;
}
interface RuleJson {
  service_name: string;
  component: string;
  verb_mask: number;
  filter?: string;
  fields?: string[];
}
interface RoleJson {
  id: number;
  name: string;
  description: string;
  is_active: boolean;
  access: RuleJson[];
  created_at: string;
  updated_at: string;
}
interface KeyJson {
  id: number;
  api_key?: string;
  key_prefix: string;
  label: string;
  role_id: number;
  is_active: boolean;
  created_at: string;
  last_used: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  allowed_tools: string[] | null;
}
interface Success {
  success: boolean;
  message: string;
}

/** The fields of an admin as the API shows it (admin-routes.ts): never a password or its hash. */
const ADMIN_FIELDS = ['created_at', 'email', 'id', 'is_active', 'last_login_at', 'name', 'updated_at'];
/** Format of a generated key: `sluice_<16 base32>_<32 base32>` (lower-case RFC 4648 alphabet). */
const API_KEY_FORMAT = /^sluice_([a-z2-7]{16})_([a-z2-7]{32})$/;

function expectError(res: HttpResult<unknown>, status: number, reason: string, context: Record<string, unknown> = {}): ErrorBody['error'] {
  expect(res.status, res.text).toBe(status);
  const body = res.body as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({ code: status, message: expect.any(String), context: expect.objectContaining({ reason, ...context }) });
  return body.error;
}

/** A 400 `invalidBody` naming `field`, whose message names it too. */
function expectInvalidField(res: HttpResult<unknown>, field: string): ErrorBody['error'] {
  const error = expectError(res, 400, 'invalidBody', { field });
  expect(error.message).toMatch(/^Invalid request body: /);
  expect(error.message).toContain(field);
  return error;
}

// ---------------------------------------------------------------------------------------------
// The server and the requests

type Auth = { token: string } | { apiKey: string } | 'none';

let server: RunningServer;
let cleanup: (() => Promise<void>) | undefined;
let baseUrl: string;
let adminToken: string;
/** The text of every System API response, to check no secret ever appears in one. */
const transcript: string[] = [];

function headersFor(auth: Auth): Record<string, string> {
  if (auth === 'none') return {};
  return 'token' in auth ? { authorization: `Bearer ${auth.token}` } : { 'x-api-key': auth.apiKey };
}

/** A System API request, as the fixture's admin unless `auth` says otherwise. */
async function api<T = unknown>(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; contentType?: string; auth?: Auth } = {},
): Promise<HttpResult<T>> {
  const headers = headersFor(options.auth ?? { token: adminToken });
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const res = await request<T>(baseUrl, `/api/v1/system${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  transcript.push(res.text);
  return res;
}

/** A data request (`/api/v1/{service}/…`), as the admin unless `auth` says otherwise. */
function dataGet<T = unknown>(path: string, auth: Auth = { token: adminToken }): Promise<HttpResult<T>> {
  return request<T>(baseUrl, `/api/v1${path}`, { headers: headersFor(auth) });
}

function login(email: string, password: string): Promise<HttpResult<Session>> {
  return api<Session>('POST', '/admin/session', { body: { email, password }, auth: 'none' });
}

async function loginToken(email: string, password: string): Promise<string> {
  const res = await login(email, password);
  expect(res.status, res.text).toBe(200);
  return res.body.session_token;
}

async function createAdmin(email: string, password: string, name = ''): Promise<AdminJson> {
  const res = await api<AdminJson>('POST', '/admin', { body: { email, password, name } });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function createRole(name: string, access: RuleJson[]): Promise<RoleJson> {
  const res = await api<RoleJson>('POST', '/role', { body: { name, access } });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function createKey(roleId: number, extra: Record<string, unknown> = {}): Promise<KeyJson & { api_key: string }> {
  const res = await api<KeyJson & { api_key: string }>('POST', '/api-key', { body: { role_id: roleId, ...extra } });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const ids = (rows: readonly { id: unknown }[]) => rows.map((r) => Number(r.id));

describe.skipIf(!demoEngines().includes('pglite'))('System API', () => {
  beforeAll(async () => {
    const started = await startEngineServer('pglite');
    server = started.server;
    cleanup = started.cleanup;
    baseUrl = server.url;
    adminToken = await adminLogin(baseUrl);
  });

  afterAll(async () => {
    await cleanup?.();
  });

  // -------------------------------------------------------------------------------------------
  describe('admin sessions', () => {
    it('logs in with the email in any case and answers the Faucet session shape', async () => {
      const [admin] = await server.store.query<{ id: number }>('SELECT id FROM sluice.admins WHERE email = $1', [ADMIN_EMAIL]);
      expect(admin).toBeDefined();
      const res = await login(ADMIN_EMAIL.toUpperCase(), ADMIN_PASSWORD);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({
        session_token: expect.any(String),
        token_type: 'bearer',
        expires_in: 86_400,
        admin_id: admin?.id,
        email: ADMIN_EMAIL,
        name: 'Admin',
      });
      const claims = decodeJwt(res.body.session_token);
      expect(claims).toMatchObject({ sub: String(admin?.id), iss: 'sluice', aud: 'sluice-admin', email: ADMIN_EMAIL });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(86_400);
      const sessions = await server.store.query<{ admin_id: number; revoked_at: unknown }>(
        'SELECT admin_id, revoked_at FROM sluice.admin_sessions WHERE id = $1',
        [claims.jti],
      );
      expect(sessions).toEqual([{ admin_id: admin?.id, revoked_at: null }]);
      expect((await api('GET', '/admin', { auth: { token: res.body.session_token } })).status).toBe(200);
    });

    it('answers a wrong password and an unknown email with the same 401', async () => {
      const wrongPassword = await login(ADMIN_EMAIL, `${ADMIN_PASSWORD}!`);
      const unknownEmail = await login('nobody@sluice.test', ADMIN_PASSWORD);
      const error = expectError(wrongPassword, 401, 'invalidCredentials');
      expectError(unknownEmail, 401, 'invalidCredentials');
      expect(unknownEmail.body).toEqual(wrongPassword.body);
      expect(error.message).not.toContain(ADMIN_EMAIL);
      expect(error.message).not.toContain('nobody');
    });

    it('refuses malformed login bodies with 400', async () => {
      const notJson = await api('POST', '/admin/session', { raw: '{"email": "admin@sluice.test", "password":', auth: 'none' });
      expectError(notJson, 400, 'malformedBody');
      const array = await api('POST', '/admin/session', { body: [ADMIN_EMAIL, ADMIN_PASSWORD], auth: 'none' });
      expectError(array, 400, 'malformedBody');
      const noBody = await api('POST', '/admin/session', { auth: 'none' });
      expectError(noBody, 400, 'malformedBody');
      const text = await api('POST', '/admin/session', { raw: 'email=a&password=b', contentType: 'text/plain', auth: 'none' });
      expectError(text, 400, 'malformedBody');
      expectInvalidField(await api('POST', '/admin/session', { body: { email: ADMIN_EMAIL }, auth: 'none' }), 'password');
      expectInvalidField(await api('POST', '/admin/session', { body: { password: ADMIN_PASSWORD }, auth: 'none' }), 'email');
      expectInvalidField(await api('POST', '/admin/session', { body: { email: 42, password: ADMIN_PASSWORD }, auth: 'none' }), 'email');
      expectInvalidField(await api('POST', '/admin/session', { body: { email: ADMIN_EMAIL, password: true }, auth: 'none' }), 'password');
    });

    it('logs out exactly the session of the presented token', async () => {
      const first = await loginToken(ADMIN_EMAIL, ADMIN_PASSWORD);
      const second = await loginToken(ADMIN_EMAIL, ADMIN_PASSWORD);
      expect(decodeJwt(first).jti).not.toBe(decodeJwt(second).jti);
      expect((await api('GET', '/admin', { auth: { token: first } })).status).toBe(200);

      const out = await api<Success>('DELETE', '/admin/session', { auth: { token: first } });
      expect(out.status, out.text).toBe(200);
      expect(out.body).toEqual({ success: true, message: 'Session invalidated' });

      expectError(await api('GET', '/admin', { auth: { token: first } }), 401, 'invalidToken');
      expectError(await dataGet('/shop/_table/products?limit=1', { token: first }), 401, 'invalidToken');
      expectError(await api('DELETE', '/admin/session', { auth: { token: first } }), 401, 'invalidToken');
      expect((await api('GET', '/admin', { auth: { token: second } })).status).toBe(200);
      expect((await dataGet('/shop/_table/products?limit=1', { token: second })).status).toBe(200);

      const rows = await server.store.query<{ id: string; revoked: boolean }>(
        'SELECT id, revoked_at IS NOT NULL AS revoked FROM sluice.admin_sessions WHERE id = ANY($1::text[]) ORDER BY revoked DESC',
        [[decodeJwt(first).jti, decodeJwt(second).jti]],
      );
      expect(rows).toEqual([
        { id: decodeJwt(first).jti, revoked: true },
        { id: decodeJwt(second).jti, revoked: false },
      ]);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('admins', () => {
    const passwords: string[] = [ADMIN_PASSWORD];
    const remember = (password: string) => {
      passwords.push(password);
      return password;
    };

    it('lists the admins in the list envelope, without passwords', async () => {
      const res = await api<List<AdminJson>>('GET', '/admin');
      expect(res.status).toBe(200);
      expect(res.body.meta).toEqual({ count: res.body.resource.length });
      const first = res.body.resource.find((a) => a.email === ADMIN_EMAIL);
      expect(first).toMatchObject({ email: ADMIN_EMAIL, name: 'Admin', is_active: true });
      for (const admin of res.body.resource) expect(Object.keys(admin).sort()).toEqual(ADMIN_FIELDS);
    });

    it('creates an admin (201, email lower-cased), stores a scrypt hash, and gets it by id', async () => {
      const password = remember('second-admin-password');
      const res = await api<AdminJson>('POST', '/admin', { body: { email: 'Second.Admin@Sluice.TEST', password, name: 'Second' } });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        email: 'second.admin@sluice.test',
        name: 'Second',
        is_active: true,
        created_at: expect.anything(),
        updated_at: expect.anything(),
        last_login_at: null,
      });
      const [stored] = await server.store.query<{ email: string; password_hash: string }>(
        'SELECT email, password_hash FROM sluice.admins WHERE id = $1',
        [res.body.id],
      );
      expect(stored?.email).toBe('second.admin@sluice.test');
      expect(stored?.password_hash).not.toBe(password);
      expect(stored?.password_hash).not.toContain(password);
      expect(stored?.password_hash.startsWith('scrypt$')).toBe(true);

      const got = await api<AdminJson>('GET', `/admin/${res.body.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(res.body);
      const list = await api<List<AdminJson>>('GET', '/admin');
      expect(list.body.resource.map((a) => a.email)).toContain('second.admin@sluice.test');

      const token = await loginToken('second.admin@sluice.test', password);
      expect((await api('GET', '/admin', { auth: { token } })).status).toBe(200);
      const afterLogin = await api<AdminJson>('GET', `/admin/${res.body.id}`);
      expect(afterLogin.body.last_login_at).not.toBeNull();
    });

    it('refuses duplicate emails (409), short passwords and bad bodies (400)', async () => {
      const dup = await api('POST', '/admin', { body: { email: 'SECOND.admin@sluice.test', password: 'another-password' } });
      expectError(dup, 409, 'adminExists');
      const dupFirst = await api('POST', '/admin', { body: { email: ADMIN_EMAIL, password: 'another-password' } });
      expectError(dupFirst, 409, 'adminExists');
      expectInvalidField(await api('POST', '/admin', { body: { email: 'short@sluice.test', password: '1234567' } }), 'password');
      expectInvalidField(await api('POST', '/admin', { body: { email: 'not-an-email', password: 'long-enough-password' } }), 'email');
      expectInvalidField(await api('POST', '/admin', { body: { email: 'x@sluice.test' } }), 'password');
      expectError(await api('POST', '/admin', { body: { email: 'x@sluice.test', password: 'long-enough-password', role: 'root' } }), 400, 'invalidBody');
      const short = await server.store.query('SELECT id FROM sluice.admins WHERE email IN ($1, $2, $3)', ['short@sluice.test', 'not-an-email', 'x@sluice.test']);
      expect(short).toEqual([]);
      // 8 characters is enough.
      const eight = await createAdmin('eight@sluice.test', remember('k9#Qz!2w'));
      expect(eight.email).toBe('eight@sluice.test');
    });

    it('answers unknown ids with 404 and non-numeric ids with 400', async () => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const body = method === 'PUT' ? { name: 'x' } : undefined;
        expectError(await api(method, '/admin/999999', { body }), 404, 'notFound');
        expectError(await api(method, '/admin/abc', { body }), 400, 'invalidParameter', { parameter: 'id' });
        expectError(await api(method, '/admin/0', { body }), 400, 'invalidParameter', { parameter: 'id' });
        expectError(await api(method, '/admin/1.5', { body }), 400, 'invalidParameter', { parameter: 'id' });
      }
    });

    it('updates name and email, refusing an email another admin has', async () => {
      const admin = await createAdmin('rename.me@sluice.test', remember('rename-me-password'), 'Before');
      const res = await api<AdminJson>('PUT', `/admin/${admin.id}`, { body: { name: 'After', email: 'Renamed@Sluice.test' } });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ id: admin.id, name: 'After', email: 'renamed@sluice.test', is_active: true });
      expect((await api<AdminJson>('GET', `/admin/${admin.id}`)).body).toMatchObject({ name: 'After', email: 'renamed@sluice.test' });
      expectError(await api('PUT', `/admin/${admin.id}`, { body: { email: ADMIN_EMAIL } }), 409, 'adminExists');
      expectInvalidField(await api('PUT', `/admin/${admin.id}`, { body: { password: 'short' } }), 'password');
      expectInvalidField(await api('PUT', `/admin/${admin.id}`, { body: { is_active: 'no' } }), 'is_active');
      // Still the renamed email: the refused updates changed nothing.
      expect((await api<AdminJson>('GET', `/admin/${admin.id}`)).body.email).toBe('renamed@sluice.test');
    });

    it('deactivating an admin ends its sessions and stops its logins', async () => {
      const password = remember('deactivate-me-password');
      const admin = await createAdmin('deactivate@sluice.test', password);
      const token = await loginToken('deactivate@sluice.test', password);
      expect((await api('GET', '/admin', { auth: { token } })).status).toBe(200);

      const res = await api<AdminJson>('PUT', `/admin/${admin.id}`, { body: { is_active: false } });
      expect(res.status, res.text).toBe(200);
      expect(res.body.is_active).toBe(false);
      expectError(await api('GET', '/admin', { auth: { token } }), 401, 'invalidToken');
      expectError(await dataGet('/shop/_table/products?limit=1', { token }), 401, 'invalidToken');
      expectError(await login('deactivate@sluice.test', password), 401, 'invalidCredentials');

      // Reactivated, it may log in again; the old token stays dead.
      expect((await api('PUT', `/admin/${admin.id}`, { body: { is_active: true } })).status).toBe(200);
      const fresh = await loginToken('deactivate@sluice.test', password);
      expect((await api('GET', '/admin', { auth: { token: fresh } })).status).toBe(200);
      expectError(await api('GET', '/admin', { auth: { token } }), 401, 'invalidToken');
    });

    it('changing a password ends the sessions and replaces the hash', async () => {
      const oldPassword = remember('old-password-123');
      const newPassword = remember('new-password-456');
      const admin = await createAdmin('repassword@sluice.test', oldPassword);
      const token = await loginToken('repassword@sluice.test', oldPassword);
      const [before] = await server.store.query<{ password_hash: string }>('SELECT password_hash FROM sluice.admins WHERE id = $1', [admin.id]);

      const res = await api<AdminJson>('PUT', `/admin/${admin.id}`, { body: { password: newPassword } });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ id: admin.id, email: 'repassword@sluice.test', is_active: true });
      expectError(await api('GET', '/admin', { auth: { token } }), 401, 'invalidToken');
      expectError(await login('repassword@sluice.test', oldPassword), 401, 'invalidCredentials');
      await loginToken('repassword@sluice.test', newPassword);

      const [after] = await server.store.query<{ password_hash: string }>('SELECT password_hash FROM sluice.admins WHERE id = $1', [admin.id]);
      expect(after?.password_hash).not.toBe(before?.password_hash);
      expect(after?.password_hash.startsWith('scrypt$')).toBe(true);
      expect(after?.password_hash).not.toContain(newPassword);
    });

    it('deleting an admin ends its sessions', async () => {
      const password = remember('delete-me-password');
      const admin = await createAdmin('delete.me@sluice.test', password);
      const token = await loginToken('delete.me@sluice.test', password);
      expect((await dataGet('/shop/_table/products?limit=1', { token })).status).toBe(200);

      const res = await api<Success>('DELETE', `/admin/${admin.id}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ success: true, message: expect.any(String) });
      expectError(await api('GET', '/admin', { auth: { token } }), 401, 'invalidToken');
      expectError(await dataGet('/shop/_table/products?limit=1', { token }), 401, 'invalidToken');
      expectError(await api('GET', `/admin/${admin.id}`), 404, 'notFound');
      expectError(await login('delete.me@sluice.test', password), 401, 'invalidCredentials');
      expect(await server.store.query('SELECT id FROM sluice.admin_sessions WHERE admin_id = $1', [admin.id])).toEqual([]);
    });

    it('never lets the last active admin be deactivated or deleted', async () => {
      const list = await api<List<AdminJson>>('GET', '/admin');
      const me = list.body.resource.find((a) => a.email === ADMIN_EMAIL) as AdminJson;
      const others = list.body.resource.filter((a) => a.id !== me.id && a.is_active);
      expect(others.length).toBeGreaterThan(0);
      for (const other of others) expect((await api('PUT', `/admin/${other.id}`, { body: { is_active: false } })).status).toBe(200);

      expectError(await api('PUT', `/admin/${me.id}`, { body: { is_active: false } }), 409, 'lastAdmin');
      expectError(await api('DELETE', `/admin/${me.id}`), 409, 'lastAdmin');
      const [stored] = await server.store.query<{ is_active: boolean }>('SELECT is_active FROM sluice.admins WHERE id = $1', [me.id]);
      expect(stored?.is_active).toBe(true);
      expect((await api('GET', '/admin')).status).toBe(200);
      // Other changes to the last admin are fine, and inactive admins may still be deleted.
      expect((await api('PUT', `/admin/${me.id}`, { body: { name: 'Admin' } })).status).toBe(200);
      const inactive = others[0] as AdminJson;
      expect((await api('DELETE', `/admin/${inactive.id}`)).status).toBe(200);
    });

    it('never shows a password or its hash in any response', () => {
      expect(transcript.length).toBeGreaterThan(20);
      for (const text of transcript) {
        for (const password of passwords) expect(text).not.toContain(password);
        expect(text).not.toMatch(/scrypt\$|password_hash/);
      }
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('services', () => {
    const MARKER = 'Sluic3-Marker-Passw0rd';

    it('lists the config service `shop` with its source and status, without its DSN', async () => {
      const res = await api<List<ServiceJson>>('GET', '/service');
      expect(res.status).toBe(200);
      expect(res.body.meta).toEqual({ count: res.body.resource.length });
      const shop = res.body.resource.find((s) => s.name === 'shop');
      expect(shop).toMatchObject({ name: 'shop', driver: 'pglite', source: 'config', status: 'ok', is_active: true, read_only: false });
      for (const service of res.body.resource) expect(service).not.toHaveProperty('dsn');
      expect(res.text).not.toContain('pglite://');
      expect(res.text).not.toContain(server.config.dataDir);
      const got = await api<ServiceJson>('GET', '/service/shop');
      expect(got.status).toBe(200);
      expect(got.body).toEqual(shop);
    });

    it('tests and refreshes a service', async () => {
      const test = await api<Success>('GET', '/service/shop/test');
      expect(test.status, test.text).toBe(200);
      expect(test.body).toEqual({ success: true, message: 'Connection successful' });
      const refresh = await api<Success & { tables: number }>('POST', '/service/shop/refresh');
      expect(refresh.status, refresh.text).toBe(200);
      expect(refresh.body).toMatchObject({ success: true, tables: TABLE_COUNT });
      expect((await dataGet('/shop/_table/products?fields=id&limit=2')).body).toEqual({ resource: [{ id: 1 }, { id: 2 }], meta: expect.anything() });
      expectError(await api('GET', '/service/nope/test'), 404, 'notFound');
      expectError(await api('POST', '/service/nope/refresh'), 404, 'notFound');
      expectError(await api('GET', '/service/nope'), 404, 'notFound');
    });

    it('refuses to change or delete a config service (409 managedByConfig)', async () => {
      expectError(await api('PUT', '/service/shop', { body: { label: 'Mine now' } }), 409, 'managedByConfig', { service: 'shop' });
      expectError(await api('PUT', '/service/shop', { body: { read_only: true } }), 409, 'managedByConfig', { service: 'shop' });
      expectError(await api('DELETE', '/service/shop'), 409, 'managedByConfig', { service: 'shop' });
      const shop = await api<ServiceJson>('GET', '/service/shop');
      expect(shop.body).toMatchObject({ label: '', read_only: false, status: 'ok' });
      expect((await dataGet('/shop/_table/customers?fields=id&limit=1')).status).toBe(200);
    });

    it('refuses invalid names, bad drivers and DSNs, and duplicates, with 400/409', async () => {
      const dsn = `postgres://postgres:${MARKER}@127.0.0.1:5432/${DEMO_DATABASE}`;
      for (const name of ['system', '1x', 'a b', '', 'x'.repeat(64), 'shop/x']) {
        expectInvalidField(await api('POST', '/service', { body: { name, driver: 'postgres', dsn } }), 'name');
      }
      const mismatch = expectInvalidField(await api('POST', '/service', { body: { name: 'mismatch', driver: 'mysql', dsn } }), 'driver');
      expect(mismatch.message).not.toContain(MARKER);
      expectInvalidField(await api('POST', '/service', { body: { name: 'mismatch', driver: 'pglite', dsn } }), 'driver');
      expectInvalidField(await api('POST', '/service', { body: { name: 'oracle', driver: 'oracle', dsn } }), 'driver');
      const unparsable = expectInvalidField(await api('POST', '/service', { body: { name: 'nodsn', driver: 'postgres', dsn: `${MARKER}@nowhere` } }), 'dsn');
      expect(unparsable.message).not.toContain(MARKER);
      expectInvalidField(await api('POST', '/service', { body: { name: 'nodsn', driver: 'postgres' } }), 'dsn');
      expectError(await api('POST', '/service', { body: { name: 'extra', driver: 'postgres', dsn, password: MARKER } }), 400, 'invalidBody');
      expectError(await api('POST', '/service', { body: { name: 'shop', driver: 'postgres', dsn } }), 409, 'serviceExists', { service: 'shop' });
      const stored = await server.store.query<{ name: string }>('SELECT name FROM sluice.services ORDER BY name');
      expect(stored).toEqual([{ name: 'shop' }]);
    });

    it('answers an unreachable database with 400 connectionFailed, without the password', async () => {
      const cases = [
        { name: 'unreachable_pg', driver: 'postgres', dsn: `postgres://postgres:${MARKER}@127.0.0.1:1/${DEMO_DATABASE}` },
        { name: 'unreachable_my', driver: 'mysql', dsn: `mysql://root:${MARKER}@127.0.0.1:1/${DEMO_DATABASE}` },
      ];
      for (const body of cases) {
        const res = await api('POST', '/service', { body });
        const error = expectError(res, 400, 'connectionFailed', { service: body.name });
        expect(res.text).not.toContain(MARKER);
        expect(res.text).not.toContain(body.dsn);
        expect(error.message).toMatch(/^Cannot connect to the database/);
        expectError(await api('GET', `/service/${body.name}`), 404, 'notFound');
        expectError(await dataGet(`/${body.name}/_table`), 404, 'serviceNotFound');
      }
      expect(await server.store.query("SELECT name FROM sluice.services WHERE name LIKE 'unreachable%'")).toEqual([]);
    });

    const engines = [
      { engine: 'postgres', name: 'pg_api', driver: 'postgres', schema: 'public', adminUrl: PG_ADMIN_URL },
      { engine: 'mariadb', name: 'maria_api', driver: 'mysql', schema: DEMO_DATABASE, adminUrl: MYSQL_ADMIN_URL },
    ] as const;
    for (const { engine, name, driver, schema, adminUrl } of engines) {
      describe.skipIf(!demoEngines().includes(engine))(`a service over the ${engine} demo database`, () => {
        // The demo database, with a recognisable password: PostgreSQL's trust authentication ignores
        // it; MariaDB's root has none, so there only a configured password can be checked.
        const url = new URL(adminUrl);
        url.pathname = `/${DEMO_DATABASE}`;
        if (engine === 'postgres' && url.password === '') url.password = MARKER;
        const dsn = url.href;
        // What must never be shown: the DSN, its credentials part, and its password.
        const userinfo = `${url.username}${url.password ? `:${url.password}` : ''}@`;
        const secrets = [dsn, userinfo, url.password].filter((s) => s !== '');
        const responses: HttpResult<unknown>[] = [];
        const label = `Demo over ${engine}`;

        it('creates it (201) after connecting, and serves its data', async () => {
          const res = await api<ServiceJson>('POST', '/service', { body: { name, label, driver, dsn } });
          responses.push(res);
          expect(res.status, res.text).toBe(201);
          expect(res.body).toMatchObject({
            id: expect.any(Number),
            name,
            label,
            driver,
            schema,
            read_only: false,
            raw_sql_allowed: false,
            is_active: true,
            source: 'api',
            status: 'ok',
          });
          const tables = await dataGet<List<{ name: string }>>(`/${name}/_table`);
          expect(tables.status, tables.text).toBe(200);
          expect(tables.body.resource.map((t) => t.name).sort()).toEqual([...DEMO_TABLES, ...DEMO_VIEWS].sort());
          const customers = await dataGet<List<{ id: number; email: string }>>(`/${name}/_table/customers?fields=id,email&limit=3`);
          expect(customers.status, customers.text).toBe(200);
          expect(customers.body.resource).toEqual(data.customers.slice(0, 3).map((c) => ({ id: c.id, email: c.email })));
          expectError(await dataGet(`/${name}/_table/customers`, 'none'), 401, 'noCredentials');
        });

        it('shows it in the list and by name, without the DSN', async () => {
          const list = await api<List<ServiceJson>>('GET', '/service');
          responses.push(list);
          const listed = list.body.resource.find((s) => s.name === name);
          expect(listed).toMatchObject({ name, label, driver, source: 'api', status: 'ok' });
          const got = await api<ServiceJson>('GET', `/service/${name}`);
          responses.push(got);
          expect(got.status).toBe(200);
          expect(got.body).toEqual(listed);
        });

        it('stores the DSN sealed, not in plaintext', async () => {
          const rows = await server.store.query<{ dsn_sealed: string; source: string; driver: string }>(
            'SELECT dsn_sealed, source, driver FROM sluice.services WHERE name = $1',
            [name],
          );
          expect(rows).toHaveLength(1);
          const { dsn_sealed: sealed, source } = rows[0] as { dsn_sealed: string; source: string };
          expect(source).toBe('api');
          for (const secret of [...secrets, DEMO_DATABASE, url.host, url.username]) expect(sealed).not.toContain(secret);
          // It is the DSN, sealed with the instance's key and bound to this service's name.
          const keyring = createKeyring((await loadOrCreateSecretKey(server.config.dataDir)).key);
          expect(keyring.decrypt(sealed, dsnAssociatedData(name))).toBe(dsn);
          expect(() => keyring.decrypt(sealed, dsnAssociatedData('shop'))).toThrow();
        });

        it('tests and refreshes it', async () => {
          const test = await api<Success>('GET', `/service/${name}/test`);
          expect(test.status, test.text).toBe(200);
          expect(test.body).toEqual({ success: true, message: 'Connection successful' });
          const refresh = await api<Success & { tables: number }>('POST', `/service/${name}/refresh`);
          expect(refresh.status, refresh.text).toBe(200);
          expect(refresh.body).toMatchObject({ success: true, tables: TABLE_COUNT });
        });

        it('refuses a second service with the same name (409)', async () => {
          const res = await api('POST', '/service', { body: { name, driver, dsn } });
          responses.push(res);
          expectError(res, 409, 'serviceExists', { service: name });
        });

        it('updates label and read_only, and refuses a rename', async () => {
          const res = await api<ServiceJson>('PUT', `/service/${name}`, { body: { label: 'Relabelled', read_only: true } });
          responses.push(res);
          expect(res.status, res.text).toBe(200);
          expect(res.body).toMatchObject({ name, label: 'Relabelled', read_only: true, driver, source: 'api', status: 'ok' });
          const got = await api<ServiceJson>('GET', `/service/${name}`);
          responses.push(got);
          expect(got.body).toMatchObject({ label: 'Relabelled', read_only: true });
          const [row] = await server.store.query<{ label: string; read_only: boolean }>('SELECT label, read_only FROM sluice.services WHERE name = $1', [name]);
          expect(row).toEqual({ label: 'Relabelled', read_only: true });

          const back = await api<ServiceJson>('PUT', `/service/${name}`, { body: { read_only: false } });
          responses.push(back);
          expect(back.body).toMatchObject({ label: 'Relabelled', read_only: false });

          const rename = await api('PUT', `/service/${name}`, { body: { name: `${name}_renamed` } });
          responses.push(rename);
          expectInvalidField(rename, 'name');
          expectError(await api('GET', `/service/${name}_renamed`), 404, 'notFound');
          expectError(await api('PUT', `/service/${name}`, { body: { driver: engine === 'postgres' ? 'mysql' : 'postgres' } }), 400, 'invalidBody', { field: 'driver' });
          expectError(await api('PUT', `/service/${name}`, { body: { label: 5 } }), 400, 'invalidBody', { field: 'label' });
          // The service still answers.
          expect((await dataGet(`/${name}/_table/products?fields=id&limit=1`)).body).toMatchObject({ resource: [{ id: 1 }] });
        });

        it('shows the DSN and its password in no response', () => {
          expect(responses.length).toBeGreaterThanOrEqual(8);
          for (const res of responses) {
            for (const secret of secrets) expect(res.text).not.toContain(secret);
            expect(res.text).not.toMatch(/"dsn"/);
          }
          for (const text of transcript) for (const secret of secrets) expect(text).not.toContain(secret);
        });

        it('deletes it: its data routes then answer 404 serviceNotFound', async () => {
          const res = await api<Success>('DELETE', `/service/${name}`);
          expect(res.status, res.text).toBe(200);
          expect(res.body).toEqual({ success: true, message: expect.any(String) });
          expectError(await dataGet(`/${name}/_table/customers`), 404, 'serviceNotFound', { service: name });
          expectError(await dataGet(`/${name}/_table`), 404, 'serviceNotFound', { service: name });
          expectError(await api('GET', `/service/${name}`), 404, 'notFound');
          expectError(await api('GET', `/service/${name}/test`), 404, 'notFound');
          expectError(await api('DELETE', `/service/${name}`), 404, 'notFound');
          expect(await server.store.query('SELECT id FROM sluice.services WHERE name = $1', [name])).toEqual([]);
          const list = await api<List<ServiceJson>>('GET', '/service');
          expect(list.body.resource.map((s) => s.name)).not.toContain(name);
        });
      });
    }
  });

  // -------------------------------------------------------------------------------------------
  describe('roles', () => {
    const rules: RuleJson[] = [
      { service_name: 'shop', component: '_table/products', verb_mask: 1 },
      { service_name: 'shop', component: '_table/orders', verb_mask: 1, filter: "status = 'paid'", fields: ['id', 'status', 'total'] },
      { service_name: 'prod_*', component: '*', verb_mask: 31 },
      { service_name: '*', component: '_schema/*', verb_mask: 0 },
    ];
    let role: RoleJson;

    it('creates a role with its access rules, in order (201), and gets it by id', async () => {
      const res = await api<RoleJson>('POST', '/role', { body: { name: 'clerk', description: 'Reads the catalogue', access: rules } });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        name: 'clerk',
        description: 'Reads the catalogue',
        is_active: true,
        access: rules,
        created_at: expect.anything(),
        updated_at: expect.anything(),
      });
      role = res.body;
      const got = await api<RoleJson>('GET', `/role/${role.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(role);
      const list = await api<List<RoleJson>>('GET', '/role');
      expect(list.body.meta).toEqual({ count: list.body.resource.length });
      expect(list.body.resource.find((r) => r.id === role.id)).toEqual(role);
      const stored = await server.store.query<{ position: number; component: string }>(
        'SELECT position, component FROM sluice.role_access WHERE role_id = $1 ORDER BY position',
        [role.id],
      );
      expect(stored).toEqual(rules.map((r, position) => ({ position, component: r.component })));
    });

    it('updates a role: access, when given, replaces every rule', async () => {
      const replacement: RuleJson[] = [
        { service_name: 'shop', component: '_table/customers', verb_mask: 1, fields: ['id', 'email'] },
        { service_name: 'shop', component: '_table/products', verb_mask: 3 },
      ];
      const res = await api<RoleJson>('PUT', `/role/${role.id}`, { body: { description: 'Now reads customers', access: replacement } });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ id: role.id, name: 'clerk', description: 'Now reads customers', access: replacement });
      const renamed = await api<RoleJson>('PUT', `/role/${role.id}`, { body: { name: 'clerk2', is_active: false } });
      expect(renamed.status, renamed.text).toBe(200);
      expect(renamed.body).toMatchObject({ name: 'clerk2', is_active: false, description: 'Now reads customers', access: replacement });
      expect((await api<RoleJson>('GET', `/role/${role.id}`)).body.access).toEqual(replacement);
      const cleared = await api<RoleJson>('PUT', `/role/${role.id}`, { body: { access: [] } });
      expect(cleared.body.access).toEqual([]);
      expect(await server.store.query('SELECT position FROM sluice.role_access WHERE role_id = $1', [role.id])).toEqual([]);
      expectError(await api('PUT', '/role/999999', { body: { description: 'x' } }), 404, 'notFound');
    });

    it('refuses invalid rules with 400s naming the field, storing nothing', async () => {
      const valid: RuleJson = { service_name: 'shop', component: '_table/products', verb_mask: 1 };
      const cases: [Record<string, unknown>, string][] = [
        [{ ...valid, service_name: 'prod*x' }, 'access.0.service_name'],
        [{ ...valid, service_name: '' }, 'access.0.service_name'],
        [{ ...valid, component: '_tables/x' }, 'access.0.component'],
        [{ ...valid, component: '_table' }, 'access.0.component'],
        [{ ...valid, verb_mask: 32 }, 'access.0.verb_mask'],
        [{ ...valid, verb_mask: -1 }, 'access.0.verb_mask'],
        [{ ...valid, verb_mask: 1.5 }, 'access.0.verb_mask'],
        [{ ...valid, verb_mask: '1' }, 'access.0.verb_mask'],
        [{ ...valid, filter: 'status = ' }, 'access.0.filter'],
        [{ ...valid, filter: "status = 'paid' and" }, 'access.0.filter'],
        [{ service_name: 'shop', component: '_table/products' }, 'access.0.verb_mask'],
      ];
      for (const [rule, field] of cases) {
        expectInvalidField(await api('POST', '/role', { body: { name: 'invalid_role', access: [rule] } }), field);
      }
      // The index names the offending rule.
      expectInvalidField(await api('POST', '/role', { body: { name: 'invalid_role', access: [valid, { ...valid, component: '_tables/x' }] } }), 'access.1.component');
      // Unknown fields in a rule, and in the role.
      const unknown = expectError(await api('POST', '/role', { body: { name: 'invalid_role', access: [{ ...valid, verbs: 'GET' }] } }), 400, 'invalidBody', {
        field: 'access.0',
      });
      expect(unknown.message).toContain('verbs');
      expectError(await api('POST', '/role', { body: { name: 'invalid_role', access: [], admin: true } }), 400, 'invalidBody');
      expectInvalidField(await api('POST', '/role', { body: { name: 'bad name', access: [valid] } }), 'name');
      // Filters with claim placeholders are valid.
      const claims = await api<RoleJson>('POST', '/role', {
        body: { name: 'claims_role', access: [{ ...valid, component: '_table/orders', filter: 'customer_id = {claims.customer_id}' }] },
      });
      expect(claims.status, claims.text).toBe(201);
      expect(await server.store.query('SELECT id FROM sluice.roles WHERE name = $1', ['invalid_role'])).toEqual([]);
      // An invalid update changes nothing.
      expectInvalidField(await api('PUT', `/role/${claims.body.id}`, { body: { access: [{ ...valid, verb_mask: 99 }] } }), 'access.0.verb_mask');
      expect((await api<RoleJson>('GET', `/role/${claims.body.id}`)).body.access).toHaveLength(1);
    });

    it('refuses duplicate names with 409', async () => {
      const first = await createRole('dup_role', []);
      expectError(await api('POST', '/role', { body: { name: 'dup_role', access: [] } }), 409, 'roleExists', { role: 'dup_role' });
      const second = await createRole('dup_role_2', []);
      expectError(await api('PUT', `/role/${second.id}`, { body: { name: 'dup_role' } }), 409, 'roleExists');
      expect((await api<RoleJson>('GET', `/role/${second.id}`)).body.name).toBe('dup_role_2');
      expect((await api<RoleJson>('GET', `/role/${first.id}`)).body.name).toBe('dup_role');
    });

    it('answers unknown and non-numeric ids with 404 and 400', async () => {
      expectError(await api('GET', '/role/999999'), 404, 'notFound');
      expectError(await api('DELETE', '/role/999999'), 404, 'notFound');
      expectError(await api('GET', '/role/clerk'), 400, 'invalidParameter', { parameter: 'id' });
    });

    it('deleting a role deletes its API keys: they stop working (401)', async () => {
      const doomed = await createRole('doomed', [{ service_name: 'shop', component: '_table/products', verb_mask: 1 }]);
      const key = await createKey(doomed.id);
      const read = await dataGet<List<{ id: number }>>('/shop/_table/products?fields=id&limit=2', { apiKey: key.api_key });
      expect(read.status, read.text).toBe(200);
      expect(ids(read.body.resource)).toEqual(data.products.slice(0, 2).map((p) => p.id));

      const res = await api<Success>('DELETE', `/role/${doomed.id}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ success: true, message: expect.any(String) });
      expectError(await dataGet('/shop/_table/products?fields=id&limit=2', { apiKey: key.api_key }), 401, 'invalidApiKey');
      expectError(await api('GET', `/role/${doomed.id}`), 404, 'notFound');
      expectError(await api('GET', `/api-key/${key.id}`), 404, 'notFound');
      expect(await server.store.query('SELECT id FROM sluice.api_keys WHERE role_id = $1', [doomed.id])).toEqual([]);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('API keys', () => {
    let role: RoleJson;
    let key: KeyJson & { api_key: string };
    let keyId: string;
    let secret: string;

    beforeAll(async () => {
      role = await createRole('key_reader', [{ service_name: 'shop', component: '_table/products', verb_mask: 1 }]);
    });

    it('creates a key (201) and shows it once, in the documented format', async () => {
      const res = await api<KeyJson & { api_key: string }>('POST', '/api-key', { body: { role_id: role.id, label: 'CI pipeline' } });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        api_key: expect.stringMatching(API_KEY_FORMAT),
        key_prefix: expect.any(String),
        label: 'CI pipeline',
        role_id: role.id,
        is_active: true,
        created_at: expect.anything(),
        last_used: null,
        expires_at: null,
        revoked_at: null,
        allowed_tools: null,
      });
      key = res.body;
      const match = API_KEY_FORMAT.exec(key.api_key) as RegExpExecArray;
      keyId = match[1] as string;
      secret = match[2] as string;
      expect(key.key_prefix).toBe(`sluice_${keyId}`);
      const other = await createKey(role.id);
      expect(other.api_key).not.toBe(key.api_key);
      expect(other.key_prefix).not.toBe(key.key_prefix);
    });

    it('never shows the key or its secret again: list and get', async () => {
      const list = await api<List<KeyJson>>('GET', '/api-key');
      expect(list.status).toBe(200);
      expect(list.body.meta).toEqual({ count: list.body.resource.length });
      const listed = list.body.resource.find((k) => k.id === key.id);
      const { api_key: _shownOnce, ...withoutKey } = key;
      expect(listed).toEqual(withoutKey);
      const got = await api<KeyJson>('GET', `/api-key/${key.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(withoutKey);
      for (const res of [list, got]) {
        expect(res.text).not.toContain(secret);
        expect(res.text).not.toContain('api_key');
        for (const item of [listed, got.body]) expect(item).not.toHaveProperty('api_key');
      }
    });

    it('stores an HMAC of the secret, never the key or the secret', async () => {
      const rows = await server.store.query<{ key_id: string; key_prefix: string; secret_hash: string }>(
        'SELECT key_id, key_prefix, secret_hash FROM sluice.api_keys WHERE id = $1',
        [key.id],
      );
      expect(rows).toHaveLength(1);
      const row = rows[0] as { key_id: string; key_prefix: string; secret_hash: string };
      expect(row.key_id).toBe(keyId);
      expect(row.key_prefix).toBe(`sluice_${keyId}`);
      expect(row.secret_hash).not.toBe(key.api_key);
      expect(row.secret_hash).not.toContain(secret);
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      const everything = JSON.stringify(await server.store.query('SELECT * FROM sluice.api_keys'));
      expect(everything).not.toContain(secret);
    });

    it('works in X-API-Key for what its role allows, and nothing else', async () => {
      const auth = { apiKey: key.api_key };
      const products = await dataGet<List<{ id: number }>>('/shop/_table/products?fields=id&limit=3', auth);
      expect(products.status, products.text).toBe(200);
      expect(ids(products.body.resource)).toEqual(data.products.slice(0, 3).map((p) => p.id));
      const one = await dataGet<{ id: number; name: string }>('/shop/_table/products/2?fields=id,name', auth);
      expect(one.body).toEqual({ id: 2, name: data.products[1]?.name });
      expectError(await dataGet('/shop/_table/customers', auth), 403, 'forbidden');
      // The listing shows only what the role may read.
      const listing = await dataGet('/shop/_table', auth);
      expect(listing.status, listing.text).toBe(200);
      expect(listing.body).toEqual({ resource: [{ name: 'products' }], meta: { count: 1 } });
      expectError(await api('GET', '/api-key', { auth }), 403, 'adminRequired');
    });

    it('keeps an expiry in the future', async () => {
      const expiresAt = new Date(Date.now() + 3_600_000);
      const res = await api<KeyJson & { api_key: string }>('POST', '/api-key', { body: { role_id: role.id, expires_at: expiresAt.toISOString() } });
      expect(res.status, res.text).toBe(201);
      expect(new Date(res.body.expires_at as string).getTime()).toBe(expiresAt.getTime());
      expect((await dataGet('/shop/_table/products?limit=1', { apiKey: res.body.api_key })).status).toBe(200);
    });

    it('refuses a missing role, an expiry in the past and bad bodies with 400', async () => {
      expectInvalidField(await api('POST', '/api-key', { body: { role_id: 999_999 } }), 'role_id');
      expectInvalidField(await api('POST', '/api-key', { body: { role_id: String(role.id) } }), 'role_id');
      expectInvalidField(await api('POST', '/api-key', { body: { label: 'no role' } }), 'role_id');
      expectInvalidField(await api('POST', '/api-key', { body: { role_id: role.id, expires_at: new Date(Date.now() - 60_000).toISOString() } }), 'expires_at');
      expectInvalidField(await api('POST', '/api-key', { body: { role_id: role.id, expires_at: 'tomorrow' } }), 'expires_at');
      expectError(await api('POST', '/api-key', { body: { role_id: role.id, api_key: 'sluice_chosen' } }), 400, 'invalidBody');
      const count = await server.store.query<{ count: string }>('SELECT count(*) AS count FROM sluice.api_keys WHERE role_id = $1', [role.id]);
      expect(Number(count[0]?.count)).toBe(3); // the two keys and the one with an expiry
    });

    it('revokes a key with DELETE: it then answers 401, and stays listed as inactive', async () => {
      const res = await api<Success>('DELETE', `/api-key/${key.id}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ success: true, message: expect.any(String) });
      expectError(await dataGet('/shop/_table/products?limit=1', { apiKey: key.api_key }), 401, 'invalidApiKey');
      const got = await api<KeyJson>('GET', `/api-key/${key.id}`);
      expect(got.body).toMatchObject({ id: key.id, is_active: false, revoked_at: expect.anything() });
      expect(got.body.revoked_at).not.toBeNull();
      expectError(await api('DELETE', '/api-key/999999'), 404, 'notFound');
      expectError(await api('GET', '/api-key/999999'), 404, 'notFound');
      expectError(await api('GET', '/api-key/abc'), 400, 'invalidParameter', { parameter: 'id' });
    });

    it('never shows a secret in any response but its creation', () => {
      const occurrences = transcript.filter((text) => text.includes(secret));
      expect(occurrences).toHaveLength(1);
      expect(occurrences[0]).toContain(key.api_key);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('the admin requirement', () => {
    let apiKey: string;
    let roleId: number;

    beforeAll(async () => {
      const role = await createRole('everything_reader', [{ service_name: '*', component: '*', verb_mask: 31 }]);
      roleId = role.id;
      apiKey = (await createKey(role.id)).api_key;
    });

    const routes = (): [string, string, unknown?][] => [
      ['DELETE', '/admin/session'],
      ['GET', '/admin'],
      ['POST', '/admin', { email: 'intruder@sluice.test', password: 'intruder-password' }],
      ['GET', '/admin/1'],
      ['PUT', '/admin/1', { password: 'intruder-password' }],
      ['DELETE', '/admin/1'],
      ['GET', '/service'],
      ['POST', '/service', { name: 'intruder', driver: 'postgres', dsn: 'postgres://postgres@127.0.0.1:1/x' }],
      ['GET', '/service/shop'],
      ['PUT', '/service/shop', { label: 'x' }],
      ['DELETE', '/service/shop'],
      ['GET', '/service/shop/test'],
      ['POST', '/service/shop/refresh'],
      ['GET', '/role'],
      ['POST', '/role', { name: 'intruder', access: [] }],
      ['GET', `/role/${roleId}`],
      ['PUT', `/role/${roleId}`, { name: 'intruder' }],
      ['DELETE', `/role/${roleId}`],
      ['GET', '/api-key'],
      ['POST', '/api-key', { role_id: roleId }],
      ['GET', '/api-key/1'],
      ['DELETE', '/api-key/1'],
      ['GET', '/mcp'],
    ];

    it('answers every route but login with 401 noCredentials without credentials', async () => {
      for (const [method, path, body] of routes()) {
        const res = await api(method, path, { body, auth: 'none' });
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(401);
        expectError(res, 401, 'noCredentials');
      }
    });

    it('answers every route but login with 403 adminRequired for an API key, changing nothing', async () => {
      // The key's role allows everything on every service: the System API still refuses it.
      expect((await dataGet('/shop/_table/customers?limit=1', { apiKey })).status).toBe(200);
      for (const [method, path, body] of routes()) {
        const res = await api(method, path, { body, auth: { apiKey } });
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(403);
        expectError(res, 403, 'adminRequired');
      }
      expect(await server.store.query("SELECT id FROM sluice.admins WHERE email = 'intruder@sluice.test'")).toEqual([]);
      expect(await server.store.query("SELECT id FROM sluice.roles WHERE name = 'intruder'")).toEqual([]);
      const role = await api<RoleJson>('GET', `/role/${roleId}`);
      expect(role.body.name).toBe('everything_reader');
      const shop = await api<ServiceJson>('GET', '/service/shop');
      expect(shop.body.status).toBe('ok');
      expect((await dataGet('/shop/_table/customers?limit=1', { apiKey })).status).toBe(200);
      const [first] = await server.store.query<{ is_active: boolean }>('SELECT is_active FROM sluice.admins WHERE email = $1', [ADMIN_EMAIL]);
      expect(first?.is_active).toBe(true);
    });

    it('describes the MCP server at GET /mcp for an admin (details: mcp.test.ts)', async () => {
      const res = await api<{ tools: { name: string }[] }>('GET', '/mcp');
      expect(res.status).toBe(200);
      expect(res.body.tools.map((t) => t.name)).toContain('query');
    });
  });
});
