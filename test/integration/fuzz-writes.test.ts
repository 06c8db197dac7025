/**
 * Fuzzing the write surface over real HTTP on every engine, on a scratch database of this suite
 * (never the shared demo): hostile JSON bodies and parameters for POST/PUT/PATCH/DELETE on
 * `/_table/{t}` and `/_table/{t}/{id}`, `_proc/{name}` calls, and `_schema` POST/PUT/DELETE bodies.
 * The tables cover integers, bigint, numeric, length-limited text, boolean, json, timestamps, enums,
 * a composite key, a computed column, a foreign key and views; generators start from their real
 * columns so most requests reach the database.
 *
 * Every answer must keep the contract of `assertSafeAnswer` (test/support/fuzz.ts). And a write
 * that answered 4xx must have changed nothing: the target table's rows are compared before and
 * after (directly in SQL on the servers, through the API on PGlite).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeScratch, SCRATCH_SERVICE, type ScratchFixture } from '../support/scratch.js';
import {
  abbreviate,
  assertSafeAnswer,
  bodyArb,
  conditionsArb,
  filterArb,
  fuzzParameters,
  fuzzTimeout,
  hostileJson,
  hostileString,
  idsArb,
  loadFuzzTables,
  RAW_BODIES,
  recordArb,
  sendFuzz,
  valueText,
  withKeys,
  type FuzzRequest,
  type FuzzTable,
} from '../support/fuzz.js';

const POSTGRES = [
  `CREATE TYPE fz_mood AS ENUM ('happy', 'sad', 'meh')`,
  `CREATE TABLE fz_items (
     id serial PRIMARY KEY,
     code varchar(12) NOT NULL UNIQUE,
     qty integer NOT NULL DEFAULT 0 CHECK (qty >= 0),
     big bigint,
     price numeric(10,2),
     ratio double precision,
     flag boolean NOT NULL DEFAULT false,
     note text,
     doc jsonb,
     mood fz_mood,
     happened_at timestamptz,
     local_at timestamp,
     day date,
     total numeric(14,2) GENERATED ALWAYS AS (qty * price) STORED
   )`,
  `CREATE TABLE fz_pairs (a integer NOT NULL, b varchar(8) NOT NULL, label varchar(20), weight real, PRIMARY KEY (a, b))`,
  `CREATE TABLE fz_children (id bigserial PRIMARY KEY, item_id integer REFERENCES fz_items (id) ON DELETE CASCADE, name varchar(30) NOT NULL, at time)`,
  `CREATE TABLE fz_log (id bigserial PRIMARY KEY, msg text NOT NULL)`,
  `CREATE TABLE fz_alter (id integer PRIMARY KEY, a text, b integer)`,
  `CREATE VIEW fz_item_view AS SELECT id, code, qty FROM fz_items WHERE qty > 0`,
  `CREATE VIEW fz_stats AS SELECT count(*) AS n, sum(qty) AS qty FROM fz_items`,
  `INSERT INTO fz_items (code, qty, price, doc, mood) VALUES ('seed-1', 1, 2.50, '{"a": 1}', 'happy'), ('seed-2', 0, NULL, NULL, NULL)`,
  `INSERT INTO fz_pairs (a, b, label) VALUES (1, 'x', 'one'), (2, 'y', NULL)`,
  `INSERT INTO fz_children (item_id, name) VALUES (1, 'kid')`,
  `CREATE FUNCTION fz_add(a integer, b integer DEFAULT 1) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$`,
  `CREATE FUNCTION fz_div(a numeric, b numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT a / b $$`,
  `CREATE FUNCTION fz_echo(p_text varchar(10), p_when timestamptz, p_doc jsonb, p_tags text[]) RETURNS TABLE(t text, w timestamptz, d jsonb, n integer)
     LANGUAGE sql STABLE AS $$ SELECT p_text, p_when, p_doc, cardinality(p_tags) $$`,
  `CREATE FUNCTION fz_log_add(p_msg text) RETURNS bigint LANGUAGE sql VOLATILE AS $$ INSERT INTO fz_log (msg) VALUES (p_msg) RETURNING id $$`,
  `CREATE PROCEDURE fz_bump(IN p_n integer, INOUT p_total numeric) LANGUAGE plpgsql AS $$ BEGIN p_total := coalesce(p_total, 0) + p_n; END $$`,
];
const MYSQL = [
  `CREATE TABLE fz_items (
     id int AUTO_INCREMENT PRIMARY KEY,
     code varchar(12) NOT NULL UNIQUE,
     qty int NOT NULL DEFAULT 0 CHECK (qty >= 0),
     big bigint,
     price decimal(10,2),
     ratio double,
     flag boolean NOT NULL DEFAULT false,
     note text,
     doc json,
     mood enum('happy', 'sad', 'meh'),
     happened_at timestamp(6) NULL DEFAULT NULL,
     local_at datetime(6),
     day date,
     total decimal(14,2) AS (qty * price) STORED
   ) ENGINE=InnoDB`,
  `CREATE TABLE fz_pairs (a int NOT NULL, b varchar(8) NOT NULL, label varchar(20), weight float, PRIMARY KEY (a, b)) ENGINE=InnoDB`,
  `CREATE TABLE fz_children (id bigint AUTO_INCREMENT PRIMARY KEY, item_id int, name varchar(30) NOT NULL, at time,
     CONSTRAINT fz_children_item FOREIGN KEY (item_id) REFERENCES fz_items (id) ON DELETE CASCADE) ENGINE=InnoDB`,
  `CREATE TABLE fz_log (id bigint AUTO_INCREMENT PRIMARY KEY, msg text NOT NULL) ENGINE=InnoDB`,
  `CREATE TABLE fz_alter (id int PRIMARY KEY, a text, b int) ENGINE=InnoDB`,
  `CREATE VIEW fz_item_view AS SELECT id, code, qty FROM fz_items WHERE qty > 0`,
  `CREATE VIEW fz_stats AS SELECT count(*) AS n, sum(qty) AS qty FROM fz_items`,
  `INSERT INTO fz_items (code, qty, price, doc, mood) VALUES ('seed-1', 1, 2.50, '{"a": 1}', 'happy'), ('seed-2', 0, NULL, NULL, NULL)`,
  `INSERT INTO fz_pairs (a, b, label) VALUES (1, 'x', 'one'), (2, 'y', NULL)`,
  `INSERT INTO fz_children (item_id, name) VALUES (1, 'kid')`,
  `CREATE FUNCTION fz_add(a int, b int) RETURNS int DETERMINISTIC NO SQL RETURN a + b`,
  `CREATE FUNCTION fz_div(a decimal(20,4), b decimal(20,4)) RETURNS decimal(30,4) DETERMINISTIC NO SQL RETURN a / b`,
  `CREATE FUNCTION fz_log_add(p_msg text) RETURNS bigint MODIFIES SQL DATA BEGIN INSERT INTO fz_log (msg) VALUES (p_msg); RETURN LAST_INSERT_ID(); END`,
  `CREATE PROCEDURE fz_items_over(IN p_min int) READS SQL DATA SELECT id, code, qty FROM fz_items WHERE qty > p_min ORDER BY id`,
];

/** Tables the fuzzer writes to with `_table` requests (views included: they must refuse or pass writes cleanly). */
const WRITE_TABLES = ['fz_items', 'fz_pairs', 'fz_children', 'fz_item_view', 'fz_stats'];
/** Where a view's rows live, for the before/after comparison. */
const BASE_TABLE: Record<string, string> = { fz_item_view: 'fz_items', fz_stats: 'fz_items' };
const KEY_ORDER: Record<string, string> = { fz_items: 'id', fz_pairs: 'a, b', fz_children: 'id', fz_log: 'id' };

const WRITE_RUNS = 250;
const PROC_RUNS = 150;
const SCHEMA_RUNS = 150;

await describeScratch('fuzz writes', { postgres: POSTGRES, mysql: MYSQL }, (fixture) => {
  let tables: Map<string, FuzzTable>;
  const stats = new Map<string, number>();
  afterAll(() => {
    if (process.env.SLUICE_FUZZ_STATS) console.log([...stats].sort((a, b) => b[1] - a[1]));
  });
  beforeAll(async () => {
    tables = await loadFuzzTables(fixture().baseUrl, fixture().adminToken, SCRATCH_SERVICE);
    for (const name of WRITE_TABLES) expect(tables.has(name), name).toBe(true);
  });

  const send = async (f: ScratchFixture, request: FuzzRequest) => {
    const answer = await sendFuzz(f.baseUrl, f.adminToken, request);
    const parsed = assertSafeAnswer(request, answer);
    if (process.env.SLUICE_FUZZ_STATS) {
      const reason = (parsed as { error?: { context?: { reason?: string } } } | undefined)?.error?.context?.reason ?? '';
      const key = `${request.method} ${request.segments[1]} ${answer.status} ${reason}`;
      stats.set(key, (stats.get(key) ?? 0) + 1);
    }
    return { answer, parsed };
  };

  /** Every row of a table, in key order: directly in SQL where the test can reach the database, else through the API. */
  const snapshot = async (f: ScratchFixture, table: string): Promise<string> => {
    if (f.engine !== 'pglite') return JSON.stringify(await f.sql(`SELECT * FROM ${table} ORDER BY ${KEY_ORDER[table] ?? 'id'}`));
    const rows: unknown[] = [];
    for (let offset = 0; ; offset += 1000) {
      const res = await f.send<{ resource: unknown[] }>('GET', `/api/v1/${SCRATCH_SERVICE}/_table/${table}?limit=1000&offset=${offset}`);
      expect(res.status).toBe(200);
      rows.push(...res.body.resource);
      if (res.body.resource.length < 1000) return JSON.stringify(rows);
    }
  };

  it(
    '_table writes answer hostile bodies and parameters within the contract, and a 4xx changes nothing',
    async () => {
      const f = fixture();
      const table = fc.constantFrom(...WRITE_TABLES).map((name) => tables.get(name) as FuzzTable);
      const idOf = (t: FuzzTable) => {
        const keys = t.primary_key.map((k) => t.columns.find((c) => c.name === k)).filter((c) => c !== undefined);
        const real = keys.length > 0 ? fc.tuple(...keys.map((c) => valueText(c))).map((parts) => parts.join(',')) : hostileString;
        return fc.oneof({ weight: 2, arbitrary: fc.constantFrom('1', '2', '1,x', '2,y') }, { weight: 3, arbitrary: real }, { weight: 1, arbitrary: hostileString });
      };
      const writeQuery = (t: FuzzTable, h: number) =>
        fc
          .tuple(
            fc.oneof({ weight: 2, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: filterArb(t, [], h).map((v): [string, string][] => [['filter', v]]) }),
            fc.oneof({ weight: 3, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: idsArb(t, h).map((v): [string, string][] => [['ids', v]]) }),
            fc.oneof({ weight: 2, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: conditionsArb(t, h) }),
            fc.oneof(
              { weight: 4, arbitrary: fc.constant<[string, string][]>([]) },
              { weight: 1, arbitrary: fc.constantFrom<[string, string][]>([['upsert', 'true']], [['rollback', 'false']], [['rollback', 'maybe']], [['fields', 'id,code']], [['fields', 'nope']], [['select', 'a,label']]) },
            ),
          )
          .map((parts) => parts.flat());
      const body = (t: FuzzTable, h: number): fc.Arbitrary<FuzzRequest['body']> =>
        fc.oneof(
          { weight: 8, arbitrary: bodyArb(t, h).map((json) => ({ json })) },
          { weight: h, arbitrary: fc.constantFrom(...RAW_BODIES).map((raw) => ({ raw })) },
          { weight: h, arbitrary: fc.tuple(recordArb(t), fc.constantFrom('text/plain', 'application/json; charset=latin1', 'application/merge-patch+json', 'application/x-www-form-urlencoded')).map(([json, contentType]) => ({ raw: JSON.stringify(json), contentType })) },
        );
      const headers = fc.oneof(
        { weight: 6, arbitrary: fc.constant<Record<string, string>>({}) },
        { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({ prefer: 'resolution=merge-duplicates' }, { prefer: 'resolution=ignore-duplicates' }, { prefer: 'return=minimal, resolution=nope' }) },
      );
      const request = fc.oneof(
        fc
          .tuple(table, fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'), fc.nat(3))
          .chain(([t, method, roll]) => {
            const h = roll === 0 ? 1 : 0;
            return fc.tuple(fc.constant(t), fc.constant(method), writeQuery(t, h), method === 'DELETE' ? fc.option(body(t, h), { freq: 3 }) : body(t, h), headers);
          })
          .map(([t, method, query, b, hs]): FuzzRequest => ({ method, segments: [SCRATCH_SERVICE, '_table', t.name], query, ...(b ? { body: b } : {}), headers: hs })),
        fc
          .tuple(table, fc.constantFrom('PUT', 'PATCH', 'DELETE'), fc.nat(2))
          .chain(([t, method, roll]) => fc.tuple(fc.constant(t), fc.constant(method), idOf(t), method === 'DELETE' ? fc.constant(undefined) : body(t, roll === 0 ? 1 : 0)))
          .map(([t, method, id, b]): FuzzRequest => ({ method, segments: [SCRATCH_SERVICE, '_table', t.name, id], ...(b ? { body: b } : {}) })),
      );
      let changed = 0;
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const target = r.segments[2] as string;
          const base = BASE_TABLE[target] ?? target;
          const before = await snapshot(f, base);
          const { answer } = await send(f, r);
          const after = await snapshot(f, base);
          if (answer.status >= 400 && before !== after) {
            throw new Error(`${r.method} answered ${answer.status} but changed '${base}':\n${abbreviate(answer.text).slice(0, 800)}\nbefore: ${abbreviate(before).slice(0, 800)}\nafter: ${abbreviate(after).slice(0, 800)}`);
          }
          if (before !== after) changed++;
        }),
        fuzzParameters(WRITE_RUNS),
      );
      // The generators must produce writes that succeed, not only refusals.
      expect(changed).toBeGreaterThan(5);

      // What the database still holds is consistent: computed totals, checks, lengths, the foreign key.
      const items = JSON.parse(await snapshot(f, 'fz_items')) as { id: number; code: string; qty: number; price: string | null; total: string | null }[];
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        expect(item.qty).toBeGreaterThanOrEqual(0);
        expect([...item.code].length).toBeLessThanOrEqual(12);
        if (item.price === null) expect(item.total).toBeNull();
        else expect(Number(item.total)).toBeCloseTo(item.qty * Number(item.price), 2);
      }
      const ids = new Set(items.map((i) => Number(i.id)));
      const children = JSON.parse(await snapshot(f, 'fz_children')) as { item_id: number | null }[];
      for (const child of children) if (child.item_id !== null) expect(ids.has(Number(child.item_id))).toBe(true);
      // The API and the database agree on what is there.
      const counted = await f.send<{ meta: { total: number } }>('GET', `/api/v1/${SCRATCH_SERVICE}/_table/fz_items?limit=0&include_count=true`);
      expect(counted.body.meta.total).toBe(items.length);
    },
    fuzzTimeout(WRITE_RUNS, 800),
  );

  it(
    '_proc calls answer hostile arguments within the contract',
    async () => {
      const f = fixture();
      const listing = (await send(f, { method: 'GET', segments: [SCRATCH_SERVICE, '_proc'] })).parsed as { resource: { name: string; parameters: { name: string; type: string; mode: string }[] }[] };
      const procedures = listing.resource;
      expect(procedures.length).toBeGreaterThanOrEqual(3);
      const parameterNames = [...new Set(procedures.flatMap((p) => p.parameters.map((q) => q.name)))];
      const value = fc.oneof(
        { weight: 3, arbitrary: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom<unknown>(0, 2147483647, '2024-01-01T00:00:00Z', 'short', ['a', 'b'], { k: 1 }, '1.5', 1e300)) },
        { weight: 2, arbitrary: hostileJson },
      );
      const args = fc
        .array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...parameterNames) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'p_nope', '') }), value), { maxLength: 4 })
        .map((entries) => withKeys(entries));
      const name = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...procedures.map((p) => p.name)) }, { weight: 1, arbitrary: hostileString });
      /** A value that fits a parameter's database type (mostly), so calls reach the routine. */
      const fitting = (type: string): fc.Arbitrary<unknown> => {
        const t = type.toLowerCase();
        if (t.includes('[]')) return fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 });
        if (t.includes('int')) return fc.oneof(fc.integer({ min: -100, max: 100 }), fc.constantFrom(2147483647, -2147483648));
        if (t.includes('numeric') || t.includes('decimal')) return fc.oneof(fc.integer({ min: -100, max: 100 }), fc.constantFrom(0, '1.25', '1e30'));
        if (t.includes('json')) return fc.jsonValue({ maxDepth: 2 });
        if (t.includes('timestamp')) return fc.constantFrom('2024-01-01T00:00:00Z', '1970-01-01T00:00:00+01:00');
        return fc.string({ maxLength: 12 });
      };
      const fittingCall = fc
        .constantFrom(...procedures)
        .chain((p) =>
          fc.tuple(
            fc.constant(p.name),
            fc.tuple(...p.parameters.filter((q) => q.mode !== 'out').map((q) => fc.oneof({ weight: 5, arbitrary: fitting(q.type) }, { weight: 1, arbitrary: hostileJson }).map((v): [string, unknown] => [q.name, v]))),
          ),
        )
        .map(([n, entries]): FuzzRequest => ({ method: 'POST', segments: [SCRATCH_SERVICE, '_proc', n], body: { json: withKeys(entries) } }));
      const request = fc.oneof(
        { weight: 3, arbitrary: fittingCall },
        fc.tuple(name, fc.oneof({ weight: 6, arbitrary: args.map((json): FuzzRequest['body'] => ({ json })) }, { weight: 1, arbitrary: hostileJson.map((json): FuzzRequest['body'] => ({ json })) }, { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES).map((raw): FuzzRequest['body'] => ({ raw })) }))
          .map(([n, b]): FuzzRequest => ({ method: 'POST', segments: [SCRATCH_SERVICE, '_proc', n], ...(b ? { body: b } : {}) })),
        fc
          .tuple(name, fc.array(fc.tuple(fc.oneof(fc.constantFrom(...parameterNames), hostileString), fc.oneof(fc.integer({ min: -5, max: 100 }).map(String), hostileString)), { maxLength: 3 }), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'))
          .map(([n, query, method]): FuzzRequest => ({ method, segments: [SCRATCH_SERVICE, '_proc', n], query })),
      );
      let ok = 0;
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          if ((await send(f, r)).answer.status === 200) ok++;
        }),
        fuzzParameters(PROC_RUNS),
      );
      expect(ok).toBeGreaterThan(5);
    },
    fuzzTimeout(PROC_RUNS),
  );

  it(
    '_schema changes answer hostile bodies within the contract, and the service keeps serving',
    async () => {
      const f = fixture();
      // `h` = 0: well-formed bodies (names, types and defaults that may still clash); `h` = 1: hostile parts too.
      const typeText = (h: number) =>
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('integer', 'bigint', 'serial', 'varchar(20)', 'varchar', 'text', 'decimal(10,2)', 'numeric', 'boolean', 'timestamp', 'timestamptz', 'date', 'time(3)', 'json', 'jsonb', 'uuid', 'bytea', 'double precision', 'char(3)') },
          { weight: h, arbitrary: fc.constantFrom('varchar(0)', 'varchar(99999999)', 'decimal(2,5)', 'decimal(1001)', 'int(11)', 'integer; DROP TABLE fz_items', 'text COLLATE "C"', 'enum(a,b)', 'geometry', 'time(9)', 'INTEGER', '  integer  ', 'timestamp(6) with time zone') },
          { weight: h, arbitrary: hostileString },
        );
      const defaultValue = (h: number) =>
        fc.oneof({ weight: 3, arbitrary: fc.constantFrom<unknown>(0, 1.5, 'x', true, null, 'now()', 'current_date', 'uuid()', '2024-01-01', '2024-01-01T00:00:00Z', '12:00', 'AAAA', '99999999999999999999', "it's", '\\', '{"a": 1}') }, { weight: h, arbitrary: hostileJson });
      const columnName = (h: number) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom('id', 'a', 'b', 'c', 'name', 'Name', 'with space', 'é', '"q"', "it's", 'select') }, { weight: h, arbitrary: hostileString });
      const column = (h: number) =>
        fc
          .record({ name: columnName(h), type: typeText(h), is_primary_key: fc.option(fc.boolean(), { freq: 3 }), is_nullable: fc.option(fc.boolean(), { freq: 3 }), default: fc.option(defaultValue(h), { freq: 2 }) })
          .map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== null)));
      const tableName = (h: number) => fc.oneof({ weight: 6, arbitrary: fc.nat(9999).map((n) => `fz_new_${n}`) }, { weight: 1, arbitrary: fc.constantFrom('fz_items', 'fz_alter', 'fz_item_view') }, { weight: h, arbitrary: hostileString });
      const createBody = (h: number) =>
        fc.oneof(
          { weight: 5, arbitrary: fc.record({ name: tableName(h), columns: fc.array(column(h), { minLength: 1, maxLength: 4 }) }) },
          {
            weight: 1,
            arbitrary: fc.tuple(tableName(h), column(h)).map(([name, c]) => ({
              name,
              columns: [{ name: 'id', type: 'integer', is_primary_key: true }, { ...c, name: 'item_id' }],
              foreign_keys: [{ columns: ['item_id'], referenced_table: 'fz_items', referenced_columns: ['id'], on_delete: 'set null' }],
            })),
          },
          { weight: h, arbitrary: fc.oneof(hostileJson, fc.record({ name: tableName(h), columns: hostileJson, is_nulable: fc.boolean() })) },
        );
      const alterColumn = (h: number) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom('a', 'b', 'id', 'c', 'name', 'nope') }, { weight: h, arbitrary: hostileString });
      const change = (h: number) =>
        fc.oneof(
          { weight: 3, arbitrary: fc.record({ type: fc.constant('add_column'), definition: column(h) }) },
          { weight: 2, arbitrary: fc.record({ type: fc.constant('drop_column'), column: alterColumn(h) }) },
          { weight: 2, arbitrary: fc.record({ type: fc.constant('rename_column'), column: alterColumn(h), new_name: columnName(h) }) },
          { weight: 3, arbitrary: fc.record({ type: fc.constant('modify_column'), column: alterColumn(h), definition: fc.record({ type: typeText(h), is_nullable: fc.boolean(), default: defaultValue(h) }, { requiredKeys: [] }) }) },
          { weight: h, arbitrary: fc.record({ type: fc.constantFrom('truncate', 'add_index', ''), column: alterColumn(h) }) },
          { weight: h, arbitrary: hostileJson },
        );
      const hostility = fc.nat(2).map((roll) => (roll === 0 ? 1 : 0));
      const request = fc.oneof(
        { weight: 4, arbitrary: hostility.chain(createBody).map((json): FuzzRequest => ({ method: 'POST', segments: [SCRATCH_SERVICE, '_schema'], body: { json } })) },
        {
          weight: 4,
          arbitrary: hostility
            .chain((h) =>
              fc.tuple(
                fc.oneof({ weight: 5, arbitrary: fc.constant('fz_alter') }, { weight: 1, arbitrary: fc.constantFrom('fz_item_view', 'nope') }, { weight: h, arbitrary: hostileString }),
                fc.oneof({ weight: 5, arbitrary: fc.array(change(h), { minLength: 1, maxLength: 3 }).map((changes) => ({ changes })) }, { weight: h, arbitrary: hostileJson }),
              ),
            )
            .map(([name, json]): FuzzRequest => ({ method: 'PUT', segments: [SCRATCH_SERVICE, '_schema', name], body: { json } })),
        },
        { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES).map((raw): FuzzRequest => ({ method: 'POST', segments: [SCRATCH_SERVICE, '_schema'], body: { raw } })) },
        {
          weight: 2,
          arbitrary: fc
            .oneof(fc.nat(9999).map((n) => `fz_new_${n}`), fc.constantFrom('fz_item_view', 'fz_stats', 'nope'), hostileString.filter((s) => !s.startsWith('fz_') && s !== ''))
            .map((name): FuzzRequest => ({ method: 'DELETE', segments: [SCRATCH_SERVICE, '_schema', name] })),
        },
        { weight: 1, arbitrary: fc.constantFrom('PATCH', 'POST').map((method): FuzzRequest => ({ method, segments: [SCRATCH_SERVICE, '_schema', 'fz_alter'], body: { json: {} } })) },
      );
      await fc.assert(fc.asyncProperty(request, async (r) => void (await send(f, r))), fuzzParameters(SCHEMA_RUNS));

      // The service still serves: the catalog reloads, and the tables the other properties use answer.
      const schema = await f.send('GET', `/api/v1/${SCRATCH_SERVICE}/_schema`);
      expect(schema.status).toBe(200);
      const items = await f.send<{ resource: unknown[] }>('GET', `/api/v1/${SCRATCH_SERVICE}/_table/fz_items?limit=1`);
      expect(items.status).toBe(200);
    },
    fuzzTimeout(SCHEMA_RUNS, 1000),
  );
});
