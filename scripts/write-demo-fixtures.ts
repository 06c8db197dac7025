/**
 * Writes the committed demo-database fixtures from the generator:
 *   test/fixtures/demo/postgres.sql  (PostgreSQL 15+ and PGlite)
 *   test/fixtures/demo/mysql.sql     (MySQL 8 / MariaDB 10.11, mysql CLI and docker-entrypoint-initdb.d)
 *
 * Run with `npx tsx scripts/write-demo-fixtures.ts` after changing src/demo/demo-data.ts or
 * src/demo/demo-sql.ts; test/integration/demo-fixture.test.ts fails while the files are stale.
 * The file text comes from `renderDemoSqlFile` (schema + data, statements ended by `;\n`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDemoSqlFile, type DemoEngine } from '../src/demo/demo-sql.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(root, 'test/fixtures/demo');
mkdirSync(outDir, { recursive: true });

const engines: DemoEngine[] = ['postgres', 'mysql'];
for (const engine of engines) {
  const path = resolve(outDir, `${engine}.sql`);
  const text = renderDemoSqlFile(engine);
  writeFileSync(path, text, 'utf8');
  console.log(`wrote ${path} (${Buffer.byteLength(text)} bytes)`);
}
