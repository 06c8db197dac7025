/**
 * The GraphQL fast path (src/graphql/graphql-fast-path.ts) over real HTTP: an operation the
 * caller's schema has run once is served without yoga's server the next time, and its answer —
 * status, content type, body — is the one yoga gives for the same request. Yoga's answer is taken
 * from the same request with an `extensions` member added, which yoga ignores and which keeps a
 * request off the fast path. One engine is enough: the path is above the database.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KnownOperations } from '../../src/graphql/graphql-fast-path.js';
import { adminLogin, demoEngines, request, SERVICE, startEngineServer, type HttpResult } from '../support/engines.js';

const ENDPOINT = `/api/v1/${SERVICE}/_graphql`;

interface GqlBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe.skipIf(!demoEngines().includes('pglite'))('GraphQL fast path', () => {
  let url: string;
  let token: string;
  let cleanup: () => Promise<void>;
  const find = vi.spyOn(KnownOperations.prototype, 'find');

  beforeAll(async () => {
    const started = await startEngineServer('pglite');
    cleanup = started.cleanup;
    url = started.server.url;
    token = await adminLogin(url);
  });

  afterAll(async () => {
    find.mockRestore();
    await cleanup?.();
  });

  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}, credential: Record<string, string> = { authorization: `Bearer ${token}` }) =>
    request<GqlBody>(url, ENDPOINT, { method: 'POST', headers: { 'content-type': 'application/json', ...credential, ...headers }, body: JSON.stringify(body) });
  const answer = (res: HttpResult<GqlBody>) => ({ status: res.status, contentType: res.headers.get('content-type'), body: res.body });
  /** Whether the last request found a known operation for its schema (the fast path ran it, given an Accept it serves). */
  const lastFound = () => typeof find.mock.results.at(-1)?.value === 'function';

  const cases: [name: string, body: Record<string, unknown>, accept?: string][] = [
    ['a list read', { query: '{ products(limit: 3, order_by: [{id: asc}]) { id name price } }' }],
    ['the same read as graphql-response+json', { query: '{ products(limit: 3, order_by: [{id: asc}]) { id name price } }' }, 'application/graphql-response+json'],
    ['the same read accepting anything', { query: '{ products(limit: 3, order_by: [{id: asc}]) { id name price } }' }, '*/*'],
    ['variables and an operation name', { query: 'query One($id: Int!) { products_by_pk(id: $id) { id sku } }', variables: { id: 2 }, operationName: 'One' }, 'application/json'],
    ['variables that do not coerce', { query: 'query One($id: Int!) { products_by_pk(id: $id) { id sku } }', variables: { id: 'two' }, operationName: 'One' }, 'application/graphql-response+json'],
    ['a resolver refusing a value', { query: '{ products(where: {price: {_gt: "not a number"}}) { id } }' }, 'application/graphql-response+json'],
    ['a mutation that changes nothing', { query: 'mutation { delete_products_by_pk(id: -1) { id } }' }],
  ];

  it.each(cases)('%s: answered as yoga answers it', async (_name, body, accept) => {
    const headers: Record<string, string> = accept ? { accept } : {};
    await post(body, headers); // the operation's first request (through yoga, unless an earlier case ran it)
    const fast = await post(body, headers);
    expect(lastFound()).toBe(true);
    const lookups = find.mock.calls.length;
    const reference = await post({ ...body, extensions: {} }, headers);
    expect(find.mock.calls.length).toBe(lookups); // not even looked up: the extra member keeps it on yoga's path
    expect(answer(fast)).toEqual(answer(reference));
  });

  it('the refusals and errors of these cases are real ones', async () => {
    const coerced = await post({ query: 'query One($id: Int!) { products_by_pk(id: $id) { id sku } }', variables: { id: 'two' }, operationName: 'One' }, { accept: 'application/graphql-response+json' });
    expect(coerced.body.data ?? undefined, coerced.text).toBeUndefined();
    expect(coerced.body.errors?.[0]?.message, coerced.text).toMatch(/\$id/);
    // GraphQL over HTTP: a response without data is a 4xx under graphql-response+json; legacy JSON keeps 200.
    expect(coerced.status, coerced.text).toBe(400);
    expect(coerced.body.errors?.[0]?.extensions?.http, coerced.text).toBeUndefined();
    const refused = await post({ query: '{ products(where: {price: {_gt: "not a number"}}) { id } }' });
    expect(refused.body.errors?.length).toBeGreaterThan(0);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe(400);
  });

  it('answers variables that do not coerce with 400 under graphql-response+json and 200 under JSON, first request and fast path alike', async () => {
    const body = { query: 'query Missing($id: Int!) { customers_by_pk(id: $id) { id } }', operationName: 'Missing' };
    for (const [accept, status] of [['application/graphql-response+json', 400], ['application/json', 200]] as const) {
      for (const variables of [{ id: 'x' }, {}, { id: null }]) {
        const first = await post({ ...body, variables }, { accept });
        const fast = await post({ ...body, variables }, { accept });
        expect(lastFound()).toBe(true);
        for (const res of [first, fast]) {
          expect(res.status, res.text).toBe(status);
          expect(res.body.data ?? undefined, res.text).toBeUndefined();
          expect(res.body.errors?.[0]?.message, res.text).toMatch(/"\$id"/);
        }
        expect(answer(fast)).toEqual(answer(first));
      }
    }
    // A query that runs still answers 200 under graphql-response+json.
    const ran = await post({ ...body, variables: { id: 3 } }, { accept: 'application/graphql-response+json' });
    expect(ran.status, ran.text).toBe(200);
    expect(ran.body.data, ran.text).toEqual({ customers_by_pk: { id: 3 } });
  });

  it('an operation known to one role is not run on another role’s schema', async () => {
    const asAdmin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const role = await request<{ id: number }>(url, '/api/v1/system/role', {
      method: 'POST',
      headers: asAdmin,
      body: JSON.stringify({ name: 'products_only', access: [{ service_name: SERVICE, component: '_table/products', verb_mask: 1 }] }),
    });
    expect(role.status, role.text).toBe(201);
    const key = await request<{ api_key: string }>(url, '/api/v1/system/api-key', { method: 'POST', headers: asAdmin, body: JSON.stringify({ role_id: role.body.id }) });
    expect(key.status, key.text).toBe(201);

    const hidden = { query: '{ customers(limit: 1) { id email } }' };
    for (let i = 0; i < 2; i++) expect((await post(hidden)).body.errors).toBeUndefined();
    expect(lastFound()).toBe(true);
    const restricted = await post(hidden, { accept: 'application/graphql-response+json' }, { 'x-api-key': key.body.api_key });
    expect(lastFound()).toBe(false);
    expect(restricted.status).toBe(400);
    expect(restricted.body.data).toBeUndefined();
    expect(restricted.body.errors?.[0]?.message).toMatch(/customers/);
  });

  it('leaves streaming answers to yoga', async () => {
    const body = { query: '{ products(limit: 1) { id } }' };
    await post(body);
    const streamed = await request(url, ENDPOINT, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    expect(lastFound()).toBe(true); // known, yet not served here: the Accept asks for a stream
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
  });
});
