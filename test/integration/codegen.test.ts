/**
 * `sluice codegen` end to end, on PGlite and PostgreSQL (MariaDB serves the same document shape
 * and would only add minutes): a real server on the demo database, the real command (a process,
 * from source through tsx) run as an admin and as a restricted role made through the System API,
 * the example programs `codegen/examples/rest-client.ts` and `graphql-client.ts` (with the
 * documents of `codegen/examples/graphql/`) compiled by `tsc --strict` against each generated SDK
 * (once per SDK) and run against each server, their output compared with what SQL reads from the
 * database. Probe files of mistakes must fail to compile exactly where the role's SDK forbids them
 * (hidden tables and columns) and where every SDK does (unknown names, bad types); a document
 * selecting a hidden column fails generation. Descriptions set through the semantic layer reach the
 * SDKs' doc comments.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_TABLES, DEMO_VIEWS } from '../../src/demo/demo-sql.js';
import { adminLogin, demoDatabaseUrl, demoEngines, request, startEngineServer } from '../support/engines.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const EXAMPLES = path.join(ROOT, 'codegen/examples');
/** The example's GraphQL documents, as a glob relative to the repository (where the command runs). */
const DOCUMENTS = 'codegen/examples/graphql/*.graphql';
/** Set through the semantic layer before generating: they must reach the SDKs' doc comments. */
const SEMANTIC = {
  tables: [
    {
      name: 'orders',
      displayName: 'Customer orders',
      description: 'Orders placed in the shop (semantic layer)',
      columns: [{ name: 'total', displayName: 'Grand total', description: 'Grand total in EUR (semantic layer)' }],
    },
  ],
};

type Engine = 'pglite' | 'postgres';
type RoleName = 'admin' | 'restricted';
const ENGINES = demoEngines().filter((e): e is Engine => e === 'pglite' || e === 'postgres');
const ROLES: readonly RoleName[] = ['admin', 'restricted'];

/** What the restricted role may do: two tables, and of `orders` only three columns. */
const RESTRICTED_ACCESS = [
  { service_name: 'shop', component: '_table/orders', verb_mask: 1, fields: ['id', 'status', 'total'] },
  { service_name: 'shop', component: '_table/products', verb_mask: 1 },
];

/**
 * Mistakes the compiler must catch. `restricted`: only against the restricted role's SDK (the admin
 * may do these); `always`: against every SDK (proves the types are not `any`).
 */
const PROBE = `import { SERVICE, createSluiceClient } from './sdk/rest/client.js';

const sluice = createSluiceClient({ baseUrl: 'http://127.0.0.1:1' });

export async function probe(): Promise<unknown[]> {
  const orders = await sluice.listRows('orders');
  return [
    await sluice.listRows('customers'), // error: restricted
    await sluice.getRow('customers', 1), // error: restricted
    await sluice.listRows('orders', { fields: ['id', 'placed_at'] }), // error: restricted
    await sluice.listRows('orders', { filter: { customer_id: 1 } }), // error: restricted
    await sluice.listRows('orders', { order: 'notes DESC' }), // error: restricted
    await sluice.GET(\`/api/v1/\${SERVICE}/_table/customers\`), // error: restricted
    orders.data?.resource[0]?.notes, // error: restricted
    await sluice.listRows('orders', { fields: ['id', 'no_such_column'] }), // error: always
    await sluice.listRows('products', { filter: { price: 19.99 } }), // error: always
    await sluice.listRows('orders', { order: 'total SIDEWAYS' }), // error: always
    await sluice.getRow('customer_order_summary', 1), // error: always
    orders.data?.resource[0]?.status === 'lost', // error: always
  ];
}
`;

/** The same for the GraphQL client: the ready SDK and the example's typed documents. */
const GRAPHQL_PROBE = `import { createGraphqlClient } from './sdk/graphql/client.js';
import { LargestPaidOrdersDocument, ProductByIdDocument } from './sdk/graphql/documents/graphql.js';

const client = createGraphqlClient({ baseUrl: 'http://127.0.0.1:1' });

export async function probe(): Promise<unknown[]> {
  const largest = await client.request(LargestPaidOrdersDocument, { min: '100' });
  const orders = await client.sdk.orders({ limit: 1 });
  return [
    await client.sdk.customers(), // error: restricted
    await client.sdk.customers_by_pk({ id: 1 }), // error: restricted
    orders.orders[0]?.notes, // error: restricted
    await client.sdk.orders({ where: { placed_at: { _is_null: false } } }), // error: restricted
    await client.sdk.orders({ order_by: [{ customer_id: 'asc' }] }), // error: restricted
    largest.orders[0]?.notes, // error: always
    await client.request(ProductByIdDocument, {}), // error: always
    await client.request(ProductByIdDocument, { id: 'one' }), // error: always
    largest.orders[0]?.status === 'lost', // error: always
    await client.sdk.products({ limit: '5' }), // error: always
    await client.sdk.products_by_pk(), // error: always
  ];
}
`;

/** The probe's 1-based line numbers expected to fail for `role`. */
function expectedErrorLines(role: RoleName, probe: string = PROBE): number[] {
  return probe.split('\n').flatMap((line, i) => {
    const marker = /\/\/ error: (restricted|always)$/.exec(line)?.[1];
    return marker === 'always' || (marker === 'restricted' && role === 'restricted') ? [i + 1] : [];
  });
}

interface Server {
  readonly baseUrl: string;
  readonly adminToken: string;
  readonly restrictedKey: string;
  readonly cleanup: () => Promise<void>;
}

function credentials(server: Server, role: RoleName): { flag: string[]; env: Record<string, string> } {
  return role === 'admin'
    ? { flag: ['--token', server.adminToken], env: { SLUICE_TOKEN: server.adminToken } }
    : { flag: ['--api-key', server.restrictedKey], env: { SLUICE_API_KEY: server.restrictedKey } };
}

async function createRestrictedKey(baseUrl: string, token: string): Promise<string> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const role = await request<{ id: number }>(baseUrl, '/api/v1/system/role', {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'codegen_restricted', access: RESTRICTED_ACCESS }),
  });
  if (role.status !== 201) throw new Error(`role: ${role.status} ${role.text}`);
  const key = await request<{ api_key: string }>(baseUrl, '/api/v1/system/api-key', {
    method: 'POST',
    headers,
    body: JSON.stringify({ role_id: role.body.id, label: 'codegen' }),
  });
  if (key.status !== 201) throw new Error(`api key: ${key.status} ${key.text}`);
  return key.body.api_key;
}

// ---------------------------------------------------------------------------------------------
// The database, read with SQL (not through Sluice)

type Rows = Record<string, unknown>[];

async function withDatabase<T>(engine: Engine, use: (query: (sql: string) => Promise<Rows>) => Promise<T>): Promise<T> {
  if (engine === 'postgres') {
    const client = new pg.Client({ connectionString: demoDatabaseUrl('postgres') });
    await client.connect();
    try {
      return await use(async (sql) => (await client.query(sql)).rows as Rows);
    } finally {
      await client.end();
    }
  }
  // A PGlite directory opens in one process at a time: read a copy of the template the server was started from.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-codegen-pglite-'));
  try {
    await cp(inject('pgliteTemplateDir'), dir, { recursive: true });
    const db = new PGlite(dir);
    try {
      return await use(async (sql) => (await db.query<Record<string, unknown>>(sql)).rows);
    } finally {
      await db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What the example must print, computed from the database. */
function expectedOutput(engine: Engine): Promise<unknown> {
  return withDatabase(engine, async (query) => {
    const paid = "status = 'paid' AND total >= 100";
    // Ordered by the qualified columns: the text aliases would sort as text.
    const product = 'SELECT id, name, price::text AS price FROM products';
    const [count] = await query(`SELECT count(*)::int AS n FROM orders WHERE ${paid}`);
    const [missing] = await query('SELECT count(*)::int AS n FROM products WHERE id = 2147483647');
    expect(missing?.n).toBe(0);
    return {
      largestPaidOrders: await query(`SELECT id::text AS id, status::text AS status, total::text AS total FROM orders WHERE ${paid} ORDER BY orders.total DESC, orders.id LIMIT 5`),
      paidOrdersOf100OrMore: count?.n,
      product: (await query(`${product} WHERE id = 1`))[0],
      someProducts: await query(`${product} WHERE category_id IN (1, 2, 3) AND name ILIKE '%a%' AND released_on IS NOT NULL ORDER BY products.price, products.id LIMIT 3`),
      namedProducts: await query(
        `SELECT id, name FROM products WHERE description IN ('Printed with the classic shrug: ¯\\_(ツ)_/¯', 'Small, light and surprisingly capable.') ORDER BY id LIMIT 4`,
      ),
      cheapProducts: await query(`${product} WHERE price < 20 ORDER BY products.price, products.id LIMIT 3`),
      missingProduct: { status: 404, reason: 'recordNotFound' },
    };
  });
}

/** What the GraphQL example must print, computed from the database. */
function expectedGraphqlOutput(engine: Engine): Promise<unknown> {
  return withDatabase(engine, async (query) => {
    const paid = "status = 'paid' AND total >= 100";
    const product = 'SELECT id, name, price::text AS price FROM products';
    const [count] = await query(`SELECT count(*)::int AS n FROM orders WHERE ${paid}`);
    return {
      largestPaidOrders: await query(`SELECT id::text AS id, status::text AS status, total::text AS total FROM orders WHERE ${paid} ORDER BY orders.total DESC, orders.id LIMIT 5`),
      paidOrdersOf100OrMore: count?.n,
      product: (await query(`${product} WHERE id = 1`))[0],
      missingProduct: (await query(`${product} WHERE id = 2147483647`))[0] ?? null,
      cheapProducts: await query(`${product} WHERE price < 20 ORDER BY products.price, products.id LIMIT 3`),
      someProducts: await query(`${product} WHERE category_id IN (1, 2, 3) AND name ILIKE '%a%' AND released_on IS NOT NULL ORDER BY products.price, products.id LIMIT 3`),
    };
  });
}

// ---------------------------------------------------------------------------------------------

describe.skipIf(ENGINES.length === 0)('sluice codegen: typed REST client', () => {
  const servers = new Map<Engine, Server>();
  let work = '';
  const sdkDir = (engine: Engine, role: RoleName) => path.join(work, 'generated', engine, role);
  const projectDir = (role: RoleName) => path.join(work, `project-${role}`);

  beforeAll(async () => {
    // Generated code and the example resolve openapi-fetch and @types/node from the repository.
    work = await mkdtemp(path.join(os.tmpdir(), 'sluice-codegen-'));
    await symlink(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    await writeFile(path.join(work, 'package.json'), '{ "type": "module" }\n');
    await Promise.all(
      ENGINES.map(async (engine) => {
        const started = await startEngineServer(engine);
        const baseUrl = started.server.url;
        const adminToken = await adminLogin(baseUrl);
        servers.set(engine, { baseUrl, adminToken, restrictedKey: await createRestrictedKey(baseUrl, adminToken), cleanup: started.cleanup });
        const semantic = await request(baseUrl, '/api/v1/system/service/shop/semantic', {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
          body: JSON.stringify(SEMANTIC),
        });
        if (semantic.status !== 200) throw new Error(`semantic: ${semantic.status} ${semantic.text}`);
      }),
    );
  });

  afterAll(async () => {
    await Promise.all([...servers.values()].map((s) => s.cleanup()));
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('generates each role\'s SDK with the command, the same from every engine', async () => {
    const jobs = ENGINES.flatMap((engine) => ROLES.map((role) => ({ engine, role })));
    const outputs = await Promise.all(
      jobs.map(async ({ engine, role }) => {
        const server = servers.get(engine)!;
        // The admin's token goes in a flag; the role's API key through SLUICE_CODEGEN_API_KEY.
        const viaEnv = role !== 'admin';
        const flag = viaEnv ? [] : credentials(server, role).flag;
        const args = ['codegen', '--url', server.baseUrl, '--service', 'shop', ...flag, '--out', sdkDir(engine, role), '--documents', DOCUMENTS];
        const env = viaEnv ? { ...process.env, SLUICE_CODEGEN_API_KEY: server.restrictedKey } : process.env;
        const { stdout } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env });
        return stdout;
      }),
    );
    const allTables = [...DEMO_TABLES, ...DEMO_VIEWS].sort();
    for (const [i, { engine, role }] of jobs.entries()) {
      const tables = role === 'admin' ? allTables : ['orders', 'products'];
      expect(outputs[i]).toContain(`(tables: ${tables.join(', ')};`);
      // Every root field of the tables the role may read (and none of another table).
      const rootFields = /GraphQL root fields: ([^)]*)\)/.exec(outputs[i] ?? '')?.[1]?.split(', ') ?? [];
      for (const t of tables) {
        expect(rootFields).toEqual(expect.arrayContaining((DEMO_VIEWS as readonly string[]).includes(t) ? [t, `${t}_aggregate`] : [t, `${t}_aggregate`, `${t}_by_pk`]));
      }
      // Beyond the tables' fields (queries, and insert_/update_/delete_ mutations), only the routines the role may call.
      const ofTable = (f: string) => tables.some((t) => [t, `insert_${t}`, `update_${t}`, `delete_${t}`].some((base) => f === base || f.startsWith(`${base}_`)));
      const routines = await fetch(`${servers.get(engine)!.baseUrl}/api/v1/shop/_proc`, {
        headers: role === 'admin' ? { authorization: `Bearer ${servers.get(engine)!.adminToken}` } : { 'x-api-key': servers.get(engine)!.restrictedKey },
      }).then(async (res) => (res.status === 200 ? ((await res.json()) as { resource: { name: string }[] }).resource.map((r) => r.name) : []));
      expect(rootFields.filter((f) => !ofTable(f) && !routines.includes(f))).toEqual([]);
      if (role === 'restricted') expect(rootFields.filter((f) => !ofTable(f))).toEqual([]);
      const graphql = (file: string) => readFile(path.join(sdkDir(engine, role), 'graphql', file), 'utf8');
      const [sdl, types, sdk, documents] = await Promise.all([graphql('schema.graphql'), graphql('types.ts'), graphql('sdk.ts'), graphql('documents/graphql.ts')]);
      expect([...sdk.matchAll(/^ {4}([a-z_]+)\(variables/gm)].map((m) => m[1])).toEqual(rootFields);
      expect(documents).toContain('export const LargestPaidOrdersDocument');
      // Descriptions from the semantic layer become doc comments of both clients.
      const restTypes = await readFile(path.join(sdkDir(engine, role), 'rest/schema.ts'), 'utf8');
      expect(restTypes).toContain('* Customer orders\n');
      expect(restTypes).toContain('@description Grand total in EUR (semantic layer)');
      expect(types).toContain('/** Orders placed in the shop (semantic layer) */');
      expect(types).toContain('/** Grand total in EUR (semantic layer) */');
      expect(sdl).toContain('"""Grand total in EUR (semantic layer)"""');
      const client = await readFile(path.join(sdkDir(engine, role), 'rest/client.ts'), 'utf8');
      const schema = await readFile(path.join(sdkDir(engine, role), 'rest/schema.ts'), 'utf8');
      const listed = [...client.matchAll(/^ {2}"([a-z_]+)": components\["schemas"\]/gm)].map((m) => m[1]);
      expect(listed).toEqual(tables);
      if (role === 'restricted') {
        // Hidden tables, relations to them and hidden columns are named nowhere in the SDK but in
        // prose (the shared parameters' descriptions give examples such as `placed_at DESC, id`) and
        // operation tags (`tags` is a key of the document).
        const hidden = /\b(customers?|categor(y|ies)|order_items|product_tags|tags|customer_order_summary|customer_id|placed_at|shipped_at|shipping_address|notes)\b/;
        const code = (text: string) => text.split('\n').filter((line) => !/^\s*(\/\*\*|\*)/.test(line)).join('\n');
        for (const text of [client, schema]) expect(code(text).match(hidden)?.[0]).toBeUndefined();
        // The GraphQL SDK the same, leaving out descriptions (block and plain strings) and comments.
        const graphqlCode = (text: string) => code(text).replace(/"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#.*$/gm, '');
        for (const text of [sdl, types, sdk]) expect(graphqlCode(text).match(hidden)?.[0], text.slice(0, 80)).toBeUndefined();
        const withoutProse = JSON.stringify(JSON.parse(await readFile(path.join(sdkDir(engine, role), 'rest/openapi.json'), 'utf8'), (key, value: unknown) => (key === 'description' || key === 'tags' ? undefined : value)));
        expect(withoutProse.match(hidden)?.[0]).toBeUndefined();
        const document = JSON.parse(await readFile(path.join(sdkDir(engine, role), 'rest/openapi.json'), 'utf8')) as {
          components: { schemas: Record<string, { properties: Record<string, unknown> }> };
        };
        expect(Object.keys(document.components.schemas['shop.table.orders']?.properties ?? {})).toEqual(['id', 'status', 'total']);
      }
    }
    // Generation depends only on the API: both engines give the same types and client.
    if (ENGINES.length === 2) {
      for (const role of ROLES) {
        for (const file of ['rest/schema.ts', 'rest/client.ts', 'graphql/schema.graphql', 'graphql/types.ts', 'graphql/sdk.ts', 'graphql/root/graphql.ts', 'graphql/documents/graphql.ts', 'graphql/client.ts']) {
          const [a, b] = await Promise.all(
            ENGINES.map(async (engine) => (await readFile(path.join(sdkDir(engine, role), file), 'utf8')).replace(servers.get(engine)!.baseUrl, 'URL')),
          );
          expect(a, `${role} ${file}`).toBe(b);
        }
      }
    }
  }, 180_000);

  it('compiles the example with tsc --strict against each SDK, and refuses what a role may not use', async () => {
    const results = await Promise.all(
      ROLES.map(async (role) => {
        const dir = projectDir(role);
        await mkdir(dir, { recursive: true });
        await cp(path.join(sdkDir(ENGINES[0]!, role), 'rest'), path.join(dir, 'sdk/rest'), { recursive: true });
        await cp(path.join(sdkDir(ENGINES[0]!, role), 'graphql'), path.join(dir, 'sdk/graphql'), { recursive: true });
        await cp(path.join(EXAMPLES, 'rest-client.ts'), path.join(dir, 'rest-client.ts'));
        await cp(path.join(EXAMPLES, 'graphql-client.ts'), path.join(dir, 'graphql-client.ts'));
        await cp(path.join(EXAMPLES, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
        await writeFile(path.join(dir, 'probe.ts'), PROBE);
        await writeFile(path.join(dir, 'probe-graphql.ts'), GRAPHQL_PROBE);
        const output = await run(process.execPath, [TSC, '-p', dir, '--pretty', 'false']).then(
          (r) => r.stdout,
          (error: { stdout?: string }) => error.stdout ?? String(error),
        );
        return { role, output };
      }),
    );
    for (const { role, output } of results) {
      const errors = [...output.matchAll(/^(\S+?)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => ({ file: path.basename(m[1] as string), line: Number(m[2]) }));
      const linesOf = (file: string) => [...new Set(errors.filter((e) => e.file === file).map((e) => e.line))].sort((a, b) => a - b);
      // The generated code and the examples compile cleanly; the probes fail exactly on their marked lines.
      expect(errors.filter((e) => e.file !== 'probe.ts' && e.file !== 'probe-graphql.ts'), `${role}:\n${output}`).toEqual([]);
      expect(linesOf('probe.ts'), `${role}:\n${output}`).toEqual(expectedErrorLines(role));
      expect(linesOf('probe-graphql.ts'), `${role}:\n${output}`).toEqual(expectedErrorLines(role, GRAPHQL_PROBE));
    }
  }, 180_000);

  it('the compiled example prints what the database holds, for each role on each engine', async () => {
    const expected = new Map<Engine, unknown>();
    for (const engine of ENGINES) expected.set(engine, await expectedOutput(engine));
    for (const engine of ENGINES) {
      for (const role of ROLES) {
        const server = servers.get(engine)!;
        const { stdout } = await run(process.execPath, [path.join(projectDir(role), 'dist/rest-client.js')], {
          cwd: work,
          env: { ...process.env, SLUICE_URL: server.baseUrl, SLUICE_API_KEY: '', SLUICE_TOKEN: '', ...credentials(server, role).env },
        });
        expect(JSON.parse(stdout), `${role} on ${engine}`).toEqual(expected.get(engine));
      }
    }
  }, 120_000);

  it('the compiled GraphQL example prints what the database holds, for each role on each engine', async () => {
    const expected = new Map<Engine, unknown>();
    for (const engine of ENGINES) expected.set(engine, await expectedGraphqlOutput(engine));
    for (const engine of ENGINES) {
      for (const role of ROLES) {
        const server = servers.get(engine)!;
        const { stdout } = await run(process.execPath, [path.join(projectDir(role), 'dist/graphql-client.js')], {
          cwd: work,
          env: { ...process.env, SLUICE_URL: server.baseUrl, SLUICE_API_KEY: '', SLUICE_TOKEN: '', ...credentials(server, role).env },
        });
        expect(JSON.parse(stdout), `${role} on ${engine}`).toEqual(expected.get(engine));
      }
    }
  }, 120_000);

  it('refuses a document that selects a column the role cannot see, naming it', async () => {
    const server = servers.get(ENGINES[0]!)!;
    const documents = path.join(work, 'hidden-column');
    await mkdir(documents, { recursive: true });
    await writeFile(path.join(documents, 'notes.graphql'), 'query OrderNotes {\n  orders(limit: 1) {\n    id\n    notes\n  }\n}\n');
    const args = ['--url', server.baseUrl, '--service', 'shop', '--out', path.join(work, 'hidden-out'), '--documents', path.join(documents, '*.graphql')];
    const failure = await run(process.execPath, ['--import', 'tsx', MAIN, 'codegen', ...args], {
      cwd: ROOT,
      env: { ...process.env, SLUICE_CODEGEN_API_KEY: server.restrictedKey },
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/^sluice: GraphQL Code Generator failed: .*Cannot query field "notes" on type "orders"/);
    expect(failure?.stderr?.split('\n').filter(Boolean), failure?.stderr).toHaveLength(1);
    // A glob that matches nothing is an error too, naming it.
    const none = await run(process.execPath, ['--import', 'tsx', MAIN, 'codegen', ...args.slice(0, -1), path.join(work, 'no-such-dir/*.graphql'), '--token', server.adminToken], { cwd: ROOT }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(none?.code).toBe(1);
    expect(none?.stderr).toMatch(/^sluice: GraphQL Code Generator failed: .*no-such-dir\/\*\.graphql/);
    // The admin may select it: the same document generates.
    await run(process.execPath, ['--import', 'tsx', MAIN, 'codegen', ...args, '--token', server.adminToken], { cwd: ROOT });
    expect(await readFile(path.join(work, 'hidden-out/graphql/documents/graphql.ts'), 'utf8')).toContain('export const OrderNotesDocument');
  }, 120_000);

  it('reports a service the credentials may not use in one line, with exit status 1', async () => {
    const server = servers.get(ENGINES[0]!)!;
    const failure = await run(process.execPath, ['--import', 'tsx', MAIN, 'codegen', '--url', server.baseUrl, '--service', 'shop', '--out', path.join(work, 'anonymous')], { cwd: ROOT }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/^sluice: .*\/api\/v1\/shop\/_doc answered 404: .*\n$/);
  }, 60_000);
});
