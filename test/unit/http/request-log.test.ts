/**
 * The request log (src/http/request-log.ts): one line per request at the level its status calls
 * for, with the request id the client sees, and the path without the query string.
 */
import http from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogMiddleware } from '../../../src/http/request-log.js';

interface Line {
  level: number;
  msg: string;
  req: { id: string; method: string; path: string };
  res: { statusCode: number };
  responseTime: number;
}

describe('request log', () => {
  const lines: Line[] = [];
  let server: http.Server;
  let base = '';

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text) as Line);
        callback();
      },
    });
    const app = express();
    app.use(requestLogMiddleware(pino({ level: 'debug' }, sink)));
    app.get('/ok', (_req, res) => void res.json({ ok: true }));
    app.get('/missing', (_req, res) => void res.status(404).json({}));
    app.get('/broken', (_req, res) => void res.status(500).json({}));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const lineFor = async (id: string) => {
    for (let i = 0; i < 50 && !lines.some((l) => l.req.id === id); i++) await new Promise((r) => setTimeout(r, 10));
    return lines.find((l) => l.req.id === id);
  };

  it.each([
    ['/ok?filter=secret', 200, 20],
    ['/missing', 404, 30],
    ['/broken', 500, 50],
  ])('%s: status %i is logged at level %i, with the id and the path only', async (pathAndQuery, status, level) => {
    const res = await fetch(`${base}${pathAndQuery}`);
    expect(res.status).toBe(status);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = await lineFor(id as string);
    expect(line).toMatchObject({ level, msg: 'request completed', req: { id, method: 'GET', path: pathAndQuery.split('?')[0] }, res: { statusCode: status } });
    expect(JSON.stringify(line)).not.toContain('secret');
  });

  it('keeps an incoming request id', async () => {
    const res = await fetch(`${base}/ok`, { headers: { 'x-request-id': 'client-chosen-id-1' } });
    expect(res.headers.get('x-request-id')).toBe('client-chosen-id-1');
    expect(await lineFor('client-chosen-id-1')).toMatchObject({ res: { statusCode: 200 } });
  });
});
