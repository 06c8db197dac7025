/**
 * GraphQL on a schema made to be awkward — names with spaces, dashes, leading digits and `__`, a
 * table named like a GraphQL type, enum labels such as `PG-13` and `true`, a domain, an array of
 * enums, a generated column, tsvector — on every engine: no table is dropped, names follow the
 * documented rule, enum values travel both ways. Then DDL through `_schema`: the schema follows.
 */
import { describe, expect, it } from 'vitest';
import { fieldName, tableTypeName } from '../../src/graphql/graphql-names.js';
import { describeScratch, SCRATCH_SERVICE } from '../support/scratch.js';

const POSTGRES = [
  `CREATE TYPE "film rating" AS ENUM ('G', 'PG-13', 'R', 'true')`,
  `CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0)`,
  `CREATE TABLE "film list" (
     id serial PRIMARY KEY,
     "2fa" text,
     "first-name" text NOT NULL,
     "type" text,
     rating "film rating",
     ratings "film rating"[],
     "__secret" integer,
     copies positive_int,
     doc tsvector,
     shout text GENERATED ALWAYS AS (upper("first-name")) STORED)`,
  `CREATE TABLE "Query" (id integer PRIMARY KEY, film_id integer REFERENCES "film list" (id), note text)`,
  `INSERT INTO "film list" ("2fa", "first-name", "type", rating, ratings, "__secret", copies, doc) VALUES
     ('x', 'alien', 'a', 'R', '{R,G}', 1, 3, to_tsvector('simple', 'alien ship')),
     (NULL, 'babe', 'b', 'G', '{}', 2, 1, NULL),
     ('y', 'clue', 'c', 'PG-13', '{PG-13}', 3, 2, NULL),
     ('z', 'dune', 'd', 'true', NULL, 4, 5, NULL)`,
  `INSERT INTO "Query" VALUES (1, 1, 'one'), (2, 3, 'two'), (3, 3, 'three')`,
];
const MYSQL = [
  `CREATE TABLE \`film list\` (
     id int AUTO_INCREMENT PRIMARY KEY,
     \`2fa\` text,
     \`first-name\` varchar(50) NOT NULL,
     \`type\` text,
     rating enum('G', 'PG-13', 'R', 'true'),
     \`__secret\` int,
     copies int,
     doc json,
     shout varchar(50) GENERATED ALWAYS AS (upper(\`first-name\`)) STORED)`,
  'CREATE TABLE `Query` (id int PRIMARY KEY, film_id int, note text, FOREIGN KEY (film_id) REFERENCES `film list` (id))',
  `INSERT INTO \`film list\` (\`2fa\`, \`first-name\`, \`type\`, rating, \`__secret\`, copies, doc) VALUES
     ('x', 'alien', 'a', 'R', 1, 3, '{"a": 1}'), (NULL, 'babe', 'b', 'G', 2, 1, NULL), ('y', 'clue', 'c', 'PG-13', 3, 2, NULL), ('z', 'dune', 'd', 'true', 4, 5, NULL)`,
  'INSERT INTO `Query` VALUES (1, 1, \'one\'), (2, 3, \'two\'), (3, 3, \'three\')',
];

interface GqlBody {
  data?: Record<string, unknown>;
  errors?: { message: string }[];
}

const FILMS = tableTypeName('film list');
const QUERY_TABLE = tableTypeName('Query');

await describeScratch('GraphQL awkward names', { postgres: POSTGRES, mysql: MYSQL }, (fixture) => {
  const gql = async (query: string): Promise<Record<string, unknown>> => {
    const res = await fixture().send<GqlBody>('POST', `/api/v1/${SCRATCH_SERVICE}/_graphql`, { query });
    expect(res.body.errors, res.text).toBeUndefined();
    return res.body.data as Record<string, unknown>;
  };

  it('names every table and column by the documented rule', async () => {
    expect(FILMS).toBe('film_list__4x20');
    expect(QUERY_TABLE).toBe('Query__');
    const data = await gql(`{ films: __type(name: "${FILMS}") { fields { name } } query: __type(name: "${QUERY_TABLE}") { fields { name } } }`);
    const names = (data.films as { fields: { name: string }[] }).fields.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['id', '_2fa__p', 'first_name__5x2d', 'type', 'rating', 'x__secret__p', 'copies', 'doc', 'shout']));
    expect(names).toContain(fieldName('Query'));
    expect((data.query as { fields: { name: string }[] }).fields.map((f) => f.name)).toEqual(expect.arrayContaining(['id', 'film', 'film_id', 'note']));
  });

  it('reads the rows REST reads, enum labels mapped to names and back', async () => {
    const data = await gql(`{ ${FILMS}(order_by: {id: asc}) { id _2fa__p first_name__5x2d rating shout } }`);
    const rest = await fixture().send<{ resource: Record<string, unknown>[] }>('GET', `/api/v1/${SCRATCH_SERVICE}/_table/film%20list?order=id`);
    expect(rest.status, rest.text).toBe(200);
    const rows = data[FILMS] as Record<string, unknown>[];
    expect(rows.map((r) => [r.id, r._2fa__p, r.first_name__5x2d, r.shout])).toEqual(rest.body.resource.map((r) => [r.id, r['2fa'], r['first-name'], r.shout]));
    const label = { PG_13__2x2d: 'PG-13', true__: 'true', G: 'G', R: 'R' } as Record<string, string>;
    expect(rows.map((r) => label[String(r.rating)])).toEqual(rest.body.resource.map((r) => r.rating));
    const filtered = await gql(`{ ${FILMS}(where: {rating: {_in: [PG_13__2x2d, true__]}}) { first_name__5x2d } }`);
    expect((filtered[FILMS] as Record<string, unknown>[]).map((r) => r.first_name__5x2d).sort()).toEqual(['clue', 'dune']);
  });

  it('follows relationships between awkwardly named tables', async () => {
    const data = await gql(`{ ${FILMS}(where: {id: {_eq: 3}}) { ${fieldName('Query')}(order_by: {id: asc}) { note film { first_name__5x2d } } } }`);
    const [film] = data[FILMS] as Record<string, { note: string; film: Record<string, unknown> }[]>[];
    expect(film?.[fieldName('Query')]?.map((q) => q.note)).toEqual(['two', 'three']);
    expect(film?.[fieldName('Query')]?.every((q) => q.film.first_name__5x2d === 'clue')).toBe(true);
  });

  describe('after DDL through _schema', () => {
    it('serves the new table at once, and drops it when it is dropped', async () => {
      const created = await fixture().send('POST', `/api/v1/${SCRATCH_SERVICE}/_schema`, {
        name: 'gql new',
        columns: [
          { name: 'id', type: 'integer', is_primary_key: true },
          { name: 'label', type: 'varchar(20)' },
        ],
      });
      expect(created.status, created.text).toBe(201);
      const data = await gql(`{ ${tableTypeName('gql new')} { id label } }`);
      expect(data[tableTypeName('gql new')]).toEqual([]);
      const dropped = await fixture().send('DELETE', `/api/v1/${SCRATCH_SERVICE}/_schema/gql%20new`);
      expect(dropped.status, dropped.text).toBe(200);
      const after = await fixture().send<GqlBody>('POST', `/api/v1/${SCRATCH_SERVICE}/_graphql`, { query: `{ ${tableTypeName('gql new')} { id } }` });
      expect(after.body.errors?.[0]?.message).toContain('Cannot query field');
    });
  });
});
