/**
 * CORS over real HTTP, as a browser would exercise it: preflights (answered without credentials)
 * and actual requests, with the Faucet defaults (any origin), with an origin allow-list, and with
 * credentials allowed for that list. One engine is enough: CORS happens before any database work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminLogin, demoEngines, request, startEngineServer, type HttpResult } from '../support/engines.js';

const DATA_PATH = '/api/v1/shop/_table/products?fields=id&limit=1';
const APP = 'https://app.example.com';
const DEV = 'http://localhost:5173';
const STRANGER = 'https://evil.example';

function preflight(baseUrl: string, origin: string, headers = 'x-api-key, content-type'): Promise<HttpResult> {
  return request(baseUrl, DATA_PATH, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': headers },
  });
}

const list = (value: string | null) => (value ?? '').split(',').map((v) => v.trim().toLowerCase()).filter(Boolean);

describe.skipIf(!demoEngines().includes('pglite'))('CORS', () => {
  let open: { url: string; token: string };
  let listed: { url: string; token: string };
  let credentialed: { url: string; token: string };
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const started = await Promise.all([
      startEngineServer('pglite'),
      startEngineServer('pglite', { SLUICE_CORS_ORIGINS: `${APP},${DEV}` }),
      startEngineServer('pglite', { SLUICE_CORS_ORIGINS: `${APP},${DEV}`, SLUICE_CORS_CREDENTIALS: 'true' }),
    ]);
    cleanups.push(...started.map((s) => s.cleanup));
    [open, listed, credentialed] = (await Promise.all(started.map(async (s) => ({ url: s.server.url, token: await adminLogin(s.server.url) })))) as [
      typeof open,
      typeof open,
      typeof open,
    ];
  });

  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
  });

  describe('defaults (any origin)', () => {
    it('answers a preflight with 204 and the Faucet lists, without credentials', async () => {
      // Control: the same path without credentials is refused, so the 204 is not an open route.
      expect((await request(open.url, DATA_PATH)).status).toBe(401);
      const res = await preflight(open.url, STRANGER);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(list(res.headers.get('access-control-allow-methods'))).toEqual(['get', 'post', 'put', 'patch', 'delete', 'options']);
      expect(list(res.headers.get('access-control-allow-headers'))).toEqual(
        expect.arrayContaining(['accept', 'authorization', 'content-type', 'x-api-key', 'x-requested-with', 'prefer', 'x-request-id']),
      );
      expect(res.headers.get('access-control-max-age')).toBe('300');
    });

    it('lets browser code read the response headers Sluice sends, on success and on errors', async () => {
      const ok = await request(open.url, DATA_PATH, { headers: { origin: APP, authorization: `Bearer ${open.token}` } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe('*');
      const exposed = list(ok.headers.get('access-control-expose-headers'));
      expect(exposed).toEqual(expect.arrayContaining(['x-total-count', 'x-request-id', 'link', 'ratelimit', 'ratelimit-policy', 'retry-after']));
      // Every header Sluice actually sent on this response (besides the CORS-safelisted ones) is exposed.
      expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'x-sluice-statements'].filter((h) => ok.headers.has(h))));
      const refused = await request(open.url, DATA_PATH, { headers: { origin: APP } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    });
  });

  describe('origin allow-list', () => {
    it('echoes a listed origin with Vary: Origin, and grants nothing to others', async () => {
      for (const origin of [APP, DEV]) {
        const res = await request(listed.url, DATA_PATH, { headers: { origin, authorization: `Bearer ${listed.token}` } });
        expect(res.status).toBe(200);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
        expect(list(res.headers.get('vary'))).toContain('origin');
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      }
      const stranger = await request(listed.url, DATA_PATH, { headers: { origin: STRANGER, authorization: `Bearer ${listed.token}` } });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
      expect(list(stranger.headers.get('vary'))).toContain('origin');
      const pre = await preflight(listed.url, STRANGER);
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('holds on the GraphQL endpoint too: the list decides, not the GraphQL server', async () => {
      const graphql = (origin: string) =>
        request(listed.url, '/api/v1/shop/_graphql', {
          method: 'POST',
          headers: { origin, authorization: `Bearer ${listed.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ products(limit: 1) { id } }' }),
        });
      const stranger = await graphql(STRANGER);
      expect(stranger.status, stranger.text).toBe(200); // answered (the server does not enforce CORS), but not readable by the page
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
      expect(stranger.headers.get('access-control-allow-credentials')).toBeNull();
      const listedOrigin = await graphql(APP);
      expect(listedOrigin.headers.get('access-control-allow-origin')).toBe(APP);
      expect(listedOrigin.headers.get('access-control-allow-credentials')).toBeNull();
      const open_ = await request(open.url, '/api/v1/shop/_graphql', {
        method: 'POST',
        headers: { origin: STRANGER, authorization: `Bearer ${open.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ products(limit: 1) { id } }' }),
      });
      expect(open_.headers.get('access-control-allow-origin')).toBe('*');
      expect(open_.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('with credentials: echoes the listed origin and allows credentials, never with *', async () => {
      const pre = await preflight(credentialed.url, DEV, 'authorization');
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(DEV);
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      expect(list(pre.headers.get('vary'))).toContain('origin');

      const res = await request(credentialed.url, DATA_PATH, { headers: { origin: APP, authorization: `Bearer ${credentialed.token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(list(res.headers.get('vary'))).toContain('origin');

      const stranger = await request(credentialed.url, DATA_PATH, { headers: { origin: STRANGER } });
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
      for (const r of [pre, res, stranger]) expect(r.headers.get('access-control-allow-origin')).not.toBe('*');
    });
  });
});
