/**
 * The benchmark's baseline: the least a Node.js gateway can do to answer the REST workloads —
 * `node:http`, one driver pool (`pg` or `mysql2`), hand-written SQL per endpoint and
 * `JSON.stringify`. No framework, no authentication, no query parsing beyond what each endpoint
 * needs, no general codecs: each endpoint knows its columns and converts only those that need it.
 * It answers with the same JSON as Sluice (same values, same envelopes), so both do the same
 * serialisation work; the smoke test (test/integration/bench-workloads.test.ts) checks that.
 *
 * Endpoints (fixed shapes; see bench/workloads.ts for what Sluice is asked for the same data):
 *   GET  /products?limit=N           first N products by id             {"resource": [...], "meta": {...}}
 *   GET  /customers/{id}             one customer                       the row
 *   GET  /customers/{id}/orders?limit=N  the customer's latest N orders (by id)
 *   GET  /orders/recent-paid         50 paid/shipped orders ≥ 100.00, newest first
 *   GET  /authors/tree?limit=N       first N authors, each with its posts, each with its comments
 *   POST /events                     {"resource": [{name, amount, payload}, ...]} → the created rows (201)
 * Every answer carries `X-Bench-Statements`: the SQL statements it ran.
 */
import http from 'node:http';
import mysql from 'mysql2/promise';
import pg from 'pg';

export type BaselineEngine = 'postgres' | 'mariadb';

export interface BaselineOptions {
  readonly engine: BaselineEngine;
  /** The database to serve (postgres:// or mysql:// URL). */
  readonly url: string;
  readonly port: number;
  readonly host?: string;
  readonly poolSize: number;
}

export interface RunningBaseline {
  readonly url: string;
  close(): Promise<void>;
}

type Row = Record<string, unknown>;
type Query = (sql: string, params: readonly unknown[]) => Promise<Row[]>;

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** The endpoints, over one engine's `query`. `count` is bumped once per statement. */
interface Backend {
  products(query: Query, limit: number): Promise<Row[]>;
  customer(query: Query, id: number): Promise<Row | undefined>;
  customerOrders(query: Query, customerId: number, limit: number): Promise<Row[]>;
  recentPaidOrders(query: Query): Promise<Row[]>;
  /** Authors → posts → comments: one statement per level, children grouped in JS. */
  authorTree(query: Query, limit: number): Promise<Row[]>;
  insertEvents(query: Query, records: readonly EventRecord[]): Promise<Row[]>;
  run(sql: string, params: readonly unknown[]): Promise<Row[]>;
  end(): Promise<void>;
}

interface EventRecord {
  readonly name: string;
  readonly amount: string | number;
  readonly payload: unknown;
}

const PRODUCT_COLUMNS = 'id, sku, name, description, category_id, price, weight_kg, is_active, attributes, released_on, updated_at';
const CUSTOMER_COLUMNS = 'id, uuid, email, full_name, tier, marketing_opt_in, preferences, tags, birth_date, avatar, created_at';
const ORDER_COLUMNS = 'id, customer_id, status, placed_at, shipped_at, total, shipping_address, notes';
const AUTHOR_COLUMNS = 'id, name, email, joined_at';
const POST_COLUMNS = 'id, author_id, title, body, score, published_at';
const COMMENT_COLUMNS = 'id, post_id, commenter, body, likes, created_at';
const EVENT_COLUMNS = 'id, name, amount, payload, created_at';

/** Groups `children` under each parent's `name`, by `parentKey` → parent `id` (children arrive in order). */
function nest(parents: Row[], children: readonly Row[], parentKey: string, name: string): Row[] {
  const byParent = new Map<unknown, Row[]>();
  for (const parent of parents) {
    const list: Row[] = [];
    byParent.set(parent.id, list);
    parent[name] = list;
  }
  for (const child of children) byParent.get(child[parentKey])?.push(child);
  return parents;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: sessions in UTC; timestamptz as ISO text, date as text, bytea as base64 — the rest
// as `pg` parses it by default (int8 and numeric are already strings).

/** `2024-01-02 03:04:05.123456+00` (TimeZone=UTC) → `2024-01-02T03:04:05.123456Z`. */
function isoFromPgUtc(text: string): string {
  return `${text.slice(0, 10)}T${text.slice(11, -3)}Z`;
}

const PG_PARSERS = new Map<number, (text: string) => unknown>([
  [1184, isoFromPgUtc], // timestamptz
  [1082, (text) => text], // date
  [17, (text) => Buffer.from(text.slice(2), 'hex').toString('base64')], // bytea (hex output)
]);

function postgresBackend(url: string, poolSize: number): Backend {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    options: '-c TimeZone=UTC',
    types: {
      getTypeParser: ((oid: number, format?: string) => PG_PARSERS.get(oid) ?? pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
    },
  });
  pool.on('error', () => undefined); // an idle connection dropped: the pool replaces it
  return {
    products: (query, limit) => query(`SELECT ${PRODUCT_COLUMNS} FROM products ORDER BY id LIMIT $1`, [limit]),
    customer: async (query, id) => (await query(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = $1`, [id]))[0],
    customerOrders: (query, customerId, limit) => query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE customer_id = $1 ORDER BY id DESC LIMIT $2`, [customerId, limit]),
    recentPaidOrders: (query) =>
      query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE status IN ('paid', 'shipped') AND total >= $1 ORDER BY placed_at DESC, id LIMIT 50`, ['100']),
    authorTree: async (query, limit) => {
      const authors = await query(`SELECT ${AUTHOR_COLUMNS} FROM bench_authors ORDER BY id LIMIT $1`, [limit]);
      const posts = await query(`SELECT ${POST_COLUMNS} FROM bench_posts WHERE author_id = ANY($1) ORDER BY author_id, id`, [authors.map((a) => a.id)]);
      const comments = await query(`SELECT ${COMMENT_COLUMNS} FROM bench_comments WHERE post_id = ANY($1) ORDER BY post_id, id`, [posts.map((p) => p.id)]);
      nest(posts, comments, 'post_id', 'bench_comments');
      return nest(authors, posts, 'author_id', 'bench_posts');
    },
    insertEvents: (query, records) => {
      const params: unknown[] = [];
      const values = records.map((r) => {
        params.push(r.name, r.amount, r.payload === undefined ? null : JSON.stringify(r.payload));
        const n = params.length;
        return `($${n - 2}, $${n - 1}, $${n})`;
      });
      return query(`INSERT INTO bench_events (name, amount, payload) VALUES ${values.join(', ')} RETURNING ${EVENT_COLUMNS}`, params);
    },
    run: async (sql, params) => (await pool.query(sql, params as unknown[])).rows as Row[],
    end: () => pool.end(),
  };
}

// ---------------------------------------------------------------------------------------------
// MariaDB: sessions at +00:00, BIGINT/DECIMAL/dates as strings; per endpoint, TINYINT(1) → boolean,
// TIMESTAMP → ISO with Z, JSON (LONGTEXT on MariaDB) parsed, BLOB → base64.

/** `2024-01-02 03:04:05.120000` → `2024-01-02T03:04:05.12Z` (fraction without trailing zeros, as Sluice writes it). */
function isoFromMysqlUtc(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  let time = value.slice(11);
  if (time.includes('.')) time = time.replace(/0+$/, '').replace(/\.$/, '');
  return `${value.slice(0, 10)}T${time}Z`;
}

/** JSON columns arrive as text, unless the server flags them as JSON and mysql2 parses them. */
function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function bool(value: unknown): unknown {
  return value === null ? null : value === 1 || value === '1' || value === true;
}

function fixOrders(rows: Row[]): Row[] {
  for (const row of rows) {
    row.placed_at = isoFromMysqlUtc(row.placed_at);
    row.shipped_at = isoFromMysqlUtc(row.shipped_at);
    row.shipping_address = json(row.shipping_address);
  }
  return rows;
}

function mariadbBackend(url: string, poolSize: number): Backend {
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: poolSize,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4',
  });
  pool.pool.on('connection', (connection) => {
    connection.query(`SET SESSION time_zone = '+00:00'`, () => undefined);
  });
  const inList = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  return {
    products: async (query, limit) => {
      const rows = await query(`SELECT ${PRODUCT_COLUMNS} FROM products ORDER BY id LIMIT ?`, [limit]);
      for (const row of rows) {
        row.is_active = bool(row.is_active);
        row.attributes = json(row.attributes);
        row.updated_at = isoFromMysqlUtc(row.updated_at);
      }
      return rows;
    },
    customer: async (query, id) => {
      const row = (await query(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = ?`, [id]))[0];
      if (!row) return undefined;
      row.marketing_opt_in = bool(row.marketing_opt_in);
      row.preferences = json(row.preferences);
      row.tags = json(row.tags);
      row.avatar = Buffer.isBuffer(row.avatar) ? row.avatar.toString('base64') : row.avatar;
      row.created_at = isoFromMysqlUtc(row.created_at);
      return row;
    },
    customerOrders: async (query, customerId, limit) => fixOrders(await query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE customer_id = ? ORDER BY id DESC LIMIT ?`, [customerId, limit])),
    recentPaidOrders: async (query) =>
      fixOrders(await query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE status IN ('paid', 'shipped') AND total >= ? ORDER BY placed_at DESC, id LIMIT 50`, ['100'])),
    authorTree: async (query, limit) => {
      const authors = await query(`SELECT ${AUTHOR_COLUMNS} FROM bench_authors ORDER BY id LIMIT ?`, [limit]);
      for (const row of authors) row.joined_at = isoFromMysqlUtc(row.joined_at);
      if (authors.length === 0) return authors;
      const posts = await query(`SELECT ${POST_COLUMNS} FROM bench_posts WHERE author_id IN (${inList(authors.length)}) ORDER BY author_id, id`, authors.map((a) => a.id));
      for (const row of posts) row.published_at = isoFromMysqlUtc(row.published_at);
      const comments =
        posts.length === 0 ? [] : await query(`SELECT ${COMMENT_COLUMNS} FROM bench_comments WHERE post_id IN (${inList(posts.length)}) ORDER BY post_id, id`, posts.map((p) => p.id));
      for (const row of comments) row.created_at = isoFromMysqlUtc(row.created_at);
      nest(posts, comments, 'post_id', 'bench_comments');
      return nest(authors, posts, 'author_id', 'bench_posts');
    },
    insertEvents: async (query, records) => {
      const params: unknown[] = [];
      for (const r of records) params.push(r.name, r.amount, r.payload === undefined ? null : JSON.stringify(r.payload));
      const rows = await query(`INSERT INTO bench_events (name, amount, payload) VALUES ${records.map(() => '(?, ?, ?)').join(', ')} RETURNING ${EVENT_COLUMNS}`, params);
      for (const row of rows) {
        row.payload = json(row.payload);
        row.created_at = isoFromMysqlUtc(row.created_at);
      }
      return rows;
    },
    run: async (sql, params) => (await pool.execute(sql, params as never[]))[0] as Row[],
    end: () => pool.end(),
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function limitOf(search: URLSearchParams, fallback: number): number {
  const value = Number(search.get('limit') ?? fallback);
  return Number.isInteger(value) && value >= 0 && value <= 1000 ? value : fallback;
}

const list = (rows: Row[], limit?: number): unknown => ({ resource: rows, meta: { count: rows.length, ...(limit !== undefined ? { limit, offset: 0 } : {}) } });

async function route(backend: Backend, query: Query, req: http.IncomingMessage): Promise<Answer> {
  const url = new URL(req.url ?? '/', 'http://baseline');
  const path = url.pathname;
  if (req.method === 'GET') {
    if (path === '/healthz') return { status: 200, body: { status: 'ok' } };
    if (path === '/products') {
      const limit = limitOf(url.searchParams, 25);
      return { status: 200, body: list(await backend.products(query, limit), limit) };
    }
    const customerOrders = /^\/customers\/(\d+)\/orders$/.exec(path);
    if (customerOrders) {
      const limit = limitOf(url.searchParams, 25);
      return { status: 200, body: list(await backend.customerOrders(query, Number(customerOrders[1]), limit), limit) };
    }
    if (path.startsWith('/customers/')) {
      const id = Number(path.slice('/customers/'.length));
      if (!Number.isInteger(id)) return { status: 400, body: { error: 'bad id' } };
      const row = await backend.customer(query, id);
      return row ? { status: 200, body: row } : { status: 404, body: { error: 'not found' } };
    }
    if (path === '/orders/recent-paid') return { status: 200, body: list(await backend.recentPaidOrders(query), 50) };
    if (path === '/authors/tree') {
      const limit = limitOf(url.searchParams, 20);
      return { status: 200, body: list(await backend.authorTree(query, limit), limit) };
    }
  }
  if (req.method === 'POST' && path === '/events') {
    const body = JSON.parse(await readBody(req)) as { resource?: EventRecord[] };
    if (!Array.isArray(body.resource) || body.resource.length === 0) return { status: 400, body: { error: 'expected {"resource": [...]}' } };
    return { status: 201, body: list(await backend.insertEvents(query, body.resource)) };
  }
  return { status: 404, body: { error: 'no such endpoint' } };
}

export async function startBaseline(options: BaselineOptions): Promise<RunningBaseline> {
  const backend = options.engine === 'postgres' ? postgresBackend(options.url, options.poolSize) : mariadbBackend(options.url, options.poolSize);
  const server = http.createServer((req, res) => {
    let statements = 0;
    const query: Query = (sql, params) => {
      statements++;
      return backend.run(sql, params);
    };
    route(backend, query, req).then(
      (answer) => {
        const text = JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-bench-statements': String(statements) });
        res.end(text);
      },
      (error: unknown) => {
        const text = JSON.stringify({ error: error instanceof Error ? error.message : String(error) });
        res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await backend.end();
    },
  };
}
