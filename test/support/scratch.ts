/**
 * Scratch databases for suites that write: a database of the suite's own on each engine (named
 * after the suite and the process, so parallel files and concurrent runs never share one), created
 * with the suite's DDL, served by a real Sluice server as service `w`, and dropped afterwards.
 *
 *   await describeScratch('writes', { postgres: [...], mysql: [...] }, (fixture) => { … });
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { openPgliteDriver } from '../../src/dialects/postgres/pglite-driver.js';
import type { RunningServer } from '../../src/http/server.js';
import { adminLogin, request, startServerWithMetaDatabase, type HttpResult, type ServerOptions } from './engines.js';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL, shouldRunEngine, type TestEngine } from './servers.js';

export const SCRATCH_SERVICE = 'w';

export interface ScratchDdl {
  /** For PostgreSQL and PGlite. */
  readonly postgres: readonly string[];
  /** For MariaDB/MySQL. */
  readonly mysql: readonly string[];
}

export interface ScratchFixture {
  readonly engine: TestEngine;
  readonly server: RunningServer;
  readonly baseUrl: string;
  readonly adminToken: string;
  /** The DSN service `w` serves (PGlite: a directory the server holds; do not open it again). */
  readonly dsn: string;
  /** A request as the admin (JSON body when `body` is given) unless `headers` carry other credentials or `anonymous`. */
  send<T = unknown>(method: string, pathAndQuery: string, body?: unknown, init?: { headers?: Record<string, string>; anonymous?: boolean }): Promise<HttpResult<T>>;
  /** Runs SQL directly on the scratch database (PostgreSQL and MariaDB only; PGlite is held by the server). */
  sql<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

function serverUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.href;
}

export async function describeScratch(
  name: string,
  ddl: ScratchDdl,
  suite: (fixture: () => ScratchFixture) => void,
  options: { readonly env?: Record<string, string> } & ServerOptions = {},
): Promise<void> {
  const database = `sluice_it_${name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${process.pid}`;
  for (const engine of ['pglite', 'postgres', 'mariadb'] as const) {
    const run = await shouldRunEngine(engine);
    describe.skipIf(!run)(`${name} [${engine}]`, () => {
      let fixture: ScratchFixture | undefined;
      let cleanup: (() => Promise<void>) | undefined;
      let drop: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        const tmp = await mkdtemp(path.join(os.tmpdir(), `sluice-scratch-${engine}-`));
        let dsn: string;
        let sql: ScratchFixture['sql'];
        if (engine === 'pglite') {
          const dir = path.join(tmp, 'db');
          const driver = await openPgliteDriver({ location: dir, statementTimeoutMs: 0 });
          for (const statement of ddl.postgres) await driver.query({ sql: statement, params: [] });
          await driver.close();
          dsn = `pglite://${dir}`;
          sql = () => Promise.reject(new Error('PGlite is held by the server; read through the API'));
        } else if (engine === 'postgres') {
          const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
          await admin.connect();
          await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
          await admin.query(`CREATE DATABASE ${database}`);
          await admin.end();
          dsn = serverUrl(PG_ADMIN_URL, database);
          const pool = new pg.Pool({ connectionString: dsn, max: 2 });
          for (const statement of ddl.postgres) await pool.query(statement);
          sql = async <R>(text: string, params: readonly unknown[] = []) => (await pool.query(text, [...params])).rows as R[];
          drop = async () => {
            await pool.end();
            const again = new pg.Client({ connectionString: PG_ADMIN_URL });
            await again.connect();
            await again.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
            await again.end();
          };
        } else {
          const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
          await admin.query(`DROP DATABASE IF EXISTS ${database}`);
          await admin.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
          await admin.end();
          dsn = serverUrl(MYSQL_ADMIN_URL, database);
          const pool = mysql.createPool({ uri: dsn, connectionLimit: 2 });
          for (const statement of ddl.mysql) await pool.query(statement);
          sql = async <R>(text: string, params: readonly unknown[] = []) => (await pool.query(text, [...params]))[0] as R[];
          drop = async () => {
            await pool.end();
            const again = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
            await again.query(`DROP DATABASE IF EXISTS ${database}`);
            await again.end();
          };
        }
        const started = await startServerWithMetaDatabase({ [SCRATCH_SERVICE]: dsn }, tmp, options.env, options.logger ? { logger: options.logger } : {});
        cleanup = started.cleanup;
        const baseUrl = started.server.url;
        const adminToken = await adminLogin(baseUrl);
        fixture = {
          engine,
          server: started.server,
          baseUrl,
          adminToken,
          dsn,
          sql,
          send: (method, pathAndQuery, body, init = {}) => {
            const headers = new Headers(init.headers);
            if (!init.anonymous && !headers.has('authorization') && !headers.has('x-api-key')) headers.set('authorization', `Bearer ${adminToken}`);
            if (body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
            return request(baseUrl, pathAndQuery, {
              method,
              headers,
              ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
            });
          },
        };
      });
      afterAll(async () => {
        await cleanup?.();
        await drop?.();
      });
      suite(() => {
        if (!fixture) throw new Error('scratch fixture not started');
        return fixture;
      });
    });
  }
}
