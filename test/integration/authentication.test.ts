/**
 * Authentication over real HTTP: every way an admin session token, an API key or an end user's JWT
 * must be refused — on a data route and on the System API alike — and what valid ones may do.
 *
 * Two PGlite-backed servers, started together: one with an explicit SLUICE_JWT_SECRET, so the test
 * can sign admin tokens the way the server does (a token signed here with the right claims is
 * accepted: the control that makes each refusal meaningful); one trusting an end-user identity
 * provider (HS256 shared secret) and naming an anonymous role. Expected rows come from the demo data
 * generator; expected refusals from the documented reasons in auth/admin-tokens.ts,
 * auth/user-tokens.ts and auth/authenticator.ts.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoData } from '../../src/demo/demo-data.js';
import type { RunningServer } from '../../src/http/server.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminLogin, demoEngines, request, startEngineServer, type HttpResult } from '../support/engines.js';

const data = generateDemoData();

const ADMIN_JWT_SECRET = 'authentication-suite-admin-jwt-secret-0123456789';
const USER_ISSUER = 'https://idp.test';
const USER_AUDIENCE = 'sluice-app';
const USER_JWT_SECRET = 'authentication-suite-end-user-secret-9876543210';
const ANONYMOUS_ROLE = 'visitor';

const DATA_ROUTE = '/api/v1/shop/_table/products?fields=id&limit=2';
const SYSTEM_ROUTE = '/api/v1/system/admin';
const FIRST_PRODUCTS = data.products.slice(0, 2).map((p) => ({ id: p.id }));

interface ErrorBody {
  error: { code: number; message: string; context: Record<string, unknown> & { reason: string } };
}
interface List<T = Record<string, unknown>> {
  resource: T[];
  meta: { count: number; total?: number };
}

function expectError(res: HttpResult<unknown>, status: number, reason: string, context: Record<string, unknown> = {}): ErrorBody['error'] {
  expect(res.status, res.text).toBe(status);
  const body = res.body as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({ code: status, message: expect.any(String), context: expect.objectContaining({ reason, ...context }) });
  return body.error;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const secretBytes = (secret: string) => new TextEncoder().encode(secret);

function without(payload: JWTPayload, ...claims: string[]): JWTPayload {
  const copy = { ...payload };
  for (const claim of claims) delete copy[claim];
  return copy;
}

function sign(payload: JWTPayload, secret: Uint8Array, alg = 'HS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(secret);
}

/** `alg: none`: the header says so, the claims are the given token's, the signature is empty. */
function unsigned(token: string): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${token.split('.')[1]}.`;
}

/** A started server and the requests the suite sends it. */
interface Target {
  readonly server: RunningServer;
  readonly adminToken: string;
  get<T = unknown>(path: string, headers?: Record<string, string>): Promise<HttpResult<T>>;
  /** A System API request as the admin. */
  system<T = unknown>(method: string, path: string, body?: unknown): Promise<HttpResult<T>>;
}

async function target(started: { server: RunningServer }): Promise<Target> {
  const baseUrl = started.server.url;
  const adminToken = await adminLogin(baseUrl);
  return {
    server: started.server,
    adminToken,
    get: (path, headers = {}) => request(baseUrl, path, { headers }),
    system: (method, path, body) =>
      request(baseUrl, `/api/v1/system${path}`, {
        method,
        headers: { ...bearer(adminToken), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
  };
}

async function createRole(t: Target, name: string, access: unknown[]): Promise<number> {
  const res = await t.system<{ id: number }>('POST', '/role', { name, access });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function createKey(t: Target, roleId: number, extra: Record<string, unknown> = {}): Promise<{ id: number; api_key: string }> {
  const res = await t.system<{ id: number; api_key: string }>('POST', '/api-key', { role_id: roleId, ...extra });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe.skipIf(!demoEngines().includes('pglite'))('authentication', () => {
  /** Admin tokens signed with ADMIN_JWT_SECRET; no anonymous role. */
  let main: Target;
  /** Trusts USER_ISSUER; anonymous requests act as ANONYMOUS_ROLE once it exists. */
  let users: Target;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const started = await Promise.all([
      startEngineServer('pglite', { SLUICE_JWT_SECRET: ADMIN_JWT_SECRET }),
      startEngineServer('pglite', {
        SLUICE_USER_JWT_ISSUER: USER_ISSUER,
        SLUICE_USER_JWT_SECRET: USER_JWT_SECRET,
        SLUICE_USER_JWT_AUDIENCE: USER_AUDIENCE,
        SLUICE_ANONYMOUS_ROLE: ANONYMOUS_ROLE,
      }),
    ]);
    for (const s of started) cleanups.push(s.cleanup);
    [main, users] = await Promise.all(started.map((s) => target(s))) as [Target, Target];
  });

  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
  });

  /** The request is refused with 401 `reason` on a data route and on the System API. */
  async function expectRefusedEverywhere(t: Target, headers: Record<string, string>, reason: string, message?: string | RegExp): Promise<void> {
    for (const path of [DATA_ROUTE, SYSTEM_ROUTE]) {
      const error = expectError(await t.get(path, headers), 401, reason);
      if (typeof message === 'string') expect(error.message, path).toBe(message);
      else if (message) expect(error.message, path).toMatch(message);
    }
  }

  async function expectAdminAccepted(headers: Record<string, string>): Promise<void> {
    const rows = await main.get<List>(DATA_ROUTE, headers);
    expect(rows.status, rows.text).toBe(200);
    expect(rows.body.resource).toEqual(FIRST_PRODUCTS);
    const admins = await main.get<List<{ email: string }>>(SYSTEM_ROUTE, headers);
    expect(admins.status, admins.text).toBe(200);
    expect(admins.body.resource.map((a) => a.email)).toContain(ADMIN_EMAIL);
  }

  const tokenRefused = (detail: string) => `Invalid or expired token: ${detail}`;

  // -------------------------------------------------------------------------------------------
  describe('admin session tokens', () => {
    const key = secretBytes(ADMIN_JWT_SECRET);
    let claims: JWTPayload;

    beforeAll(() => {
      claims = decodeJwt(main.adminToken);
    });

    it('accepts the issued token, and the same claims signed here with SLUICE_JWT_SECRET (the control)', async () => {
      expect(claims).toMatchObject({ iss: 'sluice', aud: 'sluice-admin', jti: expect.any(String), sub: expect.any(String), exp: expect.any(Number) });
      await expectAdminAccepted(bearer(main.adminToken));
      await expectAdminAccepted(bearer(await sign(claims, key)));
      // Fresh timestamps, same session: still accepted.
      await expectAdminAccepted(bearer(await sign({ ...claims, iat: now() - 10, exp: now() + 600 }, key)));
    });

    const cases: [string, () => Promise<string> | string, string][] = [
      ['alg: none with the claims of a real token', () => unsigned(main.adminToken), 'algorithm not allowed'],
      ['HS512 signed with the right secret', () => sign(claims, key, 'HS512'), 'algorithm not allowed'],
      ['HS384 signed with the right secret', () => sign(claims, key, 'HS384'), 'algorithm not allowed'],
      ['signed with a different secret', () => sign(claims, secretBytes(`${ADMIN_JWT_SECRET}-but-not-quite`)), 'bad signature'],
      ['claims changed after signing', () => {
        const [header, , signature] = main.adminToken.split('.');
        return `${header}.${b64url({ ...claims, exp: now() + 365 * 86_400 })}.${signature}`;
      }, 'bad signature'],
      ['expired', () => sign({ ...claims, iat: now() - 7200, exp: now() - 3600 }, key), 'expired'],
      ['for another audience', () => sign({ ...claims, aud: USER_AUDIENCE }, key), 'wrong audience'],
      ['without an audience', () => sign(without(claims, 'aud'), key), 'missing aud claim'],
      ['without exp', () => sign(without(claims, 'exp'), key), 'missing exp claim'],
      ['without a session id', () => sign(without(claims, 'jti'), key), 'missing jti claim'],
      ['issued in the future', () => sign({ ...claims, iat: now() + 3600, exp: now() + 7200 }, key), 'invalid iat claim'],
      ['of a session never issued', () => sign({ ...claims, jti: randomUUID() }, key), 'the session has ended'],
      ['of a real session, naming another admin', () => sign({ ...claims, sub: '424242' }, key), 'the session has ended'],
      ['from another issuer (not an admin token, and no trusted issuer)', () => sign({ ...claims, iss: 'sluice-elsewhere' }, key), 'unknown issuer'],
      ['not a JWT at all', () => 'not.a.jwt', 'unknown issuer'],
    ];
    it.each(cases)('refuses a token %s (401 invalidToken)', async (_name, make, detail) => {
      await expectRefusedEverywhere(main, bearer(await make()), 'invalidToken', tokenRefused(detail));
    });

    it('refuses other Authorization schemes', async () => {
      await expectRefusedEverywhere(main, { authorization: `Basic ${Buffer.from(`${ADMIN_EMAIL}:${ADMIN_PASSWORD}`).toString('base64')}` }, 'invalidToken');
      await expectRefusedEverywhere(main, { authorization: `Bearer ${main.adminToken} extra` }, 'invalidToken');
      await expectRefusedEverywhere(main, { authorization: 'Bearer' }, 'invalidToken');
    });

    it('refuses the token of a deleted admin', async () => {
      const created = await main.system<{ id: number }>('POST', '/admin', { email: 'deleted@sluice.test', password: 'deleted-admin-password' });
      expect(created.status, created.text).toBe(201);
      const token = await loginAs(main, 'deleted@sluice.test', 'deleted-admin-password');
      await expectAdminAccepted(bearer(token));
      expect((await main.system('DELETE', `/admin/${created.body.id}`)).status).toBe(200);
      await expectRefusedEverywhere(main, bearer(token), 'invalidToken', tokenRefused('the session has ended'));
      // Re-signing its claims does not bring it back.
      await expectRefusedEverywhere(main, bearer(await sign({ ...decodeJwt(token), exp: now() + 600 }, key)), 'invalidToken');
    });

    it('refuses a token after logout, and only that one', async () => {
      const token = await loginAs(main, ADMIN_EMAIL, ADMIN_PASSWORD);
      await expectAdminAccepted(bearer(token));
      const logout = await request(main.server.url, '/api/v1/system/admin/session', { method: 'DELETE', headers: bearer(token) });
      expect(logout.status, logout.text).toBe(200);
      await expectRefusedEverywhere(main, bearer(token), 'invalidToken', tokenRefused('the session has ended'));
      await expectRefusedEverywhere(main, bearer(await sign(decodeJwt(token), key)), 'invalidToken', tokenRefused('the session has ended'));
      await expectAdminAccepted(bearer(main.adminToken));
    });

    it('refuses the token of a deactivated admin', async () => {
      const created = await main.system<{ id: number }>('POST', '/admin', { email: 'inactive@sluice.test', password: 'inactive-admin-password' });
      expect(created.status, created.text).toBe(201);
      const token = await loginAs(main, 'inactive@sluice.test', 'inactive-admin-password');
      await expectAdminAccepted(bearer(token));
      const res = await main.system('PUT', `/admin/${created.body.id}`, { is_active: false });
      expect(res.status, res.text).toBe(200);
      await expectRefusedEverywhere(main, bearer(token), 'invalidToken', /^Invalid or expired token: (the session has ended|the admin account is inactive)$/);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('API keys', () => {
    const EXPIRES_IN_MS = 2000;
    let valid: string;
    let keyId: string;
    let secret: string;
    let revoked: string;
    let expiring: string;
    let expiresAt: number;

    beforeAll(async () => {
      const roleId = await createRole(main, 'product_reader', [{ service_name: 'shop', component: '_table/products', verb_mask: 1 }]);
      expiresAt = Date.now() + EXPIRES_IN_MS;
      expiring = (await createKey(main, roleId, { expires_at: new Date(expiresAt).toISOString() })).api_key;
      valid = (await createKey(main, roleId)).api_key;
      [, keyId = '', secret = ''] = /^sluice_([a-z2-7]{16})_([a-z2-7]{32})$/.exec(valid) ?? [];
      expect(keyId).toHaveLength(16);
      const doomed = await createKey(main, roleId);
      expect((await main.system('DELETE', `/api-key/${doomed.id}`)).status).toBe(200);
      revoked = doomed.api_key;
    });

    it('accepts a valid key (and the expiring one, before it expires) in X-API-Key', async () => {
      for (const key of [valid, expiring]) {
        const res = await main.get<List>(DATA_ROUTE, { 'x-api-key': key });
        expect(res.status, res.text).toBe(200);
        expect(res.body.resource).toEqual(FIRST_PRODUCTS);
      }
      expect(Date.now()).toBeLessThan(expiresAt);
      expectError(await main.get(SYSTEM_ROUTE, { 'x-api-key': valid }), 403, 'adminRequired');
    });

    it('refuses a revoked key', async () => {
      await expectRefusedEverywhere(main, { 'x-api-key': revoked }, 'invalidApiKey', 'Invalid API key');
    });

    const malformed: [string, () => string][] = [
      ['a word', () => 'nope'],
      ['empty', () => ''],
      ['a secret one character short', () => valid.slice(0, -1)],
      ['a secret one character long', () => `${valid}a`],
      ['a key id one character short', () => `sluice_${keyId.slice(1)}_${secret}`],
      ['upper case', () => valid.toUpperCase()],
      ['digits outside base32', () => `sluice_${keyId}_${secret.slice(0, -2)}01`],
      ['other separators', () => valid.replaceAll('_', '-')],
      ['a bearer prefix', () => `Bearer ${valid}`],
      ['10 kB of a', () => 'a'.repeat(10_240)],
      ['an unknown key id', () => `sluice_${keyId.split('').reverse().join('')}_${secret}`],
    ];
    it.each(malformed)('refuses a malformed key: %s', async (_name, make) => {
      const key = make();
      expect(key).not.toBe(valid);
      await expectRefusedEverywhere(main, { 'x-api-key': key }, 'invalidApiKey', 'Invalid API key');
    });

    // The key id and secret of a real key under another prefix are not that key (the prefix is part
    // of what was issued and is compared with the stored `<prefix>_<keyId>`).
    it('refuses a valid key id and secret under another prefix', async () => {
      for (const prefix of ['faucet', 'sluicex', 'ab']) {
        await expectRefusedEverywhere(main, { 'x-api-key': valid.replace(/^sluice_/, `${prefix}_`) }, 'invalidApiKey', 'Invalid API key');
      }
    });

    it('refuses the right key id with a wrong secret', async () => {
      const last = secret.at(-1) === 'a' ? 'b' : 'a';
      await expectRefusedEverywhere(main, { 'x-api-key': `sluice_${keyId}_${secret.slice(0, -1)}${last}` }, 'invalidApiKey', 'Invalid API key');
      await expectRefusedEverywhere(main, { 'x-api-key': `sluice_${keyId}_${'a'.repeat(32)}` }, 'invalidApiKey', 'Invalid API key');
    });

    it('refuses an API key in the query string, even with the X-API-Key header', async () => {
      for (const parameter of ['api_key', 'apikey', 'API_KEY', 'x-api-key']) {
        for (const path of [DATA_ROUTE, SYSTEM_ROUTE]) {
          const url = `${path}${path.includes('?') ? '&' : '?'}${parameter}=${encodeURIComponent(valid)}`;
          expectError(await main.get(url, { 'x-api-key': valid }), 401, 'apiKeyInQuery');
          expectError(await main.get(url), 401, 'apiKeyInQuery');
          expectError(await main.get(url, bearer(main.adminToken)), 401, 'apiKeyInQuery');
        }
      }
      // The key itself is still good.
      expect((await main.get(DATA_ROUTE, { 'x-api-key': valid })).status).toBe(200);
    });

    it('refuses a key once it has expired', async () => {
      const wait = expiresAt - Date.now() + 100;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await expectRefusedEverywhere(main, { 'x-api-key': expiring }, 'invalidApiKey', 'Invalid API key');
      expect((await main.get(DATA_ROUTE, { 'x-api-key': valid })).status).toBe(200);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('end-user JWTs', () => {
    const key = secretBytes(USER_JWT_SECRET);
    const ordersOf = (customerId: number) => data.orders.filter((o) => o.customer_id === customerId);
    const ORDERS = '/api/v1/shop/_table/orders?fields=id,customer_id&limit=1000&include_count=true';

    /** A token the identity provider would issue for `customer_id`, with `overrides`. */
    function userToken(overrides: JWTPayload = {}, { omit = [] as string[], secret = key, alg = 'HS256' } = {}): Promise<string> {
      const payload: JWTPayload = {
        iss: USER_ISSUER,
        aud: USER_AUDIENCE,
        sub: 'user-1',
        iat: now(),
        exp: now() + 600,
        role: 'customer',
        customer_id: 1,
        ...overrides,
      };
      return sign(without(payload, ...omit), secret, alg);
    }

    beforeAll(async () => {
      await createRole(users, 'customer', [
        { service_name: 'shop', component: '_table/orders', verb_mask: 1, filter: 'customer_id = {claims.customer_id}' },
      ]);
    });

    it('reads only the orders of the customer its claims name', async () => {
      for (const customerId of [1, 2]) {
        const expected = ordersOf(customerId);
        expect(expected.length).toBeGreaterThan(0);
        const res = await users.get<List<{ id: string; customer_id: number }>>(ORDERS, bearer(await userToken({ customer_id: customerId, sub: `user-${customerId}` })));
        expect(res.status, res.text).toBe(200);
        expect(res.body.resource).toEqual(expected.map((o) => ({ id: String(o.id), customer_id: customerId })));
        expect(res.body.meta.total).toBe(expected.length);
      }
      expect(ordersOf(1).length).toBeLessThan(data.orders.length);
    });

    it('cannot widen its row filter with a filter or an id of its own', async () => {
      const token = bearer(await userToken());
      const other = ordersOf(2)[0];
      expect(other).toBeDefined();
      const filtered = await users.get<List>(`${ORDERS}&filter=${encodeURIComponent('customer_id = 2 OR customer_id = 3')}`, token);
      expect(filtered.status, filtered.text).toBe(200);
      expect(filtered.body.resource).toEqual([]);
      const byId = await users.get(`/api/v1/shop/_table/orders/${other?.id}`, token);
      expectError(byId, 404, 'recordNotFound');
      const own = ordersOf(1)[0];
      const mine = await users.get<{ id: string; customer_id: number }>(`/api/v1/shop/_table/orders/${own?.id}?fields=id,customer_id`, token);
      expect(mine.body).toEqual({ id: String(own?.id), customer_id: 1 });
    });

    it('reads only its own orders over GraphQL too, request after request (no statement kept for one user serves another)', async () => {
      const graphql = async <T>(customerId: number, query: string) => {
        const res = await request<{ data?: T; errors?: unknown[] }>(users.server.url, '/api/v1/shop/_graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(await userToken({ customer_id: customerId, sub: `user-${customerId}` })) },
          body: JSON.stringify({ query }),
        });
        expect(res.body.errors, res.text).toBeUndefined();
        return res.body.data as T;
      };
      const [ownOf1, ownOf2] = [ordersOf(1)[0], ordersOf(2)[0]];
      expect(ownOf1 && ownOf2).toBeDefined();
      // The same text for both users, alternating: a statement kept from one must not answer the other.
      for (const customerId of [1, 2, 1, 2]) {
        const listed = await graphql<{ orders: { id: string; customer_id: number }[] }>(customerId, '{ orders(order_by: [{id: asc}], limit: 1000) { id customer_id } }');
        expect(listed.orders).toEqual(ordersOf(customerId).map((o) => ({ id: String(o.id), customer_id: customerId })));
        for (const order of [ownOf1, ownOf2]) {
          const byKey = await graphql<{ orders_by_pk: { id: string } | null }>(customerId, `{ orders_by_pk(id: "${order?.id}") { id } }`);
          expect(byKey.orders_by_pk).toEqual(order?.customer_id === customerId ? { id: String(order.id) } : null);
        }
      }
    });

    it('may read nothing else, and is no admin', async () => {
      const token = bearer(await userToken());
      expectError(await users.get('/api/v1/shop/_table/customers', token), 403, 'forbidden', { role: 'customer' });
      expectError(await users.get('/api/v1/shop/_table/products', token), 403, 'forbidden', { role: 'customer' });
      expectError(await users.get(SYSTEM_ROUTE, token), 403, 'adminRequired');
    });

    it('is refused with 403 claimMissing without the claim its role filters on', async () => {
      const token = bearer(await userToken({}, { omit: ['customer_id'] }));
      expectError(await users.get(ORDERS, token), 403, 'claimMissing', { role: 'customer', claim: 'customer_id' });
      const nested = bearer(await userToken({ customer_id: { id: 1 } }));
      expectError(await users.get(ORDERS, nested), 403, 'claimMissing', { claim: 'customer_id' });
    });

    it('is refused with 403 when its role does not exist', async () => {
      const error = expectError(await users.get(ORDERS, bearer(await userToken({ role: 'no_such_role' }))), 403, 'forbidden', { role: 'no_such_role' });
      expect(error.message).toContain('no_such_role');
    });

    const refused: [string, () => Promise<string> | string, string][] = [
      ['for another audience', () => userToken({ aud: 'another-app' }), 'wrong audience'],
      ['without an audience', () => userToken({}, { omit: ['aud'] }), 'missing aud claim'],
      ['expired', () => userToken({ iat: now() - 7200, exp: now() - 3600 }), 'expired'],
      ['without exp', () => userToken({}, { omit: ['exp'] }), 'missing exp claim'],
      ['without sub', () => userToken({}, { omit: ['sub'] }), 'missing sub claim'],
      ['without a role claim', () => userToken({}, { omit: ['role'] }), "missing role claim 'role'"],
      ['with a bad signature', () => userToken({}, { secret: secretBytes(`${USER_JWT_SECRET}-forged`) }), 'bad signature'],
      ['signed HS512 with the right secret', () => userToken({}, { alg: 'HS512' }), 'algorithm not allowed'],
      ['with alg: none', async () => unsigned(await userToken()), 'algorithm not allowed'],
      ['from an untrusted issuer', () => userToken({ iss: 'https://evil.test' }), 'unknown issuer'],
      ['claiming the admin issuer', () => userToken({ iss: 'sluice', aud: 'sluice-admin', jti: randomUUID() }), 'bad signature'],
    ];
    it.each(refused)('refuses a token %s (401 invalidToken)', async (_name, make, detail) => {
      await expectRefusedEverywhere(users, bearer(await make()), 'invalidToken', tokenRefused(detail));
      // The same request with a good token is allowed: the refusal is the token's.
      expect((await users.get(ORDERS, bearer(await userToken()))).status).toBe(200);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('anonymous requests', () => {
    it('get 401 noCredentials when no anonymous role is configured (not in demo mode)', async () => {
      expect(main.server.access).toMatchObject({ demo: false, anonymousRole: undefined });
      await expectRefusedEverywhere(main, {}, 'noCredentials');
      expectError(await main.get('/api/v1/shop/_table'), 401, 'noCredentials');
    });

    it('act as SLUICE_ANONYMOUS_ROLE once that role exists, and never as an admin', async () => {
      expect(users.server.access).toMatchObject({ demo: false, anonymousRole: ANONYMOUS_ROLE });
      // The role is not there yet: nothing is allowed.
      await expectRefusedEverywhere(users, {}, 'noCredentials');

      const roleId = await createRole(users, ANONYMOUS_ROLE, [{ service_name: 'shop', component: '_table/products', verb_mask: 1 }]);
      const products = await users.get<List>(DATA_ROUTE);
      expect(products.status, products.text).toBe(200);
      expect(products.body.resource).toEqual(FIRST_PRODUCTS);
      expect((await users.get('/api/v1/shop/_table')).body).toEqual({ resource: [{ name: 'products' }], meta: { count: 1 } });
      expectError(await users.get('/api/v1/shop/_table/customers'), 403, 'forbidden', { role: ANONYMOUS_ROLE });
      expectError(await users.get(SYSTEM_ROUTE), 401, 'noCredentials');

      expect((await users.system('DELETE', `/role/${roleId}`)).status).toBe(200);
      await expectRefusedEverywhere(users, {}, 'noCredentials');
    });
  });
});

async function loginAs(t: Target, email: string, password: string): Promise<string> {
  const res = await request<{ session_token: string }>(t.server.url, '/api/v1/system/admin/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(res.status, res.text).toBe(200);
  return res.body.session_token;
}
