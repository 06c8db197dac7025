// CPU µs per request for a few paths, Sluice vs baseline. Usage: tsx .scratch/cpu.mts [n]
import autocannon from 'autocannon';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os'; import path from 'node:path';
import { startSluice, startBaselineProcess, cpuTimeOf, type Target } from '../bench/targets.js';
import { prepareEmptyPostgres } from '../bench/bench-database.js';
const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
const db = 'postgres://postgres@127.0.0.1:5432/sluice_bench';
const n = Number(process.argv[2] ?? 20000);
const logDir = await mkdtemp(path.join(os.tmpdir(), 'cpu-'));
const metaUrl = await prepareEmptyPostgres({ adminUrl: admin, database: 'sluice_bench_meta' });
const sluice = await startSluice({ engine: 'postgres', databaseUrl: db, metaUrl, poolSize: 10, logDir });
const base = await startBaselineProcess({ engine: 'postgres', databaseUrl: db, poolSize: 10, logDir });
async function drive(t: Target, p: string, count: number) {
  const before = await cpuTimeOf(t.pid); const t0 = performance.now();
  const r = await autocannon({ url: t.url + p, connections: 10, amount: count, headers: t.headers });
  const cpu = (await cpuTimeOf(t.pid)) - before; const secs = (performance.now() - t0) / 1000;
  return { cpuUs: Math.round(cpu * 1000 / count), rps: Math.round(count / secs), non2xx: r.non2xx };
}
const paths: [string, Target, string][] = [
  ['sluice by-pk', sluice, '/api/v1/bench/_table/customers/7'],
  ['base by-pk', base, '/customers/7'],
  ['sluice list', sluice, '/api/v1/bench/_table/products?limit=25'],
  ['base list', base, '/products?limit=25'],
  ['sluice healthz', sluice, '/healthz'],
  ['sluice 404', sluice, '/api/v1/bench/_nothing'],
];
for (const [name, t, p] of paths) await drive(t, p, 2000);
for (let round = 0; round < 2; round++) for (const [name, t, p] of paths) console.log(name.padEnd(16), JSON.stringify(await drive(t, p, n)));
await sluice.stop(); await base.stop();
