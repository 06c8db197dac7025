/**
 * What the benchmark asks each server, per workload: the same data, requested the way each target
 * is asked for it (Sluice through its REST API, the baseline through its fixed endpoints). A
 * workload names the targets it compares; the first is the subject and the others are the yardsticks
 * its ratios are taken against. GraphQL workloads slot in as `surface: 'graphql'` workloads whose
 * targets are Sluice and PostGraphile (plus the baseline where it has an equivalent endpoint).
 *
 * `rows` extracts comparable rows from a response, so the smoke test can check that every target
 * answers a workload with the same data (ids and server-set timestamps of inserted rows left out).
 */
import type { BenchEngine } from './bench-database.js';

/** The servers the harness can drive. */
export type TargetKind = 'sluice' | 'baseline' | 'postgraphile';

export type Surface = 'rest' | 'graphql';

export interface HttpCall {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Workload {
  /** Its name on the command line (`--only`). */
  readonly name: string;
  readonly surface: Surface;
  readonly description: string;
  /** Said next to the results (e.g. where a workload measures less than the issue asked). */
  readonly note?: string;
  readonly engines: readonly BenchEngine[];
  /** Subject first, then the targets its ratios are taken against. */
  readonly targets: readonly TargetKind[];
  /** The status every answer must have (others are counted as errors). */
  readonly expectedStatus: number;
  /** The `i`-th request of a run to `target` (workloads that vary their requests do so by `i`). */
  request(target: TargetKind, i: number): HttpCall;
  /** Comparable rows of an answer of `target`. */
  rows(target: TargetKind, body: unknown): unknown[];
  /** Whether `bench_events` must be emptied before each round. */
  readonly resetsEvents?: boolean;
  /** The issue's target: the subject's req/s at least `atLeast` times that of `against`. */
  readonly goal?: { readonly against: TargetKind; readonly atLeast: number };
  /** The issue's bound on the subject's SQL statements per request. */
  readonly maxStatements?: number;
}

/** The service name Sluice serves the bench database under. */
export const SERVICE = 'bench';

const table = (name: string, query = '') => `/api/v1/${SERVICE}/_table/${name}${query ? `?${query}` : ''}`;
const qs = (params: Record<string, string>) => new URLSearchParams(params).toString();

function resource(body: unknown): unknown[] {
  const list = (body as { resource?: unknown } | null)?.resource;
  if (!Array.isArray(list)) throw new Error(`expected {"resource": [...]}, got ${JSON.stringify(body)?.slice(0, 200)}`);
  return list;
}

const BOTH: readonly BenchEngine[] = ['postgres', 'mariadb'];
const REST_TARGETS: readonly TargetKind[] = ['sluice', 'baseline'];

/** Customers are 1..500; a stride prime to 500 visits them all in a scrambled order. */
export const customerId = (i: number) => 1 + ((i * 7919) % 500);

const LIST_LIMIT = 25;
const NESTED_PARENTS = 20;
const FILTER_LIMIT = 25;
export const INSERT_BATCH = 100;

/** The body of every batch insert: 100 events (ids and created_at come from the database). */
export const insertBody = JSON.stringify({
  resource: Array.from({ length: INSERT_BATCH }, (_, k) => ({
    name: `event ${k}`,
    amount: `${(k * 3.17 + 1).toFixed(2)}`,
    payload: { k, source: 'bench', tags: ['a', 'b'] },
  })),
});

function withoutServerSet(rows: unknown[]): unknown[] {
  return rows.map((row) => {
    const { id: _id, created_at: _createdAt, ...rest } = row as Record<string, unknown>;
    return rest;
  });
}

// ---------------------------------------------------------------------------------------------
// GraphQL: Sluice's Hasura-shaped API against PostGraphile v5 (amber preset: `allProducts`,
// `customerByRowId`, camelCase fields) for the same rows, and against the baseline's REST endpoint
// for the same data. Values are formatted differently by each (timestamps, enum case, field names),
// so `rows` reduces an answer to its ids and tree shape, which must be the same for every target.

const GRAPHQL_TARGETS: readonly TargetKind[] = ['sluice', 'postgraphile', 'baseline'];

const ORDER_FIELDS = 'id customer_id status placed_at shipped_at total shipping_address notes';
const PRODUCT_FIELDS = 'id sku name description category_id price weight_kg is_active attributes released_on updated_at';
const CUSTOMER_FIELDS = 'id uuid email full_name tier marketing_opt_in preferences tags birth_date avatar created_at';
const AUTHOR_FIELDS = 'id name email joined_at';
const POST_FIELDS = 'id author_id title body score published_at';
const COMMENT_FIELDS = 'id post_id commenter body likes created_at';

/** snake_case field list → PostGraphile's names (`id` is `rowId` under the amber preset). */
const camel = (fields: string) =>
  fields
    .split(' ')
    .map((f) => (f === 'id' ? 'rowId' : f.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())))
    .join(' ');

function graphqlCall(target: TargetKind, query: string, variables?: Readonly<Record<string, unknown>>): HttpCall {
  return {
    method: 'POST',
    path: target === 'sluice' ? `/api/v1/${SERVICE}/_graphql` : '/graphql',
    body: JSON.stringify(variables ? { query, variables } : { query }),
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
  };
}

function graphqlData(body: unknown): Record<string, unknown> {
  const answer = body as { data?: Record<string, unknown> | null; errors?: unknown } | null;
  if (!answer?.data || answer.errors) throw new Error(`GraphQL answer with errors: ${JSON.stringify(body)?.slice(0, 300)}`);
  return answer.data;
}

type Tree = { id: unknown; children?: Tree[] };
const idOf = (row: Record<string, unknown>) => row.id ?? row.rowId;
/** Rows (and their nested children, under any of `childKeys`) reduced to ids; PostGraphile wraps lists in `nodes`. */
function idTree(rows: readonly unknown[], childKeys: readonly string[]): Tree[] {
  return rows.map((value) => {
    const row = value as Record<string, unknown>;
    const key = childKeys.find((k) => k in row);
    if (!key) return { id: idOf(row) };
    const raw = row[key] as unknown[] | { nodes: unknown[] };
    const list = Array.isArray(raw) ? raw : raw.nodes;
    return { id: idOf(row), children: idTree(list, childKeys) };
  });
}

function graphqlWorkloads(): Workload[] {
  const nestedKeys = ['bench_posts', 'benchPostsByAuthorId', 'bench_comments', 'benchCommentsByPostId'];
  return [
    {
      name: 'gql-list',
      goal: { against: 'postgraphile', atLeast: 2 },
      surface: 'graphql',
      description: `GraphQL: list ${LIST_LIMIT} products (all 11 columns)`,
      engines: ['postgres'],
      targets: GRAPHQL_TARGETS,
      expectedStatus: 200,
      request: (target) =>
        target === 'baseline'
          ? { method: 'GET', path: `/products?limit=${LIST_LIMIT}` }
          : graphqlCall(
              target,
              target === 'sluice'
                ? `{ products(limit: ${LIST_LIMIT}, order_by: [{id: asc}]) { ${PRODUCT_FIELDS} } }`
                : `{ allProducts(first: ${LIST_LIMIT}, orderBy: PRIMARY_KEY_ASC) { nodes { ${camel(PRODUCT_FIELDS)} } } }`,
            ),
      rows: (target, body) =>
        idTree(target === 'baseline' ? resource(body) : target === 'sluice' ? (graphqlData(body).products as unknown[]) : (graphqlData(body).allProducts as { nodes: unknown[] }).nodes, []),
    },
    {
      name: 'gql-by-pk',
      goal: { against: 'postgraphile', atLeast: 2 },
      surface: 'graphql',
      description: 'GraphQL: one customer by primary key (jsonb, text[], bytea, enum, uuid; id varies)',
      engines: ['postgres'],
      targets: GRAPHQL_TARGETS,
      expectedStatus: 200,
      request: (target, i) =>
        target === 'baseline'
          ? { method: 'GET', path: `/customers/${customerId(i)}` }
          : graphqlCall(
              target,
              target === 'sluice'
                ? `{ customers_by_pk(id: ${customerId(i)}) { ${CUSTOMER_FIELDS} } }`
                : `{ customerByRowId(rowId: ${customerId(i)}) { ${camel(CUSTOMER_FIELDS)} } }`,
            ),
      rows: (target, body) => idTree([target === 'baseline' ? body : graphqlData(body)[target === 'sluice' ? 'customers_by_pk' : 'customerByRowId']], []),
    },
    {
      name: 'gql-filter',
      surface: 'graphql',
      description: `GraphQL: one customer's latest ${FILTER_LIMIT} orders, the customer a variable (varies over 500)`,
      note: 'no target in the issue: the read apps make most, a list filtered by a variable whose value changes from request to request',
      engines: ['postgres'],
      targets: GRAPHQL_TARGETS,
      expectedStatus: 200,
      request: (target, i) =>
        target === 'baseline'
          ? { method: 'GET', path: `/customers/${customerId(i)}/orders?limit=${FILTER_LIMIT}` }
          : target === 'sluice'
            ? graphqlCall(
                target,
                `query CustomerOrders($customer: Int!) { orders(where: {customer_id: {_eq: $customer}}, order_by: [{id: desc}], limit: ${FILTER_LIMIT}) { ${ORDER_FIELDS} } }`,
                { customer: customerId(i) },
              )
            : graphqlCall(
                target,
                `query CustomerOrders($customer: Int!) { allOrders(condition: {customerId: $customer}, orderBy: PRIMARY_KEY_DESC, first: ${FILTER_LIMIT}) { nodes { ${camel(ORDER_FIELDS)} } } }`,
                { customer: customerId(i) },
              ),
      rows: (target, body) =>
        idTree(target === 'baseline' ? resource(body) : target === 'sluice' ? (graphqlData(body).orders as unknown[]) : (graphqlData(body).allOrders as { nodes: unknown[] }).nodes, []),
    },
    {
      name: 'gql-nested',
      goal: { against: 'postgraphile', atLeast: 1.5 },
      maxStatements: 4,
      surface: 'graphql',
      description: `GraphQL: ${NESTED_PARENTS} authors → posts → comments (3 levels, 600 leaf rows)`,
      engines: ['postgres'],
      targets: GRAPHQL_TARGETS,
      expectedStatus: 200,
      request: (target) =>
        target === 'baseline'
          ? { method: 'GET', path: `/authors/tree?limit=${NESTED_PARENTS}` }
          : graphqlCall(
              target,
              target === 'sluice'
                ? `{ bench_authors(limit: ${NESTED_PARENTS}, order_by: [{id: asc}]) { ${AUTHOR_FIELDS} bench_posts(order_by: [{id: asc}]) { ${POST_FIELDS} bench_comments(order_by: [{id: asc}]) { ${COMMENT_FIELDS} } } } }`
                : `{ allBenchAuthors(first: ${NESTED_PARENTS}, orderBy: PRIMARY_KEY_ASC) { nodes { ${camel(AUTHOR_FIELDS)} benchPostsByAuthorId(orderBy: PRIMARY_KEY_ASC) { nodes { ${camel(POST_FIELDS)} benchCommentsByPostId(orderBy: PRIMARY_KEY_ASC) { nodes { ${camel(COMMENT_FIELDS)} } } } } } } }`,
            ),
      rows: (target, body) =>
        idTree(
          target === 'baseline' ? resource(body) : target === 'sluice' ? (graphqlData(body).bench_authors as unknown[]) : (graphqlData(body).allBenchAuthors as { nodes: unknown[] }).nodes,
          nestedKeys,
        ),
    },
  ];
}

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'list',
    goal: { against: 'baseline', atLeast: 0.7 },
    surface: 'rest',
    description: `list ${LIST_LIMIT} rows (products, all 11 columns)`,
    engines: BOTH,
    targets: REST_TARGETS,
    expectedStatus: 200,
    request: (target) => ({ method: 'GET', path: target === 'sluice' ? table('products', qs({ limit: String(LIST_LIMIT) })) : `/products?limit=${LIST_LIMIT}` }),
    rows: (_target, body) => resource(body),
  },
  {
    name: 'by-pk',
    goal: { against: 'baseline', atLeast: 0.7 },
    surface: 'rest',
    description: 'one row by primary key (customers: jsonb, text[], bytea, enum, uuid; id varies)',
    engines: BOTH,
    targets: REST_TARGETS,
    expectedStatus: 200,
    request: (target, i) => ({ method: 'GET', path: target === 'sluice' ? table(`customers/${customerId(i)}`) : `/customers/${customerId(i)}` }),
    rows: (_target, body) => [body],
  },
  {
    name: 'filter',
    goal: { against: 'baseline', atLeast: 0.7 },
    surface: 'rest',
    description: "filtered + ordered 50 rows (orders: status in ('paid','shipped') and total >= 100, newest first)",
    engines: BOTH,
    targets: REST_TARGETS,
    expectedStatus: 200,
    request: (target) => ({
      method: 'GET',
      path:
        target === 'sluice'
          ? table('orders', qs({ filter: "status in ('paid', 'shipped') and total >= 100", order: 'placed_at desc', limit: '50' }))
          : '/orders/recent-paid',
    }),
    rows: (_target, body) => resource(body),
  },
  {
    name: 'nested',
    surface: 'rest',
    description: `${NESTED_PARENTS} authors → their posts → their comments (related=bench_posts,bench_posts.bench_comments: 3 levels, 600 leaf rows)`,
    engines: BOTH,
    targets: REST_TARGETS,
    expectedStatus: 200,
    request: (target) => ({
      method: 'GET',
      path:
        target === 'sluice'
          ? table('bench_authors', qs({ limit: String(NESTED_PARENTS), related: 'bench_posts,bench_posts.bench_comments' }))
          : `/authors/tree?limit=${NESTED_PARENTS}`,
    }),
    rows: (_target, body) => resource(body),
  },
  ...graphqlWorkloads(),
  {
    name: 'insert',
    surface: 'rest',
    description: `batch insert of ${INSERT_BATCH} rows (bench_events; created rows returned)`,
    engines: BOTH,
    targets: REST_TARGETS,
    expectedStatus: 201,
    resetsEvents: true,
    request: (target) => ({
      method: 'POST',
      path: target === 'sluice' ? table('bench_events') : '/events',
      body: insertBody,
      headers: { 'content-type': 'application/json' },
    }),
    rows: (_target, body) => withoutServerSet(resource(body)),
  },
];

/** The workloads to run: all, or those named by `--only` (unknown names are an error). */
export function selectWorkloads(only: readonly string[] | undefined): Workload[] {
  if (!only || only.length === 0) return [...WORKLOADS];
  const unknown = only.filter((name) => !WORKLOADS.some((w) => w.name === name));
  if (unknown.length > 0) throw new Error(`unknown workload(s): ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.name).join(', ')}`);
  return WORKLOADS.filter((w) => only.includes(w.name));
}
