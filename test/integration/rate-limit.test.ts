/**
 * Rate limits over real HTTP: the per-caller limit (API key, admin, client IP as separate buckets),
 * failed credentials counting against the IP, the login limit, exempt probes and preflights; and
 * with Redis: two Sluice instances sharing one limit, and an instance whose Redis is down answering
 * anyway (fail open) until Redis comes up, then limiting again. One engine is enough: limits are
 * decided before any database work.
 *
 * Limits are small so they are reached quickly. Expected counts come from the RateLimit headers of
 * the first answer (the instance may have counted our own set-up requests), never from the code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminLogin, demoEngines, request, startEngineServer, type HttpResult } from '../support/engines.js';
import { REDIS_URL, shouldRunRedis } from '../support/servers.js';

const DATA_PATH = '/api/v1/shop/_table/products?fields=id&limit=1';
const LOGIN_PATH = '/api/v1/system/admin/session';
const pglite = demoEngines().includes('pglite');
const redisReady = pglite && (await shouldRunRedis());

interface ErrorBody {
  error: { code: number; message: string; context: Record<string, unknown> & { reason: string } };
}

/** `"api"; r=4; t=60` → { policy: 'api', remaining: 4, reset: 60 } (draft-8 RateLimit header), per policy. */
function rateLimitOf(res: HttpResult, policy = 'api'): { remaining: number; reset: number } | undefined {
  const header = res.headers.get('ratelimit');
  if (header === null) return undefined;
  const item = header.split(',').map((s) => s.trim()).find((s) => s.startsWith(`"${policy}";`));
  const match = item && /; r=(\d+); t=(\d+)$/.exec(item);
  if (!match) throw new Error(`unexpected RateLimit header: ${header}`);
  return { remaining: Number(match[1]), reset: Number(match[2]) };
}

function expectRateLimited(res: HttpResult, policy: string, limit: number): void {
  expect(res.status, res.text).toBe(429);
  const body = res.body as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code: 429, context: { reason: 'rateLimited', policy, limit, windowSeconds: 60 } });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(body.error.context.retryAfterSeconds).toBe(retryAfter);
  expect(rateLimitOf(res, policy)?.remaining).toBe(0);
}

/** Sends `send()` until it answers 429; returns the answers before it and the 429. */
async function untilLimited(send: () => Promise<HttpResult>, atMost: number): Promise<{ before: HttpResult[]; limited: HttpResult }> {
  const before: HttpResult[] = [];
  for (let i = 0; i <= atMost; i++) {
    const res = await send();
    if (res.status === 429) return { before, limited: res };
    before.push(res);
  }
  throw new Error(`no 429 after ${atMost + 1} requests`);
}

const login = (baseUrl: string, password: string) =>
  request(baseUrl, LOGIN_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password }) });

describe.skipIf(!pglite)('rate limits (in memory)', () => {
  const LIMIT = 8;
  const LOGIN_LIMIT = 3;
  let api: { url: string; token: string; apiKey: string };
  let loginOnly: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const [a, b] = await Promise.all([
      startEngineServer('pglite', { SLUICE_RATE_LIMIT: String(LIMIT), SLUICE_LOGIN_RATE_LIMIT: '0' }),
      startEngineServer('pglite', { SLUICE_RATE_LIMIT: '0', SLUICE_LOGIN_RATE_LIMIT: String(LOGIN_LIMIT) }),
    ]);
    cleanups.push(a.cleanup, b.cleanup);
    const url = a.server.url;
    const token = await adminLogin(url);
    const asAdmin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const role = await request<{ id: number }>(url, '/api/v1/system/role', {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ name: 'limited_reader', access: [{ service_name: 'shop', component: '_table/products', verb_mask: 1 }] }),
    });
    expect(role.status, role.text).toBe(201);
    const key = await request<{ api_key: string }>(url, '/api/v1/system/api-key', { method: 'POST', headers: asAdmin, body: JSON.stringify({ role_id: role.body.id }) });
    expect(key.status, key.text).toBe(201);
    api = { url, token, apiKey: key.body.api_key };
    loginOnly = b.server.url;
  });

  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
  });

  it('limits an API key to its requests per minute, then answers 429 in the envelope with Retry-After', async () => {
    const send = () => request(api.url, DATA_PATH, { headers: { 'x-api-key': api.apiKey } });
    const { before, limited } = await untilLimited(send, LIMIT);
    // A fresh bucket: exactly LIMIT requests pass, each told how many remain.
    expect(before.map((r) => r.status)).toEqual(Array(LIMIT).fill(200));
    expect(before.map((r) => rateLimitOf(r)?.remaining)).toEqual([...Array(LIMIT).keys()].reverse());
    expect(before[0]?.headers.get('ratelimit-policy')).toMatch(new RegExp(`^"api"; q=${LIMIT}; w=60; pk=:[A-Za-z0-9+/=]+:$`));
    expectRateLimited(limited, 'api', LIMIT);
  });

  it('keeps callers apart: the admin and anonymous clients have their own buckets; refused credentials count against the IP', async () => {
    const admin = await request(api.url, DATA_PATH, { headers: { authorization: `Bearer ${api.token}` } });
    expect(admin.status).toBe(200);
    const anonymous = await request(api.url, DATA_PATH);
    expect(anonymous.status).toBe(401);
    const ipRemaining = rateLimitOf(anonymous)?.remaining;
    expect(ipRemaining).toBeGreaterThan(0);
    // Wrong keys are refused (401) and use up the IP's bucket, then 429.
    const { before, limited } = await untilLimited(() => request(api.url, DATA_PATH, { headers: { 'x-api-key': 'sluice_nope_0000' } }), LIMIT);
    expect(before.length).toBe(ipRemaining);
    for (const res of before) expect((res.body as ErrorBody).error.context.reason).toBe('invalidApiKey');
    expectRateLimited(limited, 'api', LIMIT);
    expectRateLimited(await request(api.url, DATA_PATH), 'api', LIMIT);
    // The admin's bucket is untouched by both exhausted ones.
    const adminAgain = await request(api.url, DATA_PATH, { headers: { authorization: `Bearer ${api.token}` } });
    expect(adminAgain.status).toBe(200);
    expect(rateLimitOf(adminAgain)?.remaining).toBe((rateLimitOf(admin)?.remaining ?? 0) - 1);
  });

  it('exempts health probes and CORS preflights', async () => {
    await untilLimited(() => request(api.url, DATA_PATH), LIMIT); // the IP's bucket is (or now is) empty
    for (let i = 0; i < LIMIT + 2; i++) {
      for (const probe of ['/healthz', '/readyz']) {
        const res = await request(api.url, probe);
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit')).toBeNull();
      }
    }
    const pre = await request(api.url, DATA_PATH, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
    expect(pre.status).toBe(204);
  });

  it('limits admin logins per IP, right password or not, and only logins', async () => {
    const attempts = await Promise.all([login(loginOnly, 'wrong password 1'), login(loginOnly, 'wrong password 2')]);
    for (const res of attempts) expect((res.body as ErrorBody).error.context.reason).toBe('invalidCredentials');
    expect(attempts.map((r) => rateLimitOf(r, 'login')?.remaining).sort()).toEqual([LOGIN_LIMIT - 2, LOGIN_LIMIT - 1]);
    expect((await login(loginOnly, ADMIN_PASSWORD)).status).toBe(200);
    expectRateLimited(await login(loginOnly, ADMIN_PASSWORD), 'login', LOGIN_LIMIT);
    // Other routes are not affected (and this instance has no general limit).
    const other = await request(loginOnly, DATA_PATH);
    expect(other.status).toBe(401);
    expect(other.headers.get('ratelimit')).toBeNull();
  });
});

async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 100 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) deleted += await redis.del(...keys);
  }
  return deleted;
}

describe.skipIf(!redisReady)('rate limits (Redis)', () => {
  const LIMIT = 6;
  const prefix = `sluice-test:${randomUUID()}:`;
  let redis: Redis;
  let urls: string[];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // Both servers run their PGlite in this test process, whose event loop a loaded machine can stall
    // past the default 1 s Redis timeout (a request would then go uncounted): allow 10 s here.
    const env = {
      SLUICE_REDIS_URL: REDIS_URL,
      SLUICE_REDIS_KEY_PREFIX: prefix,
      SLUICE_REDIS_TIMEOUT_MS: '10000',
      SLUICE_RATE_LIMIT: String(LIMIT),
      SLUICE_LOGIN_RATE_LIMIT: '0',
    };
    const started = await Promise.all([startEngineServer('pglite', env), startEngineServer('pglite', env)]);
    cleanups.push(...started.map((s) => s.cleanup));
    urls = started.map((s) => s.server.url);
  });

  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('two instances share one limit', async () => {
    const [first, second] = urls as [string, string];
    const answers: HttpResult[] = [];
    let limited: HttpResult | undefined;
    for (let i = 0; i <= LIMIT && !limited; i++) {
      const res = await request(i % 2 === 0 ? first : second, DATA_PATH);
      if (res.status === 429) limited = res;
      else answers.push(res);
    }
    // Alternating instances, the client's one bucket goes down by one per request, whichever answered.
    expect(answers.map((r) => r.status)).toEqual(Array(LIMIT).fill(401));
    expect(answers.map((r) => rateLimitOf(r)?.remaining)).toEqual([...Array(LIMIT).keys()].reverse());
    expect(limited).toBeDefined();
    expectRateLimited(limited as HttpResult, 'api', LIMIT);
    expectRateLimited(await request(first, DATA_PATH), 'api', LIMIT);
    // The counter is in Redis under the configured prefix.
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toEqual([expect.stringMatching(new RegExp(`^${prefix}rl:api:ip:`))]);
    expect(Number(await redis.get(keys[0] as string))).toBe(LIMIT + 2);
  });
});

/** A free TCP port on loopback (nothing listens there once this returns). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const REDIS_SERVER = '/usr/bin/redis-server';

describe.skipIf(!redisReady || !existsSync(REDIS_SERVER))('rate limits when Redis is down', () => {
  const LIMIT = 2;
  let port: number;
  let url: string;
  let cleanup: (() => Promise<void>) | undefined;
  let redisProcess: ChildProcess | undefined;

  beforeAll(async () => {
    port = await freePort();
    const started = await startEngineServer('pglite', {
      SLUICE_REDIS_URL: `redis://127.0.0.1:${port}`,
      SLUICE_RATE_LIMIT: String(LIMIT),
      SLUICE_LOGIN_RATE_LIMIT: '0',
    });
    cleanup = started.cleanup;
    url = started.server.url;
  });

  afterAll(async () => {
    await cleanup?.();
    redisProcess?.kill();
  });

  it('answers without a limit (fail open), and limits again once Redis answers', async () => {
    const token = await adminLogin(url);
    const asAdmin = { headers: { authorization: `Bearer ${token}` } };
    for (let i = 0; i < LIMIT * 3; i++) {
      const res = await request(url, DATA_PATH, asAdmin);
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('ratelimit')).toBeNull();
    }
    // A private, empty Redis on that port: the running instance reconnects and picks it up.
    redisProcess = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    let limited: HttpResult | undefined;
    const deadline = Date.now() + 20_000;
    while (!limited && Date.now() < deadline) {
      const res = await request(url, DATA_PATH, asAdmin);
      if (res.status === 429) limited = res;
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(limited, 'no 429 within 20 s of Redis starting').toBeDefined();
    expectRateLimited(limited as HttpResult, 'api', LIMIT);
  }, 40_000);
});
