/** One operation per root field, with bounded selections (codegen/graphql-root-operations.ts). */
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { rootOperations } from '../../../src/codegen/graphql-root-operations.js';

const SCHEMA = buildSchema(`
  enum status { open closed }
  type orders { id: Int! status: status! customer: customers items(limit: Int): [items!]! total(round: Int!): Float }
  type customers { id: Int! name: String! orders: [orders!]! }
  type items { id: Int! }
  type orders_aggregate { aggregate: orders_aggregate_fields! nodes: [orders!]! }
  type orders_aggregate_fields { count: Int! max: orders_max! }
  type orders_max { id: Int }
  type orders_mutation_response { affected_rows: Int! returning: [orders!]! }
  type orders_connection { edges: [orders_edge!]! pageInfo: PageInfo! }
  type orders_edge { cursor: String! node: orders! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type nothing_to_select { inner: nothing_to_select }
  input orders_bool_exp { id: Int }
  type Query {
    "Rows of orders"
    orders(limit: Int, where: orders_bool_exp): [orders!]!
    orders_by_pk(id: Int!): orders
    orders_aggregate(where: orders_bool_exp): orders_aggregate!
    orders_connection(first: Int, after: String): orders_connection!
    customers: [customers!]!
    now: String
    broken: nothing_to_select
  }
  type Mutation { delete_orders(where: orders_bool_exp!): orders_mutation_response }
`);

describe('rootOperations', () => {
  const ops = rootOperations(SCHEMA);

  it('writes a valid document with one named operation per selectable root field', () => {
    expect(validate(SCHEMA, parse(ops.document))).toEqual([]);
    expect(ops.fields).toEqual(['orders', 'orders_by_pk', 'orders_aggregate', 'orders_connection', 'customers', 'now', 'delete_orders']);
    expect(ops.operations.find((o) => o.name === 'orders')).toEqual({ name: 'orders', kind: 'query', description: 'Rows of orders', variablesRequired: false });
    expect(ops.operations.find((o) => o.name === 'orders_by_pk')?.variablesRequired).toBe(true);
    expect(ops.operations.find((o) => o.name === 'delete_orders')).toMatchObject({ kind: 'mutation', variablesRequired: true });
  });

  it('selects scalars of row types, one level more for other types, never fields with required arguments', () => {
    expect(ops.document).toContain('query orders($limit: Int, $where: orders_bool_exp) {\n  orders(limit: $limit, where: $where) { id status }\n}');
    expect(ops.document).toContain('orders_aggregate(where: $where) { aggregate { count } nodes { id status } }');
    expect(ops.document).toContain('delete_orders(where: $where) { affected_rows returning { id status } }');
    expect(ops.document).toContain('orders_connection(first: $first, after: $after) { edges { cursor node { id status } } pageInfo { hasNextPage endCursor } }');
    expect(ops.document).toContain('query now {\n  now\n}');
    expect(ops.document).not.toContain('broken');
  });
});
