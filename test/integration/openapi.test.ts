/**
 * The OpenAPI documents (`/openapi.json`, `/api/v1/shop/_doc`) on every engine: each must pass
 * `@apidevtools/swagger-parser` validation and `redocly lint` (recommended rules, errors fail), and
 * say what the database says — every demo table's component schema is checked column by column
 * against the engine's own information_schema (read here with SQL, not through Sluice): types and
 * formats, nullability, enum labels, comments, generated columns, the insert schema's `required`.
 * A restricted role and an anonymous caller get documents limited to what they may do.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { PGlite } from '@electric-sql/pglite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { beforeAll, expect, inject, it } from 'vitest';
import { DEMO_FUNCTIONS, DEMO_TABLES, DEMO_VIEWS } from '../../src/demo/demo-sql.js';
import { demoDatabaseUrl, describeEngines, type EngineFixture } from '../support/engines.js';
import { expectValid } from '../support/openapi-lint.js';

type Json = Record<string, unknown>;
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Json>>;
  components?: { schemas?: Record<string, Json>; securitySchemes?: Record<string, Json>; responses?: Record<string, Json> };
}

// ---------------------------------------------------------------------------------------------
// The demo's columns, read from the engine's information_schema

type Kind = 'int' | 'bigint' | 'decimal' | 'float' | 'bool' | 'date' | 'datetime' | 'uuid' | 'bytes' | 'json' | 'enum' | 'array' | 'string';
interface SqlColumn {
  table: string;
  name: string;
  nullable: boolean;
  hasDefault: boolean;
  generated: boolean;
  kind: Kind;
  enumValues?: string[];
  comment?: string;
}

const POSTGRES_KINDS: Record<string, Kind> = {
  integer: 'int',
  smallint: 'int',
  bigint: 'bigint',
  numeric: 'decimal',
  real: 'float',
  'double precision': 'float',
  boolean: 'bool',
  date: 'date',
  'timestamp with time zone': 'datetime',
  'timestamp without time zone': 'datetime',
  uuid: 'uuid',
  bytea: 'bytes',
  json: 'json',
  jsonb: 'json',
  ARRAY: 'array',
};

const POSTGRES_COLUMNS = `
SELECT c.table_name, c.column_name, c.is_nullable, c.column_default, c.data_type, c.is_identity, c.is_generated,
  col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) AS comment,
  (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typname = c.udt_name) AS labels
FROM information_schema.columns c
WHERE c.table_schema = current_schema()
ORDER BY c.table_name, c.ordinal_position`;

interface PostgresRow {
  table_name: string;
  column_name: string;
  is_nullable: string;
  column_default: string | null;
  data_type: string;
  is_identity: string;
  is_generated: string;
  comment: string | null;
  labels: string[] | null;
}

function fromPostgres(rows: PostgresRow[]): SqlColumn[] {
  return rows.map((r) => ({
    table: r.table_name,
    name: r.column_name,
    nullable: r.is_nullable === 'YES',
    hasDefault: r.column_default !== null || r.is_identity === 'YES',
    generated: r.is_identity === 'YES' || r.is_generated === 'ALWAYS' || (r.column_default ?? '').startsWith('nextval('),
    kind: r.data_type === 'USER-DEFINED' && r.labels ? 'enum' : (POSTGRES_KINDS[r.data_type] ?? 'string'),
    ...(r.labels ? { enumValues: r.labels } : {}),
    ...(r.comment ? { comment: r.comment } : {}),
  }));
}

async function postgresColumns(engine: 'pglite' | 'postgres'): Promise<SqlColumn[]> {
  if (engine === 'postgres') {
    const client = new pg.Client({ connectionString: demoDatabaseUrl('postgres') });
    await client.connect();
    try {
      return fromPostgres((await client.query<PostgresRow>(POSTGRES_COLUMNS)).rows);
    } finally {
      await client.end();
    }
  }
  // A PGlite directory opens in one process at a time: read a copy of the template.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-openapi-pglite-'));
  try {
    await cp(inject('pgliteTemplateDir'), dir, { recursive: true });
    const db = new PGlite(dir);
    try {
      return fromPostgres((await db.query<PostgresRow>(POSTGRES_COLUMNS)).rows);
    } finally {
      await db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function mysqlColumns(): Promise<SqlColumn[]> {
  const connection = await mysql.createConnection({ uri: demoDatabaseUrl('mariadb') });
  try {
    const [rows] = await connection.query(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, IS_NULLABLE AS n, COLUMN_DEFAULT AS d, DATA_TYPE AS dt, COLUMN_TYPE AS ct, EXTRA AS x, COLUMN_COMMENT AS cm
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    );
    const [checks] = await connection.query(`SELECT CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()`);
    const jsonChecked = new Set((checks as { clause: string }[]).flatMap((r) => [...r.clause.matchAll(/json_valid\(`([^`]+)`\)/gi)].map((m) => m[1])));
    return (rows as { t: string; c: string; n: string; d: string | null; dt: string; ct: string; x: string; cm: string }[]).map((r) => {
      const type = r.dt.toLowerCase();
      let kind: Kind = 'string';
      if (type === 'tinyint' && /^tinyint\(1\)/i.test(r.ct)) kind = 'bool';
      else if (['tinyint', 'smallint', 'mediumint', 'int'].includes(type)) kind = 'int';
      else if (type === 'bigint') kind = 'bigint';
      else if (type === 'decimal') kind = 'decimal';
      else if (type === 'float' || type === 'double') kind = 'float';
      else if (type === 'date') kind = 'date';
      else if (type === 'datetime' || type === 'timestamp') kind = 'datetime';
      else if (/blob|binary/.test(type)) kind = 'bytes';
      else if (type === 'json' || (type === 'longtext' && jsonChecked.has(r.c))) kind = 'json';
      else if (type === 'enum') kind = 'enum';
      const generated = /auto_increment|generated/i.test(r.x);
      return {
        table: r.t,
        name: r.c,
        nullable: r.n === 'YES',
        hasDefault: (r.d !== null && r.d !== 'NULL') || generated,
        generated,
        kind,
        ...(kind === 'enum' ? { enumValues: [...r.ct.matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] as string).replace(/''/g, "'")) } : {}),
        ...(r.cm ? { comment: r.cm } : {}),
      };
    });
  } finally {
    await connection.end();
  }
}

const EXPECTED_TYPE: Record<Kind, { type?: string; format?: string }> = {
  int: { type: 'integer' },
  bigint: { type: 'string', format: 'int64' },
  decimal: { type: 'string', format: 'decimal' },
  float: { type: 'number', format: 'double' },
  bool: { type: 'boolean' },
  date: { type: 'string', format: 'date' },
  datetime: { type: 'string', format: 'date-time' },
  uuid: { type: 'string', format: 'uuid' },
  bytes: { type: 'string', format: 'byte' },
  json: {},
  enum: { type: 'string' },
  array: { type: 'array' },
  string: { type: 'string' },
};

function typesOf(schema: Json): string[] {
  const type = schema.type;
  return type === undefined ? [] : Array.isArray(type) ? (type as string[]) : [type as string];
}

/** One column's property against what the database says about the column. */
function expectColumnSchema(schema: Json | undefined, column: SqlColumn): void {
  const where = `${column.table}.${column.name}`;
  expect(schema, where).toBeDefined();
  const property = schema as Json;
  const types = typesOf(property);
  const expected = EXPECTED_TYPE[column.kind];
  expect(types.filter((t) => t !== 'null'), where).toEqual(expected.type ? [expected.type] : []);
  expect(property.format, where).toBe(expected.format);
  if (column.kind !== 'json') expect(types.includes('null'), `${where} nullable`).toBe(column.nullable);
  if (column.kind === 'enum') expect(property.enum, where).toEqual(column.nullable ? [...(column.enumValues ?? []), null] : column.enumValues);
  else expect(property.enum, where).toBeUndefined();
  expect(property.readOnly === true, `${where} readOnly`).toBe(column.generated);
  if (column.comment) expect(String(property.description), where).toContain(column.comment);
}

// ---------------------------------------------------------------------------------------------

describeEngines('OpenAPI', (fixture) => {
  let columns: SqlColumn[] = [];
  let adminDoc: OpenApiDoc;

  beforeAll(async () => {
    const { engine } = fixture();
    columns = engine === 'mariadb' ? await mysqlColumns() : await postgresColumns(engine);
    const res = await fixture().get<OpenApiDoc>('/api/v1/shop/_doc');
    expect(res.status, res.text).toBe(200);
    adminDoc = res.body;
  });

  const schemaOf = (doc: OpenApiDoc, name: string) => doc.components?.schemas?.[name] as (Json & { properties: Record<string, Json>; required?: string[] }) | undefined;

  it('the admin document of the demo service validates (swagger-parser, redocly)', async () => {
    expect(adminDoc.openapi).toBe('3.1.0');
    await expectValid(adminDoc);
  });

  it('has one component schema per table and view, matching the database column by column', () => {
    const tables = [...DEMO_TABLES, ...DEMO_VIEWS];
    expect(new Set(columns.map((c) => c.table))).toEqual(new Set(tables));
    for (const table of tables) {
      const record = schemaOf(adminDoc, `shop.table.${table}`);
      expect(record, table).toBeDefined();
      const own = columns.filter((c) => c.table === table);
      expect(Object.keys(record?.properties ?? {}), table).toEqual(own.map((c) => c.name));
      for (const column of own) expectColumnSchema(record?.properties[column.name], column);
    }
  });

  it('insert schemas require exactly the NOT NULL columns the database cannot fill', () => {
    for (const table of DEMO_TABLES) {
      const insert = schemaOf(adminDoc, `shop.table.${table}.insert`);
      expect(insert, table).toBeDefined();
      const required = columns.filter((c) => c.table === table && !c.nullable && !c.hasDefault && !c.generated).map((c) => c.name);
      expect([...(insert?.required ?? [])].sort(), table).toEqual(required.sort());
      expect(insert?.additionalProperties, table).toBe(false);
      const update = schemaOf(adminDoc, `shop.table.${table}.update`);
      expect(update?.required, table).toBeUndefined();
    }
  });

  it('documents every path of the REST contract the admin may use', () => {
    const paths = adminDoc.paths;
    expect(paths['/api/v1/shop/_table']?.get).toBeDefined();
    for (const table of DEMO_TABLES) {
      const tablePath = paths[`/api/v1/shop/_table/${table}`] ?? {};
      expect(Object.keys(tablePath).sort(), table).toEqual(['delete', 'get', 'patch', 'post', 'put']);
      const list = tablePath.get as { parameters: ({ $ref?: string; name?: string })[]; responses: Record<string, unknown> };
      const params = list.parameters.map((p) => p.$ref?.split('/').pop() ?? p.name);
      for (const name of ['filter', 'fields', 'order', 'limit', 'offset', 'include_count', 'ids', 'group', 'related', 'select', 'conditions']) {
        expect(params, `${table} GET parameters`).toContain(name);
      }
      for (const status of ['200', '400', '401', '403', '404', '429', '503', '504']) expect(list.responses[status], `${table} GET ${status}`).toBeDefined();
      const post = tablePath.post as { responses: Record<string, unknown> };
      for (const status of ['201', '207', '409', '413']) expect(post.responses[status], `${table} POST ${status}`).toBeDefined();
      expect(Object.keys(paths[`/api/v1/shop/_table/${table}/{id}`] ?? {}).sort()).toEqual(['delete', 'get', 'parameters', 'patch', 'put']);
      expect(Object.keys(paths[`/api/v1/shop/_schema/${table}`] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
    }
    // The view is read-only (it aggregates) and has no key.
    expect(Object.keys(paths['/api/v1/shop/_table/customer_order_summary'] ?? {})).toEqual(['get']);
    expect(paths['/api/v1/shop/_table/customer_order_summary/{id}']).toBeUndefined();
    expect(Object.keys(paths['/api/v1/shop/_schema'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(adminDoc.components?.responses?.BadRequest).toEqual({
      description: expect.any(String),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
    expect(Object.keys(adminDoc.components?.securitySchemes ?? {}).sort()).toEqual(['ApiKey', 'BearerAuth']);
  });

  it('documents the demo routines with argument schemas from their parameters', () => {
    expect(adminDoc.paths['/api/v1/shop/_proc']?.get).toBeDefined();
    for (const name of DEMO_FUNCTIONS) {
      const args = schemaOf(adminDoc, `shop.proc.${name}.args`);
      expect(args?.required).toEqual(name === 'customer_lifetime_value' ? ['p_customer_id'] : ['p_category_id']);
      expect(typesOf(args?.properties[Object.keys(args.properties)[0] as string] ?? {})).toEqual(['integer', 'null']);
    }
    // The scalar function is stable: callable with GET too, with its parameter in the query.
    const lifetime = adminDoc.paths['/api/v1/shop/_proc/customer_lifetime_value'] ?? {};
    expect(Object.keys(lifetime).sort()).toEqual(['get', 'post']);
    expect((lifetime.get as { parameters: { name: string; required: boolean }[] }).parameters).toEqual([
      expect.objectContaining({ name: 'p_customer_id', in: 'query', required: true }),
    ]);
  });

  it('the combined document matches the service document for the admin', async () => {
    const res = await fixture().get<OpenApiDoc>('/openapi.json');
    expect(res.status, res.text).toBe(200);
    expect(res.body.paths).toEqual(adminDoc.paths);
    expect(res.body.components).toEqual(adminDoc.components);
    await expectValid(res.body);
  });

  it('a role sees only its tables, columns and routines', async () => {
    const key = await createRole(fixture(), `openapi_orders_${fixture().engine}`, [
      { service_name: 'shop', component: '_table/orders', verb_mask: 1, fields: ['id', 'status', 'total'] },
      { service_name: 'shop', component: '_proc/customer_lifetime_value', verb_mask: 2 },
    ]);
    const res = await fixture().get<OpenApiDoc>('/openapi.json', { headers: { 'X-API-Key': key } });
    expect(res.status, res.text).toBe(200);
    await expectValid(res.body);
    expect(Object.keys(res.body.paths).sort()).toEqual([
      '/api/v1/shop/_proc',
      '/api/v1/shop/_proc/customer_lifetime_value',
      '/api/v1/shop/_table',
      '/api/v1/shop/_table/orders',
      '/api/v1/shop/_table/orders/{id}',
    ]);
    expect(Object.keys(res.body.paths['/api/v1/shop/_table/orders'] ?? {})).toEqual(['get']);
    expect(Object.keys(res.body.paths['/api/v1/shop/_proc/customer_lifetime_value'] ?? {})).toEqual(['post']);
    expect(Object.keys(schemaOf(res.body, 'shop.table.orders')?.properties ?? {})).toEqual(['id', 'status', 'total']);
    // Hidden columns and relations to hidden tables are not named in the parameters either.
    const listParameters = ((res.body.paths['/api/v1/shop/_table/orders']?.get as { parameters: Json[] }).parameters).filter((p) => !('$ref' in p));
    expect(listParameters.map((p) => p.name)).toEqual(['conditions']);
    expect(Object.keys((listParameters[0]?.schema as { patternProperties: Json }).patternProperties)).toEqual(['^(id|status|total)\\.(eq|neq|gt|gte|lt|lte|like|ilike|in|is)$']);
    expect(Object.keys(res.body.components?.schemas ?? {}).filter((n) => n.startsWith('shop.'))).toEqual(['shop.proc.customer_lifetime_value.args', 'shop.table.orders']);
    // Only what its operations use: the procedure POST may conflict; no table write bodies.
    expect(res.body.components?.responses?.Conflict).toBeDefined();
    expect(res.body.components?.schemas?.WriteMeta).toBeUndefined();
    const doc = await fixture().get<OpenApiDoc>('/api/v1/shop/_doc', { headers: { 'X-API-Key': key } });
    expect(doc.body.paths).toEqual(res.body.paths);
  });

  it('documents inserts of a row-filtered role (checked against the filter by key), and only its verbs', async () => {
    const key = await createRole(fixture(), `openapi_paid_${fixture().engine}`, [
      { service_name: 'shop', component: '_table/orders', verb_mask: 1 | 2 | 8, filter: "status = 'paid'" },
    ]);
    const res = await fixture().get<OpenApiDoc>('/api/v1/shop/_doc', { headers: { 'X-API-Key': key } });
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.body.paths['/api/v1/shop/_table/orders'] ?? {}).sort()).toEqual(['get', 'patch', 'post']);
    await expectValid(res.body);
  });

  it('anonymous callers without an anonymous role get an empty document, and 404 for _doc', async () => {
    const res = await fixture().get<OpenApiDoc>('/openapi.json', { anonymous: true });
    expect(res.status, res.text).toBe(200);
    expect(res.body.paths).toEqual({});
    expect(res.body.components?.schemas).toBeUndefined();
    await SwaggerParser.validate(structuredClone(res.body) as never);
    const doc = await fixture().get<{ error: { context: { reason: string } } }>('/api/v1/shop/_doc', { anonymous: true });
    expect(doc.status).toBe(404);
    expect(doc.body.error.context.reason).toBe('serviceNotFound');
    const unknown = await fixture().get<{ error: { context: Json } }>('/api/v1/nope/_doc', { anonymous: true });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.context).toEqual({ reason: 'serviceNotFound', service: 'nope' });
  });
});

async function createRole(fixture: EngineFixture, name: string, access: Json[]): Promise<string> {
  const json = { 'content-type': 'application/json' };
  const role = await fixture.get<{ id: number }>('/api/v1/system/role', { method: 'POST', headers: json, body: JSON.stringify({ name, access }) });
  expect(role.status, role.text).toBe(201);
  const key = await fixture.get<{ api_key: string }>('/api/v1/system/api-key', { method: 'POST', headers: json, body: JSON.stringify({ role_id: role.body.id, label: name }) });
  expect(key.status, key.text).toBe(201);
  return key.body.api_key;
}
