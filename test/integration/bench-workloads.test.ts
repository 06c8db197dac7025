/**
 * Keeps `npm run bench` from rotting: on a bench database of its own, every workload's request is
 * sent to Sluice and to the baseline server (bench/baseline), and both must answer with the
 * workload's status and the same rows — so the benchmark compares equal work. Also checks the
 * statement counts each target reports, which the benchmark prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaseline, type RunningBaseline } from '../../bench/baseline/baseline-server.js';
import { AUTHORS, COMMENTS_PER_POST, dropDatabase, POSTS_PER_AUTHOR, preparePostgres, prepareMariadb, truncateEvents, type BenchEngine } from '../../bench/bench-database.js';
import { NODE_22, startPostgraphile, type Target } from '../../bench/targets.js';
import { INSERT_BATCH, SERVICE, WORKLOADS, type TargetKind, type Workload } from '../../bench/workloads.js';
import { existsSync } from 'node:fs';
import { adminLogin, startServerWith } from '../support/engines.js';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL, shouldRunEngine } from '../support/servers.js';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const DATABASE = `sluice_bench_smoke_${process.pid}`;

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly statements: number;
}

for (const engine of ['postgres', 'mariadb'] as const satisfies readonly BenchEngine[]) {
  describe.skipIf(!(await shouldRunEngine(engine)))(`bench workloads [${engine}]`, () => {
    const adminUrl = engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL;
    let url = '';
    let sluice: { baseUrl: string; token: string; cleanup: () => Promise<void> } | undefined;
    let baseline: RunningBaseline | undefined;
    // PostGraphile runs only where `npm run bench` has installed it (bench/postgraphile, ~500 MB with Node 22).
    const withPostgraphile = engine === 'postgres' && existsSync(NODE_22);
    let postgraphile: Target | undefined;

    beforeAll(async () => {
      url = engine === 'postgres' ? await preparePostgres({ adminUrl, database: DATABASE }) : await prepareMariadb({ adminUrl, database: DATABASE });
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-smoke-'));
      const started = await startServerWith({ [SERVICE]: url }, dataDir);
      sluice = { baseUrl: started.server.url, token: await adminLogin(started.server.url), cleanup: started.cleanup };
      baseline = await startBaseline({ engine, url, port: 0, poolSize: 2 });
      if (withPostgraphile) postgraphile = await startPostgraphile({ databaseUrl: url, poolSize: 2, logDir: dataDir });
      else if (engine === 'postgres') console.info('bench workloads: PostGraphile is not installed (npm run bench installs it); its comparison is skipped');
    });

    afterAll(async () => {
      await sluice?.cleanup();
      await baseline?.close();
      await postgraphile?.stop();
      await dropDatabase(engine, { adminUrl, database: DATABASE });
    });

    async function send(workload: Workload, target: TargetKind, i: number): Promise<Answer> {
      if (!sluice || !baseline) throw new Error('servers not started');
      const call = workload.request(target, i);
      const headers = new Headers(call.headers);
      if (target === 'sluice') headers.set('authorization', `Bearer ${sluice.token}`);
      const base = target === 'sluice' ? sluice.baseUrl : target === 'postgraphile' ? (postgraphile?.url ?? '') : baseline.url;
      const res = await fetch(`${base}${call.path}`, { method: call.method, headers, ...(call.body !== undefined ? { body: call.body } : {}) });
      const statements = Number(res.headers.get(target === 'sluice' ? 'x-sluice-statements' : 'x-bench-statements'));
      return { status: res.status, body: (await res.json()) as unknown, statements };
    }

    const reads = WORKLOADS.filter((w) => w.engines.includes(engine) && !w.resetsEvents);
    it.each(reads.map((w) => [w.name, w] as const))('%s: Sluice and the baseline answer the same rows', async (_name, workload) => {
      for (const i of [0, 1, 7]) {
        const [ours, theirs] = [await send(workload, 'sluice', i), await send(workload, 'baseline', i)];
        expect(ours.status, JSON.stringify(ours.body).slice(0, 300)).toBe(workload.expectedStatus);
        expect(theirs.status, JSON.stringify(theirs.body).slice(0, 300)).toBe(workload.expectedStatus);
        const rows = workload.rows('sluice', ours.body);
        expect(rows.length).toBeGreaterThan(0);
        expect(workload.rows('baseline', theirs.body)).toEqual(rows);
        expect(ours.statements).toBeGreaterThan(0);
        expect(theirs.statements).toBeGreaterThan(0);
      }
    });

    const graphql = WORKLOADS.filter((w) => w.engines.includes(engine) && w.targets.includes('postgraphile'));
    it.skipIf(!withPostgraphile || graphql.length === 0).each(graphql.map((w) => [w.name, w] as const))(
      '%s: PostGraphile answers the same rows as Sluice',
      async (_name, workload) => {
        for (const i of [0, 3]) {
          const [ours, theirs] = [await send(workload, 'sluice', i), await send(workload, 'postgraphile', i)];
          expect(theirs.status, JSON.stringify(theirs.body).slice(0, 300)).toBe(workload.expectedStatus);
          expect(workload.rows('postgraphile', theirs.body)).toEqual(workload.rows('sluice', ours.body));
          expect(theirs.statements).toBeGreaterThan(0);
          if (workload.maxStatements !== undefined) expect(ours.statements).toBeLessThanOrEqual(workload.maxStatements);
        }
      },
    );

    it('nested: 20 authors → 5 posts each → 6 comments each, in one statement per level', async () => {
      const nested = WORKLOADS.find((w) => w.name === 'nested');
      if (!nested) throw new Error('no nested workload');
      const answer = await send(nested, 'sluice', 0);
      const authors = nested.rows('sluice', answer.body) as { bench_posts: { bench_comments: unknown[] }[] }[];
      expect(authors).toHaveLength(AUTHORS);
      for (const author of authors) {
        expect(author.bench_posts).toHaveLength(POSTS_PER_AUTHOR);
        for (const post of author.bench_posts) expect(post.bench_comments).toHaveLength(COMMENTS_PER_POST);
      }
      expect(answer.statements).toBe(3); // authors, then one batched statement per level below
      const comments = await fetch(`${sluice?.baseUrl}/api/v1/${SERVICE}/_table/bench_comments?limit=0&include_count=true`, {
        headers: { authorization: `Bearer ${sluice?.token}` },
      }).then((res) => res.json() as Promise<{ meta: { total: number } }>);
      expect(comments.meta.total).toBe(AUTHORS * POSTS_PER_AUTHOR * COMMENTS_PER_POST);
    });

    it('insert: both insert 100 rows and answer them the same way', async () => {
      const insert = WORKLOADS.find((w) => w.name === 'insert');
      if (!insert) throw new Error('no insert workload');
      await truncateEvents(engine, url);
      const ours = await send(insert, 'sluice', 0);
      const theirs = await send(insert, 'baseline', 0);
      expect(ours.status, JSON.stringify(ours.body).slice(0, 300)).toBe(201);
      expect(theirs.status, JSON.stringify(theirs.body).slice(0, 300)).toBe(201);
      const rows = insert.rows('sluice', ours.body);
      expect(rows).toHaveLength(INSERT_BATCH);
      expect(insert.rows('baseline', theirs.body)).toEqual(rows);
      // Both really wrote: 200 rows in the table now, 0 after the reset the harness does between rounds.
      const count = async () => {
        const res = await fetch(`${sluice?.baseUrl}/api/v1/${SERVICE}/_table/bench_events?limit=0&include_count=true`, { headers: { authorization: `Bearer ${sluice?.token}` } });
        return ((await res.json()) as { meta: { total: number } }).meta.total;
      };
      expect(await count()).toBe(2 * INSERT_BATCH);
      await truncateEvents(engine, url);
      expect(await count()).toBe(0);
    });
  });
}
