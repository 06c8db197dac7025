// A/B CPU per request: Sluice from /tmp/old (A) vs this checkout (B), alternating.
import autocannon from 'autocannon';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os'; import path from 'node:path';
import { startSluice, startBaselineProcess, cpuTimeOf, type Target } from '../bench/targets.js';
import { prepareEmptyPostgres } from '../bench/bench-database.js';
const oldTargets = (await import('/tmp/old/bench/targets.ts')) as typeof import('../bench/targets.js');
const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
const db = 'postgres://postgres@127.0.0.1:5432/sluice_bench';
const n = Number(process.argv[2] ?? 10000); const conns = Number(process.argv[3] ?? 10);
const paths = (process.argv[4] ?? '/api/v1/bench/_table/customers/7').split(',');
const rounds = Number(process.argv[5] ?? 3);
const logDir = await mkdtemp(path.join(os.tmpdir(), 'cpu-'));
const metaA = await prepareEmptyPostgres({ adminUrl: admin, database: 'sluice_bench_meta' });
const metaB = await prepareEmptyPostgres({ adminUrl: admin, database: 'sluice_bench_meta2' });
const A = await oldTargets.startSluice({ engine: 'postgres', databaseUrl: db, metaUrl: metaA, poolSize: 10, logDir });
const B = await startSluice({ engine: 'postgres', databaseUrl: db, metaUrl: metaB, poolSize: 10, logDir });
const base = await startBaselineProcess({ engine: 'postgres', databaseUrl: db, poolSize: 10, logDir });
async function drive(t: Target, p: string, count: number) {
  const before = await cpuTimeOf(t.pid); const t0 = performance.now();
  const r = await autocannon({ url: t.url + p, connections: conns, amount: count, headers: t.headers });
  const cpu = (await cpuTimeOf(t.pid)) - before; const secs = (performance.now() - t0) / 1000;
  return { cpuUs: Math.round(cpu * 1000 / count), rps: Math.round(count / secs), bad: r.non2xx };
}
for (const p of paths) {
  const res: Record<string, { cpu: number[]; rps: number[] }> = { A: { cpu: [], rps: [] }, B: { cpu: [], rps: [] } };
  await drive(A, p, 2000); await drive(B, p, 2000);
  for (let i = 0; i < rounds; i++) for (const [k, t] of [['A', A], ['B', B]] as const) { const r = await drive(t, p, n); res[k]!.cpu.push(r.cpuUs); res[k]!.rps.push(r.rps); if (r.bad) console.log('non-2xx', k, r.bad); }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(p, '\n  A(old) cpu', res.A!.cpu.join('/'), 'med', med(res.A!.cpu), 'rps', res.A!.rps.join('/'), '\n  B(new) cpu', res.B!.cpu.join('/'), 'med', med(res.B!.cpu), 'rps', res.B!.rps.join('/'));
}
await A.stop(); await B.stop(); await base.stop();
