import autocannon from 'autocannon';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os'; import path from 'node:path';
import { startSluice, startBaselineProcess, cpuTimeOf, type Target } from '../bench/targets.js';
import { prepareEmptyPostgres } from '../bench/bench-database.js';
const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
const db = 'postgres://postgres@127.0.0.1:5432/sluice_bench';
const n = Number(process.argv[2] ?? 20000); const conns = Number(process.argv[3] ?? 10);
const which = (process.argv[4] ?? 'by-pk,base-by-pk').split(',');
const logDir = await mkdtemp(path.join(os.tmpdir(), 'cpu-'));
const metaUrl = await prepareEmptyPostgres({ adminUrl: admin, database: 'sluice_bench_meta' });
const sluice = await startSluice({ engine: 'postgres', databaseUrl: db, metaUrl, poolSize: 10, logDir });
const base = await startBaselineProcess({ engine: 'postgres', databaseUrl: db, poolSize: 10, logDir });
async function drive(t: Target, p: string, count: number) {
  const before = await cpuTimeOf(t.pid); const t0 = performance.now();
  const r = await autocannon({ url: t.url + p, connections: conns, amount: count, headers: t.headers });
  const cpu = (await cpuTimeOf(t.pid)) - before; const secs = (performance.now() - t0) / 1000;
  return { cpuUs: Math.round(cpu * 1000 / count), rps: Math.round(count / secs), non2xx: r.non2xx };
}
const all: Record<string, [Target, string]> = {
  'by-pk': [sluice, '/api/v1/bench/_table/customers/7'],
  'base-by-pk': [base, '/customers/7'],
  'list': [sluice, '/api/v1/bench/_table/products?limit=25'],
  'base-list': [base, '/products?limit=25'],
  'healthz': [sluice, '/healthz'],
  '404': [sluice, '/api/v1/bench/_nothing'],
};
console.log('sluice', sluice.url, JSON.stringify(sluice.headers));
for (const w of which) await drive(all[w]![0], all[w]![1], 3000);
const res: Record<string, number[]> = {};
for (let round = 0; round < 3; round++) for (const w of which) { const r = await drive(all[w]![0], all[w]![1], n); (res[w] ??= []).push(r.cpuUs); if (r.non2xx && w !== '404') console.log('non2xx', w); }
for (const w of which) console.log(w.padEnd(12), res[w]!.join(' / '), 'median', res[w]!.sort((a, b) => a - b)[1]);
if (process.argv[5]) await new Promise((r) => setTimeout(r, 1e9));
await sluice.stop(); await base.stop();
