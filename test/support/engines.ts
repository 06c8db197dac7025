/**
 * Runs one suite against every engine (Kysely's DIALECTS, Drizzle's shared `tests()`): for each
 * engine whose demo database global-setup prepared, a real Sluice server is started on a free port
 * with that database as service `shop`, and the suite talks to it over HTTP.
 *
 *   describeEngines('REST reads', (fixture) => {
 *     it('lists tables', async () => { const res = await fixture().get('/api/v1/shop/_table'); … });
 *   });
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { pino, type Logger } from 'pino';
import pg from 'pg';
import { isServerReachable, MYSQL_ADMIN_URL, PG_ADMIN_URL, type TestEngine } from './servers.js';

export const SERVICE = 'shop';

export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export const ADMIN_EMAIL = 'admin@sluice.test';
export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface EngineFixture {
  readonly engine: TestEngine;
  readonly server: RunningServer;
  readonly baseUrl: string;
  /** A session token of the admin the fixture starts the server with. */
  readonly adminToken: string;
  /**
   * A request to a path of the server, parsed as JSON when it is JSON. Sent as the admin unless
   * `init.headers` carries its own Authorization or X-API-Key header, or `anonymous` is set.
   */
  get<T = unknown>(pathAndQuery: string, init?: RequestInit & { anonymous?: boolean }): Promise<HttpResult<T>>;
  /** GET `/api/v1/shop/_table/{table}` with query parameters (URL-encoded here), as `get` does. */
  table<T = unknown>(table: string, params?: Record<string, string>, init?: RequestInit & { anonymous?: boolean }): Promise<HttpResult<T>>;
}

/** `init` with the admin's bearer token unless it carries credentials of its own or asks for none. */
function asAdmin(token: string, init: (RequestInit & { anonymous?: boolean }) | undefined): RequestInit {
  const { anonymous, ...rest } = init ?? {};
  const headers = new Headers(rest.headers);
  if (!anonymous && !headers.has('authorization') && !headers.has('x-api-key')) headers.set('authorization', `Bearer ${token}`);
  return { ...rest, headers };
}

/** Logs in as the fixture's admin and returns the session token. */
export async function adminLogin(baseUrl: string): Promise<string> {
  const res = await request<{ session_token: string }>(baseUrl, '/api/v1/system/admin/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${res.text}`);
  return res.body.session_token;
}

function dsnFor(engine: TestEngine, pgliteDir: string): string {
  if (engine === 'pglite') return `pglite://${pgliteDir}`;
  const url = new URL(engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL);
  url.pathname = `/${inject('demoDatabase')}`;
  return url.href;
}

/** The URL of the demo database on a server engine (the admin user's credentials). */
export function demoDatabaseUrl(engine: 'postgres' | 'mariadb'): string {
  const url = new URL(engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL);
  url.pathname = `/${inject('demoDatabase')}`;
  return url.href;
}

export async function request<T>(baseUrl: string, pathAndQuery: string, init?: RequestInit): Promise<HttpResult<T>> {
  const response = await fetch(`${baseUrl}${pathAndQuery}`, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

/** Starts a server for `engine` serving the demo as service `shop`. */
export async function startEngineServer(engine: TestEngine, extraEnv: Record<string, string> = {}): Promise<{ server: RunningServer; cleanup: () => Promise<void> }> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), `sluice-${engine}-`));
  const pgliteDir = path.join(tmp, 'shop');
  if (engine === 'pglite') await cp(inject('pgliteTemplateDir'), pgliteDir, { recursive: true });
  return startServerWithMetaDatabase({ [SERVICE]: dsnFor(engine, pgliteDir) }, tmp, extraEnv);
}

/** How a test server is started beyond its environment. */
export interface ServerOptions {
  /** Where the server logs (default: silent, or SLUICE_TEST_LOG_LEVEL). */
  readonly logger?: Logger;
}

let metaDatabases = 0;

/**
 * A fresh PostgreSQL database for one test server's metadata store, when PostgreSQL answers and the
 * caller did not choose a store: booting the embedded PGlite store costs seconds of CPU per server,
 * which across the suite's servers was most of its run time. The embedded store keeps its own tests
 * (startServerWith, the CLI end-to-end tests); SLUICE_TEST_META_STORE=pglite puts every server on it.
 */
async function metaDatabase(extraEnv: Record<string, string>): Promise<{ env: Record<string, string>; drop: () => Promise<void> } | undefined> {
  if (extraEnv.SLUICE_META_DATABASE_URL !== undefined || process.env.SLUICE_TEST_META_STORE === 'pglite') return undefined;
  if (!(await isServerReachable('postgres'))) return undefined;
  const name = `sluice_meta_${process.pid}_${(metaDatabases += 1)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    env: { SLUICE_META_DATABASE_URL: url.toString() },
    drop: async () => {
      const again = new pg.Client({ connectionString: PG_ADMIN_URL });
      await again.connect();
      try {
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.end();
      }
    },
  };
}

/** `startServerWith`, keeping the metadata in a PostgreSQL database of its own when there is one (see `metaDatabase`). */
export async function startServerWithMetaDatabase(
  services: Record<string, string>,
  dataDir: string,
  extraEnv: Record<string, string> = {},
  options: ServerOptions = {},
): Promise<{ server: RunningServer; cleanup: () => Promise<void> }> {
  const meta = await metaDatabase(extraEnv);
  try {
    const started = await startServerWith(services, dataDir, { ...extraEnv, ...meta?.env }, options);
    return {
      server: started.server,
      cleanup: async () => {
        await started.cleanup();
        await meta?.drop();
      },
    };
  } catch (error) {
    await meta?.drop();
    throw error;
  }
}

/**
 * Starts a server on a free port for the given services (name → DSN), with the fixture's admin,
 * keeping its state in `dataDir` (removed by `cleanup`).
 */
export async function startServerWith(
  services: Record<string, string>,
  dataDir: string,
  extraEnv: Record<string, string> = {},
  options: ServerOptions = {},
): Promise<{ server: RunningServer; cleanup: () => Promise<void> }> {
  const config = await loadConfig({
    env: {
      PORT: '0',
      SLUICE_DATA_DIR: dataDir,
      SLUICE_STATEMENT_COUNT_HEADER: 'true',
      SLUICE_POOL_SIZE: '4',
      SLUICE_ADMIN_EMAIL: ADMIN_EMAIL,
      SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      // Suites send many requests and log in often from one IP; test/integration/rate-limit.test.ts turns limits on.
      SLUICE_RATE_LIMIT: '0',
      SLUICE_LOGIN_RATE_LIMIT: '0',
      ...extraEnv,
    },
    cli: { service: Object.entries(services).map(([name, dsn]) => `${name}=${dsn}`) },
  });
  const server = await startServer(config, { logger: options.logger ?? pino({ level: process.env.SLUICE_TEST_LOG_LEVEL ?? 'silent' }) });
  return {
    server,
    cleanup: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The engines global-setup prepared, in a stable order. */
export function demoEngines(): TestEngine[] {
  const ready = new Set(inject('demoEngines'));
  return (['pglite', 'postgres', 'mariadb'] as const).filter((e) => ready.has(e));
}

export function describeEngines(name: string, suite: (fixture: () => EngineFixture) => void): void {
  for (const engine of ['pglite', 'postgres', 'mariadb'] as const) {
    const ready = demoEngines().includes(engine);
    describe.skipIf(!ready)(`${name} [${engine}]`, () => {
      let fixture: EngineFixture | undefined;
      let cleanup: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        const started = await startEngineServer(engine);
        cleanup = started.cleanup;
        const baseUrl = started.server.url;
        const adminToken = await adminLogin(baseUrl);
        fixture = {
          engine,
          server: started.server,
          baseUrl,
          adminToken,
          get: (p, init) => request(baseUrl, p, asAdmin(adminToken, init)),
          table: (table, params = {}, init) => {
            const query = new URLSearchParams(params).toString();
            return request(baseUrl, `/api/v1/${SERVICE}/_table/${encodeURIComponent(table)}${query ? `?${query}` : ''}`, asAdmin(adminToken, init));
          },
        };
      });
      afterAll(async () => {
        await cleanup?.();
      });
      suite(() => {
        if (!fixture) throw new Error('engine fixture not started');
        return fixture;
      });
    });
  }
}

/** Creates one role per entry (named `<name>_<engine>`, with these access rules) and an API key for each; returns the keys by name. */
export async function createRoleKeys(fixture: EngineFixture, roles: Readonly<Record<string, readonly unknown[]>>): Promise<Record<string, string>> {
  const send = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fixture.get<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${res.text}`);
    return res.body;
  };
  const keys: Record<string, string> = {};
  for (const [name, access] of Object.entries(roles)) {
    const role = await send<{ id: number }>('/api/v1/system/role', { name: `${name}_${fixture.engine}`, access });
    keys[name] = (await send<{ api_key: string }>('/api/v1/system/api-key', { role_id: role.id, label: name })).api_key;
  }
  return keys;
}
