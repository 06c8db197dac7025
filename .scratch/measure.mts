// CPU µs/request of running servers (from /tmp/targets.json), pinned: tsx .scratch/measure.mts N ROUNDS path...
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { cpuTimeOf } from '../bench/targets.js';
const t = JSON.parse(readFileSync('/tmp/targets.json', 'utf8'));
const [n, rounds, ...paths] = process.argv.slice(2);
execSync(`taskset -a -p -c 1 ${t.sluice.pid} >/dev/null; taskset -a -p -c 1 ${t.base.pid} >/dev/null`);
async function drive(url: string, pid: number, headers: Record<string, string>, count: number) {
  const before = await cpuTimeOf(pid);
  await autocannon({ url, connections: 10, amount: count, headers });
  return ((await cpuTimeOf(pid)) - before) * 1000 / count;
}
for (const p of paths) {
  const [who, path] = p.split(':') as [string, string];
  const target = who === 'base' ? t.base : t.sluice;
  const headers = who === 'base' ? {} : { 'x-api-key': t.sluice.key };
  await drive(target.url + path, target.pid, headers, 2000);
  const r: number[] = [];
  for (let i = 0; i < Number(rounds); i++) r.push(Math.round(await drive(target.url + path, target.pid, headers, Number(n))));
  console.log(p.padEnd(50), r.join(' '), ' median', [...r].sort((a, b) => a - b)[Math.floor(r.length / 2)]);
}
