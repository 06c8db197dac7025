/**
 * `npm run bench`: Sluice against the physical limit of a Node.js gateway (bench/baseline), on the
 * same machine and databases. For each engine: seed the bench database, start both servers as
 * processes, then per workload probe the SQL statements per request, warm up, and drive each
 * target with autocannon in alternation (A, B, A, B… so drift on a shared machine hits both), and
 * print medians over the rounds. See BENCHMARKS.md for how to read the results.
 *
 *   npm run bench -- [--duration 5] [--connections 10] [--rounds 3] [--warmup 2]
 *                    [--only list,by-pk] [--engine postgres|mariadb] [--pool-size 10]
 *                    [--json FILE] [--cpu-prof DIR] [--node 22|current]
 *
 * Databases: PostgreSQL and MariaDB admin URLs from SLUICE_BENCH_PG_URL / SLUICE_BENCH_MYSQL_URL
 * (default: the test servers, postgres@127.0.0.1:5432 and root@127.0.0.1:3306); the bench creates
 * and recreates `sluice_bench` and `sluice_bench_meta` there.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { z } from 'zod';
import { DATABASE, META_DATABASE, MYSQL_ADMIN_URL, PG_ADMIN_URL, prepareEmptyPostgres, prepareMariadb, preparePostgres, truncateEvents, type BenchEngine } from './bench-database.js';
import { median, runRound, statementsPerRequest, type LoadOptions, type RoundResult } from './load.js';
import { memoryTable, resultsTable, type MemoryNote, type TargetResult, type WorkloadResult } from './report.js';
import { benchNode, ensurePostgraphileInstalled, memoryOf, NODE_22, nodeVersionOf, startBaselineProcess, startPostgraphile, startSluice, type Target } from './targets.js';
import { selectWorkloads, type TargetKind, type Workload } from './workloads.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const positiveInt = z.coerce.number().int().positive();
const optionsSchema = z.object({
  duration: positiveInt.default(5),
  connections: positiveInt.default(10),
  rounds: positiveInt.default(3),
  warmup: z.coerce.number().int().nonnegative().default(2),
  only: z.array(z.string()).default([]),
  engine: z.array(z.enum(['postgres', 'mariadb'])).default(['postgres', 'mariadb']),
  'pool-size': positiveInt.default(10),
  json: z.string().optional(),
  'cpu-prof': z.string().optional(),
  node: z.enum(['22', 'current']).default('current'),
  help: z.boolean().default(false),
});
type Options = z.output<typeof optionsSchema>;

const USAGE = `Usage: npm run bench -- [options]
  --duration S       seconds per measured round (default 5)
  --connections N    concurrent connections (default 10)
  --rounds N         measured rounds per target, alternating targets (default 3)
  --warmup S         warm-up seconds per target and workload (default 2)
  --only NAMES       workloads to run, comma-separated or repeated: list, by-pk, filter, nested, insert,
                     gql-list, gql-by-pk, gql-filter, gql-nested (GraphQL, PostgreSQL only; against PostGraphile v5 on Node 22)
  --engine E         postgres or mariadb (repeatable; default both)
  --pool-size N      database connections per server (default 10, Sluice's default)
  --json FILE        also write the results as JSON
  --cpu-prof DIR     write V8 CPU profiles of Sluice into DIR and of the baseline into DIR/baseline (one per engine)
  --node V           the Node.js Sluice and the baseline run on: current (default), the Node.js
                     running the bench; or 22, the Node 22 binary PostGraphile runs on
                     (bench/postgraphile, installed on first use), so every target has one runtime`;

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string', multiple: true },
      engine: { type: 'string', multiple: true },
      'pool-size': { type: 'string' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      node: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  const split = (list: string[] | undefined) => list?.flatMap((v) => v.split(',').map((s) => s.trim()).filter(Boolean));
  const parsed = optionsSchema.safeParse({ ...values, only: split(values.only), engine: split(values.engine) });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

async function serverVersion(engine: BenchEngine): Promise<string> {
  if (engine === 'postgres') {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      return String((await client.query('SHOW server_version')).rows[0]?.server_version);
    } finally {
      await client.end();
    }
  }
  const connection = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS v');
    return String((rows as { v: unknown }[])[0]?.v);
  } finally {
    await connection.end();
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function runWorkload(engine: BenchEngine, databaseUrl: string, workload: Workload, targets: ReadonlyMap<TargetKind, Target>, options: Options): Promise<WorkloadResult> {
  const load: LoadOptions = { connections: options.connections, duration: options.duration };
  const order = workload.targets.map((kind) => {
    const target = targets.get(kind);
    if (!target) throw new Error(`workload ${workload.name} needs target ${kind}, which is not running`);
    return target;
  });
  const reset = async () => {
    if (workload.resetsEvents) await truncateEvents(engine, databaseUrl);
  };
  const statements = new Map<TargetKind, number | undefined>();
  for (const target of order) statements.set(target.kind, await statementsPerRequest(target, workload));
  if (options.warmup > 0) {
    for (const target of order) {
      await reset();
      await runRound(target, workload, { connections: options.connections, duration: options.warmup });
    }
  }
  const rounds = new Map<TargetKind, RoundResult[]>(order.map((t) => [t.kind, []]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const target of order) {
      await reset();
      const result = await runRound(target, workload, load);
      rounds.get(target.kind)?.push(result);
      log(`  ${engine} ${workload.name} round ${round}/${options.rounds} ${target.kind}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${result.failures ? `, ${result.failures} FAILED` : ''}`);
    }
  }
  await reset();
  const results: TargetResult[] = order.map((target) => {
    const list = rounds.get(target.kind) ?? [];
    return {
      target: target.kind,
      rounds: list.map((r) => r.rps),
      rps: median(list.map((r) => r.rps)),
      p50: median(list.map((r) => r.p50)),
      p99: median(list.map((r) => r.p99)),
      statements: statements.get(target.kind),
      peakRss: Math.max(0, ...list.map((r) => r.peakRss)),
      cpuMsPerRequest: median(list.map((r) => r.cpuMsPerRequest).filter(Number.isFinite)),
      failures: list.reduce((sum, r) => sum + r.failures, 0),
    };
  });
  return { engine, workload, targets: results };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const workloads = selectWorkloads(options.only);
  for (const file of ['dist/cli/main.js', 'dist-bench/baseline/baseline-main.js']) {
    if (!existsSync(path.join(ROOT, file))) throw new Error(`${file} is missing: run the benchmark with \`npm run bench\`, which builds it`);
  }
  // PostGraphile always runs on Node 22; `--node 22` puts the other targets on the same runtime.
  const node = benchNode(options.node, log);
  const nodeVersion = nodeVersionOf(node);
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-logs-'));
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  log(`sluice bench: ${options.rounds} rounds × ${options.duration} s, ${options.connections} connections, warm-up ${options.warmup} s; logs in ${logDir}`);

  const results: WorkloadResult[] = [];
  const memory: MemoryNote[] = [];
  let postgraphileRan = false;
  const versions: Record<string, string> = {};
  for (const engine of options.engine) {
    const mine = workloads.filter((w) => w.engines.includes(engine));
    if (mine.length === 0) continue;
    versions[engine] = await serverVersion(engine);
    log(`${engine} ${versions[engine]}: seeding ${DATABASE}…`);
    const adminUrl = engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL;
    const databaseUrl = engine === 'postgres' ? await preparePostgres({ adminUrl, database: DATABASE }) : await prepareMariadb({ adminUrl, database: DATABASE });
    const metaUrl = await prepareEmptyPostgres({ adminUrl: PG_ADMIN_URL, database: META_DATABASE });
    const targets = new Map<TargetKind, Target>();
    try {
      targets.set('sluice', await startSluice({ engine, databaseUrl, metaUrl, poolSize: options['pool-size'], logDir, node, ...(options['cpu-prof'] ? { cpuProfileDir: options['cpu-prof'] } : {}) }));
      targets.set('baseline', await startBaselineProcess({ engine, databaseUrl, poolSize: options['pool-size'], logDir, node, ...(options['cpu-prof'] ? { cpuProfileDir: path.join(options['cpu-prof'], 'baseline') } : {}) }));
      if (mine.some((w) => w.targets.includes('postgraphile'))) {
        ensurePostgraphileInstalled(log);
        postgraphileRan = true;
        targets.set('postgraphile', await startPostgraphile({ databaseUrl, poolSize: options['pool-size'], logDir }));
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const idle = new Map<TargetKind, number>();
      for (const target of targets.values()) idle.set(target.kind, (await memoryOf(target.pid))?.rss ?? 0);
      for (const workload of mine) results.push(await runWorkload(engine, databaseUrl, workload, targets, options));
      for (const target of targets.values()) {
        memory.push({ engine, target: target.kind, idleRss: idle.get(target.kind) ?? 0, peakRss: (await memoryOf(target.pid))?.peak ?? 0 });
      }
    } finally {
      for (const target of targets.values()) await target.stop();
    }
  }

  const cpus = os.cpus();
  const machine = [
    `- ${startedAt.toISOString()}, ${os.type()} ${os.release()}, ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    `- Node.js ${nodeVersion} for Sluice and the baseline${options.node === '22' ? ' (the Node 22 binary of bench/postgraphile)' : ''}${postgraphileRan ? `, ${nodeVersionOf(NODE_22)} for PostGraphile` : ''}; ${Object.entries(versions).map(([e, v]) => `${e} ${v}`).join('; ')}`,
    `- load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}; after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `- ${options.rounds} rounds × ${options.duration} s per target, alternating; ${options.connections} connections; warm-up ${options.warmup} s; pool size ${options['pool-size']}`,
  ].join('\n');
  const notes = [...new Set(results.flatMap((r) => (r.workload.note ? [`- ${r.workload.name}: ${r.workload.note}`] : [])))].join('\n');
  const described = [...new Map(results.map((r) => [r.workload.name, r.workload.description])).entries()].map(([name, d]) => `- ${name}: ${d}`).join('\n');
  const text = [
    '## Results',
    '',
    'Medians over the rounds; ratio = the median over the rounds of Sluice\'s req/s ÷ the other target\'s req/s in the same round (run back to back). Workloads:',
    '',
    described,
    '',
    resultsTable(results),
    '',
    'Memory (RSS of each server process):',
    '',
    memoryTable(memory),
    '',
    ...(notes ? ['Notes:', '', notes, ''] : []),
    'Machine:',
    '',
    machine,
    '',
  ].join('\n');
  process.stdout.write(`\n${text}`);
  if (options.json) {
    const json = {
      startedAt,
      options,
      versions,
      results: results.map((r) => ({ engine: r.engine, workload: r.workload.name, description: r.workload.description, targets: r.targets })),
      memory,
    };
    await writeFile(options.json, `${JSON.stringify(json, null, 2)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`sluice bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
