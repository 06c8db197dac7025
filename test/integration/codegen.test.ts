/**
 * `sluice codegen` end to end, on PGlite and PostgreSQL (MariaDB serves the same document shape
 * and would only add minutes): a real server on the demo database, the real command (a process,
 * from source through tsx) run as an admin and as a restricted role made through the System API,
 * the example program `codegen/examples/rest-client.ts` compiled by `tsc --strict` against each
 * generated SDK (once per SDK) and run against each server, its output compared with what SQL
 * reads from the database. A probe file of mistakes must fail to compile exactly where the role's
 * SDK forbids them (hidden tables and columns) and where every SDK does (unknown names, bad types).
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

/** The probe's 1-based line numbers expected to fail for `role`. */
function expectedErrorLines(role: RoleName): number[] {
  return PROBE.split('\n').flatMap((line, i) => {
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
        const args = ['codegen', '--url', server.baseUrl, '--service', 'shop', ...flag, '--out', sdkDir(engine, role)];
        const env = viaEnv ? { ...process.env, SLUICE_CODEGEN_API_KEY: server.restrictedKey } : process.env;
        const { stdout } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env });
        return stdout;
      }),
    );
    const allTables = [...DEMO_TABLES, ...DEMO_VIEWS].sort();
    for (const [i, { engine, role }] of jobs.entries()) {
      const tables = role === 'admin' ? allTables : ['orders', 'products'];
      expect(outputs[i]).toContain(`(tables: ${tables.join(', ')})`);
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
        for (const file of ['rest/schema.ts', 'rest/client.ts']) {
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
        await cp(path.join(EXAMPLES, 'rest-client.ts'), path.join(dir, 'rest-client.ts'));
        await cp(path.join(EXAMPLES, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
        await writeFile(path.join(dir, 'probe.ts'), PROBE);
        const output = await run(process.execPath, [TSC, '-p', dir, '--pretty', 'false']).then(
          (r) => r.stdout,
          (error: { stdout?: string }) => error.stdout ?? String(error),
        );
        return { role, output };
      }),
    );
    for (const { role, output } of results) {
      const errors = [...output.matchAll(/^(\S+?)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => ({ file: m[1], line: Number(m[2]) }));
      // The generated code and the example compile cleanly; the probe fails exactly on its marked lines.
      expect(errors.filter((e) => e.file !== 'probe.ts' && !e.file?.endsWith('/probe.ts')), `${role}:\n${output}`).toEqual([]);
      expect([...new Set(errors.map((e) => e.line))].sort((a, b) => a - b), `${role}:\n${output}`).toEqual(expectedErrorLines(role));
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
