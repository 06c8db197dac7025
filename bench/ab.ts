/**
 * `npm run bench:ab`: one workload, several targets (Sluice builds, the baseline, PostGraphile) in
 * alternation, to tell whether a change helps: many short rounds, each target's round right after
 * the other's, and per target the CPU time its process and the database server's processes spent
 * per answered request (a change may move work between the two). The first target is the
 * reference of the ratios, taken per round and then the median.
 *
 *   cp -r dist dist-before            # the build to compare against, inside the repository
 *   … change, npm run build …
 *   npm run bench:ab -- --workload by-pk --target dist-before --target dist --target baseline
 *
 * A target is `baseline`, `postgraphile` (GraphQL workloads, PostgreSQL) or a folder holding a
 * Sluice build (`cli/main.js`); it must lie inside the repository so the build finds its packages.
 * Each Sluice build gets a metadata database of its own. The bench database is seeded anew, as by
 * `npm run bench`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DATABASE, META_DATABASE, MYSQL_ADMIN_URL, PG_ADMIN_URL, prepareEmptyPostgres, prepareMariadb, preparePostgres, truncateEvents } from './bench-database.js';
import { median, runRound } from './load.js';
import { pairedRatio } from './report.js';
import { benchNode, cpuTimeOf, ensurePostgraphileInstalled, startBaselineProcess, startPostgraphile, startSluice, type Target } from './targets.js';
import { selectWorkloads } from './workloads.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const positiveInt = z.coerce.number().int().positive();
const optionsSchema = z.object({
  workload: z.string().min(1),
  target: z.array(z.string().min(1)).min(1),
  engine: z.enum(['postgres', 'mariadb']).default('postgres'),
  rounds: positiveInt.default(6),
  duration: positiveInt.default(3),
  warmup: z.coerce.number().int().nonnegative().default(2),
  connections: positiveInt.default(10),
  'pool-size': positiveInt.default(10),
  'cpu-prof': z.string().optional(),
  node: z.enum(['22', 'current']).default('current'),
});

const USAGE = `Usage: npm run bench:ab -- --workload NAME --target T [--target T …] [options]
  --workload NAME    one workload of npm run bench (list, by-pk, filter, nested, insert, gql-list, gql-by-pk, gql-filter, gql-nested)
  --target T         baseline, postgraphile, or a folder inside the repository holding a Sluice build (cli/main.js); the first is the reference
  --engine E         postgres (default) or mariadb
  --rounds N         rounds per target, alternating (default 6)
  --duration S       seconds per round (default 3)
  --warmup S         warm-up seconds per target (default 2)
  --connections N    concurrent connections (default 10)
  --pool-size N      database connections per server (default 10)
  --cpu-prof DIR     V8 CPU profiles of the Sluice builds and the baseline, in DIR/<target index>
  --node 22|current  the Node.js of the Sluice builds and the baseline: the one running the bench (default),
                     or PostGraphile's Node 22 binary (the same runtime as PostGraphile)`;

/** CPU time so far of every database server process (PostgreSQL backends, mariadbd), by pid, in ms. */
async function databaseCpuTimes(): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = (await readFile(`/proc/${entry}/comm`, 'utf8')).trim();
      if (command !== 'postgres' && command !== 'mariadbd') continue;
      times.set(Number(entry), await cpuTimeOf(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return times;
}

/** CPU time spent between two readings by the processes present at both (backends come and go with pools). */
function spentBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, time] of after) {
    const earlier = before.get(pid);
    if (earlier !== undefined && Number.isFinite(time) && Number.isFinite(earlier)) total += time - earlier;
  }
  return total;
}

interface Round {
  readonly rps: number;
  readonly cpuMsPerRequest: number;
  readonly databaseMsPerRequest: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      workload: { type: 'string' },
      target: { type: 'string', multiple: true },
      engine: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'pool-size': { type: 'string' },
      'cpu-prof': { type: 'string' },
      node: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) throw new Error(`${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n${USAGE}`);
  const options = parsed.data;
  const workload = selectWorkloads([options.workload]).find((w) => w.name === options.workload);
  if (!workload) throw new Error(`unknown workload ${options.workload}\n${USAGE}`);
  if (!workload.engines.includes(options.engine)) throw new Error(`${workload.name} does not run on ${options.engine}`);
  for (const target of options.target) {
    if (target === 'baseline' || target === 'postgraphile') continue;
    const build = path.resolve(ROOT, target);
    if (!build.startsWith(`${ROOT}${path.sep}`) || !existsSync(path.join(build, 'cli', 'main.js'))) {
      throw new Error(`--target ${target}: not baseline, postgraphile or a folder inside the repository holding cli/main.js`);
    }
  }

  const log = (line: string) => process.stderr.write(`${line}\n`);
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-ab-'));
  const adminUrl = options.engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL;
  log(`seeding ${DATABASE} on ${options.engine}; logs in ${logDir}`);
  const databaseUrl = options.engine === 'postgres' ? await preparePostgres({ adminUrl, database: DATABASE }) : await prepareMariadb({ adminUrl, database: DATABASE });
  const reset = async () => {
    if (workload.resetsEvents) await truncateEvents(options.engine, databaseUrl);
  };

  const node = benchNode(options.node, log);
  const targets: Target[] = [];
  try {
    for (const [index, name] of options.target.entries()) {
      if (name === 'baseline') {
        targets.push(
          await startBaselineProcess({
            engine: options.engine,
            databaseUrl,
            poolSize: options['pool-size'],
            logDir,
            node,
            ...(options['cpu-prof'] ? { cpuProfileDir: path.join(options['cpu-prof'], String(index)) } : {}),
          }),
        );
      } else if (name === 'postgraphile') {
        ensurePostgraphileInstalled(log);
        targets.push(await startPostgraphile({ databaseUrl, poolSize: options['pool-size'], logDir }));
      } else {
        const metaUrl = await prepareEmptyPostgres({ adminUrl: PG_ADMIN_URL, database: `${META_DATABASE}_ab${index}` });
        targets.push(
          await startSluice({
            engine: options.engine,
            databaseUrl,
            metaUrl,
            poolSize: options['pool-size'],
            logDir,
            build: name,
            label: String(index),
            node,
            ...(options['cpu-prof'] ? { cpuProfileDir: path.join(options['cpu-prof'], String(index)) } : {}),
          }),
        );
      }
    }
    const load = { connections: options.connections, duration: options.duration };
    for (const target of targets) {
      await reset();
      if (options.warmup > 0) await runRound(target, workload, { connections: options.connections, duration: options.warmup });
    }
    const rounds: Round[][] = targets.map(() => []);
    for (let round = 1; round <= options.rounds; round++) {
      for (const [index, target] of targets.entries()) {
        await reset();
        const before = await databaseCpuTimes();
        const result = await runRound(target, workload, load);
        const database = spentBetween(before, await databaseCpuTimes());
        const answered = result.rps * options.duration;
        rounds[index]?.push({ rps: result.rps, cpuMsPerRequest: result.cpuMsPerRequest, databaseMsPerRequest: answered > 0 ? database / answered : Number.NaN });
        log(`  round ${round}/${options.rounds} ${options.target[index]}: ${result.rps.toFixed(0)} req/s${result.failures ? `, ${result.failures} FAILED` : ''}`);
      }
    }

    const reference = rounds[0] ?? [];
    const lines = [
      `${workload.name} on ${options.engine}: ${options.rounds} rounds × ${options.duration} s per target, alternating, ${options.connections} connections`,
      '',
      '| target | req/s (median) | rounds req/s | CPU ms/req | database CPU ms/req | ratio to the first |',
      '| --- | --- | --- | --- | --- | --- |',
      ...options.target.map((name, index) => {
        const mine = rounds[index] ?? [];
        const paired = pairedRatio(
          mine.map((r) => r.rps),
          reference.map((r) => r.rps),
        );
        return `| ${name} | ${median(mine.map((r) => r.rps)).toFixed(0)} | ${mine.map((r) => r.rps.toFixed(0)).join(' / ')} | ${median(mine.map((r) => r.cpuMsPerRequest).filter(Number.isFinite)).toFixed(3)} | ${median(mine.map((r) => r.databaseMsPerRequest).filter(Number.isFinite)).toFixed(3)} | ${index === 0 || paired === undefined ? '' : `${paired.toFixed(2)}×`} |`;
      }),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
  } finally {
    for (const target of targets) await target.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`sluice bench:ab: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
