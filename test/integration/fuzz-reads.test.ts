/**
 * Fuzzing the read surface over real HTTP on every engine, against the shared demo shop (read-only
 * requests only): `GET /_table/{t}` with hostile `filter`, `fields`/`select`, `order`, `ids`, `group`,
 * `limit`/`offset`, PostgREST-style `{column}.{op}` conditions and `related` with its options;
 * `GET /_table/{t}/{id}`; `GET /_schema/{t}`; `GET /_proc/{name}` with hostile arguments; odd
 * methods, table names and credentials. Generators start from the demo's real catalog, so most
 * requests pass the first checks and reach the parser, the resolver, the planner and the database.
 *
 * Every answer must keep the contract checked by `assertSafeAnswer` (test/support/fuzz.ts): no
 * 5xx, no leaked SQL or stack frames, the error envelope with `code` = status, an X-Request-ID.
 */
import net from 'node:net';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { describeEngines, SERVICE } from '../support/engines.js';
import {
  assertSafeAnswer,
  fuzzParameters,
  fuzzTimeout,
  hostileString,
  loadFuzzTables,
  readQueryArb,
  sendFuzz,
  valueText,
  type FuzzRequest,
  type FuzzTable,
} from '../support/fuzz.js';

const READ_RUNS = 250;
const OTHER_RUNS = 150;

describeEngines('fuzz: reads', (fixture) => {
  let tables: Map<string, FuzzTable>;
  beforeAll(async () => {
    tables = await loadFuzzTables(fixture().baseUrl, fixture().adminToken, SERVICE);
    expect(tables.size).toBeGreaterThan(5);
  });

  const send = async (request: FuzzRequest) => {
    const f = fixture();
    return assertSafeAnswer(request, await sendFuzz(f.baseUrl, f.adminToken, request));
  };

  // Found by this fuzzer: Node's HTTP parser answered these with a bare status line.
  it('answers requests the HTTP parser refuses in the error envelope, with an X-Request-ID', async () => {
    const f = fixture();
    const long = await fetch(`${f.baseUrl}/api/v1/${SERVICE}/_table/products?filter=${'x'.repeat(80_000)}`);
    expect(long.status).toBe(431);
    expect(long.headers.get('x-request-id')).toBeTruthy();
    expect(await long.json()).toMatchObject({ error: { code: 431, context: { reason: 'headersTooLarge' } } });

    const url = new URL(f.baseUrl);
    const raw = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = net.connect(Number(url.port), url.hostname, () => socket.write('GET /api/v1/shop/_table HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'));
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toMatch(/\r\nX-Request-ID: [0-9a-f-]{36}\r\n/i);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 400, context: { reason: 'malformedRequest' } } });
  });

  it(
    'GET /_table/{table} answers hostile read parameters without a 5xx, a leak or a broken envelope',
    async () => {
      const names = [...tables.keys()];
      const request = fc
        .constantFrom(...names)
        .chain((name) => fc.tuple(fc.constant(name), fc.nat(2).chain((h) => readQueryArb(tables.get(name) as FuzzTable, tables, h === 0 ? 1 : 0)), fc.nat(9)))
        .map(([name, query, roll]): FuzzRequest => ({
          method: roll === 0 ? 'HEAD' : 'GET',
          segments: [SERVICE, '_table', name],
          query,
          ...(roll === 1 ? { headers: { accept: 'application/x-ndjson' } } : roll === 2 ? { headers: { accept: 'text/csv' } } : {}),
        }));
      let ok = 0;
      const stats = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const answer = await sendFuzz(fixture().baseUrl, fixture().adminToken, r);
          const parsed = assertSafeAnswer(r, answer);
          if (answer.status === 200) ok++;
          if (process.env.SLUICE_FUZZ_STATS) {
            const reason = (parsed as { error?: { context?: { reason?: string; parameter?: string } } } | undefined)?.error?.context;
            stats.set(`${answer.status} ${reason?.reason ?? ''} ${reason?.parameter ?? ''}`, (stats.get(`${answer.status} ${reason?.reason ?? ''} ${reason?.parameter ?? ''}`) ?? 0) + 1);
          }
        }),
        fuzzParameters(READ_RUNS),
      );
      if (process.env.SLUICE_FUZZ_STATS) console.log([...stats].sort((a, b) => b[1] - a[1]));
      // The generators must reach the database, not only the first validation.
      expect(ok).toBeGreaterThan(fuzzParameters(READ_RUNS).numRuns! / 10);
    },
    fuzzTimeout(READ_RUNS),
  );

  it(
    'GET /_table/{table}/{id}, /_schema/{table} and odd table names answer within the contract',
    async () => {
      const names = [...tables.keys()];
      const table = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: hostileString });
      const request = fc.oneof(
        fc
          .tuple(fc.constantFrom(...names), fc.nat(99))
          .chain(([name, roll]) => {
            const t = tables.get(name) as FuzzTable;
            const keys = t.primary_key.map((k) => t.columns.find((c) => c.name === k)).filter((c) => c !== undefined);
            const id = keys.length > 0 ? fc.tuple(...keys.map((c) => valueText(c))).map((parts) => parts.join(',')) : hostileString;
            return fc.tuple(fc.constant(name), fc.oneof({ weight: 4, arbitrary: id }, { weight: 1, arbitrary: hostileString }), readQueryArb(t, tables), fc.constant(roll));
          })
          .map(([name, id, query, roll]): FuzzRequest => ({
            method: roll < 90 ? 'GET' : 'HEAD',
            segments: [SERVICE, '_table', name, id],
            query: query.filter(([k]) => roll % 2 === 0 || ['fields', 'select', 'related'].includes(k) || k.includes('.')),
          })),
        fc.tuple(table, fc.constantFrom('_table', '_schema')).map(([name, kind]): FuzzRequest => ({ method: 'GET', segments: [SERVICE, kind, name] })),
        fc.tuple(table, fc.constantFrom('OPTIONS', 'PROPFIND', 'GET', 'PURGE')).map(([name, method]): FuzzRequest => ({ method, segments: [SERVICE, '_table', name, 'x', 'y'] })),
        fc.tuple(hostileString, fc.constantFrom('_table', '_schema', '_proc', '_doc', 'nope')).map(([service, kind]): FuzzRequest => ({ method: 'GET', segments: [service, kind] })),
        fc
          .tuple(table, fc.constantFrom('x-api-key', 'authorization'), fc.constantFrom('', 'Bearer', 'Bearer x.y.z', 'Basic YTpi', 'sluice_abc.def', 'Bearer eyJhbGciOiJub25lIn0.e30.', 'x'.repeat(9000)))
          .map(([name, header, value]): FuzzRequest => ({ method: 'GET', segments: [SERVICE, '_table', name], headers: { [header]: value } })),
      );
      await fc.assert(fc.asyncProperty(request, async (r) => void (await send(r))), fuzzParameters(OTHER_RUNS));
    },
    fuzzTimeout(OTHER_RUNS),
  );

  it(
    'GET /_proc/{name} answers hostile arguments within the contract',
    async () => {
      const listing = await send({ method: 'GET', segments: [SERVICE, '_proc'] });
      const procedures = (listing as { resource: { name: string; parameters: { name: string; type: string }[] }[] }).resource;
      expect(procedures.length).toBeGreaterThan(0);
      const argument = fc.oneof(
        { weight: 4, arbitrary: fc.oneof(fc.integer({ min: -3, max: 600 }).map(String), fc.constantFrom('2147483648', '1.5', '', ' 1', '1e2', '-0')) },
        { weight: 2, arbitrary: hostileString },
      );
      const request = fc
        .tuple(
          fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...procedures.map((p) => p.name)) }, { weight: 1, arbitrary: hostileString }),
          fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...procedures.flatMap((p) => p.parameters.map((q) => q.name)), 'p_nope') }, { weight: 1, arbitrary: hostileString }), argument), { maxLength: 3 }),
        )
        .map(([name, query]): FuzzRequest => ({ method: 'GET', segments: [SERVICE, '_proc', name], query }));
      await fc.assert(fc.asyncProperty(request, async (r) => void (await send(r))), fuzzParameters(OTHER_RUNS));
    },
    fuzzTimeout(OTHER_RUNS),
  );
});
