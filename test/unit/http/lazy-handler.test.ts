/**
 * `lazyHandler` (http/route-table.ts), which loads the GraphQL stack on the first GraphQL request,
 * and the promise it exists for: the HTTP layer does not import the GraphQL modules at start-up.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DataRequest, DataResponse } from '../../../src/http/exchange.js';
import { lazyHandler, type RouteHandler } from '../../../src/http/route-table.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');
const req = {} as DataRequest;
const res = {} as DataResponse;

describe('lazyHandler', () => {
  it('loads its handler once, on first use, and runs it for every request', async () => {
    const served: number[] = [];
    let loads = 0;
    const handler = lazyHandler(async () => {
      loads += 1;
      return (() => served.push(served.length)) as RouteHandler;
    });
    expect(loads).toBe(0);
    // Requests arriving while the first load is under way wait for that same load.
    await Promise.all([handler(req, res), handler(req, res)]);
    await handler(req, res);
    expect(loads).toBe(1);
    expect(served).toEqual([0, 1, 2]);
  });

  it('tries a load that failed again on the next request', async () => {
    let attempt = 0;
    const handler = lazyHandler(async () => {
      attempt += 1;
      if (attempt === 1) throw new Error('import failed');
      return () => 'served';
    });
    await expect(handler(req, res)).rejects.toThrow('import failed');
    await expect(handler(req, res)).resolves.toBe('served');
    expect(attempt).toBe(2);
  });

  it('is how the HTTP layer reaches the GraphQL modules: none is imported at start-up', async () => {
    for (const file of ['http/create-app.ts', 'http/server.ts']) {
      const source = await readFile(path.join(SRC, file), 'utf8');
      expect(source, file).not.toMatch(/^import[^;]*from '\.\.\/graphql\//m);
    }
    const app = await readFile(path.join(SRC, 'http/create-app.ts'), 'utf8');
    expect(app).toContain("import('../graphql/graphql-handler.js')");
  });
});
