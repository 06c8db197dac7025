/**
 * GraphQL mutations and SQL functions as fields, over real HTTP on every engine, on a scratch
 * database: inserts (with on_conflict merge and ignore), updates (_set, _inc, by primary key,
 * composite keys), deletes, `returning`, one transaction per mutation field, per-role schemas
 * (verbs, hidden columns, row filters), read-only services, audit entries, and routines. Every write
 * is checked against the database afterwards — in SQL on the servers, through the REST API on
 * PGlite (which the server holds) — never against the mutation's own answer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { describeScratch, SCRATCH_SERVICE } from '../support/scratch.js';

const POSTGRES = [
  `CREATE TABLE items (
     id serial PRIMARY KEY,
     sku varchar(20) NOT NULL UNIQUE,
     name varchar(40) NOT NULL,
     qty integer NOT NULL DEFAULT 0 CHECK (qty >= 0),
     price numeric(10,2),
     note text
   )`,
  `CREATE TABLE pairs (a integer NOT NULL, b integer NOT NULL, label text, weight numeric(8,2) NOT NULL DEFAULT 1, PRIMARY KEY (a, b))`,
  `CREATE TABLE owned (id integer PRIMARY KEY, owner varchar(20) NOT NULL, body text, secret text)`,
  `CREATE VIEW item_names AS SELECT id, sku, name FROM items`,
  `CREATE TABLE teams (id integer PRIMARY KEY, name text NOT NULL, active boolean NOT NULL, budget integer NOT NULL)`,
  `CREATE TABLE members (id integer PRIMARY KEY, team_id integer NOT NULL REFERENCES teams (id), name text NOT NULL, score integer NOT NULL)`,
  `CREATE FUNCTION items_cheaper(p_max numeric) RETURNS SETOF items LANGUAGE sql STABLE AS $$ SELECT * FROM items WHERE price < p_max ORDER BY id $$`,
  `CREATE FUNCTION item_total(p_min integer DEFAULT 0) RETURNS integer LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(qty), 0)::int FROM items WHERE qty >= p_min $$`,
  `CREATE FUNCTION restock(p_sku text, p_by integer) RETURNS integer LANGUAGE sql VOLATILE AS $$ UPDATE items SET qty = qty + p_by WHERE sku = p_sku RETURNING qty $$`,
  // Names that collide with table fields: pairs_aggregate (Query), insert_pairs (Mutation).
  `CREATE PROCEDURE set_note(IN p_sku text, IN p_note text, OUT old_note text) LANGUAGE plpgsql AS $$
     BEGIN SELECT note INTO old_note FROM items WHERE sku = p_sku; UPDATE items SET note = p_note WHERE sku = p_sku; END $$`,
  `CREATE FUNCTION pairs_aggregate() RETURNS integer LANGUAGE sql STABLE AS $$ SELECT count(*)::int FROM pairs $$`,
  `CREATE FUNCTION insert_pairs(p_a integer) RETURNS integer LANGUAGE sql VOLATILE AS $$ INSERT INTO pairs (a, b, label) VALUES (p_a, 0, 'fn') RETURNING a $$`,
];
const MYSQL = [
  `CREATE TABLE items (
     id int AUTO_INCREMENT PRIMARY KEY,
     sku varchar(20) NOT NULL UNIQUE,
     name varchar(40) NOT NULL,
     qty int NOT NULL DEFAULT 0 CHECK (qty >= 0),
     price decimal(10,2),
     note text
   ) ENGINE=InnoDB`,
  `CREATE TABLE pairs (a int NOT NULL, b int NOT NULL, label text, weight decimal(8,2) NOT NULL DEFAULT 1, PRIMARY KEY (a, b)) ENGINE=InnoDB`,
  `CREATE TABLE owned (id int PRIMARY KEY, owner varchar(20) NOT NULL, body text, secret text) ENGINE=InnoDB`,
  `CREATE VIEW item_names AS SELECT id, sku, name FROM items`,
  `CREATE TABLE teams (id int PRIMARY KEY, name varchar(20) NOT NULL, active boolean NOT NULL, budget int NOT NULL) ENGINE=InnoDB`,
  `CREATE TABLE members (id int PRIMARY KEY, team_id int NOT NULL, name varchar(20) NOT NULL, score int NOT NULL, FOREIGN KEY (team_id) REFERENCES teams (id)) ENGINE=InnoDB`,
  `CREATE FUNCTION item_total(p_min INT) RETURNS INT READS SQL DATA RETURN (SELECT coalesce(sum(qty), 0) FROM items WHERE qty >= p_min)`,
  `CREATE FUNCTION restock(p_sku VARCHAR(20), p_by INT) RETURNS INT MODIFIES SQL DATA
     BEGIN UPDATE items SET qty = qty + p_by WHERE sku = p_sku; RETURN (SELECT qty FROM items WHERE sku = p_sku); END`,
  `CREATE PROCEDURE skus_like(IN p_prefix VARCHAR(20)) READS SQL DATA SELECT sku FROM items WHERE sku LIKE CONCAT(p_prefix, '%') ORDER BY sku`,
];

type Row = Record<string, unknown>;
interface GqlBody<T = Row> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

const GQL = `/api/v1/${SCRATCH_SERVICE}/_graphql`;
const T = `/api/v1/${SCRATCH_SERVICE}/_table`;
const ALL = 31;
const GET = 1;
const PATCH = 8;

/** Values as text (drivers and the REST API type numbers differently). */
const text = (row: Row): Record<string, string | null> => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]));

await describeScratch('graphql mutations', { postgres: POSTGRES, mysql: MYSQL }, (fixture) => {
  const keys = new Map<string, string>();
  const as = (role: string) => ({ headers: { 'x-api-key': keys.get(role) as string } });

  const gql = async <T = Row>(query: string, variables?: Row, init?: { headers?: Record<string, string> }) =>
    fixture().send<GqlBody<T>>('POST', GQL, { query, ...(variables ? { variables } : {}) }, init);
  /** The data of a document that must succeed. */
  const data = async <T = Row>(query: string, variables?: Row, init?: { headers?: Record<string, string> }): Promise<T> => {
    const res = await gql<T>(query, variables, init);
    expect(res.body.errors, res.text).toBeUndefined();
    expect(res.status).toBe(200);
    return res.body.data as T;
  };

  /** Rows of a table as the database has them (columns as text), ordered by `order`. */
  const dbRows = async (table: string, columns: string[], order: string, where?: { sql: string; rest: string }): Promise<Record<string, string | null>[]> => {
    const f = fixture();
    if (f.engine === 'pglite') {
      const query = new URLSearchParams({ fields: columns.join(','), order, limit: '1000', ...(where ? { filter: where.rest } : {}) });
      const res = await f.send<{ resource: Row[] }>('GET', `${T}/${table}?${query}`);
      expect(res.status, res.text).toBe(200);
      return res.body.resource.map(text);
    }
    const rows = await f.sql(`SELECT ${columns.join(', ')} FROM ${table}${where ? ` WHERE ${where.sql}` : ''} ORDER BY ${order}`);
    return rows.map(text);
  };
  const itemBySku = async (sku: string) => (await dbRows('items', ['id', 'sku', 'name', 'qty', 'price', 'note'], 'id', { sql: `sku = '${sku}'`, rest: `sku = '${sku}'` }))[0];

  const fieldsOf = async (typeName: string, init?: { headers?: Record<string, string> }): Promise<string[] | null> => {
    const result = await data<{ __type: { fields: { name: string }[] | null; inputFields: { name: string }[] | null } | null }>(
      `query($name: String!) { __type(name: $name) { fields { name } inputFields { name } } }`,
      { name: typeName },
      init,
    );
    if (!result.__type) return null;
    return (result.__type.fields ?? result.__type.inputFields ?? []).map((f) => f.name).sort();
  };

  beforeAll(async () => {
    const f = fixture();
    const roles = {
      owner_alice: [{ service_name: SCRATCH_SERVICE, component: '_table/owned', verb_mask: ALL, filter: "owner = 'alice'", fields: ['id', 'owner', 'body'] }],
      // Changes members; sees only active teams, without their budget.
      members_editor: [
        { service_name: SCRATCH_SERVICE, component: '_table/members', verb_mask: ALL },
        { service_name: SCRATCH_SERVICE, component: '_table/teams', verb_mask: GET, filter: 'active = true', fields: ['id', 'name', 'active'] },
      ],
      items_patcher: [{ service_name: SCRATCH_SERVICE, component: '_table/items', verb_mask: GET | PATCH }],
      // Reads every column, but may change only some of them.
      items_partial: [
        { service_name: SCRATCH_SERVICE, component: '_table/items', verb_mask: GET },
        { service_name: SCRATCH_SERVICE, component: '_table/items', verb_mask: PATCH, fields: ['id', 'sku', 'qty'] },
      ],
    };
    for (const [name, access] of Object.entries(roles)) {
      const role = await f.send<{ id: number }>('POST', '/api/v1/system/role', { name, access });
      expect(role.status, role.text).toBe(201);
      const key = await f.send<{ api_key: string }>('POST', '/api/v1/system/api-key', { role_id: role.body.id, label: name });
      keys.set(name, key.body.api_key);
    }
    const seeded = await f.send('POST', `${T}/owned`, [
      { id: 1, owner: 'alice', body: 'a1', secret: 's1' },
      { id: 2, owner: 'bob', body: 'b1', secret: 's2' },
      { id: 3, owner: 'alice', body: 'a2', secret: 's3' },
    ]);
    expect(seeded.status, seeded.text).toBe(201);
    const teams = await f.send('POST', `${T}/teams`, [
      { id: 1, name: 'red', active: true, budget: 10 },
      { id: 2, name: 'blue', active: true, budget: 500 },
      { id: 3, name: 'grey', active: false, budget: 50 },
    ]);
    expect(teams.status, teams.text).toBe(201);
    const members = await f.send('POST', `${T}/members`, [
      { id: 1, team_id: 1, name: 'ann', score: 1 },
      { id: 2, team_id: 1, name: 'ben', score: 2 },
      { id: 3, team_id: 2, name: 'cy', score: 3 },
      { id: 4, team_id: 3, name: 'dee', score: 4 },
      { id: 5, team_id: 3, name: 'eve', score: 5 },
    ]);
    expect(members.status, members.text).toBe(201);
  });

  it('exposes mutations for tables only, in Hasura shapes', async () => {
    const mutations = await fieldsOf('Mutation');
    for (const name of ['insert_items', 'insert_items_one', 'update_items', 'update_items_by_pk', 'delete_items', 'delete_items_by_pk', 'update_pairs_by_pk']) {
      expect(mutations).toContain(name);
    }
    expect(mutations?.some((n) => n.includes('item_names'))).toBe(false);
    expect(await fieldsOf('items_mutation_response')).toEqual(['affected_rows', 'returning']);
    expect(await fieldsOf('pairs_pk_columns_input')).toEqual(['a', 'b']);
    expect(await fieldsOf('items_inc_input')).toEqual(['id', 'price', 'qty']);
    const constraint = await data<{ __type: { enumValues: { name: string }[] } }>('{ __type(name: "items_constraint") { enumValues { name } } }');
    expect(constraint.__type.enumValues.map((v) => v.name).sort()).toEqual(['items_pkey', 'items_sku_key']);
  });

  it('insert_T inserts every object in one statement and returns them', async () => {
    const result = await data<{ insert_items: { affected_rows: number; returning: Row[] } }>(
      `mutation($objects: [items_insert_input!]!) { insert_items(objects: $objects) { affected_rows returning { id sku name qty price } } }`,
      { objects: [{ sku: 'i-1', name: 'one', qty: 3, price: '2.50' }, { sku: 'i-2', name: 'two' }] },
    );
    expect(result.insert_items.affected_rows).toBe(2);
    for (const returned of result.insert_items.returning) {
      const stored = await itemBySku(String(returned.sku));
      expect(stored).toMatchObject({ id: String(returned.id), name: returned.name, qty: String(returned.qty) });
    }
    expect(await itemBySku('i-1')).toMatchObject({ qty: '3', price: '2.50' });
    expect(await itemBySku('i-2')).toMatchObject({ qty: '0', price: null });
  });

  it('insert_T_one with on_conflict merges the listed columns, or keeps the row when none are listed', async () => {
    await data(`mutation { insert_items_one(object: {sku: "c-1", name: "first", qty: 1, note: "kept"}) { id } }`);
    const merged = await data<{ insert_items_one: Row | null }>(
      `mutation { insert_items_one(object: {sku: "c-1", name: "second", qty: 9, note: "ignored"}, on_conflict: {constraint: items_sku_key, update_columns: [name, qty]}) { sku name qty note } }`,
    );
    expect(merged.insert_items_one).toMatchObject({ sku: 'c-1', name: 'second', qty: 9, note: 'kept' });
    expect(await itemBySku('c-1')).toMatchObject({ name: 'second', qty: '9', note: 'kept' });

    await data(`mutation { insert_items(objects: [{sku: "c-1", name: "third", qty: 5}], on_conflict: {constraint: items_sku_key, update_columns: []}) { affected_rows } }`);
    expect(await itemBySku('c-1')).toMatchObject({ name: 'second', qty: '9' });

    // PostgreSQL: on_conflict.where overwrites only existing rows matching it (MariaDB has no such field).
    const conflictFields = await fieldsOf('items_on_conflict');
    if (fixture().engine === 'mariadb') {
      expect(conflictFields).toEqual(['constraint', 'update_columns']);
    } else {
      const upsert = (name: string) =>
        data(`mutation { insert_items_one(object: {sku: "c-1", name: "${name}"}, on_conflict: {constraint: items_sku_key, update_columns: [name], where: {qty: {_lt: 5}}}) { id } }`);
      await upsert('not applied'); // qty is 9
      expect(await itemBySku('c-1')).toMatchObject({ name: 'second', qty: '9' });
      await data(`mutation { update_items(where: {sku: {_eq: "c-1"}}, _set: {qty: 4}) { affected_rows } }`);
      await upsert('applied');
      expect(await itemBySku('c-1')).toMatchObject({ name: 'applied', qty: '4' });
      await data(`mutation { update_items(where: {sku: {_eq: "c-1"}}, _set: {name: "second", qty: 9}) { affected_rows } }`);
    }

    // Without on_conflict a duplicate is an error with REST's envelope, and nothing changes.
    const duplicate = await gql(`mutation { insert_items_one(object: {sku: "c-1", name: "dup"}) { id } }`);
    expect(duplicate.body.errors?.[0]?.extensions).toMatchObject({ code: 409 });
    expect(await itemBySku('c-1')).toMatchObject({ name: 'second' });
  });

  it('update_T applies _set and _inc to the matching rows and reports them', async () => {
    await data(`mutation { insert_items(objects: [{sku: "u-1", name: "a", qty: 1, price: "1.00"}, {sku: "u-2", name: "b", qty: 2, price: "2.00"}, {sku: "v-1", name: "c", qty: 3}]) { affected_rows } }`);
    const result = await data<{ update_items: { affected_rows: number; returning: Row[] } }>(
      `mutation { update_items(where: {sku: {_like: "u-%"}}, _set: {note: "touched"}, _inc: {qty: 10, price: "0.25"}) { affected_rows returning { sku qty price note } } }`,
    );
    expect(result.update_items.affected_rows).toBe(2);
    expect(await itemBySku('u-1')).toMatchObject({ qty: '11', price: '1.25', note: 'touched' });
    expect(await itemBySku('u-2')).toMatchObject({ qty: '12', price: '2.25', note: 'touched' });
    expect(await itemBySku('v-1')).toMatchObject({ qty: '3', note: null });
    expect(result.update_items.returning.map((r) => r.sku).sort()).toEqual(['u-1', 'u-2']);

    const none = await data<{ update_items: { affected_rows: number } }>(`mutation { update_items(where: {sku: {_eq: "nope"}}, _inc: {qty: 1}) { affected_rows } }`);
    expect(none.update_items.affected_rows).toBe(0);

    const both = await gql(`mutation { update_items(where: {sku: {_eq: "u-1"}}, _set: {qty: 1}, _inc: {qty: 1}) { affected_rows } }`);
    expect(both.body.errors?.[0]?.extensions).toMatchObject({ code: 400, reason: 'invalidParameter' });
    const empty = await gql(`mutation { update_items(where: {sku: {_eq: "u-1"}}) { affected_rows } }`);
    expect(empty.body.errors?.[0]?.extensions).toMatchObject({ code: 400, reason: 'emptyWrite' });
    const bad = await gql(`mutation { update_items(where: {sku: {_eq: "u-1"}}, _set: {name: "${'x'.repeat(41)}"}) { affected_rows } }`);
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: 400, reason: 'invalidValue', column: 'name' });
    expect(await itemBySku('u-1')).toMatchObject({ qty: '11', name: 'a' });
  });

  it('update_T_by_pk and delete_T_by_pk address one row by a composite key', async () => {
    await data(`mutation { insert_pairs(objects: [{a: 1, b: 1, label: "x"}, {a: 1, b: 2, label: "y"}]) { affected_rows } }`);
    const updated = await data<{ update_pairs_by_pk: Row | null; missing: Row | null }>(
      `mutation { update_pairs_by_pk(pk_columns: {a: 1, b: 2}, _set: {label: "z"}, _inc: {weight: "1.5"}) { a b label weight } missing: update_pairs_by_pk(pk_columns: {a: 9, b: 9}, _set: {label: "z"}) { a } }`,
    );
    expect(updated.update_pairs_by_pk).toMatchObject({ a: 1, b: 2, label: 'z' });
    expect(updated.missing).toBeNull();
    expect(await dbRows('pairs', ['a', 'b', 'label', 'weight'], 'a, b', { sql: 'a = 1', rest: 'a = 1' })).toEqual([
      { a: '1', b: '1', label: 'x', weight: '1.00' },
      { a: '1', b: '2', label: 'z', weight: '2.50' },
    ]);
    const deleted = await data<{ delete_pairs_by_pk: Row | null; again: Row | null }>(
      `mutation { delete_pairs_by_pk(a: 1, b: 1) { a b label } again: delete_pairs_by_pk(a: 1, b: 1) { a } }`,
    );
    expect(deleted.delete_pairs_by_pk).toEqual({ a: 1, b: 1, label: 'x' });
    expect(deleted.again).toBeNull();
    expect(await dbRows('pairs', ['a', 'b'], 'a, b', { sql: 'a = 1', rest: 'a = 1' })).toEqual([{ a: '1', b: '2' }]);
  });

  it('delete_T deletes the matching rows and returns them as they were', async () => {
    await data(`mutation { insert_items(objects: [{sku: "d-1", name: "a", qty: 4}, {sku: "d-2", name: "b"}]) { affected_rows } }`);
    const result = await data<{ delete_items: { affected_rows: number; returning: Row[] } }>(
      `mutation { delete_items(where: {sku: {_in: ["d-1", "d-2"]}}) { affected_rows returning { sku qty } } }`,
    );
    expect(result.delete_items.affected_rows).toBe(2);
    expect(result.delete_items.returning.sort((x, y) => String(x.sku).localeCompare(String(y.sku)))).toEqual([
      { sku: 'd-1', qty: 4 },
      { sku: 'd-2', qty: 0 },
    ]);
    expect(await itemBySku('d-1')).toBeUndefined();
    expect(await itemBySku('d-2')).toBeUndefined();
  });

  it('update_T and delete_T take conditions through relationships, under the related table\'s grant', async () => {
    const scores = () => dbRows('members', ['id', 'score'], 'id');
    const before = await scores();
    // Admin: object relationship (members → team) in an update's where.
    const bumped = await data<{ update_members: { affected_rows: number } }>(`mutation { update_members(where: {team: {name: {_eq: "red"}}}, _inc: {score: 10}) { affected_rows } }`);
    expect(bumped.update_members.affected_rows).toBe(2);
    const after = await scores();
    expect(after.map((r) => Number(r.score) - Number(before.find((b) => b.id === r.id)?.score))).toEqual([10, 10, 0, 0, 0]);

    // A role whose grant on teams hides grey (row filter active = true): grey's members never match.
    const hidden = await data<{ update_members: { affected_rows: number } }>(
      `mutation { update_members(where: {team: {name: {_eq: "grey"}}}, _set: {name: "x"}) { affected_rows } }`,
      undefined,
      as('members_editor'),
    );
    expect(hidden.update_members.affected_rows).toBe(0);
    expect((await dbRows('members', ['id', 'name'], 'id')).filter((r) => r.name === 'x')).toEqual([]);
    // Nor can it filter on the related column its grant hides (budget is not in its schema).
    const secret = await gql(`mutation { delete_members(where: {team: {budget: {_gt: 100}}}) { affected_rows } }`, undefined, as('members_editor'));
    expect(secret.body.errors?.length, secret.text).toBeGreaterThan(0);
    expect(await dbRows('members', ['id'], 'id')).toHaveLength(5);

    // Array relationship ("some member matches") in the admin's delete: teams none of whose members exist are kept.
    const removed = await data<{ delete_members: { affected_rows: number; returning: Row[] } }>(
      `mutation { delete_members(where: {_and: [{team: {active: {_eq: false}}}, {score: {_gte: 5}}]}) { affected_rows returning { id } } }`,
    );
    expect(removed.delete_members.returning).toEqual([{ id: 5 }]);
    expect((await dbRows('members', ['id'], 'id')).map((r) => r.id)).toEqual(['1', '2', '3', '4']);
  });

  it('runs each mutation field in a transaction of its own: a failing field rolls back alone', async () => {
    const res = await gql<Row>(
      `mutation {
        ok: insert_items(objects: [{sku: "t-1", name: "kept"}]) { affected_rows }
        bad: insert_items(objects: [{sku: "t-2", name: "rolled back"}, {sku: "t-3", name: "negative", qty: -1}]) { affected_rows }
        after: update_items(where: {sku: {_eq: "t-1"}}, _set: {note: "after"}) { affected_rows }
      }`,
    );
    expect(res.body.data).toEqual({ ok: { affected_rows: 1 }, bad: null, after: { affected_rows: 1 } });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.path).toEqual(['bad']);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(400);
    expect(await itemBySku('t-1')).toMatchObject({ name: 'kept', note: 'after' });
    expect(await itemBySku('t-2')).toBeUndefined();
    expect(await itemBySku('t-3')).toBeUndefined();
  });

  describe('per-role schemas', () => {
    it('a role without POST gets no insert_T, but the verbs it has', async () => {
      const mutations = await fieldsOf('Mutation', as('items_patcher'));
      expect(mutations).toEqual(['update_items', 'update_items_by_pk']);
      const res = await gql(`mutation { insert_items_one(object: {sku: "r-1", name: "x"}) { id } }`, undefined, as('items_patcher'));
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors?.[0]?.message).toMatch(/insert_items_one/);
      expect(await itemBySku('r-1')).toBeUndefined();
    });

    it('hidden columns are in no input type, and cannot be returned', async () => {
      expect(await fieldsOf('owned_insert_input', as('owner_alice'))).toEqual(['body', 'id', 'owner']);
      expect(await fieldsOf('owned_set_input', as('owner_alice'))).toEqual(['body', 'id', 'owner']);
      const res = await gql(`mutation { update_owned(where: {}, _set: {secret: "x"}) { affected_rows } }`, undefined, as('owner_alice'));
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors?.[0]?.message).toMatch(/secret/);
      const returned = await gql(`mutation { update_owned(where: {id: {_eq: 1}}, _set: {body: "a1"}) { returning { secret } } }`, undefined, as('owner_alice'));
      expect(returned.body.errors?.[0]?.message).toMatch(/secret/);
      expect(await dbRows('owned', ['id', 'secret'], 'id')).toEqual([
        { id: '1', secret: 's1' },
        { id: '2', secret: 's2' },
        { id: '3', secret: 's3' },
      ]);
    });

    it('returning is limited to columns the caller may both read and write: others are a 403 before any write', async () => {
      await data(`mutation { insert_items_one(object: {sku: "p-1", name: "partial", qty: 1, price: "3.00"}) { id } }`);
      expect(await fieldsOf('items_set_input', as('items_partial'))).toEqual(['id', 'qty', 'sku']);
      const refused = await gql(`mutation { update_items(where: {sku: {_eq: "p-1"}}, _inc: {qty: 1}) { returning { sku price } } }`, undefined, as('items_partial'));
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 403, reason: 'columnNotAllowed', column: 'price' });
      expect(await itemBySku('p-1')).toMatchObject({ qty: '1' });
      const allowed = await data<{ update_items: { returning: Row[] } }>(
        `mutation { update_items(where: {sku: {_eq: "p-1"}}, _inc: {qty: 1}) { returning { sku qty } } }`,
        undefined,
        as('items_partial'),
      );
      expect(allowed.update_items.returning).toEqual([{ sku: 'p-1', qty: 2 }]);
      expect(await itemBySku('p-1')).toMatchObject({ qty: '2', price: '3.00' });
    });

    it('where {} on update and delete is bounded by the row filter', async () => {
      const updated = await data<{ update_owned: { affected_rows: number; returning: Row[] } }>(
        `mutation { update_owned(where: {}, _set: {body: "edited"}) { affected_rows returning { id owner } } }`,
        undefined,
        as('owner_alice'),
      );
      expect(updated.update_owned.affected_rows).toBe(2);
      expect(await dbRows('owned', ['id', 'owner', 'body'], 'id')).toEqual([
        { id: '1', owner: 'alice', body: 'edited' },
        { id: '2', owner: 'bob', body: 'b1' },
        { id: '3', owner: 'alice', body: 'edited' },
      ]);
      // Outside the filter: no row matches, nothing changes.
      const outside = await data<{ update_owned_by_pk: Row | null }>(`mutation { update_owned_by_pk(pk_columns: {id: 2}, _set: {body: "stolen"}) { id } }`, undefined, as('owner_alice'));
      expect(outside.update_owned_by_pk).toBeNull();
      // Moving a row out of the filter is refused, and rolled back.
      const moved = await gql(`mutation { update_owned_by_pk(pk_columns: {id: 1}, _set: {owner: "bob"}) { id } }`, undefined, as('owner_alice'));
      expect(moved.body.errors?.[0]?.extensions).toMatchObject({ code: 403, reason: 'rowFilterViolation' });
      const deleted = await data<{ delete_owned: { affected_rows: number } }>(`mutation { delete_owned(where: {}) { affected_rows } }`, undefined, as('owner_alice'));
      expect(deleted.delete_owned.affected_rows).toBe(2);
      expect(await dbRows('owned', ['id', 'owner', 'body'], 'id')).toEqual([{ id: '2', owner: 'bob', body: 'b1' }]);
      // The filter also holds for inserts: a row outside it is refused.
      const foreign = await gql(`mutation { insert_owned_one(object: {id: 7, owner: "bob"}) { id } }`, undefined, as('owner_alice'));
      expect(foreign.body.errors?.[0]?.extensions).toMatchObject({ code: 403, reason: 'rowFilterViolation' });
      expect(await dbRows('owned', ['id'], 'id')).toEqual([{ id: '2' }]);
    });

    it('a read-only service has no Mutation type', async () => {
      const f = fixture();
      const created = await f.send('POST', '/api/v1/system/service', { name: 'w_ro', driver: 'pglite', dsn: 'pglite://memory' });
      expect(created.status, created.text).toBe(201);
      const table = await f.send('POST', '/api/v1/w_ro/_schema', { name: 'notes', columns: [{ name: 'id', type: 'integer', is_primary_key: true }] });
      expect(table.status, table.text).toBe(201);
      const ask = async () => (await f.send<GqlBody<{ __schema: { mutationType: { name: string } | null } }>>('POST', '/api/v1/w_ro/_graphql', { query: '{ __schema { mutationType { name } } }' })).body;
      expect((await ask()).data?.__schema.mutationType).toEqual({ name: 'Mutation' });
      expect((await f.send('PUT', '/api/v1/system/service/w_ro', { read_only: true })).status).toBe(200);
      expect((await ask()).data?.__schema.mutationType).toBeNull();
      expect((await f.send('DELETE', '/api/v1/system/service/w_ro')).status).toBe(200);
    });
  });

  it('records one audit entry per mutation field, and none for a query', async () => {
    const f = fixture();
    const mutation = await gql(
      `mutation { a: insert_items(objects: [{sku: "au-1", name: "x"}, {sku: "au-2", name: "y"}]) { affected_rows } b: delete_items(where: {sku: {_eq: "au-1"}}) { affected_rows } c: insert_items_one(object: {sku: "au-2", name: "dup"}) { id } }`,
    );
    expect(mutation.body.errors).toHaveLength(1);
    const query = await gql(`{ items(limit: 1) { id } }`);
    expect(query.status).toBe(200);
    await f.server.audit.flush();
    const page = await f.send<{ resource: Row[] }>('GET', '/api/v1/system/audit?surface=graphql&page_size=100');
    expect(page.status, page.text).toBe(200);
    const mine = (res: { headers: Headers }) => page.body.resource.filter((e) => e.request_id === res.headers.get('x-request-id'));
    expect(
      mine(mutation)
        .map((e) => ({ action: e.action, target: e.target, service: e.service, affected_rows: e.affected_rows, status: e.status, surface: e.surface }))
        .sort((x, y) => String(x.action).localeCompare(String(y.action))),
    ).toEqual([
      { action: 'delete_items', target: 'items', service: SCRATCH_SERVICE, affected_rows: 1, status: 200, surface: 'graphql' },
      { action: 'insert_items', target: 'items', service: SCRATCH_SERVICE, affected_rows: 2, status: 200, surface: 'graphql' },
      { action: 'insert_items_one', target: 'items', service: SCRATCH_SERVICE, affected_rows: null, status: 409, surface: 'graphql' },
    ]);
    expect(mine(query)).toEqual([]);
  });

  describe('SQL functions as fields', () => {
    it('side-effect-free functions are Query fields, others Mutation fields, names collision-free', async (ctx) => {
      const postgres = fixture().engine !== 'mariadb';
      const queries = await fieldsOf('Query');
      const mutations = await fieldsOf('Mutation');
      expect(queries).toContain('item_total');
      expect(mutations).toContain('restock');
      expect(queries).not.toContain('restock');
      if (!postgres) return ctx.skip();
      expect(queries).toContain('items_cheaper');
      expect(queries).toContain('pairs_aggregate');
      expect(queries).toContain('pairs_aggregate__f');
      expect(mutations).toContain('insert_pairs');
      expect(mutations).toContain('insert_pairs__f');
    });

    it('a scalar function answers what the database computes; a volatile one changes data', async () => {
      await data(`mutation { insert_items(objects: [{sku: "f-1", name: "cheap", qty: 2, price: "1.00"}, {sku: "f-2", name: "dear", qty: 5, price: "100.00"}]) { affected_rows } }`);
      const total = await data<{ item_total: number }>(`{ item_total(p_min: 2) }`);
      const expected = (await dbRows('items', ['qty'], 'id')).map((r) => Number(r.qty)).filter((q) => q >= 2).reduce((a, b) => a + b, 0);
      expect(total.item_total).toBe(expected);
      const restocked = await data<{ restock: number }>(`mutation { restock(p_sku: "f-1", p_by: 5) }`);
      expect(restocked.restock).toBe(7);
      expect(await itemBySku('f-1')).toMatchObject({ qty: '7' });
      // p_min has a default on PostgreSQL (the argument is optional there), none on MariaDB.
      const defaulted = await gql<{ item_total: number }>(`{ item_total }`);
      if (fixture().engine === 'mariadb') expect(defaulted.body.errors?.[0]?.message).toMatch(/p_min/);
      else expect(defaulted.body.data?.item_total).toBe((await dbRows('items', ['qty'], 'id')).reduce((sum, r) => sum + Number(r.qty), 0));
    });

    it('a set-returning function of a table type returns that type, with its relationships and columns', async (ctx) => {
      if (fixture().engine === 'mariadb') return ctx.skip();
      const result = await data<{ items_cheaper: Row[]; collided: number }>(`{ items_cheaper(p_max: "50") { sku price } collided: pairs_aggregate__f }`);
      const expected = await dbRows('items', ['sku', 'price'], 'id', { sql: 'price < 50', rest: 'price < 50' });
      expect(result.items_cheaper.map(text)).toEqual(expected);
      expect(result.collided).toBe((await dbRows('pairs', ['a'], 'a')).length);
      const inserted = await data<{ insert_pairs__f: number }>(`mutation { insert_pairs__f(p_a: 42) }`);
      expect(inserted.insert_pairs__f).toBe(42);
      expect(await dbRows('pairs', ['a', 'b', 'label'], 'a', { sql: 'a = 42', rest: 'a = 42' })).toEqual([{ a: '42', b: '0', label: 'fn' }]);
    });

    it('a procedure is a Mutation field answering its rows (OUT parameters on PostgreSQL, result sets on MariaDB)', async () => {
      await data(`mutation { insert_items(objects: [{sku: "pr-1", name: "a", note: "before"}, {sku: "pr-2", name: "b"}]) { affected_rows } }`);
      if (fixture().engine === 'mariadb') {
        const result = await data<{ skus_like: Row[] }>(`mutation { skus_like(p_prefix: "pr-") }`);
        expect(result.skus_like).toEqual(await dbRows('items', ['sku'], 'sku', { sql: "sku LIKE 'pr-%'", rest: "sku LIKE 'pr-%'" }));
        return;
      }
      const result = await data<{ set_note: Row[] }>(`mutation { set_note(p_sku: "pr-1", p_note: "after") }`);
      expect(result.set_note).toEqual([{ old_note: 'before' }]);
      expect(await itemBySku('pr-1')).toMatchObject({ note: 'after' });
    });

    it('only routines the role may call appear', async () => {
      const queries = await fieldsOf('Query', as('items_patcher'));
      expect(queries?.filter((n) => n.startsWith('item_total') || n.startsWith('restock'))).toEqual([]);
    });
  });
});
