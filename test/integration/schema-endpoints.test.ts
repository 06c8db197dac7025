/**
 * The schema endpoints over real HTTP, once per engine (PGlite, PostgreSQL, MariaDB).
 *
 * Every test works on its own uniquely named tables (the demo database is shared by the test files
 * of a run; the demo tables are only read). After each change the database itself is checked: on
 * PostgreSQL and MariaDB through a separate connection reading information_schema, on PGlite (which
 * only one process can open) through a fresh re-introspection of the server's own connection; and
 * rows are written through the server's executor and read back over `GET /_table`, so a column the
 * API describes must also exist for SQL.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyGrant } from '../../src/auth/apply-grant.js';
import { FULL_GRANT } from '../../src/auth/authorizer.js';
import { ANONYMOUS } from '../../src/auth/principal.js';
import { RequestContext } from '../../src/executor/request-context.js';
import { columnRef, param, tableRef } from '../../src/query/ir-factories.js';
import type { ParamValue } from '../../src/query/ir.js';
import { demoDatabaseUrl, describeEngines, type HttpResult } from '../support/engines.js';

interface ErrorBody {
  error: { code: number; message: string; context: Record<string, unknown> & { reason: string } };
}
interface ColumnSchema {
  name: string;
  position: number;
  db_type: string;
  json_type: string;
  nullable: boolean;
  is_primary_key: boolean;
  is_auto_increment: boolean;
  is_unique: boolean;
  default?: string;
  max_length?: number;
  precision?: number;
  scale?: number;
}
interface TableSchema {
  name: string;
  type: string;
  primary_key: string[];
  columns: ColumnSchema[];
  foreign_keys: { name: string; columns: string[]; referenced_table: string; referenced_columns: string[]; on_update: string; on_delete: string }[];
  indexes: { name: string; columns: string[]; unique: boolean; primary: boolean }[];
  relations: { name: string; type: string; target_table: string; columns: string[]; target_columns: string[] }[];
}
interface List<T> {
  resource: T[];
  meta: { count: number };
}

/** Column facts as the database reports them, independently of Sluice's catalog. */
interface DbColumn {
  name: string;
  nullable: boolean;
}

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let counter = 0;
/** A table name no other test (of this or a parallel run) uses. */
const uniqueName = (label: string) => `sx_${label}_${RUN}_${++counter}`;

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describeEngines('Schema endpoints', (fixture) => {
  const created = new Set<string>();
  let pgClient: pg.Client | undefined;
  let maria: mysql.Connection | undefined;

  beforeAll(async () => {
    const { engine } = fixture();
    if (engine === 'postgres') {
      pgClient = new pg.Client({ connectionString: demoDatabaseUrl('postgres') });
      await pgClient.connect();
    }
    if (engine === 'mariadb') maria = await mysql.createConnection({ uri: demoDatabaseUrl('mariadb') });
  });

  afterAll(async () => {
    // Whatever a failed test left behind: tables in reverse order of creation (children first).
    for (const table of [...created].reverse()) {
      await fixture().get(`/api/v1/shop/_schema/${table}`, { method: 'DELETE' });
    }
    await pgClient?.end();
    await maria?.end();
  });

  const schemaPath = (table?: string) => `/api/v1/shop/_schema${table === undefined ? '' : `/${encodeURIComponent(table)}`}`;

  async function createTable(body: { name: string; [key: string]: unknown }): Promise<HttpResult<TableSchema>> {
    created.add(body.name);
    return fixture().get<TableSchema>(schemaPath(), json('POST', body));
  }

  const alter = (table: string, changes: unknown[]) => fixture().get<TableSchema>(schemaPath(table), json('PUT', { changes }));

  /** The table's columns as the database reports them; undefined when the table does not exist. */
  async function dbColumns(table: string): Promise<DbColumn[] | undefined> {
    if (pgClient) {
      const { rows } = await pgClient.query<{ column_name: string; is_nullable: string }>(
        `SELECT column_name, is_nullable FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      const exists = await pgClient.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = $1`, [table]);
      return exists.rowCount === 0 ? undefined : rows.map((r) => ({ name: r.column_name, nullable: r.is_nullable === 'YES' }));
    }
    if (maria) {
      const [tables] = await maria.query<mysql.RowDataPacket[]>(
        'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
        [table],
      );
      if (tables.length === 0) return undefined;
      const [rows] = await maria.query<mysql.RowDataPacket[]>(
        `SELECT COLUMN_NAME AS name, IS_NULLABLE AS nullable FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
        [table],
      );
      return rows.map((r) => ({ name: String(r.name), nullable: r.nullable === 'YES' }));
    }
    // PGlite: re-read the schema through the server's connection, then ask the fresh catalog.
    const snapshot = await fixture().server.registry.refresh('shop');
    const found = snapshot.catalog.tables.get(table);
    return found?.columns.map((c) => ({ name: c.name, nullable: c.nullable }));
  }

  /** Inserts rows through the server's own executor (real SQL on the real connection). */
  async function insertRows(table: string, rows: Record<string, ParamValue>[]): Promise<void> {
    const { catalog, executor } = fixture().server.registry.snapshot('shop');
    const found = catalog.tables.get(table);
    if (!found) throw new Error(`table ${table} is not in the catalog`);
    for (const row of rows) {
      const columns = Object.keys(row).map((name) => {
        const column = found.columnsByName.get(name);
        if (!column) throw new Error(`no column ${name} in ${table}`);
        return column;
      });
      await executor.run(
        applyGrant(
          {
            kind: 'insert',
            into: tableRef(found),
            columns: columns.map((c) => columnRef(found, c)),
            rows: [columns.map((c) => param(row[c.name] ?? null, c.valueType))],
            returning: [],
          },
          FULL_GRANT,
        ),
        new RequestContext('schema-test', ANONYMOUS),
      );
    }
  }

  const rowsOf = async (table: string, params: Record<string, string> = {}) => {
    const res = await fixture().table<List<Record<string, unknown>>>(table, { order: 'id', ...params });
    expect(res.status, res.text).toBe(200);
    return res.body.resource;
  };

  const column = (schema: TableSchema, name: string) => {
    const found = schema.columns.find((c) => c.name === name);
    if (!found) throw new Error(`no column ${name} in ${JSON.stringify(schema.columns.map((c) => c.name))}`);
    return found;
  };

  const expectError = (res: HttpResult<unknown>, status: number, reason: string) => {
    expect(res.status, res.text).toBe(status);
    const body = res.body as ErrorBody;
    expect(body.error.code).toBe(status);
    expect(body.error.context.reason).toBe(reason);
    // Never SQL text in an envelope (Sluice's DDL always quotes the table name).
    expect(res.text).not.toMatch(/(CREATE|ALTER|DROP) TABLE ["`]/i);
    return body.error;
  };

  // -------------------------------------------------------------------------------------------

  describe('reading', () => {
    it('describes a demo table with keys, foreign keys, indexes and relations', async () => {
      const res = await fixture().get<TableSchema>(schemaPath('order_items'));
      expect(res.status, res.text).toBe(200);
      expect(res.body.name).toBe('order_items');
      expect(res.body.type).toBe('table');
      expect(res.body.primary_key).toEqual(['order_id', 'product_id']);
      expect(column(res.body, 'order_id')).toMatchObject({ position: 1, is_primary_key: true, nullable: false, json_type: expect.any(String) });
      const targets = res.body.foreign_keys.map((fk) => [fk.columns, fk.referenced_table, fk.referenced_columns]);
      expect(targets).toEqual(
        expect.arrayContaining([
          [['order_id'], 'orders', ['id']],
          [['product_id'], 'products', ['id']],
        ]),
      );
      expect(res.body.indexes.some((i) => i.primary && i.columns.join() === 'order_id,product_id')).toBe(true);
      expect(res.body.relations.map((r) => [r.type, r.target_table])).toEqual(
        expect.arrayContaining([
          ['many_to_one', 'orders'],
          ['many_to_one', 'products'],
        ]),
      );
    });

    it('lists every table and view with the list envelope', async () => {
      const res = await fixture().get<List<TableSchema>>(schemaPath());
      expect(res.status, res.text).toBe(200);
      const names = res.body.resource.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['customers', 'orders', 'order_items', 'customer_order_summary']));
      expect(res.body.meta.count).toBe(res.body.resource.length);
      expect(res.body.resource.find((t) => t.name === 'customer_order_summary')?.type).toBe('view');
    });

    it('answers 404 with a hint for an unknown table', async () => {
      const error = expectError(await fixture().get(schemaPath('ordres')), 404, 'tableNotFound');
      expect(error.context.hint).toBe("Did you mean 'orders'?");
    });
  });

  // -------------------------------------------------------------------------------------------

  describe('creating', () => {
    it('creates a table that can be read and written, with typed defaults written literally', async () => {
      const name = uniqueName('create');
      const tricky = "it's a \\'quoted\\' \\\\ value; DROP TABLE customers; --";
      const res = await createTable({
        name,
        columns: [
          { name: 'id', type: 'serial', is_primary_key: true },
          { name: 'title', type: 'varchar(100)', is_nullable: false },
          { name: 'price', type: 'decimal(10,2)', default: '9.99' },
          { name: 'created_at', type: 'timestamp', default: 'now()' },
          { name: 'active', type: 'boolean', default: true },
          { name: 'note', type: 'text', default: tricky },
          { name: 'code', type: 'varchar(20)', is_unique: true },
        ],
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body.name).toBe(name);
      expect(res.body.primary_key).toEqual(['id']);
      expect(column(res.body, 'id')).toMatchObject({ is_primary_key: true, is_auto_increment: true, nullable: false, json_type: 'integer' });
      expect(column(res.body, 'title')).toMatchObject({ nullable: false, max_length: 100, json_type: 'string' });
      expect(column(res.body, 'price')).toMatchObject({ nullable: true, precision: 10, scale: 2 });
      expect(column(res.body, 'code').is_unique).toBe(true);
      expect(column(res.body, 'created_at').default).toBeDefined();

      expect((await dbColumns(name))?.map((c) => c.name)).toEqual(['id', 'title', 'price', 'created_at', 'active', 'note', 'code']);

      await insertRows(name, [{ title: 'first' }, { title: 'second', price: '1.50', active: false, note: 'own' }]);
      const rows = await rowsOf(name);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ title: 'first', price: '9.99', active: true, note: tricky, code: null });
      expect(rows[0]?.created_at).toEqual(expect.any(String));
      expect(rows[1]).toMatchObject({ title: 'second', price: '1.50', active: false, note: 'own' });
      expect(rows[1]?.id).not.toEqual(rows[0]?.id);
      // The demo table the default text names is untouched.
      expect((await fixture().table('customers', { limit: '1' })).status).toBe(200);
    });

    it('creates every allowed type with a literal default that reads back as written', async () => {
      const name = uniqueName('types');
      const postgresOnly = fixture().engine !== 'mariadb';
      const json = { a: [1, "x'y\\z"], b: null };
      const res = await createTable({
        name,
        columns: [
          { name: 'id', type: 'integer', is_primary_key: true },
          { name: 'small', type: 'smallint', default: -5 },
          { name: 'big', type: 'bigint', default: '9007199254740993' },
          { name: 'single', type: 'real', default: 1.5 },
          { name: 'double', type: 'double precision', default: 2.25 },
          { name: 'fixed', type: 'char(3)', default: 'ab' },
          { name: 'day', type: 'date', default: '2024-02-29' },
          { name: 'today', type: 'date', default: 'current_date' },
          { name: 'clock', type: 'time', default: '12:34:56' },
          { name: 'wall', type: 'timestamp(3)', default: '2024-01-02 03:04:05.125' },
          { name: 'instant', type: 'timestamptz', default: '2024-01-02T03:04:05+02:00' },
          { name: 'doc', type: 'json', default: json },
          { name: 'raw', type: 'bytea', default: 'AQL/' },
          { name: 'flag', type: 'bool', default: false },
          ...(postgresOnly
            ? [
                { name: 'ident', type: 'uuid', default: 'gen_random_uuid()' },
                { name: 'fixed_uuid', type: 'uuid', default: '6F9619FF-8B86-D011-B42D-00C04FC964FF' },
                { name: 'bin', type: 'jsonb', default: [1, 2] },
              ]
            : [{ name: 'ident', type: 'char(36)', default: 'uuid()' }]),
        ],
      });
      expect(res.status, res.text).toBe(201);
      await insertRows(name, [{ id: 1 }]);
      const [row] = await rowsOf(name);
      expect(row).toMatchObject({ id: 1, small: -5, big: '9007199254740993', single: 1.5, double: 2.25, day: '2024-02-29', doc: json, raw: 'AQL/', flag: false });
      expect(String(row?.fixed).trimEnd()).toBe('ab');
      expect(row?.today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(String(row?.clock)).toMatch(/^12:34:56/);
      expect(String(row?.wall)).toMatch(/^2024-01-02T03:04:05\.125/);
      expect(Date.parse(String(row?.instant))).toBe(Date.parse('2024-01-02T01:04:05Z'));
      expect(String(row?.ident)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      if (postgresOnly) expect(row).toMatchObject({ fixed_uuid: '6f9619ff-8b86-d011-b42d-00c04fc964ff', bin: [1, 2] });
    });

    it('creates a table with a foreign key to another new table, and reports the relation', async () => {
      const parent = uniqueName('parent');
      const child = uniqueName('child');
      expect((await createTable({ name: parent, columns: [{ name: 'id', type: 'integer', is_primary_key: true }] })).status).toBe(201);
      const res = await createTable({
        name: child,
        columns: [
          { name: 'id', type: 'bigint', is_primary_key: true },
          { name: 'parent_id', type: 'integer', is_nullable: false },
        ],
        foreign_keys: [{ columns: ['parent_id'], referenced_table: parent, referenced_columns: ['id'], on_delete: 'cascade' }],
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body.foreign_keys).toEqual([
        expect.objectContaining({ columns: ['parent_id'], referenced_table: parent, referenced_columns: ['id'], on_delete: 'CASCADE' }),
      ]);
      expect(res.body.relations).toEqual([expect.objectContaining({ type: 'many_to_one', target_table: parent, columns: ['parent_id'] })]);
      const parentSchema = await fixture().get<TableSchema>(schemaPath(parent));
      expect(parentSchema.body.relations).toEqual([expect.objectContaining({ type: 'one_to_many', target_table: child })]);

      // The database enforces it: dropping the referenced table is refused while the child exists.
      expectError(await fixture().get(schemaPath(parent), { method: 'DELETE' }), 409, 'dependentObjects');
      expect(await dbColumns(parent)).toBeDefined();
    });

    it('refuses an existing table name with 409 and leaves it alone', async () => {
      const error = expectError(await fixture().get(schemaPath(), json('POST', { name: 'customers', columns: [{ name: 'x', type: 'text' }] })), 409, 'tableExists');
      expect(error.context.table).toBe('customers');
      expect((await dbColumns('customers'))?.map((c) => c.name)).not.toContain('x');
    });
  });

  // -------------------------------------------------------------------------------------------

  describe('altering', () => {
    async function freshTable(label: string): Promise<string> {
      const name = uniqueName(label);
      const res = await createTable({
        name,
        columns: [
          { name: 'id', type: 'integer', is_primary_key: true },
          { name: 'label', type: 'varchar(20)' },
          { name: 'old_field', type: 'text' },
        ],
      });
      expect(res.status, res.text).toBe(201);
      await insertRows(name, [{ id: 1, label: 'one', old_field: 'x' }]);
      return name;
    }

    it('adds a column that appears in _schema, in _table reads and in the database', async () => {
      const name = await freshTable('add');
      const res = await alter(name, [
        { type: 'add_column', column: 'description', definition: { name: 'description', type: 'text', is_nullable: true } },
        { type: 'add_column', definition: { name: 'rank', type: 'smallint', is_nullable: false, default: 7 } },
      ]);
      expect(res.status, res.text).toBe(200);
      expect(column(res.body, 'description')).toMatchObject({ nullable: true, position: 4 });
      expect(column(res.body, 'rank')).toMatchObject({ nullable: false, json_type: 'integer' });
      expect((await dbColumns(name))?.map((c) => c.name)).toEqual(['id', 'label', 'old_field', 'description', 'rank']);
      // The existing row got the default; the new column is readable and filterable.
      expect(await rowsOf(name, { fields: 'id,description,rank', filter: 'rank = 7' })).toEqual([{ id: 1, description: null, rank: 7 }]);
      const schema = await fixture().get<TableSchema>(schemaPath(name));
      expect(schema.body.columns.map((c) => c.name)).toEqual(['id', 'label', 'old_field', 'description', 'rank']);
    });

    it('renames, modifies and drops columns in one request', async () => {
      const name = await freshTable('multi');
      const res = await alter(name, [
        { type: 'rename_column', column: 'label', new_name: 'title' },
        { type: 'modify_column', column: 'title', definition: { type: 'varchar(50)', is_nullable: false, default: 'untitled' } },
        { type: 'drop_column', column: 'old_field' },
      ]);
      expect(res.status, res.text).toBe(200);
      expect(res.body.columns.map((c) => c.name)).toEqual(['id', 'title']);
      expect(column(res.body, 'title')).toMatchObject({ nullable: false, max_length: 50 });
      expect(await dbColumns(name)).toEqual([
        { name: 'id', nullable: false },
        { name: 'title', nullable: false },
      ]);
      expect(await rowsOf(name)).toEqual([{ id: 1, title: 'one' }]);
      await insertRows(name, [{ id: 2 }]);
      expect((await rowsOf(name))[1]).toEqual({ id: 2, title: 'untitled' });
      // The old names are gone for SQL too.
      expectError(await fixture().table(name, { fields: 'label' }), 400, 'unknownColumn');
    });

    it('changes only a default, and only nullability', async () => {
      const name = await freshTable('defaults');
      const setDefault = await alter(name, [{ type: 'modify_column', column: 'label', definition: { default: 'none' } }]);
      expect(setDefault.status, setDefault.text).toBe(200);
      expect(column(setDefault.body, 'label').default).toMatch(/none/);
      await insertRows(name, [{ id: 2 }]);
      expect((await rowsOf(name))[1]?.label).toBe('none');
      const notNull = await alter(name, [{ type: 'modify_column', column: 'label', definition: { type: 'varchar(20)', is_nullable: false } }]);
      expect(notNull.status, notNull.text).toBe(200);
      expect(column(notNull.body, 'label')).toMatchObject({ nullable: false });
      // MySQL restates the whole column: the default set before must survive the MODIFY.
      expect(column(notNull.body, 'label').default).toMatch(/none/);
      expect((await dbColumns(name))?.find((c) => c.name === 'label')?.nullable).toBe(false);
    });

    it('refuses unknown and duplicate columns before running anything', async () => {
      const name = await freshTable('refuse');
      const unknown = expectError(
        await alter(name, [
          { type: 'add_column', definition: { name: 'fresh', type: 'text' } },
          { type: 'drop_column', column: 'labl' },
        ]),
        400,
        'unknownColumn',
      );
      expect(unknown.context).toMatchObject({ index: 1, column: 'labl', hint: "Did you mean 'label'?" });
      expectError(await alter(name, [{ type: 'rename_column', column: 'label', new_name: 'old_field' }]), 409, 'columnExists');
      expect((await dbColumns(name))?.map((c) => c.name)).toEqual(['id', 'label', 'old_field']);
    });

    it('reports the failing change of a request the database refuses; PostgreSQL rolls back, MySQL keeps earlier changes', async () => {
      const name = await freshTable('partial');
      await insertRows(name, [{ id: 2 }]); // label NULL: NOT NULL must fail
      const res = await alter(name, [
        { type: 'add_column', definition: { name: 'added', type: 'integer' } },
        { type: 'modify_column', column: 'label', definition: { type: 'varchar(20)', is_nullable: false } },
      ]);
      expect(res.status, res.text).toBe(400);
      const { context } = (res.body as unknown as ErrorBody).error;
      expect(context.index).toBe(1);
      const columns = (await dbColumns(name))?.map((c) => c.name);
      const schema = await fixture().get<TableSchema>(schemaPath(name));
      if (fixture().engine === 'mariadb') {
        expect(context.applied).toBe(1);
        expect(columns).toContain('added');
        // The catalog was reloaded after the partial change.
        expect(schema.body.columns.map((c) => c.name)).toContain('added');
      } else {
        expect(context.applied).toBeUndefined();
        expect(columns).not.toContain('added');
        expect(schema.body.columns.map((c) => c.name)).not.toContain('added');
      }
    });

    it('refuses to alter a view', async () => {
      expectError(await alter('customer_order_summary', [{ type: 'drop_column', column: 'full_name' }]), 400, 'notATable');
    });
  });

  // -------------------------------------------------------------------------------------------

  describe('dropping', () => {
    it('drops a table: 200 with the Faucet message, then 404 everywhere', async () => {
      const name = uniqueName('drop');
      expect((await createTable({ name, columns: [{ name: 'id', type: 'integer', is_primary_key: true }] })).status).toBe(201);
      const res = await fixture().get<{ success: boolean; message: string }>(schemaPath(name), { method: 'DELETE' });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ success: true, message: `Table '${name}' dropped successfully` });
      created.delete(name);
      expectError(await fixture().get(schemaPath(name)), 404, 'tableNotFound');
      expectError(await fixture().table(name), 404, 'tableNotFound');
      expect(await dbColumns(name)).toBeUndefined();
    });

    it('refuses to drop a view or a table that does not exist', async () => {
      expectError(await fixture().get(schemaPath('customer_order_summary'), { method: 'DELETE' }), 400, 'notATable');
      expectError(await fixture().get(schemaPath(uniqueName('missing')), { method: 'DELETE' }), 404, 'tableNotFound');
    });
  });

  // -------------------------------------------------------------------------------------------

  describe('hostile input', () => {
    const cases: readonly [string, (name: string) => unknown, number, string][] = [
      ['a type with SQL after it', (name) => ({ name, columns: [{ name: 'id', type: 'integer; DROP TABLE customers' }] }), 400, 'unsupportedType'],
      ['a type with a comment', (name) => ({ name, columns: [{ name: 'id', type: 'integer /* x */' }] }), 400, 'unsupportedType'],
      ['an unknown type', (name) => ({ name, columns: [{ name: 'id', type: 'money' }] }), 400, 'unsupportedType'],
      ['a check constraint as a type', (name) => ({ name, columns: [{ name: 'id', type: 'integer check (id > 0)' }] }), 400, 'unsupportedType'],
      ['an integer default with SQL', (name) => ({ name, columns: [{ name: 'n', type: 'integer', default: '1); DROP TABLE customers; --' }] }), 400, 'invalidDefault'],
      ['an expression default', (name) => ({ name, columns: [{ name: 't', type: 'timestamp', default: "now() - interval '1 day'" }] }), 400, 'invalidDefault'],
      ['a function default', (name) => ({ name, columns: [{ name: 't', type: 'text', default: { fn: 'pg_sleep(10)' } }] }), 400, 'invalidDefault'],
      ['now() on a text column', (name) => ({ name, columns: [{ name: 't', type: 'text', default: 'now()' }] }), 400, 'invalidDefault'],
      ['a date default that is no date', (name) => ({ name, columns: [{ name: 'd', type: 'date', default: '2024-02-30' }] }), 400, 'invalidDefault'],
      ['a column name with NUL', (name) => ({ name, columns: [{ name: 'a\u0000b', type: 'text' }] }), 400, 'invalidName'],
      ['a column name that is too long', (name) => ({ name, columns: [{ name: 'c'.repeat(64), type: 'text' }] }), 400, 'invalidName'],
      ['the reserved prefix', (name) => ({ name, columns: [{ name: '__sluice_rn', type: 'text' }] }), 400, 'invalidName'],
      ['an unknown key', (name) => ({ name, columns: [{ name: 'a', type: 'text', check: 'a <> 1' }] }), 400, 'invalidSchemaChange'],
      ['a nullable primary key', (name) => ({ name, columns: [{ name: 'a', type: 'text', is_primary_key: true, is_nullable: true }] }), 400, 'invalidSchemaChange'],
      ['a foreign key to nowhere', (name) => ({ name, columns: [{ name: 'a', type: 'integer' }], foreign_keys: [{ columns: ['a'], referenced_table: 'nowhere', referenced_columns: ['id'] }] }), 400, 'invalidSchemaChange'],
    ];
    for (const [label, body, status, reason] of cases) {
      it(`refuses ${label} (${status} ${reason}) and creates nothing`, async () => {
        const name = uniqueName('hostile');
        expectError(await fixture().get(schemaPath(), json('POST', body(name))), status, reason);
        expect(await dbColumns(name)).toBeUndefined();
        expect((await fixture().table('customers', { limit: '1' })).status).toBe(200);
      });
    }

    it('refuses a table name with control characters or too long', async () => {
      expectError(await fixture().get(schemaPath(), json('POST', { name: 'bad\nname', columns: [{ name: 'a', type: 'text' }] })), 400, 'invalidName');
      const long = `sx_${'é'.repeat(31)}`; // 65 bytes of UTF-8
      expectError(await fixture().get(schemaPath(), json('POST', { name: long, columns: [{ name: 'a', type: 'text' }] })), 400, 'invalidName');
      expect(await dbColumns(long)).toBeUndefined();
    });

    it('refuses a hostile type in add_column and leaves the table as it was', async () => {
      const name = uniqueName('hostile_alter');
      expect((await createTable({ name, columns: [{ name: 'id', type: 'integer', is_primary_key: true }] })).status).toBe(201);
      const error = expectError(
        await alter(name, [{ type: 'add_column', definition: { name: 'x', type: 'text, ADD COLUMN y text' } }]),
        400,
        'unsupportedType',
      );
      expect(error.context.index).toBe(0);
      expect((await dbColumns(name))?.map((c) => c.name)).toEqual(['id']);
    });

    it('stores names that need quoting exactly as given', async () => {
      const name = uniqueName('Quoted "name" `x`');
      const res = await createTable({ name, columns: [{ name: 'odd "col" `x`; --', type: 'integer', is_primary_key: true }] });
      expect(res.status, res.text).toBe(201);
      expect(res.body.name).toBe(name);
      expect((await dbColumns(name))?.map((c) => c.name)).toEqual(['odd "col" `x`; --']);
    });
  });

  // -------------------------------------------------------------------------------------------

  describe('access', () => {
    const keys = new Map<string, string>();

    async function roleKey(name: string, access: unknown[]): Promise<string> {
      const role = await fixture().get<{ id: number }>('/api/v1/system/role', json('POST', { name, access }));
      expect(role.status, role.text).toBe(201);
      const key = await fixture().get<{ api_key: string }>('/api/v1/system/api-key', json('POST', { role_id: role.body.id, label: name }));
      expect(key.status, key.text).toBe(201);
      return key.body.api_key;
    }

    beforeAll(async () => {
      keys.set('reader', await roleKey('table_reader', [{ service_name: 'shop', component: '_table/*', verb_mask: 1 }]));
      keys.set('schema_only', await roleKey('schema_only', [{ service_name: 'shop', component: '_schema/*', verb_mask: 1 }]));
      keys.set(
        'limited',
        await roleKey('limited', [
          { service_name: 'shop', component: '_schema/*', verb_mask: 1 },
          { service_name: 'shop', component: '_table/customers', verb_mask: 1, fields: ['id', 'email', 'tier'] },
        ]),
      );
      keys.set('ddl', await roleKey('ddl', [{ service_name: 'shop', component: '_schema/*', verb_mask: 31 }]));
    });

    const as = (role: string, init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), 'X-API-Key': keys.get(role) ?? '' } });

    it('refuses schema reads and changes to a role without schema rights (403, before any 404 or 409)', async () => {
      const name = uniqueName('denied');
      expectError(await fixture().get(schemaPath(), as('reader')), 403, 'forbidden');
      expectError(await fixture().get(schemaPath('customers'), as('reader')), 403, 'forbidden');
      expectError(await fixture().get(schemaPath('no_such_table'), as('reader')), 403, 'forbidden');
      expectError(await fixture().get(schemaPath(), as('reader', json('POST', { name, columns: [{ name: 'a', type: 'text' }] }))), 403, 'forbidden');
      expectError(await fixture().get(schemaPath(), as('reader', json('POST', { name: 'customers', columns: [{ name: 'a', type: 'text' }] }))), 403, 'forbidden');
      expectError(await fixture().get(schemaPath('customers'), as('reader', json('PUT', { changes: [{ type: 'drop_column', column: 'email' }] }))), 403, 'forbidden');
      expectError(await fixture().get(schemaPath('customers'), as('reader', { method: 'DELETE' })), 403, 'forbidden');
      expect(await dbColumns(name)).toBeUndefined();
      expect((await dbColumns('customers'))?.map((c) => c.name)).toContain('email');
      // A read-only schema role may describe, not change.
      expectError(await fixture().get(schemaPath('customers'), as('schema_only', { method: 'DELETE' })), 403, 'forbidden');
    });

    it('describes a table only to callers that may also read it', async () => {
      expectError(await fixture().get(schemaPath('customers'), as('schema_only')), 403, 'forbidden');
      // The listing is allowed, but lists only what the caller may read: nothing.
      const list = await fixture().get<List<TableSchema>>(schemaPath(), as('schema_only'));
      expect(list.status, list.text).toBe(200);
      expect(list.body).toEqual({ resource: [], meta: { count: 0 } });
    });

    it('describes only the columns of a column allow-list, and only readable tables', async () => {
      const res = await fixture().get<TableSchema>(schemaPath('customers'), as('limited'));
      expect(res.status, res.text).toBe(200);
      expect(res.body.columns.map((c) => c.name)).toEqual(['id', 'email', 'tier']);
      // Nothing else names a hidden column or an unreadable table.
      expect(res.text).not.toMatch(/full_name|created_at|marketing_opt_in/);
      expect(res.body.relations).toEqual([]);
      expect(res.body.foreign_keys).toEqual([]);
      for (const index of res.body.indexes) for (const c of index.columns) expect(['id', 'email', 'tier']).toContain(c);
      const list = await fixture().get<List<TableSchema>>(schemaPath(), as('limited'));
      expect(list.status, list.text).toBe(200);
      expect(list.body.resource.map((t) => t.name)).toEqual(['customers']);
      expect(list.body.resource[0]?.columns.map((c) => c.name)).toEqual(['id', 'email', 'tier']);
      expectError(await fixture().get(schemaPath('orders'), as('limited')), 403, 'forbidden');
    });

    it('lets a role with schema rights create, alter and drop', async () => {
      const name = uniqueName('ddl_role');
      const res = await fixture().get<TableSchema>(schemaPath(), as('ddl', json('POST', { name, columns: [{ name: 'id', type: 'integer', is_primary_key: true }] })));
      created.add(name);
      expect(res.status, res.text).toBe(201);
      const altered = await fixture().get<TableSchema>(schemaPath(name), as('ddl', json('PUT', { changes: [{ type: 'add_column', definition: { name: 'b', type: 'date', default: '2024-02-29' } }] })));
      expect(altered.status, altered.text).toBe(200);
      expect((await dbColumns(name))?.map((c) => c.name)).toEqual(['id', 'b']);
      expect((await fixture().get(schemaPath(name), as('ddl', { method: 'DELETE' }))).status).toBe(200);
      created.delete(name);
      expect(await dbColumns(name)).toBeUndefined();
    });

    it('refuses schema changes on a read-only service, even to admins', async () => {
      const dsn = fixture().engine === 'pglite' ? 'pglite://memory' : demoDatabaseUrl(fixture().engine as 'postgres' | 'mariadb');
      const driver = { pglite: 'pglite', postgres: 'postgres', mariadb: 'mysql' }[fixture().engine];
      const service = await fixture().get('/api/v1/system/service', json('POST', { name: 'shop_ro', driver, dsn, read_only: true }));
      expect(service.status, service.text).toBe(201);
      const name = uniqueName('ro');
      const error = expectError(
        await fixture().get('/api/v1/shop_ro/_schema', json('POST', { name, columns: [{ name: 'a', type: 'text' }] })),
        403,
        'readOnlyService',
      );
      expect(error.context.service).toBe('shop_ro');
      expectError(await fixture().get('/api/v1/shop_ro/_schema/customers', { method: 'DELETE' }), 403, 'readOnlyService');
      expect(await dbColumns(name)).toBeUndefined();
      expect((await fixture().get('/api/v1/system/service/shop_ro', { method: 'DELETE' })).status).toBe(200);
    });
  });
});
