/**
 * Drives one target with one workload for a fixed time and number of connections (autocannon, in
 * this process), and samples the target's RSS and CPU time meanwhile. Throughput counts only
 * answers with the workload's expected status; anything else (other statuses, socket errors,
 * timeouts) is reported as failures, so a server that answers errors fast cannot look fast.
 */
import autocannon from 'autocannon';
import type { Target } from './targets.js';
import { cpuTimeOf, sampleRss } from './targets.js';
import type { Workload } from './workloads.js';

export interface LoadOptions {
  readonly connections: number;
  /** Seconds. */
  readonly duration: number;
}

export interface RoundResult {
  /** Answers with the expected status per second. */
  readonly rps: number;
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
  /** Answers with another status, plus socket errors and timeouts. */
  readonly failures: number;
  /** Largest RSS seen while the round ran, in bytes. */
  readonly peakRss: number;
  /**
   * CPU time the target's process spent per answered request, in ms (user + system, all its
   * threads; NaN where /proc/PID/stat cannot be read). Steadier than req/s on a shared machine: the
   * harness and the database compete for the same cores, CPU time per request mostly does not
   * change with them.
   */
  readonly cpuMsPerRequest: number;
}

export async function runRound(target: Target, workload: Workload, options: LoadOptions): Promise<RoundResult> {
  let i = 0;
  const first = workload.request(target.kind, 0);
  const rss = sampleRss(target.pid);
  const cpuBefore = await cpuTimeOf(target.pid);
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.duration,
    pipelining: 1,
    timeout: 30,
    requests: [
      {
        method: first.method,
        path: first.path,
        headers: { ...first.headers, ...target.headers },
        ...(first.body !== undefined ? { body: first.body } : {}),
        setupRequest: (request) => {
          const call = workload.request(target.kind, i++);
          return { ...request, method: call.method, path: call.path, ...(call.body !== undefined ? { body: call.body } : {}) };
        },
      },
    ],
  });
  const cpuAfter = await cpuTimeOf(target.pid);
  const peakRss = await rss.stop();
  const expected = result.statusCodeStats?.[String(workload.expectedStatus) as `${number}`]?.count ?? 0;
  const answered = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    rps: expected / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: answered - expected + result.errors + result.timeouts,
    peakRss,
    cpuMsPerRequest: answered > 0 ? (cpuAfter - cpuBefore) / answered : Number.NaN,
  };
}

/** SQL statements one request costs on `target`, as the target reports it (probed outside the load). */
export async function statementsPerRequest(target: Target, workload: Workload): Promise<number | undefined> {
  const call = workload.request(target.kind, 0);
  const res = await fetch(`${target.url}${call.path}`, {
    method: call.method,
    headers: { ...call.headers, ...target.headers },
    ...(call.body !== undefined ? { body: call.body } : {}),
  });
  await res.arrayBuffer();
  if (res.status !== workload.expectedStatus) throw new Error(`${target.kind} answered ${workload.name} with ${res.status}, expected ${workload.expectedStatus}`);
  const header = res.headers.get(target.statementsHeader);
  return header === null ? undefined : Number(header);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
