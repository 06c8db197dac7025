/**
 * The limits a public API needs, over real HTTP on every engine: the per-service statement timeout
 * cancels a slow statement on the server and answers 504 in the envelope (and the service keeps
 * serving), and bodies over the 10 MB limit are refused with 413 before anything is written.
 */
import { expect, it } from 'vitest';
import { describeScratch, SCRATCH_SERVICE } from '../support/scratch.js';

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
  { env: { SLUICE_STATEMENT_TIMEOUT_MS: '2000' } },
);
