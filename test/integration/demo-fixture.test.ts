/**
 * The demo database ("a small shop", src/demo/) loads and reads back identically on every engine:
 * in-memory PGlite, a real PostgreSQL server and a real MariaDB/MySQL server. Each engine gets a fresh
 * database (`sluice_it_demo_fixture` on the servers, dropped afterwards), the statements from
 * `demoSchemaStatements` + `demoDataStatements` are sent one by one, and then every table is read back
 * in full and compared with `generateDemoData()`, after normalising the engine's representation
 * (timestamps/dates are formatted in SQL, JSON text parsed, 0/1 booleans coerced, bytes compared as hex).
 * Also checked: LIKE escaping of the `%`/`_` product names, order totals, the view, the routines, that
 * inserts without an id continue after the seeded ids, and that `demoDropStatements` removes everything.
 *
 * Unit-level: the generator is deterministic and the committed test/fixtures/demo/*.sql are current.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import mysql from 'mysql2/promise';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_IDS,
  ORDER_STATUSES,
  centsToDecimal,
  decimalToCents,
  generateDemoData,
  type DemoData,
} from '../../src/demo/demo-data.js';
import {
  DEMO_FIXTURE_COMMAND,
  DEMO_TABLES,
  demoDataStatements,
  demoDropStatements,
  demoSchemaStatements,
  demoSessionStatements,
  quoteString,
  renderDemoSqlFile,
  type DemoEngine,
  type DemoTable,
} from '../../src/demo/demo-sql.js';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL, shouldRunEngine } from '../support/servers.js';

const DATABASE = `sluice_it_demo_fixture_${process.pid}`;
const data = generateDemoData();

type DbRow = Record<string, unknown>;

/** What the shared checks need from an engine. */
interface Harness {
  readonly engine: DemoEngine;
  /** Runs one statement and returns its rows. */
  query(sql: string): Promise<DbRow[]>;
  /** Runs an INSERT of one row and returns the generated id as a string. */
  insertReturningId(sql: string): Promise<string>;
  /** Rows of `products_in_category(categoryId)` (a set-returning function or a procedure). */
  productsInCategory(categoryId: number): Promise<DbRow[]>;
}

// ---------------------------------------------------------------------------------------------
// Expected values derived from the generator

const TIMESTAMP_COLUMNS = new Set(['created_at', 'updated_at', 'placed_at', 'shipped_at']);
const DATE_COLUMNS = new Set(['birth_date', 'released_on']);

function sumCents(values: readonly string[]): number {
  return values.reduce((acc, v) => acc + decimalToCents(v), 0);
}

/** `customer_lifetime_value` / `customer_order_summary` as implied by the generated rows. */
function expectedSummary(customerId: number): { order_count: string; total_spent: string } {
  const orders = data.orders.filter((o) => o.customer_id === customerId && o.status !== 'cancelled');
  return { order_count: String(orders.length), total_spent: centsToDecimal(sumCents(orders.map((o) => o.total))) };
}

const SUMMARY_CUSTOMERS = [DEMO_IDS.customers.obrien, DEMO_IDS.customers.zoe, DEMO_IDS.customers.li, DEMO_IDS.customers.allNulls];

// ---------------------------------------------------------------------------------------------
// Normalising engine values to the generator's representation

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** Coerces an engine value to the shape of the generator's `expected` value. */
function normalise(actual: unknown, expected: unknown): unknown {
  if (actual === null || actual === undefined) return null;
  if (isBytes(actual)) return `hex:${Buffer.from(actual).toString('hex')}`;
  if (expected === null) return actual;
  if (typeof expected === 'boolean') return actual === true || actual === 1 || actual === '1';
  if (typeof expected === 'number') return Number(actual);
  if (typeof expected === 'string') return String(actual);
  if (typeof expected === 'object' && !isBytes(expected) && typeof actual === 'string') return JSON.parse(actual) as unknown;
  return actual;
}

function expectedValue(value: unknown): unknown {
  return isBytes(value) ? `hex:${Buffer.from(value).toString('hex')}` : value;
}

/** SELECT list that formats temporal columns like the generator does (UTC ISO, 6 fractional digits). */
function selectList(engine: DemoEngine, columns: readonly string[]): string {
  return columns
    .map((c) => {
      if (TIMESTAMP_COLUMNS.has(c)) {
        return engine === 'postgres'
          ? `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${c}`
          : `DATE_FORMAT(${c}, '%Y-%m-%dT%H:%i:%s.%fZ') AS ${c}`;
      }
      if (DATE_COLUMNS.has(c)) {
        return engine === 'postgres' ? `to_char(${c}, 'YYYY-MM-DD') AS ${c}` : `DATE_FORMAT(${c}, '%Y-%m-%d') AS ${c}`;
      }
      return c;
    })
    .join(', ');
}

const PRIMARY_KEYS: Record<DemoTable, string> = {
  categories: 'id',
  customers: 'id',
  products: 'id',
  tags: 'id',
  product_tags: 'product_id, tag_id',
  orders: 'id',
  order_items: 'order_id, product_id',
};

function rowsOf(table: DemoTable): ReadonlyArray<Record<string, unknown>> {
  return (data as unknown as Record<DemoTable, ReadonlyArray<Record<string, unknown>>>)[table];
}

async function readTable(h: Harness, table: DemoTable): Promise<{ actual: DbRow[]; expected: DbRow[] }> {
  const expectedRows = rowsOf(table);
  const first = expectedRows[0];
  if (!first) throw new Error(`no generated rows for ${table}`);
  const columns = Object.keys(first);
  const raw = await h.query(`SELECT ${selectList(h.engine, columns)} FROM ${table} ORDER BY ${PRIMARY_KEYS[table]}`);
  const actual = raw.map((row, i) => {
    const exp = expectedRows[i] ?? {};
    return Object.fromEntries(columns.map((c) => [c, normalise(row[c], exp[c])]));
  });
  const expected = expectedRows.map((row) => Object.fromEntries(columns.map((c) => [c, expectedValue(row[c])])));
  return { actual, expected };
}

/** Values the engines must agree on, collected per engine for the cross-engine comparison. */
const answers = new Map<string, unknown>();

// ---------------------------------------------------------------------------------------------
// The checks every engine runs

function defineChecks(label: string, harness: () => Harness): void {
  it('holds the generated number of rows in every table', async () => {
    const h = harness();
    const counts: Record<string, number> = {};
    for (const table of DEMO_TABLES) {
      const [row] = await h.query(`SELECT count(*) AS n FROM ${table}`);
      counts[table] = Number(row?.n);
    }
    expect(counts).toEqual(Object.fromEntries(DEMO_TABLES.map((t) => [t, rowsOf(t).length])));
  });

  it('reads every row of every table back exactly as generated', async () => {
    const h = harness();
    for (const table of DEMO_TABLES) {
      const { actual, expected } = await readTable(h, table);
      expect(actual.length, `${table} row count`).toBe(expected.length);
      const index = actual.findIndex((row, i) => !isDeepStrictEqual(row, expected[i]));
      if (index >= 0) expect(actual[index], `${table}: first differing row (#${index})`).toEqual(expected[index]);
    }
  });

  it('keeps the special rows: apostrophes, accents, CJK, bytes, JSON, arrays, backslashes, newlines', async () => {
    const h = harness();
    const byName = async (name: string): Promise<number[]> =>
      (await h.query(`SELECT id FROM customers WHERE full_name = ${quoteString(h.engine, name)}`)).map((r) => Number(r.id));
    expect(await byName("Patrick O'Brien")).toEqual([DEMO_IDS.customers.obrien]);
    expect(await byName('Zoë Lefèvre')).toEqual([DEMO_IDS.customers.zoe]);
    expect(await byName('李明')).toEqual([DEMO_IDS.customers.li]);

    const [obrien] = await h.query(`SELECT avatar, preferences, tags FROM customers WHERE id = ${DEMO_IDS.customers.obrien}`);
    const expectedObrien = data.customers[DEMO_IDS.customers.obrien - 1];
    expect(Buffer.from(obrien?.avatar as Uint8Array).toString('hex')).toBe('89504e470d0a1a0a00275cff');
    expect(normalise(obrien?.preferences, expectedObrien?.preferences)).toEqual(expectedObrien?.preferences);
    expect(normalise(obrien?.tags, [])).toEqual(['vip', 'early-adopter']);

    const [zoe] = await h.query(`SELECT preferences, tags FROM customers WHERE id = ${DEMO_IDS.customers.zoe}`);
    expect(normalise(zoe?.preferences, {})).toMatchObject({ nickname: 'Zoë "Zed" L.' });
    expect(normalise(zoe?.tags, [])).toEqual([]);
    const [tricky] = await h.query(`SELECT tags FROM customers WHERE id = ${DEMO_IDS.customers.trickyTags}`);
    expect(normalise(tricky?.tags, [])).toEqual(['big spender', 'north,west']);

    const [mug] = await h.query(`SELECT description FROM products WHERE id = ${DEMO_IDS.products.backslash}`);
    expect(mug?.description).toBe('Printed with the classic shrug: ¯\\_(ツ)_/¯');
    const [note] = await h.query(`SELECT notes FROM orders WHERE id = ${DEMO_IDS.orders.multilineNote}`);
    expect(note?.notes).toBe("Ring the bell twice.\nIf nobody's in, leave it in the porch.");
  });

  it('finds the % and _ product names only with escaped LIKE patterns', async () => {
    const h = harness();
    const ids = async (pattern: string, escape = true): Promise<number[]> =>
      (await h.query(`SELECT id FROM products WHERE name LIKE ${quoteString(h.engine, pattern)}${escape ? " ESCAPE '!'" : ''} ORDER BY id`)).map((r) =>
        Number(r.id),
      );
    expect(await ids('%!%%')).toEqual([DEMO_IDS.products.percent]);
    expect(await ids('%!_%')).toEqual([DEMO_IDS.products.underscore]);
    expect((await ids('%_%', false)).length).toBe(data.products.length);
    const [row] = await h.query(`SELECT name FROM products WHERE id = ${DEMO_IDS.products.percent}`);
    expect(row?.name).toBe('100% Merino Cycling Jersey');
  });

  it('has order totals that sum exactly and match their items', async () => {
    const h = harness();
    const text = h.engine === 'postgres' ? 'sum(total)::text' : 'CAST(SUM(total) AS CHAR)';
    const [row] = await h.query(`SELECT ${text} AS s FROM orders`);
    const expected = centsToDecimal(sumCents(data.orders.map((o) => o.total)));
    expect(String(row?.s)).toBe(expected);
    answers.set(`${label}:total`, String(row?.s));
    const [bad] = await h.query(
      `SELECT count(*) AS n FROM orders o WHERE o.total <> (SELECT coalesce(sum(i.quantity * i.unit_price - i.discount), 0) FROM order_items i WHERE i.order_id = o.id)`,
    );
    expect(Number(bad?.n)).toBe(0);
    const statuses = (await h.query('SELECT DISTINCT status FROM orders')).map((r) => String(r.status)).sort();
    expect(statuses).toEqual([...ORDER_STATUSES].sort());
  });

  it('answers the view and customer_lifetime_value as the data implies', async () => {
    const h = harness();
    const view = await h.query(
      `SELECT customer_id, full_name, order_count, total_spent FROM customer_order_summary WHERE customer_id IN (${SUMMARY_CUSTOMERS.join(', ')}) ORDER BY customer_id`,
    );
    const got = view.map((r) => ({
      customer_id: Number(r.customer_id),
      full_name: String(r.full_name),
      order_count: String(r.order_count),
      total_spent: String(r.total_spent),
    }));
    const want = SUMMARY_CUSTOMERS.map((id) => ({ customer_id: id, full_name: data.customers[id - 1]?.full_name, ...expectedSummary(id) }));
    expect(got).toEqual(want);

    const clv: string[] = [];
    for (const id of SUMMARY_CUSTOMERS) {
      const [row] = await h.query(`SELECT customer_lifetime_value(${id}) AS v`);
      clv.push(String(row?.v));
    }
    expect(clv).toEqual(want.map((w) => w.total_spent));

    const [all] = await h.query(
      `SELECT count(*) AS n, ${h.engine === 'postgres' ? 'sum(total_spent)::text' : 'CAST(SUM(total_spent) AS CHAR)'} AS s FROM customer_order_summary`,
    );
    const nonCancelled = data.orders.filter((o) => o.status !== 'cancelled').map((o) => o.total);
    expect({ n: Number(all?.n), s: String(all?.s) }).toEqual({ n: data.customers.length, s: centsToDecimal(sumCents(nonCancelled)) });
    answers.set(`${label}:summary`, { got, clv, all: String(all?.s) });
  });

  it('answers products_in_category', async () => {
    const h = harness();
    const cookware = (await h.productsInCategory(7)).map((r) => Number(r.id));
    expect(cookware).toEqual(data.products.filter((p) => p.category_id === 7).map((p) => p.id));
    expect(await h.productsInCategory(1)).toEqual([]);
    answers.set(`${label}:products_in_category`, cookware);
  });

  it('continues generated ids after the seeded ones and applies column defaults', async () => {
    const h = harness();
    const placedAt = h.engine === 'postgres' ? "'2025-06-01 12:00:00+00'" : "'2025-06-01 12:00:00'";
    expect(await h.insertReturningId("INSERT INTO categories (name, slug) VALUES ('IT Category', 'it-category')")).toBe(
      String(data.categories.length + 1),
    );
    expect(await h.insertReturningId("INSERT INTO customers (email, full_name) VALUES ('it.new@example.com', 'New Customer')")).toBe(
      String(data.customers.length + 1),
    );
    expect(
      await h.insertReturningId("INSERT INTO products (sku, name, category_id, price) VALUES ('IT-0001', 'New Product', 3, 1.50)"),
    ).toBe(String(data.products.length + 1));
    expect(await h.insertReturningId("INSERT INTO tags (name) VALUES ('it-tag')")).toBe(String(data.tags.length + 1));
    expect(await h.insertReturningId(`INSERT INTO orders (customer_id, placed_at) VALUES (1, ${placedAt})`)).toBe(
      String(data.orders.length + 1),
    );

    const [customer] = await h.query(
      `SELECT uuid, tier, marketing_opt_in, tags, created_at FROM customers WHERE id = ${data.customers.length + 1}`,
    );
    expect(String(customer?.uuid)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(customer?.tier).toBe('bronze');
    expect(normalise(customer?.marketing_opt_in, false)).toBe(false);
    expect(normalise(customer?.tags, [])).toEqual([]);
    expect(customer?.created_at).not.toBeNull();
    const [product] = await h.query(`SELECT attributes, is_active FROM products WHERE id = ${data.products.length + 1}`);
    expect(normalise(product?.attributes, {})).toEqual({});
    expect(normalise(product?.is_active, true)).toBe(true);
    const [order] = await h.query(`SELECT status, total FROM orders WHERE id = ${data.orders.length + 1}`);
    expect({ status: order?.status, total: String(order?.total) }).toEqual({ status: 'pending', total: '0.00' });
  });

  it('drops everything with demoDropStatements', async () => {
    const h = harness();
    for (const statement of demoDropStatements(h.engine)) await h.query(statement);
    if (h.engine === 'postgres') {
      const [objects] = await h.query(
        `SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace) AS rels,
                (SELECT count(*) FROM pg_type WHERE typnamespace = 'public'::regnamespace) AS types,
                (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace) AS procs`,
      );
      expect({ rels: Number(objects?.rels), types: Number(objects?.types), procs: Number(objects?.procs) }).toEqual({ rels: 0, types: 0, procs: 0 });
    } else {
      const [objects] = await h.query(
        `SELECT (SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()) AS rels,
                (SELECT count(*) FROM information_schema.routines WHERE routine_schema = DATABASE()) AS procs`,
      );
      expect({ rels: Number(objects?.rels), procs: Number(objects?.procs) }).toEqual({ rels: 0, procs: 0 });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Engines

const runPglite = await shouldRunEngine('pglite');
const runPostgres = await shouldRunEngine('postgres');
const runMariadb = await shouldRunEngine('mariadb');

function loadStatements(engine: DemoEngine): string[] {
  return [...demoSessionStatements(engine), ...demoSchemaStatements(engine), ...demoDataStatements(engine)];
}

describe.skipIf(!runPglite)('demo fixture on PGlite', () => {
  let db: PGlite | undefined;
  const harness = (): Harness => {
    if (!db) throw new Error('PGlite not started');
    const conn = db;
    return {
      engine: 'postgres',
      query: async (sql) => (await conn.query<DbRow>(sql)).rows,
      insertReturningId: async (sql) => String((await conn.query<DbRow>(`${sql} RETURNING id`)).rows[0]?.id),
      productsInCategory: async (id) => (await conn.query<DbRow>(`SELECT * FROM products_in_category(${id})`)).rows,
    };
  };

  beforeAll(async () => {
    db = new PGlite();
    for (const statement of loadStatements('postgres')) await db.exec(statement);
  });
  afterAll(async () => {
    await db?.close();
  });

  defineChecks('pglite', harness);

  it('also loads the committed postgres.sql fixture file as one script', async () => {
    const fresh = new PGlite();
    try {
      await fresh.exec(readFileSync(new URL('../fixtures/demo/postgres.sql', import.meta.url), 'utf8'));
      const [row] = (await fresh.query<DbRow>('SELECT count(*) AS n FROM order_items')).rows;
      expect(Number(row?.n)).toBe(data.order_items.length);
    } finally {
      await fresh.close();
    }
  });
});

describe.skipIf(!runPostgres)('demo fixture on PostgreSQL', () => {
  let client: pg.Client | undefined;
  const admin = (): pg.Client => new pg.Client({ connectionString: PG_ADMIN_URL });
  const harness = (): Harness => {
    if (!client) throw new Error('PostgreSQL not connected');
    const conn = client;
    return {
      engine: 'postgres',
      query: async (sql) => (await conn.query<DbRow>(sql)).rows,
      insertReturningId: async (sql) => String((await conn.query<DbRow>(`${sql} RETURNING id`)).rows[0]?.id),
      productsInCategory: async (id) => (await conn.query<DbRow>(`SELECT * FROM products_in_category(${id})`)).rows,
    };
  };

  beforeAll(async () => {
    const a = admin();
    await a.connect();
    try {
      await a.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
      await a.query(`CREATE DATABASE ${DATABASE} ENCODING 'UTF8' TEMPLATE template0`);
    } finally {
      await a.end();
    }
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${DATABASE}`;
    client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    for (const statement of loadStatements('postgres')) await client.query(statement);
  });
  afterAll(async () => {
    await client?.end();
    const a = admin();
    await a.connect();
    try {
      await a.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    } finally {
      await a.end();
    }
  });

  defineChecks('postgres', harness);
});

describe.skipIf(!runMariadb)('demo fixture on MariaDB/MySQL', () => {
  let conn: mysql.Connection | undefined;
  const url = new URL(MYSQL_ADMIN_URL);
  const options = (database?: string): mysql.ConnectionOptions => ({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database,
    multipleStatements: false,
    dateStrings: true,
    charset: 'utf8mb4_unicode_ci',
  });
  const harness = (): Harness => {
    if (!conn) throw new Error('MariaDB not connected');
    const c = conn;
    return {
      engine: 'mysql',
      query: async (sql) => {
        const [rows] = await c.query(sql);
        return Array.isArray(rows) ? (rows as RowDataPacket[]) : [];
      },
      insertReturningId: async (sql) => {
        const [result] = await c.query<ResultSetHeader>(sql);
        return String(result.insertId);
      },
      productsInCategory: async (id) => {
        // CALL answers [rows of the SELECT, status header].
        const [results] = await c.query<RowDataPacket[][]>(`CALL products_in_category(${id})`);
        return results[0] ?? [];
      },
    };
  };

  beforeAll(async () => {
    const admin = await mysql.createConnection(options());
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
      await admin.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await admin.end();
    }
    conn = await mysql.createConnection(options(DATABASE));
    // demoSessionStatements('mysql') sets time_zone; the reads below rely on it too.
    for (const statement of loadStatements('mysql')) await conn.query(statement);
    const [tz] = await conn.query<RowDataPacket[]>('SELECT @@session.time_zone AS tz');
    expect(tz[0]?.tz).toBe('+00:00');
  });
  afterAll(async () => {
    await conn?.end();
    const admin = await mysql.createConnection(options());
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    } finally {
      await admin.end();
    }
  });

  defineChecks('mariadb', harness);
});

describe('demo fixture: engines agree', () => {
  it('gives the same totals, summaries and routine answers on every engine that ran', (ctx) => {
    const engines = ['pglite', 'postgres', 'mariadb'].filter((e) => answers.has(`${e}:total`));
    if (engines.length < 2) ctx.skip();
    for (const key of ['total', 'summary', 'products_in_category']) {
      const values = engines.map((e) => answers.get(`${e}:${key}`));
      for (const value of values.slice(1)) expect(value, key).toEqual(values[0]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Unit-level: generator and committed fixture files

describe('demo data generator', () => {
  it('is deterministic', () => {
    expect(generateDemoData()).toEqual(generateDemoData());
    expect(demoDataStatements('mysql')).toEqual(demoDataStatements('mysql', generateDemoData()));
  });

  it('keeps its documented invariants', () => {
    const d: DemoData = generateDemoData();
    const itemCents = new Map<number, number>();
    for (const item of d.order_items) {
      itemCents.set(item.order_id, (itemCents.get(item.order_id) ?? 0) + item.quantity * decimalToCents(item.unit_price) - decimalToCents(item.discount));
    }
    for (const order of d.orders) expect(decimalToCents(order.total), `order ${order.id}`).toBe(itemCents.get(order.id) ?? 0);
    const buyers = new Set(d.orders.map((o) => o.customer_id));
    expect(buyers.has(DEMO_IDS.customers.allNulls)).toBe(false);
    expect(buyers.has(DEMO_IDS.customers.noOrdersTo)).toBe(false);
    const ordered = new Set(d.order_items.map((i) => i.product_id));
    expect(ordered.has(DEMO_IDS.products.neverOrderedFrom)).toBe(false);
    for (const p of d.products) if (p.weight_kg !== null) expect(Number.isInteger(p.weight_kg * 4), `product ${p.id} weight`).toBe(true);
    expect(new Set(d.orders.map((o) => o.status)).size).toBe(ORDER_STATUSES.length);
  });

  for (const engine of ['postgres', 'mysql'] as const) {
    it(`test/fixtures/demo/${engine}.sql matches the generator`, () => {
      const path = new URL(`../fixtures/demo/${engine}.sql`, import.meta.url);
      let committed: string | undefined;
      try {
        committed = readFileSync(path, 'utf8').replace(/\r\n/g, '\n');
      } catch {
        committed = undefined;
      }
      const current = committed === renderDemoSqlFile(engine);
      expect(current, `test/fixtures/demo/${engine}.sql is missing or out of date: run \`${DEMO_FIXTURE_COMMAND}\` and commit the result`).toBe(true);
    });
  }
});
