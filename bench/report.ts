/**
 * The benchmark's results table: one line per (engine, workload, target) with medians over the
 * rounds, and for the subject (Sluice) its req/s ratio to every other target of the workload and
 * whether it meets the workload's goal. Printed as a Markdown table, so the same text goes into
 * BENCHMARKS.md.
 */
import type { BenchEngine } from './bench-database.js';
import { median } from './load.js';
import type { TargetKind, Workload } from './workloads.js';

export interface TargetResult {
  readonly target: TargetKind;
  /** req/s of each round, in order. */
  readonly rounds: readonly number[];
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly statements: number | undefined;
  /** Bytes. */
  readonly peakRss: number;
  /** Median over the rounds of the target's CPU ms per answered request (see load.ts); NaN: unknown. */
  readonly cpuMsPerRequest: number;
  readonly failures: number;
}

export interface WorkloadResult {
  readonly engine: BenchEngine;
  readonly workload: Workload;
  readonly targets: readonly TargetResult[];
}

const mb = (bytes: number) => (bytes > 0 ? `${Math.round(bytes / 1048576)}` : '–');
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/**
 * req/s of `subject` over req/s of `other` in one workload result: the median of the rounds' ratios,
 * each round's pair having run back to back, so that a slow spell of the shared machine counts
 * against both sides of a ratio rather than against whichever target it fell on (the ratio of the
 * two medians took a slow round of one and a fast round of the other). Without paired rounds, the
 * ratio of the medians.
 */
export function ratio(result: WorkloadResult, subject: TargetKind, other: TargetKind): number | undefined {
  const a = result.targets.find((t) => t.target === subject);
  const b = result.targets.find((t) => t.target === other);
  if (!a || !b) return undefined;
  return pairedRatio(a.rounds, b.rounds) ?? (b.rps > 0 ? a.rps / b.rps : undefined);
}

/** The median of `subject[i] / other[i]` over rounds run back to back; undefined without such pairs. */
export function pairedRatio(subject: readonly number[], other: readonly number[]): number | undefined {
  if (subject.length === 0 || subject.length !== other.length || !other.every((value) => value > 0)) return undefined;
  return median(subject.map((value, i) => value / (other[i] as number)));
}

function goalText(result: WorkloadResult): string {
  const goal = result.workload.goal;
  if (!goal) return '';
  const value = ratio(result, result.workload.targets[0] as TargetKind, goal.against);
  if (value === undefined) return '';
  const text = `${value >= goal.atLeast ? 'meets' : 'BELOW'} ≥ ${goal.atLeast}× ${goal.against}`;
  const bound = result.workload.maxStatements;
  const statements = result.targets[0]?.statements;
  if (bound === undefined || statements === undefined) return text;
  return `${text}; ${statements <= bound ? 'meets' : 'ABOVE'} ≤ ${bound} SQL/req`;
}

export function resultsTable(results: readonly WorkloadResult[]): string {
  const header = ['engine', 'workload', 'target', 'req/s (median)', 'rounds req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', 'SQL/req', 'peak RSS MB', 'ratio', 'goal'];
  const lines = [header, header.map(() => '---')];
  for (const result of results) {
    const subject = result.workload.targets[0] as TargetKind;
    for (const t of result.targets) {
      const ratios =
        t.target === subject
          ? result.workload.targets
              .slice(1)
              .map((other) => {
                const value = ratio(result, subject, other);
                return value === undefined ? '' : `${value.toFixed(2)}× ${other}`;
              })
              .join(', ')
          : '';
      lines.push([
        result.engine,
        result.workload.name,
        t.target + (t.failures > 0 ? ` (${t.failures} failed!)` : ''),
        fixed(t.rps, 0),
        t.rounds.map((r) => r.toFixed(0)).join(' / '),
        fixed(t.p50, 1),
        fixed(t.p99, 1),
        fixed(t.cpuMsPerRequest, 2),
        t.statements === undefined ? '–' : String(t.statements),
        mb(t.peakRss),
        ratios,
        t.target === subject ? goalText(result) : '',
      ]);
    }
  }
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export interface MemoryNote {
  readonly engine: BenchEngine;
  readonly target: TargetKind;
  /** Bytes, after start-up and before any load. */
  readonly idleRss: number;
  /** Bytes: the process's VmHWM when it was stopped. */
  readonly peakRss: number;
}

export function memoryTable(notes: readonly MemoryNote[]): string {
  const lines = ['| engine | target | idle RSS MB | peak RSS MB (whole run) |', '| --- | --- | --- | --- |'];
  for (const n of notes) lines.push(`| ${n.engine} | ${n.target} | ${mb(n.idleRss)} | ${mb(n.peakRss)} |`);
  return lines.join('\n');
}
