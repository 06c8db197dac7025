/**
 * Vitest global setup: loads the demo shop, once per run, into every engine the suites will use,
 * through Sluice's own seeding path (seed-demo.ts):
 * - PostgreSQL: database `sluice_it_demo_<pid>` (suites get the name with `inject('demoDatabase')`);
 * - MariaDB: a database of the same name;
 * - PGlite: a template data directory, which each suite copies (a PGlite directory can only be
 *   opened by one process at a time).
 * Suites treat the demo databases as read-only; suites that write create their own databases.
 * Unreachable servers are skipped with a notice, or fail the run under CI=true (servers.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { seedDemoIfEmpty } from '../../src/demo/seed-demo.js';
import { openMysqlDriver } from '../../src/dialects/mysql/mysql2-driver.js';
import { openPgliteDriver } from '../../src/dialects/postgres/pglite-driver.js';
import { createPgPoolSource, PgDriver } from '../../src/dialects/postgres/pg-driver.js';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL, shouldRunEngine } from './servers.js';

/**
 * One demo database per test run (several runs on one machine must not drop each other's), dropped
 * again at teardown.
 */
const DEMO_DATABASE = `sluice_it_demo_${process.pid}`;

declare module 'vitest' {
  export interface ProvidedContext {
    /** Engines whose demo database is ready. */
    demoEngines: string[];
    /** A seeded PGlite data directory to copy. */
    pgliteTemplateDir: string;
    /** The name of the demo database on the PostgreSQL and MariaDB servers. */
    demoDatabase: string;
  }
}

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.href;
}

const fail = (error: Error) => {
  throw error;
};

async function dropPostgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DEMO_DATABASE} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function dropMariadb(): Promise<void> {
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DEMO_DATABASE}`);
  } finally {
    await admin.end();
  }
}

async function seedPostgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DEMO_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DEMO_DATABASE}`);
  } finally {
    await admin.end();
  }
  const source = createPgPoolSource({ connectionString: withDatabase(PG_ADMIN_URL, DEMO_DATABASE), poolSize: 1, statementTimeoutMs: 0, onIdleError: fail });
  const driver = new PgDriver(source, 'postgres');
  try {
    await seedDemoIfEmpty(driver);
  } finally {
    await driver.close();
  }
}

async function seedMariadb(): Promise<void> {
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DEMO_DATABASE}`);
    await admin.query(`CREATE DATABASE ${DEMO_DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const driver = await openMysqlDriver({ uri: withDatabase(MYSQL_ADMIN_URL, DEMO_DATABASE), poolSize: 1, statementTimeoutMs: 0, onIdleError: fail });
  try {
    await seedDemoIfEmpty(driver);
  } finally {
    await driver.close();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engines: string[] = [];
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'sluice-test-'));
  const pgliteTemplateDir = path.join(tmp, 'pglite-demo');
  const jobs: Promise<void>[] = [];
  if (await shouldRunEngine('pglite')) {
    jobs.push(
      (async () => {
        const driver = await openPgliteDriver({ location: pgliteTemplateDir, statementTimeoutMs: 0 });
        try {
          await seedDemoIfEmpty(driver);
        } finally {
          await driver.close();
        }
        engines.push('pglite');
      })(),
    );
  }
  if (await shouldRunEngine('postgres')) jobs.push(seedPostgres().then(() => void engines.push('postgres')));
  if (await shouldRunEngine('mariadb')) jobs.push(seedMariadb().then(() => void engines.push('mariadb')));
  await Promise.all(jobs);
  project.provide('demoEngines', engines);
  project.provide('pgliteTemplateDir', pgliteTemplateDir);
  project.provide('demoDatabase', DEMO_DATABASE);
  return async () => {
    await rm(tmp, { recursive: true, force: true });
    if (engines.includes('postgres')) await dropPostgres().catch(() => undefined);
    if (engines.includes('mariadb')) await dropMariadb().catch(() => undefined);
  };
}
