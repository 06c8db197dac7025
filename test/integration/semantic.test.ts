/**
 * The semantic layer (`GET|PUT /api/v1/system/service/{name}/semantic`) on every engine: database
 * comments (COMMENT ON / MySQL COMMENT) show up as descriptions; an override wins over them in the
 * merged view, in the service's OpenAPI document and in GraphQL introspection, at once and without a
 * reload; bad bodies answer 400 in the error envelope naming what is wrong; non-admins get 403; and
 * overrides survive a restart (PGlite, on the same data directory).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { openPgliteDriver } from '../../src/dialects/postgres/pglite-driver.js';
import { tableTypeName, fieldName } from '../../src/graphql/graphql-names.js';
import { adminLogin, request, startServerWith } from '../support/engines.js';
import { describeScratch, SCRATCH_SERVICE, type ScratchFixture } from '../support/scratch.js';
import { shouldRunEngine } from '../support/servers.js';

const TABLE_COMMENT = 'People who write books';
const NAME_COMMENT = 'Full name, as printed on the cover';

const DDL = {
  postgres: [
    'CREATE TABLE authors (id integer PRIMARY KEY, name text NOT NULL, born date)',
    `COMMENT ON TABLE authors IS '${TABLE_COMMENT}'`,
    `COMMENT ON COLUMN authors.name IS '${NAME_COMMENT}'`,
    'CREATE TABLE books (id integer PRIMARY KEY, title text NOT NULL, author_id integer REFERENCES authors (id))',
    "INSERT INTO authors VALUES (1, 'Ursula K. Le Guin', '1929-10-21')",
  ],
  mysql: [
    `CREATE TABLE authors (id int PRIMARY KEY, name varchar(200) NOT NULL COMMENT '${NAME_COMMENT}', born date) COMMENT='${TABLE_COMMENT}'`,
    'CREATE TABLE books (id int PRIMARY KEY, title varchar(200) NOT NULL, author_id int, FOREIGN KEY (author_id) REFERENCES authors (id))',
    "INSERT INTO authors VALUES (1, 'Ursula K. Le Guin', '1929-10-21')",
  ],
};

interface ViewEntry {
  name: string;
  displayName: string | null;
  description: string | null;
  source: { displayName: string | null; description: string | null };
}
interface View {
  service: string;
  tables: (ViewEntry & { columns: ViewEntry[] })[];
}
interface Envelope {
  error: { code: number; message: string; context: Record<string, unknown> };
}
interface OpenApiSchema {
  title?: string;
  description?: string;
  properties: Record<string, { title?: string; description?: string }>;
}
interface GraphqlType {
  name: string;
  description: string | null;
  fields: { name: string; description: string | null }[] | null;
}

const semanticPath = (service = SCRATCH_SERVICE) => `/api/v1/system/service/${service}/semantic`;

const OVERRIDES = {
  tables: [
    {
      name: 'authors',
      displayName: 'Authors',
      description: 'Writers in the catalogue',
      columns: [
        { name: 'name', displayName: 'Author name' },
        { name: 'born', displayName: 'Born', description: 'Date of birth' },
      ],
    },
    { name: 'books', description: 'Every book we stock' },
  ],
};

async function openApiSchemas(f: ScratchFixture): Promise<Record<string, OpenApiSchema>> {
  const doc = await f.send<{ components: { schemas: Record<string, OpenApiSchema> } }>('GET', `/api/v1/${SCRATCH_SERVICE}/_doc`);
  expect(doc.status, doc.text).toBe(200);
  return doc.body.components.schemas;
}

async function graphqlType(f: ScratchFixture, table: string): Promise<GraphqlType> {
  const result = await f.send<{ data?: { __type: GraphqlType | null }; errors?: unknown }>('POST', `/api/v1/${SCRATCH_SERVICE}/_graphql`, {
    query: 'query ($name: String!) { __type(name: $name) { name description fields { name description } } }',
    variables: { name: tableTypeName(table) },
  });
  expect(result.status, result.text).toBe(200);
  const type = result.body.data?.__type;
  if (!type) throw new Error(`no GraphQL type for ${table}: ${result.text}`);
  return type;
}

const fieldDescription = (type: GraphqlType, column: string) => type.fields?.find((f) => f.name === fieldName(column))?.description ?? null;

const entry = (view: View, table: string, column?: string): ViewEntry | undefined => {
  const t = view.tables.find((x) => x.name === table);
  return column === undefined ? t : t?.columns.find((c) => c.name === column);
};

await describeScratch('semantic', DDL, (fixture) => {
  it('shows the database comments as descriptions, with their source', async () => {
    const f = fixture();
    if (f.engine !== 'pglite') {
      // The comments as the database itself reports them.
      const [table] =
        f.engine === 'postgres'
          ? await f.sql<{ c: string }>("SELECT obj_description('authors'::regclass, 'pg_class') AS c")
          : await f.sql<{ c: string }>("SELECT TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'authors'");
      expect(table?.c).toBe(TABLE_COMMENT);
    }
    const got = await f.send<View>('GET', semanticPath());
    expect(got.status, got.text).toBe(200);
    expect(got.body.service).toBe(SCRATCH_SERVICE);
    expect(got.body.tables.map((t) => t.name)).toEqual(['authors', 'books']);
    expect(entry(got.body, 'authors')).toMatchObject({ displayName: null, description: TABLE_COMMENT, source: { displayName: null, description: 'comment' } });
    expect(entry(got.body, 'authors', 'name')).toMatchObject({ description: NAME_COMMENT, source: { description: 'comment' } });
    expect(entry(got.body, 'authors', 'born')).toMatchObject({ displayName: null, description: null, source: { displayName: null, description: null } });
    expect(got.body.tables.find((t) => t.name === 'books')?.columns.map((c) => c.name)).toEqual(['id', 'title', 'author_id']);

    const schemas = await openApiSchemas(f);
    expect(schemas[`${SCRATCH_SERVICE}.table.authors`]?.description).toBe(TABLE_COMMENT);
    expect(schemas[`${SCRATCH_SERVICE}.table.authors`]?.properties.name?.description).toBe(NAME_COMMENT);
    const type = await graphqlType(f, 'authors');
    expect(type.description).toBe(TABLE_COMMENT);
    expect(fieldDescription(type, 'name')).toBe(NAME_COMMENT);
  });

  it('PUT replaces the overrides; they win everywhere at once', async () => {
    const f = fixture();
    const put = await f.send<View>('PUT', semanticPath(), OVERRIDES);
    expect(put.status, put.text).toBe(200);
    const got = await f.send<View>('GET', semanticPath());
    expect(got.body).toEqual(put.body);
    expect(entry(got.body, 'authors')).toEqual({
      name: 'authors',
      displayName: 'Authors',
      description: 'Writers in the catalogue',
      source: { displayName: 'override', description: 'override' },
      columns: expect.any(Array) as unknown,
    });
    // Only a display name set: the description still comes from the comment.
    expect(entry(got.body, 'authors', 'name')).toMatchObject({
      displayName: 'Author name',
      description: NAME_COMMENT,
      source: { displayName: 'override', description: 'comment' },
    });
    expect(entry(got.body, 'authors', 'born')).toMatchObject({ displayName: 'Born', description: 'Date of birth', source: { description: 'override' } });
    expect(entry(got.body, 'books')).toMatchObject({ displayName: null, description: 'Every book we stock', source: { displayName: null, description: 'override' } });

    const schemas = await openApiSchemas(f);
    const authors = schemas[`${SCRATCH_SERVICE}.table.authors`];
    expect(authors?.title).toBe('Authors');
    expect(authors?.description).toBe('Writers in the catalogue');
    expect(authors?.properties.name).toMatchObject({ title: 'Author name', description: NAME_COMMENT });
    expect(authors?.properties.born).toMatchObject({ title: 'Born', description: 'Date of birth' });
    expect(schemas[`${SCRATCH_SERVICE}.table.books`]?.description).toBe('Every book we stock');

    const type = await graphqlType(f, 'authors');
    expect(type.description).toBe('Writers in the catalogue');
    expect(fieldDescription(type, 'name')).toBe(NAME_COMMENT);
    expect(fieldDescription(type, 'born')).toBe('Date of birth');
    expect((await graphqlType(f, 'books')).description).toBe('Every book we stock');

    // MCP's describe_table shows them to agents.
    const mcp = new Client({ name: 'semantic-test', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL('/mcp', f.baseUrl), { requestInit: { headers: { authorization: `Bearer ${f.adminToken}` } } }));
    try {
      const described = (await mcp.callTool({ name: 'describe_table', arguments: { service: SCRATCH_SERVICE, table: 'authors' } })) as {
        isError?: boolean;
        structuredContent?: { display_name: string | null; description: string | null; columns: { name: string; display_name: string | null; description: string | null }[] };
      };
      expect(described.isError, JSON.stringify(described)).toBeFalsy();
      expect(described.structuredContent).toMatchObject({ display_name: 'Authors', description: 'Writers in the catalogue' });
      expect(described.structuredContent?.columns.find((c) => c.name === 'name')).toMatchObject({ display_name: 'Author name', description: NAME_COMMENT });
      expect(described.structuredContent?.columns.find((c) => c.name === 'born')).toMatchObject({ display_name: 'Born', description: 'Date of birth' });
    } finally {
      await mcp.close();
    }

    // The schema endpoint carries them too, beside the raw comment.
    const described = await f.send<{ comment?: string; display_name?: string; description?: string }>('GET', `/api/v1/${SCRATCH_SERVICE}/_schema/authors`);
    expect(described.status, described.text).toBe(200);
    expect(described.body).toMatchObject({ comment: TABLE_COMMENT, display_name: 'Authors', description: 'Writers in the catalogue' });

    // A second PUT replaces the first entirely: books loses its override.
    const replaced = await f.send<View>('PUT', semanticPath(), { tables: [{ name: 'authors', description: 'Writers' }] });
    expect(replaced.status, replaced.text).toBe(200);
    expect(entry(replaced.body, 'books')).toMatchObject({ description: null, source: { description: null } });
    expect(entry(replaced.body, 'authors', 'born')).toMatchObject({ displayName: null, description: null });
    expect((await graphqlType(f, 'authors')).description).toBe('Writers');
    expect(fieldDescription(await graphqlType(f, 'authors'), 'born')).toBeNull();

    // An empty list brings the comments back.
    const cleared = await f.send<View>('PUT', semanticPath(), { tables: [] });
    expect(cleared.status, cleared.text).toBe(200);
    expect(entry(cleared.body, 'authors')).toMatchObject({ displayName: null, description: TABLE_COMMENT, source: { description: 'comment' } });
    expect((await graphqlType(f, 'authors')).description).toBe(TABLE_COMMENT);
    expect((await openApiSchemas(f))[`${SCRATCH_SERVICE}.table.authors`]?.title).toBeUndefined();
  });

  it('refuses bad bodies with 400 in the envelope, naming what is wrong, and changes nothing', async () => {
    const f = fixture();
    await f.send('PUT', semanticPath(), { tables: [{ name: 'books', description: 'Kept' }] });
    const unknown = await f.send<Envelope>('PUT', semanticPath(), {
      tables: [
        { name: 'authors', columns: [{ name: 'nickname', description: 'x' }, { name: 'name', description: 'ok' }] },
        { name: 'publishers', description: 'x' },
      ],
    });
    expect(unknown.status, unknown.text).toBe(400);
    expect(unknown.body.error.code).toBe(400);
    expect(unknown.body.error.context).toMatchObject({ reason: 'invalidBody', unknown: ['authors.nickname', 'publishers'] });
    expect(unknown.body.error.message).toContain('authors.nickname, publishers');

    const cases: [unknown, string][] = [
      [{ tables: [{ name: 'authors', label: 'x' }] }, 'tables.0'],
      [{ tables: [{ name: 'authors', description: '' }] }, 'tables.0.description'],
      [{ tables: [{ name: 'authors', description: 7 }] }, 'tables.0.description'],
      [{ tables: [{ name: 'authors', columns: [{ description: 'no name' }] }] }, 'tables.0.columns.0.name'],
      [{ tables: 'authors' }, 'tables'],
      [{}, 'tables'],
    ];
    for (const [body, field] of cases) {
      const bad = await f.send<Envelope>('PUT', semanticPath(), body);
      expect(bad.status, `${JSON.stringify(body)}: ${bad.text}`).toBe(400);
      expect(bad.body.error.context.field, JSON.stringify(body)).toBe(field);
    }
    // Not an object at all: the envelope of a malformed body.
    expect((await f.send<Envelope>('PUT', semanticPath(), [])).status).toBe(400);
    const twice = await f.send<Envelope>('PUT', semanticPath(), { tables: [{ name: 'books' }, { name: 'books' }] });
    expect(twice.status).toBe(400);
    expect(twice.body.error.context).toMatchObject({ duplicate: ['books'] });

    const missing = await f.send<Envelope>('PUT', semanticPath('nowhere'), { tables: [] });
    expect(missing.status).toBe(404);
    expect((await f.send<Envelope>('GET', semanticPath('nowhere'))).status).toBe(404);

    const after = await f.send<View>('GET', semanticPath());
    expect(entry(after.body, 'books')).toMatchObject({ description: 'Kept', source: { description: 'override' } });
    expect(entry(after.body, 'authors', 'name')).toMatchObject({ description: NAME_COMMENT, source: { description: 'comment' } });
  });

  it('is for admins only: 401 without credentials, 403 for an API key', async () => {
    const f = fixture();
    const role = await f.send<{ id: number }>('POST', '/api/v1/system/role', {
      name: 'semantic_reader',
      access: [{ service_name: SCRATCH_SERVICE, component: '_table/*', verb_mask: 1 }],
    });
    expect(role.status, role.text).toBe(201);
    const key = await f.send<{ api_key: string }>('POST', '/api/v1/system/api-key', { role_id: role.body.id, label: 'semantic' });
    expect(key.status, key.text).toBe(201);
    const headers = { 'x-api-key': key.body.api_key };
    for (const [method, body] of [['GET', undefined], ['PUT', { tables: [] }]] as const) {
      const refused = await f.send<Envelope>(method, semanticPath(), body, { headers });
      expect(refused.status, refused.text).toBe(403);
      expect(refused.body.error.context.reason).toBe('adminRequired');
      expect((await f.send(method, semanticPath(), body, { anonymous: true })).status).toBe(401);
    }
    // The key's role still reads the descriptions through the surfaces.
    const doc = await f.send<{ components: { schemas: Record<string, OpenApiSchema> } }>('GET', `/api/v1/${SCRATCH_SERVICE}/_doc`, undefined, { headers });
    expect(doc.body.components.schemas[`${SCRATCH_SERVICE}.table.books`]?.description).toBe('Kept');
  });
});

describe.skipIf(!(await shouldRunEngine('pglite')))('semantic overrides across a restart [pglite]', () => {
  it('are read back from the metadata store at start', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'sluice-semantic-restart-'));
    try {
      const dir = path.join(tmp, 'db');
      const driver = await openPgliteDriver({ location: dir, statementTimeoutMs: 0 });
      for (const statement of DDL.postgres) await driver.query({ sql: statement, params: [] });
      await driver.close();
      const dataDir = path.join(tmp, 'data');
      const services = { [SCRATCH_SERVICE]: `pglite://${dir}` };

      const first = await startServerWith(services, dataDir);
      const token = await adminLogin(first.server.url);
      const put = await request(first.server.url, semanticPath(), {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(OVERRIDES),
      });
      expect(put.status, put.text).toBe(200);
      await first.server.close();

      const second = await startServerWith(services, dataDir);
      try {
        const again = await adminLogin(second.server.url);
        const got = await request<View>(second.server.url, semanticPath(), { headers: { authorization: `Bearer ${again}` } });
        expect(got.body).toEqual(put.body);
        const doc = await request<{ components: { schemas: Record<string, OpenApiSchema> } }>(second.server.url, `/api/v1/${SCRATCH_SERVICE}/_doc`, {
          headers: { authorization: `Bearer ${again}` },
        });
        expect(doc.body.components.schemas[`${SCRATCH_SERVICE}.table.authors`]?.title).toBe('Authors');
      } finally {
        await second.server.close();
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
