/**
 * The TableWriter's path for engines without RETURNING (MySQL): exercised on the MariaDB server with
 * the dialect told it has no RETURNING at all, so that rows are read back by the keys the records
 * carry or by LAST_INSERT_ID(), and updates fix their rows by key first. (The REST write suite covers
 * PostgreSQL, PGlite and MariaDB with their real capabilities.)
 */
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grant } from '../../src/auth/authorizer.js';
import { ANONYMOUS } from '../../src/auth/principal.js';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import type { Table } from '../../src/catalog/catalog-types.js';
import { parseDsn } from '../../src/config/config-schema.js';
import type { Driver } from '../../src/dialects/dialect.js';
import { createMysqlDialect } from '../../src/dialects/mysql/mysql-dialect.js';
import { Executor } from '../../src/executor/executor.js';
import { RequestContext } from '../../src/executor/request-context.js';
import { TableWriter, type WriteScope } from '../../src/executor/table-writer.js';
import { columnRef, eq } from '../../src/query/ir-factories.js';
import { recordCondition, resolveFields, resolveFilterParam } from '../../src/query/rest-params.js';
import { recordValues, setList } from '../../src/query/rest-writes.js';
import { connectService } from '../../src/system/service-registry.js';
import { MYSQL_ADMIN_URL, shouldRunEngine } from '../support/servers.js';

const DATABASE = `sluice_it_writer_${process.pid}`;
const DDL = [
  `CREATE TABLE items (id int AUTO_INCREMENT PRIMARY KEY, sku varchar(20) NOT NULL UNIQUE, name varchar(40) NOT NULL, qty int NOT NULL DEFAULT 0, owner varchar(10) NOT NULL DEFAULT 'alice') ENGINE=InnoDB`,
];
const LIMITS = { maxLength: 8192, maxDepth: 32, maxInListSize: 1000, maxPredicates: 256 };

const run = await shouldRunEngine('mariadb');
describe.skipIf(!run)('TableWriter without RETURNING [mariadb as mysql]', () => {
  let driver: Driver;
  let writer: TableWriter;
  let items: Table;
  const scope = (grant: Grant = { columns: 'all' }): WriteScope => ({
    ctx: new RequestContext('test', ANONYMOUS),
    grant,
    returning: resolveFields(items, undefined),
  });
  const rows = async (sql: string) => (await driver.query({ sql, params: [] })).rows;

  beforeAll(async () => {
    const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    const url = new URL(MYSQL_ADMIN_URL);
    url.pathname = `/${DATABASE}`;
    const settings = { name: 'w', dsn: parseDsn(url.href), schema: DATABASE, poolSize: 2, statementTimeoutMs: 10_000, readOnly: false, seedDemo: false };
    const connection = await connectService(settings, () => undefined);
    driver = connection.driver;
    for (const sql of DDL) await driver.query({ sql, params: [] });
    const catalog = buildCatalog(await connection.dialect.introspect(driver, { schema: DATABASE }), 'w');
    items = catalog.tables.get('items') as Table;
    const dialect = createMysqlDialect({ returning: 'none', windowFunctions: true });
    writer = new TableWriter(new Executor({ service: 'w', driver, dialect, logger: pino({ level: 'silent' }) }), items);
  });

  afterAll(async () => {
    await driver?.close();
    const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.end();
  });

  it('reads inserted rows back by LAST_INSERT_ID() or by the unique key they carry, in body order', async () => {
    const records = [
      recordValues(items, { sku: 'a', name: 'first' }, 0),
      recordValues(items, { sku: 'b', name: 'second', qty: 2 }, 1),
    ];
    const outcome = await writer.insert(records, scope(), { atomic: true });
    const stored = await rows('SELECT id, sku, name, qty, owner FROM items ORDER BY id');
    expect(outcome.rows).toEqual(stored);
    const upsert = await writer.insert([recordValues(items, { sku: 'a', name: 'renamed' }, 0)], scope(), { atomic: true, onConflict: 'merge' });
    expect(upsert.rows).toEqual([{ ...stored[0], name: 'renamed' }]);
  });

  it('updates the rows it matched and returns them, even when the update moves them out of the filter', async () => {
    const where = resolveFilterParam(items, "sku = 'b'", LIMITS)!;
    const set = setList(items, recordValues(items, { sku: 'b2', qty: 5 }, 0).values, { replace: false, exclude: new Set(), writable: 'all' });
    const outcome = await writer.updateWhere(set, where, scope());
    expect(outcome.count).toBe(1);
    expect(outcome.rows).toEqual(await rows("SELECT id, sku, name, qty, owner FROM items WHERE sku = 'b2'"));
  });

  it('checks written rows against a row filter and rolls back when they fall outside it', async () => {
    const onlyAlice: Grant = { columns: 'all', rowFilter: eq(columnRef(items, items.columnsByName.get('owner')!), 'alice') };
    await expect(writer.insert([recordValues(items, { sku: 'c', name: 'bob row', owner: 'bob' }, 0)], scope(onlyAlice), { atomic: true })).rejects.toMatchObject({
      status: 403,
      reason: 'rowFilterViolation',
    });
    expect(await rows("SELECT * FROM items WHERE sku = 'c'")).toEqual([]);
    const [first] = await rows("SELECT id FROM items WHERE sku = 'a'");
    const set = setList(items, recordValues(items, { owner: 'bob' }, 0).values, { replace: false, exclude: new Set(), writable: 'all' });
    await expect(writer.updateWhere(set, recordCondition(items, String(first?.id)), scope(onlyAlice))).rejects.toMatchObject({ status: 403 });
    expect(await rows("SELECT owner FROM items WHERE sku = 'a'")).toEqual([{ owner: 'alice' }]);
  });

  it('returns the deleted row, read before the DELETE', async () => {
    const [before] = await rows("SELECT id, sku, name, qty, owner FROM items WHERE sku = 'b2'");
    const outcome = await writer.deleteWhere(recordCondition(items, String(before?.id)), scope(), { returnRows: true });
    expect(outcome.rows).toEqual([before]);
    expect(await rows("SELECT * FROM items WHERE sku = 'b2'")).toEqual([]);
  });
});
