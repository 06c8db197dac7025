/**
 * SQL for Sluice's demo database, "a small shop", in a PostgreSQL variant (also used for embedded
 * PGlite) and a MySQL/MariaDB variant with the same table, column, constraint and index names.
 *
 * This module owns the DDL (`demoSchemaStatements`), the data as INSERT statements built from
 * `generateDemoData()` (`demoDataStatements`), the teardown (`demoDropStatements`), the session
 * settings the MySQL data assumes (`demoSessionStatements`) and the text of the committed fixture
 * files (`renderDemoSqlFile`, written by `npx tsx scripts/write-demo-fixtures.ts`).
 * Every array entry is exactly one SQL statement without a trailing semicolon and without
 * DELIMITER tricks, so a driver can send it as is.
 *
 * Type choices (PostgreSQL → MySQL/MariaDB):
 * - `serial` / identity `integer` → `INT AUTO_INCREMENT`; identity `bigint` (orders.id) → `BIGINT AUTO_INCREMENT`;
 * - `uuid DEFAULT gen_random_uuid()` → `CHAR(36) DEFAULT (uuid())`;
 * - enum types `customer_tier` / `order_status` → inline `ENUM(...)` columns (MySQL has no named enum types);
 * - `boolean` → `BOOLEAN` (= `TINYINT(1)`, reads back as 0/1);
 * - `jsonb` → `JSON` (MariaDB: `LONGTEXT` plus an automatic `json_valid` CHECK; reads back as text);
 * - `text[]` (customers.tags) → `JSON` holding an array of strings, `DEFAULT (json_array())`;
 * - `bytea` → `BLOB`; `text` → `TEXT`; `varchar(n)` → `VARCHAR(n)`; `date` → `DATE`;
 * - `numeric(p,s)` → `DECIMAL(p,s)`;
 * - `real` (products.weight_kg) → `FLOAT` (both single precision; the data only holds multiples of
 *   0.25, which are exact, so values read back identically);
 * - `timestamptz` → `TIMESTAMP(6)` (stored as UTC, shown in the session time zone: the MySQL data
 *   literals are UTC wall-clock values, so run `demoSessionStatements('mysql')` first).
 * Tables on MySQL are InnoDB, `utf8mb4` / `utf8mb4_unicode_ci`. Foreign keys spell out both ON
 * DELETE and ON UPDATE so both engines report the same rules. Every foreign-key column has an index
 * of its own (MySQL would otherwise create one named after the constraint), so both engines have the
 * same index names; primary keys are `<table>_pkey` on PostgreSQL and `PRIMARY` on MySQL.
 */
import {
  CUSTOMER_TIERS,
  ORDER_STATUSES,
  generateDemoData,
  type DemoData,
  type DemoJson,
} from './demo-data.js';

/** The SQL dialect family a statement list is written for. PGlite uses `'postgres'`. */
export type DemoEngine = 'postgres' | 'mysql';

/** The demo's tables in dependency order (referenced tables before referencing ones). */
export const DEMO_TABLES = ['categories', 'customers', 'products', 'tags', 'product_tags', 'orders', 'order_items'] as const satisfies ReadonlyArray<keyof DemoData>;
export type DemoTable = (typeof DEMO_TABLES)[number];

/** Tables whose `id` is generated (serial / identity / AUTO_INCREMENT). */
export const DEMO_TABLES_WITH_GENERATED_ID = ['categories', 'customers', 'products', 'tags', 'orders'] as const satisfies ReadonlyArray<DemoTable>;

/** The view and routines the schema creates. */
export const DEMO_VIEWS = ['customer_order_summary'] as const;
export const DEMO_FUNCTIONS = ['customer_lifetime_value', 'products_in_category'] as const;

/** Rows per multi-row INSERT. */
const INSERT_BATCH = 500;

// ---------------------------------------------------------------------------------------------
// Literals

/** A value the demo rows contain. */
export type DemoSqlValue = string | number | boolean | null | Uint8Array | DemoJson;

/** How a value must be written: the column kinds that need more than a plain string/number. */
type ColumnKind = 'plain' | 'json' | 'textArray' | 'bytes' | 'timestamp';

/** Quotes a string literal. PostgreSQL: `'` doubled (standard_conforming_strings). MySQL: `\` doubled too. */
export function quoteString(engine: DemoEngine, value: string): string {
  const escaped = engine === 'mysql' ? value.replace(/\\/g, '\\\\').replace(/'/g, "''") : value.replace(/'/g, "''");
  return `'${escaped}'`;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** ISO `YYYY-MM-DDTHH:MM:SS.ffffffZ` → a timestamp literal (PostgreSQL keeps the `+00` offset). */
function timestampLiteral(engine: DemoEngine, iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)Z$/.exec(iso);
  if (!match) throw new Error(`not a UTC ISO timestamp: ${iso}`);
  return engine === 'postgres' ? `'${match[1]} ${match[2]}+00'` : `'${match[1]} ${match[2]}'`;
}

/**
 * Renders one value as an SQL literal for `engine`: NULL; true/false; numbers as written;
 * strings quoted by `quoteString`; bytes as `'\x..'::bytea` / `X'..'`; JSON as a quoted string
 * (`::jsonb` on PostgreSQL); string arrays as `ARRAY[...]::text[]` / JSON text.
 */
export function sqlLiteral(engine: DemoEngine, value: DemoSqlValue, kind: ColumnKind = 'plain'): string {
  if (value === null) return 'NULL';
  switch (kind) {
    case 'json': {
      const text = quoteString(engine, JSON.stringify(value));
      return engine === 'postgres' ? `${text}::jsonb` : text;
    }
    case 'textArray': {
      if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) throw new Error('expected a string array');
      if (engine === 'mysql') return quoteString(engine, JSON.stringify(value));
      return value.length === 0 ? `'{}'::text[]` : `ARRAY[${value.map((v) => quoteString(engine, v)).join(', ')}]::text[]`;
    }
    case 'bytes': {
      if (!(value instanceof Uint8Array)) throw new Error('expected bytes');
      return engine === 'postgres' ? `'\\x${hex(value)}'::bytea` : `X'${hex(value)}'`;
    }
    case 'timestamp':
      if (typeof value !== 'string') throw new Error('expected an ISO timestamp string');
      return timestampLiteral(engine, value);
    case 'plain':
      break;
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`non-finite number ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return quoteString(engine, value);
  throw new Error(`no literal form for ${typeof value} in a plain column`);
}

// ---------------------------------------------------------------------------------------------
// Column layout of the INSERTs

type ColumnSpec<R> = ReadonlyArray<readonly [column: keyof R & string, kind: ColumnKind]>;

/** Columns written per table, in table order, with how their values are rendered. */
const INSERT_COLUMNS: { [T in DemoTable]: ColumnSpec<DemoData[T][number]> } = {
  categories: [['id', 'plain'], ['parent_id', 'plain'], ['name', 'plain'], ['slug', 'plain'], ['description', 'plain']],
  customers: [
    ['id', 'plain'], ['uuid', 'plain'], ['email', 'plain'], ['full_name', 'plain'], ['tier', 'plain'],
    ['marketing_opt_in', 'plain'], ['preferences', 'json'], ['tags', 'textArray'], ['birth_date', 'plain'],
    ['avatar', 'bytes'], ['created_at', 'timestamp'],
  ],
  products: [
    ['id', 'plain'], ['sku', 'plain'], ['name', 'plain'], ['description', 'plain'], ['category_id', 'plain'],
    ['price', 'plain'], ['weight_kg', 'plain'], ['is_active', 'plain'], ['attributes', 'json'],
    ['released_on', 'plain'], ['updated_at', 'timestamp'],
  ],
  tags: [['id', 'plain'], ['name', 'plain']],
  product_tags: [['product_id', 'plain'], ['tag_id', 'plain']],
  orders: [
    ['id', 'plain'], ['customer_id', 'plain'], ['status', 'plain'], ['placed_at', 'timestamp'],
    ['shipped_at', 'timestamp'], ['total', 'plain'], ['shipping_address', 'json'], ['notes', 'plain'],
  ],
  order_items: [['order_id', 'plain'], ['product_id', 'plain'], ['quantity', 'plain'], ['unit_price', 'plain'], ['discount', 'plain']],
};

/** Columns holding decimal strings: written unquoted so they stay exact numeric literals. */
const DECIMAL_COLUMNS = new Set(['price', 'total', 'unit_price', 'discount']);

function rowLiteral<R extends object>(engine: DemoEngine, row: R, columns: ColumnSpec<R>): string {
  const values = columns.map(([column, kind]) => {
    const value = row[column] as DemoSqlValue;
    if (DECIMAL_COLUMNS.has(column) && typeof value === 'string') {
      if (!/^-?\d+(\.\d+)?$/.test(value)) throw new Error(`bad decimal in ${column}: ${value}`);
      return value;
    }
    return sqlLiteral(engine, value, kind);
  });
  return `(${values.join(', ')})`;
}

function insertStatements<T extends DemoTable>(engine: DemoEngine, table: T, rows: ReadonlyArray<DemoData[T][number]>): string[] {
  const columns = INSERT_COLUMNS[table] as ColumnSpec<DemoData[T][number]>;
  const head = `INSERT INTO ${table} (${columns.map(([c]) => c).join(', ')}) VALUES`;
  const out: string[] = [];
  for (let start = 0; start < rows.length; start += INSERT_BATCH) {
    const batch = rows.slice(start, start + INSERT_BATCH).map((row) => rowLiteral(engine, row, columns));
    out.push(`${head}\n${batch.join(',\n')}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Comments (identical text on both engines)

const TABLE_COMMENTS: Partial<Record<DemoTable, string>> = {
  categories: 'Product categories, a tree through parent_id (roots have parent_id NULL).',
  customers: 'People who can place orders.',
  products: 'Items for sale.',
  product_tags: 'Many-to-many link between products and tags.',
  orders: "Customer orders; total is the sum of the items' quantity * unit_price - discount.",
  order_items: 'Lines of an order.',
};

const COLUMN_COMMENTS: Partial<Record<DemoTable, Record<string, string>>> = {
  categories: { parent_id: 'Parent category; NULL for a root category.' },
  customers: {
    tier: 'Loyalty tier.',
    tags: 'Free-form labels: an array of strings.',
    avatar: 'Small profile image bytes, if uploaded.',
  },
  products: {
    sku: 'Stock keeping unit, unique.',
    price: 'Unit price in EUR.',
    weight_kg: 'Shipping weight in kilograms (multiples of 0.25).',
  },
  orders: { id: 'bigint on purpose: the API returns it as a string.', total: 'Order total in EUR.' },
  order_items: { discount: 'Absolute discount on the line, not a percentage.' },
};

const FUNCTION_COMMENTS = {
  customer_lifetime_value: "Sum of the customer's non-cancelled order totals (0.00 without orders).",
  products_in_category: 'Products whose category_id is the given category (no descendants).',
} as const;

function mysqlColumnComment(table: DemoTable, column: string): string {
  const text = COLUMN_COMMENTS[table]?.[column];
  return text === undefined ? '' : ` COMMENT ${quoteString('mysql', text)}`;
}

function mysqlTableOptions(table: DemoTable): string {
  const text = TABLE_COMMENTS[table];
  const comment = text === undefined ? '' : ` COMMENT=${quoteString('mysql', text)}`;
  return `ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci${comment}`;
}

function postgresCommentStatements(): string[] {
  const out: string[] = [];
  for (const table of DEMO_TABLES) {
    const tableComment = TABLE_COMMENTS[table];
    if (tableComment !== undefined) out.push(`COMMENT ON TABLE ${table} IS ${quoteString('postgres', tableComment)}`);
    for (const [column, text] of Object.entries(COLUMN_COMMENTS[table] ?? {})) {
      out.push(`COMMENT ON COLUMN ${table}.${column} IS ${quoteString('postgres', text)}`);
    }
  }
  out.push(`COMMENT ON FUNCTION customer_lifetime_value(integer) IS ${quoteString('postgres', FUNCTION_COMMENTS.customer_lifetime_value)}`);
  out.push(`COMMENT ON FUNCTION products_in_category(integer) IS ${quoteString('postgres', FUNCTION_COMMENTS.products_in_category)}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Schema

const enumList = (labels: readonly string[]): string => labels.map((l) => `'${l}'`).join(', ');

function postgresSchema(): string[] {
  return [
    `CREATE TYPE customer_tier AS ENUM (${enumList(CUSTOMER_TIERS)})`,
    `CREATE TYPE order_status AS ENUM (${enumList(ORDER_STATUSES)})`,
    `CREATE TABLE categories (
  id serial,
  parent_id integer NULL,
  name varchar(100) NOT NULL,
  slug varchar(100) NOT NULL,
  description text NULL,
  CONSTRAINT categories_pkey PRIMARY KEY (id),
  CONSTRAINT categories_slug_key UNIQUE (slug),
  CONSTRAINT categories_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES categories (id) ON DELETE SET NULL ON UPDATE NO ACTION
)`,
    `CREATE INDEX categories_parent_id_idx ON categories (parent_id)`,
    `CREATE TABLE customers (
  id integer GENERATED BY DEFAULT AS IDENTITY,
  uuid uuid NOT NULL DEFAULT gen_random_uuid(),
  email varchar(255) NOT NULL,
  full_name varchar(200) NOT NULL,
  tier customer_tier NOT NULL DEFAULT 'bronze',
  marketing_opt_in boolean NOT NULL DEFAULT false,
  preferences jsonb NULL,
  tags text[] NOT NULL DEFAULT '{}',
  birth_date date NULL,
  avatar bytea NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT customers_pkey PRIMARY KEY (id),
  CONSTRAINT customers_uuid_key UNIQUE (uuid),
  CONSTRAINT customers_email_key UNIQUE (email)
)`,
    `CREATE TABLE products (
  id serial,
  sku varchar(32) NOT NULL,
  name varchar(200) NOT NULL,
  description text NULL,
  category_id integer NOT NULL,
  price numeric(10,2) NOT NULL,
  weight_kg real NULL,
  is_active boolean NOT NULL DEFAULT true,
  attributes jsonb NOT NULL DEFAULT '{}',
  released_on date NULL,
  updated_at timestamptz NULL,
  CONSTRAINT products_pkey PRIMARY KEY (id),
  CONSTRAINT products_sku_key UNIQUE (sku),
  CONSTRAINT products_category_id_fkey FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE RESTRICT ON UPDATE NO ACTION,
  CONSTRAINT products_price_check CHECK (price >= 0)
)`,
    `CREATE INDEX products_category_id_idx ON products (category_id)`,
    `CREATE TABLE tags (
  id serial,
  name varchar(50) NOT NULL,
  CONSTRAINT tags_pkey PRIMARY KEY (id),
  CONSTRAINT tags_name_key UNIQUE (name)
)`,
    `CREATE TABLE product_tags (
  product_id integer NOT NULL,
  tag_id integer NOT NULL,
  CONSTRAINT product_tags_pkey PRIMARY KEY (product_id, tag_id),
  CONSTRAINT product_tags_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE ON UPDATE NO ACTION,
  CONSTRAINT product_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE ON UPDATE NO ACTION
)`,
    `CREATE INDEX product_tags_tag_id_idx ON product_tags (tag_id)`,
    `CREATE TABLE orders (
  id bigint GENERATED BY DEFAULT AS IDENTITY,
  customer_id integer NOT NULL,
  status order_status NOT NULL DEFAULT 'pending',
  placed_at timestamptz NOT NULL,
  shipped_at timestamptz NULL,
  total numeric(12,2) NOT NULL DEFAULT 0,
  shipping_address jsonb NULL,
  notes text NULL,
  CONSTRAINT orders_pkey PRIMARY KEY (id),
  CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT ON UPDATE NO ACTION
)`,
    `CREATE INDEX orders_customer_id_idx ON orders (customer_id)`,
    `CREATE INDEX orders_status_placed_at_idx ON orders (status, placed_at)`,
    `CREATE TABLE order_items (
  order_id bigint NOT NULL,
  product_id integer NOT NULL,
  quantity integer NOT NULL,
  unit_price numeric(10,2) NOT NULL,
  discount numeric(5,2) NOT NULL DEFAULT 0,
  CONSTRAINT order_items_pkey PRIMARY KEY (order_id, product_id),
  CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE ON UPDATE NO ACTION,
  CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT ON UPDATE NO ACTION,
  CONSTRAINT order_items_quantity_check CHECK (quantity > 0)
)`,
    `CREATE INDEX order_items_product_id_idx ON order_items (product_id)`,
    `CREATE VIEW customer_order_summary AS
SELECT c.id AS customer_id,
       c.full_name,
       count(o.id) AS order_count,
       CAST(coalesce(sum(o.total), 0) AS numeric(14,2)) AS total_spent
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
GROUP BY c.id, c.full_name`,
    `CREATE FUNCTION customer_lifetime_value(p_customer_id integer) RETURNS numeric
LANGUAGE sql STABLE
AS $$
  SELECT CAST(coalesce(sum(o.total), 0) AS numeric(12,2))
  FROM orders o
  WHERE o.customer_id = p_customer_id AND o.status <> 'cancelled'
$$`,
    `CREATE FUNCTION products_in_category(p_category_id integer) RETURNS SETOF products
LANGUAGE sql STABLE
AS $$
  SELECT * FROM products WHERE category_id = p_category_id ORDER BY id
$$`,
    ...postgresCommentStatements(),
  ];
}

function mysqlSchema(): string[] {
  const c = mysqlColumnComment;
  return [
    `CREATE TABLE categories (
  id INT NOT NULL AUTO_INCREMENT,
  parent_id INT NULL${c('categories', 'parent_id')},
  name VARCHAR(100) NOT NULL,
  slug VARCHAR(100) NOT NULL,
  description TEXT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY categories_slug_key (slug),
  KEY categories_parent_id_idx (parent_id),
  CONSTRAINT categories_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES categories (id) ON DELETE SET NULL ON UPDATE NO ACTION
) ${mysqlTableOptions('categories')}`,
    `CREATE TABLE customers (
  id INT NOT NULL AUTO_INCREMENT,
  uuid CHAR(36) NOT NULL DEFAULT (uuid()),
  email VARCHAR(255) NOT NULL,
  full_name VARCHAR(200) NOT NULL,
  tier ENUM(${enumList(CUSTOMER_TIERS)}) NOT NULL DEFAULT 'bronze'${c('customers', 'tier')},
  marketing_opt_in BOOLEAN NOT NULL DEFAULT FALSE,
  preferences JSON NULL,
  tags JSON NOT NULL DEFAULT (json_array())${c('customers', 'tags')},
  birth_date DATE NULL,
  avatar BLOB NULL${c('customers', 'avatar')},
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY customers_uuid_key (uuid),
  UNIQUE KEY customers_email_key (email)
) ${mysqlTableOptions('customers')}`,
    `CREATE TABLE products (
  id INT NOT NULL AUTO_INCREMENT,
  sku VARCHAR(32) NOT NULL${c('products', 'sku')},
  name VARCHAR(200) NOT NULL,
  description TEXT NULL,
  category_id INT NOT NULL,
  price DECIMAL(10,2) NOT NULL${c('products', 'price')},
  weight_kg FLOAT NULL${c('products', 'weight_kg')},
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  attributes JSON NOT NULL DEFAULT (json_object()),
  released_on DATE NULL,
  updated_at TIMESTAMP(6) NULL DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY products_sku_key (sku),
  KEY products_category_id_idx (category_id),
  CONSTRAINT products_category_id_fkey FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE RESTRICT ON UPDATE NO ACTION,
  CONSTRAINT products_price_check CHECK (price >= 0)
) ${mysqlTableOptions('products')}`,
    `CREATE TABLE tags (
  id INT NOT NULL AUTO_INCREMENT,
  name VARCHAR(50) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY tags_name_key (name)
) ${mysqlTableOptions('tags')}`,
    `CREATE TABLE product_tags (
  product_id INT NOT NULL,
  tag_id INT NOT NULL,
  PRIMARY KEY (product_id, tag_id),
  KEY product_tags_tag_id_idx (tag_id),
  CONSTRAINT product_tags_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE ON UPDATE NO ACTION,
  CONSTRAINT product_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE ON UPDATE NO ACTION
) ${mysqlTableOptions('product_tags')}`,
    `CREATE TABLE orders (
  id BIGINT NOT NULL AUTO_INCREMENT${c('orders', 'id')},
  customer_id INT NOT NULL,
  status ENUM(${enumList(ORDER_STATUSES)}) NOT NULL DEFAULT 'pending',
  placed_at TIMESTAMP(6) NOT NULL,
  shipped_at TIMESTAMP(6) NULL DEFAULT NULL,
  total DECIMAL(12,2) NOT NULL DEFAULT 0${c('orders', 'total')},
  shipping_address JSON NULL,
  notes TEXT NULL,
  PRIMARY KEY (id),
  KEY orders_customer_id_idx (customer_id),
  KEY orders_status_placed_at_idx (status, placed_at),
  CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT ON UPDATE NO ACTION
) ${mysqlTableOptions('orders')}`,
    `CREATE TABLE order_items (
  order_id BIGINT NOT NULL,
  product_id INT NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  discount DECIMAL(5,2) NOT NULL DEFAULT 0${c('order_items', 'discount')},
  PRIMARY KEY (order_id, product_id),
  KEY order_items_product_id_idx (product_id),
  CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE ON UPDATE NO ACTION,
  CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT ON UPDATE NO ACTION,
  CONSTRAINT order_items_quantity_check CHECK (quantity > 0)
) ${mysqlTableOptions('order_items')}`,
    `CREATE SQL SECURITY INVOKER VIEW customer_order_summary AS
SELECT c.id AS customer_id,
       c.full_name,
       count(o.id) AS order_count,
       CAST(coalesce(sum(o.total), 0) AS DECIMAL(14,2)) AS total_spent
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
GROUP BY c.id, c.full_name`,
    `CREATE FUNCTION customer_lifetime_value(p_customer_id INT) RETURNS DECIMAL(12,2)
READS SQL DATA
SQL SECURITY INVOKER
COMMENT ${quoteString('mysql', FUNCTION_COMMENTS.customer_lifetime_value)}
RETURN (
  SELECT coalesce(sum(o.total), 0)
  FROM orders o
  WHERE o.customer_id = p_customer_id AND o.status <> 'cancelled'
)`,
    `CREATE PROCEDURE products_in_category(IN p_category_id INT)
READS SQL DATA
SQL SECURITY INVOKER
COMMENT ${quoteString('mysql', FUNCTION_COMMENTS.products_in_category)}
SELECT * FROM products WHERE category_id = p_category_id ORDER BY id`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * The demo schema as CREATE statements in dependency order: types (PostgreSQL), tables with their
 * keys, indexes, the `customer_order_summary` view, the `customer_lifetime_value` function and
 * `products_in_category` (a set-returning function on PostgreSQL, a procedure on MySQL), then
 * comments (PostgreSQL; inline on MySQL). Run on an empty database/schema.
 */
export function demoSchemaStatements(engine: DemoEngine): string[] {
  return engine === 'postgres' ? postgresSchema() : mysqlSchema();
}

/**
 * Session settings the data statements assume, to run first on the same connection.
 * MySQL: `SET time_zone = '+00:00'` (TIMESTAMP literals are UTC wall-clock times). PostgreSQL:
 * none (timestamp literals carry their `+00` offset).
 */
export function demoSessionStatements(engine: DemoEngine): string[] {
  return engine === 'mysql' ? ["SET time_zone = '+00:00'"] : [];
}

/**
 * The demo rows as multi-row INSERTs (at most 500 rows each) in `DEMO_TABLES` order, with explicit
 * ids. On PostgreSQL they are followed by one `setval` per serial/identity column so later inserts
 * without an id continue after the highest id; MySQL's AUTO_INCREMENT moves by itself.
 * MySQL: run `demoSessionStatements('mysql')` on the same connection first.
 */
export function demoDataStatements(engine: DemoEngine, data: DemoData = generateDemoData()): string[] {
  const out: string[] = [];
  for (const table of DEMO_TABLES) out.push(...insertStatements(engine, table, data[table]));
  if (engine === 'postgres') {
    for (const table of DEMO_TABLES_WITH_GENERATED_ID) {
      out.push(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM ${table}`);
    }
  }
  return out;
}

/**
 * Drops everything `demoSchemaStatements` creates (view, routines, tables in reverse dependency
 * order, then PostgreSQL's enum types), each with IF EXISTS, so it also works on a partial or empty
 * database.
 */
export function demoDropStatements(engine: DemoEngine): string[] {
  const tables = [...DEMO_TABLES].reverse().map((table) => `DROP TABLE IF EXISTS ${table}`);
  if (engine === 'postgres') {
    return [
      'DROP VIEW IF EXISTS customer_order_summary',
      'DROP FUNCTION IF EXISTS products_in_category(integer)',
      'DROP FUNCTION IF EXISTS customer_lifetime_value(integer)',
      ...tables,
      'DROP TYPE IF EXISTS order_status',
      'DROP TYPE IF EXISTS customer_tier',
    ];
  }
  return [
    'DROP VIEW IF EXISTS customer_order_summary',
    'DROP PROCEDURE IF EXISTS products_in_category',
    'DROP FUNCTION IF EXISTS customer_lifetime_value',
    ...tables,
  ];
}

/** The command that regenerates the committed fixture files. */
export const DEMO_FIXTURE_COMMAND = 'npx tsx scripts/write-demo-fixtures.ts';

/**
 * The full text of `test/fixtures/demo/<engine>.sql`: a header, client/session settings, schema
 * and data, statements terminated by `;\n`. MySQL routines are wrapped in `DELIMITER //` … `//`
 * `DELIMITER ;` so the file works with the mysql CLI and docker-entrypoint-initdb.d.
 */
export function renderDemoSqlFile(engine: DemoEngine): string {
  const title = engine === 'postgres' ? 'PostgreSQL (also PGlite)' : 'MySQL / MariaDB';
  const header = [
    `-- Sluice demo database ("a small shop") for ${title}.`,
    `-- GENERATED FILE: do not edit. Regenerate with: ${DEMO_FIXTURE_COMMAND}`,
    '-- Source: src/demo/demo-data.ts (rows) and src/demo/demo-sql.ts (DDL and literals).',
    '-- Load into an empty database.',
    '',
  ].join('\n');
  const client = engine === 'postgres' ? ["SET client_encoding = 'UTF8'"] : ['SET NAMES utf8mb4'];
  const statements = [...client, ...demoSessionStatements(engine), ...demoSchemaStatements(engine), ...demoDataStatements(engine)];
  const body = statements
    .map((statement) =>
      engine === 'mysql' && /^CREATE (FUNCTION|PROCEDURE)\b/.test(statement)
        ? `DELIMITER //\n${statement}\n//\nDELIMITER ;\n`
        : `${statement};\n`,
    )
    .join('');
  return `${header}\n${body}`;
}
