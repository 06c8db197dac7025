/**
 * Creates and seeds the demo shop in an empty database, once: on later starts the data is found and
 * reused. Runs the statements of demo-sql.ts in one transaction, so a start interrupted while seeding
 * leaves nothing half-made.
 */
import type { Driver } from '../dialects/dialect.js';
import { demoDataStatements, demoSchemaStatements, demoSessionStatements } from './demo-sql.js';

/** True when the demo's tables already exist in the database. */
async function isSeeded(driver: Driver): Promise<boolean> {
  const sql =
    driver.engine === 'postgres'
      ? `SELECT to_regclass('public.customers') IS NOT NULL AS seeded`
      : `SELECT COUNT(*) > 0 AS seeded FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'customers'`;
  const { rows } = await driver.query<{ seeded: unknown }>({ sql, params: [] });
  const seeded = rows[0]?.seeded;
  return seeded === true || seeded === 1 || seeded === '1';
}

/** Seeds the demo unless it is there already; resolves to whether it seeded. */
export async function seedDemoIfEmpty(driver: Driver): Promise<boolean> {
  if (await isSeeded(driver)) return false;
  const statements = [
    ...demoSessionStatements(driver.engine), // same connection as the data: the transaction's
    ...demoSchemaStatements(driver.engine),
    ...demoDataStatements(driver.engine),
  ];
  await driver.transaction(async (tx) => {
    for (const sql of statements) await tx.query({ sql, params: [] });
  });
  return true;
}
