/**
 * The `sluice` command as a newcomer meets it: a real process, started like `npm start` does (from
 * source through tsx, so the test needs no build), on a fresh data directory with no database server.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDemoData } from '../../src/demo/demo-data.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminLogin, demoDatabaseUrl, request } from '../support/engines.js';
import { shouldRunEngine } from '../support/servers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const data = generateDemoData();

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  output(): string;
}

function sluice(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, SLUICE_LOG_LEVEL: 'info', ...env },
  });
}

/** Starts `sluice serve` and resolves once the banner names the URL. */
function serve(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = sluice(['serve', '--port', '0', ...args], env);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 90 s:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Sluice is serving \d+ services? on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice exited with ${code} before serving:\n${output}`));
    });
  });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('sluice serve with no database configured', () => {
  // Several processes start from source (tsx) one after another: slow on a loaded machine.
  it('creates and seeds the embedded demo, serves it, stops on SIGTERM, and reuses it on the next start', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-e2e-'));
    dirs.push(dataDir);

    const first = await serve(['--data-dir', dataDir]);
    expect(first.output()).toContain(`${first.url}/api/v1/demo/_table`);
    expect(first.output()).toContain(`${first.url}/healthz`);
    expect(first.output()).toContain('Press Ctrl+C to stop.');
    expect(first.output()).toContain("Requests without credentials act as role 'demo_reader' (read-only access to the demo)");
    expect(first.output()).toContain('No admin yet');
    expect(first.output()).toContain('created and seeded the demo database');
    expect((await request(first.url, '/readyz')).body).toEqual({ status: 'ok', checks: { demo: 'ok' } });
    const customers = await request<{ meta: { total: number } }>(first.url, '/api/v1/demo/_table/customers?include_count=true&limit=1');
    expect(customers.body.meta.total).toBe(data.customers.length);
    first.child.kill('SIGTERM');
    expect(await exitOf(first.child)).toBe(0);

    const second = await serve(['--data-dir', dataDir]);
    expect(second.output()).not.toContain('created and seeded');
    const orders = await request<{ meta: { total: number } }>(second.url, '/api/v1/demo/_table/orders?include_count=true&limit=1');
    expect(orders.body.meta.total).toBe(data.orders.length);
    second.child.kill('SIGINT');
    expect(await exitOf(second.child)).toBe(0);
  });

  it('stops with one line naming the key when the configuration is wrong', async () => {
    const child = sluice(['serve', '--port', 'eighty']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitOf(child)).toBe(1);
    expect(stderr.trim()).toMatch(/^sluice: Invalid configuration: port \(--port\): [^\n]+$/);
  });

  // Several processes start from source (tsx) one after another: slow on a loaded machine.
  it('keeps serving, and reports the service unavailable, when a database does not answer', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-e2e-'));
    dirs.push(dataDir);
    const running = await serve(['--data-dir', dataDir, '--service', 'gone=postgres://nobody@127.0.0.1:1/nothing'], {
      SLUICE_ADMIN_EMAIL: ADMIN_EMAIL,
      SLUICE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    });
    expect(running.output()).toContain('Requests need credentials');
    const anonymous = await request<{ error: { code: number; context: { reason: string } } }>(running.url, '/api/v1/gone/_table');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.context.reason).toBe('noCredentials');
    const token = await adminLogin(running.url);
    const ready = await request<{ status: string; checks: Record<string, string> }>(running.url, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('unavailable');
    expect(ready.body.checks.gone).toMatch(/^unavailable: /);
    const table = await request<{ error: { code: number; context: { reason: string } } }>(running.url, '/api/v1/gone/_table', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(table.status).toBe(503);
    expect(table.body.error.context.reason).toBe('serviceUnavailable');
    expect(running.output()).not.toContain('nobody@');
    running.child.kill('SIGTERM');
    expect(await exitOf(running.child)).toBe(0);
  });
});

describe('sluice admin create', () => {
  // Several processes start from source (tsx) one after another: slow on a loaded machine.
  it('creates an admin who can then log in, and refuses while a server holds the data directory', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-e2e-'));
    dirs.push(dataDir);
    const create = sluice(['admin', 'create', '--email', 'Ops@Example.com', '--name', 'Ops', '--password-stdin', '--data-dir', dataDir]);
    let stdout = '';
    create.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    create.stdin.end('a long enough password\n');
    expect(await exitOf(create)).toBe(0);
    expect(stdout).toMatch(/^Created admin 1 <ops@example\.com>/);

    const tooShort = sluice(['admin', 'create', '--email', 'x@example.com', '--password-stdin', '--data-dir', dataDir]);
    let stderr = '';
    tooShort.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    tooShort.stdin.end('short\n');
    expect(await exitOf(tooShort)).toBe(1);
    expect(stderr).toMatch(/^sluice: Invalid password/);

    const running = await serve(['--data-dir', dataDir]);
    expect(running.output()).not.toContain('No admin yet');
    const login = await request<{ session_token: string; name: string }>(running.url, '/api/v1/system/admin/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ops@example.com', password: 'a long enough password' }),
    });
    expect(login.status).toBe(200);
    expect(login.body.name).toBe('Ops');

    const second = sluice(['admin', 'create', '--email', 'y@example.com', '--password-stdin', '--data-dir', dataDir]);
    let secondErr = '';
    second.stderr.on('data', (chunk: Buffer) => (secondErr += chunk.toString()));
    second.stdin.end('another long password\n');
    expect(await exitOf(second)).toBe(1);
    expect(secondErr).toMatch(/in use by another Sluice process \(pid \d+\)/);

    running.child.kill('SIGTERM');
    expect(await exitOf(running.child)).toBe(0);
  });
});

describe('sluice introspect', () => {
  it('prints the catalog of a database as JSON', async (ctx) => {
    if (!(await shouldRunEngine('postgres'))) ctx.skip();
    const child = sluice(['introspect', demoDatabaseUrl('postgres')]);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    expect(await exitOf(child)).toBe(0);
    const catalog = JSON.parse(stdout) as { tables: Record<string, { primaryKey: string[] }> };
    expect(catalog.tables.order_items?.primaryKey).toEqual(['order_id', 'product_id']);
  });
});
