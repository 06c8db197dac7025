/**
 * Named prepared statements on PostgreSQL and PGlite (src/dialects/postgres/prepared-statements.ts),
 * through the driver every PostgreSQL service uses, on one connection so that what the server holds
 * can be read back from `pg_prepared_statements`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CompiledQuery, Driver, Row } from '../../src/dialects/dialect.js';
import { createPgPoolSource, PgDriver, type PgDriverOptions } from '../../src/dialects/postgres/pg-driver.js';
import { openPgliteDriver } from '../../src/dialects/postgres/pglite-driver.js';
import { PG_ADMIN_URL, shouldRunEngine } from '../support/servers.js';

const TABLE = `sluice_it_prepared_${process.pid}`;
const byId: CompiledQuery = { sql: `SELECT id, label, amount FROM ${TABLE} WHERE id = $1`, params: [] };
const withId = (id: number): CompiledQuery => ({ sql: byId.sql, params: [id] });
/** Texts of the table's reads that are prepared on the connection (not the catalog reads themselves). */
const PREPARED = `SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE '%${TABLE}%' AND statement NOT LIKE '%pg_prepared_statements%' ORDER BY name`;

async function openDriver(engine: 'pglite' | 'postgres', options: PgDriverOptions): Promise<Driver> {
  if (engine === 'pglite') return openPgliteDriver({ location: 'memory', statementTimeoutMs: 10_000, ...options });
  const source = createPgPoolSource({ connectionString: PG_ADMIN_URL, poolSize: 1, statementTimeoutMs: 10_000, onIdleError: () => undefined });
  return new PgDriver(source, 'postgres', options);
}

for (const engine of ['pglite', 'postgres'] as const) {
  const run = await shouldRunEngine(engine);
  describe.skipIf(!run)(`prepared statements [${engine}]`, () => {
    const drivers: Driver[] = [];
    const sql = async (driver: Driver, text: string, params: unknown[] = []): Promise<Row[]> => (await driver.query({ sql: text, params })).rows;
    const prepared = async (driver: Driver) => (await sql(driver, PREPARED)) as { name: string; statement: string }[];

    async function driverWithTable(options: PgDriverOptions = {}): Promise<Driver> {
      const driver = await openDriver(engine, options);
      drivers.push(driver);
      await sql(driver, `DROP TABLE IF EXISTS ${TABLE}`);
      await sql(driver, `CREATE TABLE ${TABLE} (id integer PRIMARY KEY, label text NOT NULL, amount integer NOT NULL)`);
      await sql(driver, `INSERT INTO ${TABLE} SELECT n, 'row ' || n, n * 10 FROM generate_series(1, 20) AS n`);
      return driver;
    }

    afterAll(async () => {
      for (const driver of drivers) {
        await sql(driver, `DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
        await driver.close();
      }
    });

    it('prepares a text the second time it runs, once per connection, and answers every run', async () => {
      const driver = await driverWithTable();
      expect((await driver.query(withId(1))).rows).toEqual([{ id: 1, label: 'row 1', amount: 10 }]);
      expect(await prepared(driver)).toEqual([]);
      for (const id of [2, 3, 4]) expect((await driver.query(withId(id))).rows).toEqual([{ id, label: `row ${id}`, amount: id * 10 }]);
      const held = await prepared(driver);
      expect(held.map((s) => s.statement)).toEqual([byId.sql]);
      expect(held[0]?.name).toMatch(/^sluice_\d+$/);
    });

    it('keeps at most the configured number of statements on a connection, and prepares evicted ones again', async () => {
      const driver = await driverWithTable({ statementsPerConnection: 3 });
      const texts = [1, 2, 3, 4, 5].map((k) => `SELECT id, amount + ${k} AS amount FROM ${TABLE} WHERE id = $1`);
      for (let pass = 0; pass < 3; pass++) {
        for (const [k, text] of texts.entries()) {
          expect(await sql(driver, text, [k + 1])).toEqual([{ id: k + 1, amount: (k + 1) * 10 + k + 1 }]);
        }
        // Seen once, nothing is prepared yet; then at most 3 of the 5 are held.
        const held = await prepared(driver);
        if (pass === 0) expect(held).toEqual([]);
        else expect(held.length).toBeGreaterThan(0);
        expect(held.length).toBeLessThanOrEqual(3);
      }
    });

    it('runs a statement again when its result columns changed type since it was prepared', async () => {
      const driver = await driverWithTable();
      await driver.query(withId(5));
      await driver.query(withId(5));
      expect(await prepared(driver)).toHaveLength(1);
      await sql(driver, `ALTER TABLE ${TABLE} ALTER COLUMN amount TYPE text USING 'amount ' || amount`);
      expect((await driver.query(withId(5))).rows).toEqual([{ id: 5, label: 'row 5', amount: 'amount 50' }]);
      expect((await driver.query(withId(6))).rows).toEqual([{ id: 6, label: 'row 6', amount: 'amount 60' }]);
    });

    it('prepares a statement again when the server dropped it (DEALLOCATE ALL, as poolers do)', async () => {
      const driver = await driverWithTable();
      await driver.query(withId(7));
      await driver.query(withId(7));
      await sql(driver, 'DEALLOCATE ALL');
      expect(await prepared(driver)).toEqual([]);
      expect((await driver.query(withId(8))).rows).toEqual([{ id: 8, label: 'row 8', amount: 80 }]);
      expect(await prepared(driver)).toHaveLength(1);
    });

    it('prepares nothing when turned off', async () => {
      const driver = await driverWithTable({ preparedStatements: false });
      for (const id of [1, 2, 3]) await driver.query(withId(id));
      expect(await prepared(driver)).toEqual([]);
    });
  });
}
