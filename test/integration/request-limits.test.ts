/**
 * The limits a public API needs, over real HTTP on every engine: the per-service statement timeout
 * cancels a slow statement on the server and answers 504 in the envelope (and the service keeps
 * serving), a client that goes away has its statement cancelled without an error in the logs, and
 * bodies over the 10 MB limit are refused with 413 before anything is written.
 */
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { describeScratch, SCRATCH_SERVICE, type ScratchFixture } from '../support/scratch.js';

/** What the servers of this file log (pino's JSON lines). */
const logged: { level: number; msg: string; requestId?: string }[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => void logged.push(JSON.parse(line) as (typeof logged)[number]) });

async function until(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

/** Calls of `slow` the scratch database is running (other than this query). */
async function sleepingStatements(f: ScratchFixture): Promise<number> {
  if (f.engine === 'postgres') {
    const [row] = await f.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%slow%' AND pid <> pg_backend_pid()`);
    return row?.n ?? 0;
  }
  const [row] = await f.sql<{ n: number }>(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Sleep' AND INFO LIKE '%slow%' AND ID <> CONNECTION_ID()`);
  return Number(row?.n ?? 0);
}

const POSTGRES = [
  `CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)`,
  `CREATE FUNCTION slow(seconds float8) RETURNS integer LANGUAGE sql VOLATILE AS 'SELECT 1 FROM pg_sleep(seconds)'`,
];
const MYSQL = [
  `CREATE TABLE notes (id int AUTO_INCREMENT PRIMARY KEY, body longtext NOT NULL) ENGINE=InnoDB`,
  `CREATE FUNCTION slow(seconds double) RETURNS int NO SQL RETURN SLEEP(seconds)`,
];

interface ErrorBody {
  error: { code: number; message: string; context: { reason: string } };
}

await describeScratch(
  'request limits',
  { postgres: POSTGRES, mysql: MYSQL },
  (fixture) => {
    it('cancels a statement that runs past the statement timeout with 504, and keeps serving', async (ctx) => {
      const f = fixture();
      // PGlite runs in this process's thread: its pg_sleep cannot be interrupted by a timer.
      if (f.engine === 'pglite') ctx.skip();
      const res = await f.send<ErrorBody>('POST', `/api/v1/${SCRATCH_SERVICE}/_proc/slow`, { seconds: 8 });
      expect(res.status, res.text).toBe(504);
      expect(res.body.error.context.reason).toBe('statementTimeout');
      expect(res.text).not.toMatch(/pg_sleep|SLEEP\(/i);
      const fast = await f.send<{ resource: unknown[] }>('POST', `/api/v1/${SCRATCH_SERVICE}/_proc/slow`, { seconds: 0 });
      expect(fast.status, fast.text).toBe(200);
    });

    it('cancels the statement of a client that goes away, and logs that at debug level, not as an error', async (ctx) => {
      const f = fixture();
      if (f.engine === 'pglite') ctx.skip(); // its pg_sleep runs in this thread and cannot be cancelled
      const requestId = `gone-${f.engine}-${Date.now()}`;
      const client = new AbortController();
      const call = fetch(`${f.baseUrl}/api/v1/${SCRATCH_SERVICE}/_proc/slow`, {
        method: 'POST',
        headers: { authorization: `Bearer ${f.adminToken}`, 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ seconds: 1.5 }),
        signal: client.signal,
      }).catch((error: unknown) => error);
      expect(await until(async () => (await sleepingStatements(f)) === 1, 1000)).toBe(true);
      client.abort();
      await call;
      // Well before its 1.5 s: the server cancelled it.
      expect(await until(async () => (await sleepingStatements(f)) === 0, 700)).toBe(true);
      const mine = () => logged.filter((line) => line.requestId === requestId);
      expect(await until(() => mine().some((line) => line.msg === 'statement cancelled: the client went away'), 2000)).toBe(true);
      expect(mine().filter((line) => line.level >= 40)).toEqual([]);
    });

    it('refuses bodies over 10 MB with 413 in the envelope and writes nothing', async () => {
      const f = fixture();
      const big = JSON.stringify({ body: 'x'.repeat(10 * 1024 * 1024 + 1) });
      const res = await f.send<ErrorBody>('POST', `/api/v1/${SCRATCH_SERVICE}/_table/notes`, big);
      expect(res.status).toBe(413);
      expect(res.body.error).toMatchObject({ code: 413, context: { reason: 'bodyTooLarge' } });
      const fits = await f.send('POST', `/api/v1/${SCRATCH_SERVICE}/_table/notes`, { body: 'x'.repeat(1024 * 1024) });
      expect(fits.status).toBe(201);
      const count = await f.send<{ resource: { count: number }[] }>('GET', `/api/v1/${SCRATCH_SERVICE}/_table/notes?fields=count(*)`);
      expect(count.body.resource[0]?.count).toBe(1);
    });
  },
  { env: { SLUICE_STATEMENT_TIMEOUT_MS: '2000' }, logger },
);
