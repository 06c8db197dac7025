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
export type TargetKind = 'sluice' | 'baseline';

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
