/**
 * docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so they are checked
 * against the code: with `docker compose config -q` when the compose plugin exists, and always by
 * parsing them — every variable they give Sluice must be one load-config reads (so a renamed or
 * misspelt variable fails here instead of being ignored in a container), the ports must agree
 * with each other, and the image must be built and run the way package.json says.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSecretKey } from '../../src/auth/secrets.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = path.join(ROOT, 'docker-compose.yml');

interface Service {
  build?: unknown;
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
}
const compose = parse(readFileSync(FILE, 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };

const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
/** Dockerfile instructions of the final stage, with line continuations joined. */
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((line) => line.trim() && !line.trim().startsWith('#'))
  .map((line) => line.trim());
const finalStage = instructions.slice(instructions.map((line) => line.startsWith('FROM ')).lastIndexOf(true));
/** `ENV A=1 B=2` of the final stage. */
const imageEnv = Object.fromEntries(
  finalStage.filter((line) => line.startsWith('ENV ')).flatMap((line) => [...line.slice(4).matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string])),
);

/**
 * True when `variable` influences the configuration: removing it changes what loadConfig returns, or
 * an invalid value makes loadConfig fail naming it. Variables the code does not read do neither.
 */
async function isRead(environment: Record<string, string>, variable: string): Promise<boolean> {
  const withIt = JSON.stringify(await loadConfig({ env: environment, cwd: '/app' }));
  const { [variable]: _removed, ...without } = environment;
  if (JSON.stringify(await loadConfig({ env: without, cwd: '/app' })) !== withIt) return true;
  try {
    await loadConfig({ env: { ...environment, [variable]: '\u0000not a valid value' }, cwd: '/app' });
    return false;
  } catch (error) {
    return error instanceof ConfigError && error.message.includes(`env ${variable}`);
  }
}

/** Substitutes `${NAME:-default}` the way compose does when NAME is unset. */
function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
}

describe('docker-compose.yml', () => {
  it('is accepted by `docker compose config` where the plugin exists', (ctx) => {
    let available = true;
    try {
      execFileSync('docker', ['compose', 'version'], { stdio: 'ignore' });
    } catch {
      available = false;
    }
    if (!available) ctx.skip();
    execFileSync('docker', ['compose', '-f', FILE, 'config', '-q'], { stdio: 'pipe' });
  });

  it('runs sluice, postgres 16 and mariadb 11 with health checks and named volumes', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['mariadb', 'postgres', 'sluice']);
    expect(compose.services.postgres?.image).toBe('postgres:16');
    expect(compose.services.mariadb?.image).toBe('mariadb:11');
    expect(compose.services.sluice?.build).toBe('.');
    for (const service of Object.values(compose.services)) {
      expect(service.healthcheck?.test.length).toBeGreaterThan(0);
      const named = (service.volumes ?? []).map((v) => v.split(':')[0]).filter((source) => source && !source.startsWith('.'));
      expect(named.length).toBe(1);
      expect(Object.keys(compose.volumes)).toContain(named[0]);
    }
    expect(compose.services.sluice?.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, mariadb: { condition: 'service_healthy' } });
    expect(compose.services.sluice?.healthcheck?.test.join(' ')).toContain('/readyz');
    expect(existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
  });

  it('loads the committed demo fixtures into both databases', () => {
    for (const [service, fixture] of [['postgres', 'postgres.sql'], ['mariadb', 'mysql.sql']] as const) {
      const mount = compose.services[service]?.volumes?.find((v) => v.includes('docker-entrypoint-initdb.d'));
      expect(mount).toBeDefined();
      expect(existsSync(path.join(ROOT, mount!.split(':')[0] as string))).toBe(true);
      expect(mount).toContain(fixture);
    }
  });

  it('configures Sluice through environment variables the code reads, serving pg and maria', async () => {
    const environment = Object.fromEntries(Object.entries(compose.services.sluice?.environment ?? {}).map(([k, v]) => [k, withDefaults(String(v))]));
    const config = await loadConfig({ env: environment, cwd: '/app' });
    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe('/data');
    expect(config.services.pg?.dsn).toMatchObject({ engine: 'postgres', database: 'shop' });
    expect(config.services.maria?.dsn).toMatchObject({ engine: 'mysql', database: 'shop' });
    // Metadata in the postgres container; secrets with local defaults that the code accepts.
    expect(config.metaDatabaseUrl).toMatch(/@postgres:5432\//);
    expect(parseSecretKey(config.secretKey ?? '').length).toBeGreaterThanOrEqual(32);
    expect(config.adminEmail).toBeDefined();
    expect(config.adminPassword?.length).toBeGreaterThanOrEqual(8);
    expect(compose.services.sluice?.ports).toEqual(['${SLUICE_PORT:-8080}:8080']);
    // The DSN credentials are the ones the database containers are created with.
    const postgres = compose.services.postgres?.environment ?? {};
    expect(environment.SLUICE_SERVICE_PG).toContain(`${postgres.POSTGRES_USER}:${withDefaults(postgres.POSTGRES_PASSWORD ?? '')}@postgres:5432/${postgres.POSTGRES_DB}`);
    const mariadb = compose.services.mariadb?.environment ?? {};
    expect(environment.SLUICE_SERVICE_MARIA).toContain(`${mariadb.MARIADB_USER}:${withDefaults(mariadb.MARIADB_PASSWORD ?? '')}@mariadb:3306/${mariadb.MARIADB_DATABASE}`);
  });

  it('gives Sluice only environment variables the code reads (compose and image)', async () => {
    const environment = Object.fromEntries(Object.entries(compose.services.sluice?.environment ?? {}).map(([k, v]) => [k, withDefaults(String(v))]));
    const unread: string[] = [];
    for (const variable of Object.keys(environment)) if (!(await isRead(environment, variable))) unread.push(variable);
    for (const variable of Object.keys(imageEnv)) if (variable !== 'NODE_ENV' && !(await isRead(imageEnv, variable))) unread.push(variable);
    expect(unread).toEqual([]);
    // The test itself can tell: a misspelt name is not read.
    expect(await isRead({ ...environment, SLUICE_LOGLEVEL: 'debug' }, 'SLUICE_LOGLEVEL')).toBe(false);
    // The pass-through defaults are Sluice's own defaults.
    const defaults = await loadConfig({ env: {}, cwd: '/app' });
    const configured = await loadConfig({ env: environment, cwd: '/app' });
    expect(configured.corsOrigins).toEqual(defaults.corsOrigins);
    expect(configured.rateLimit.requestsPerMinute).toBe(defaults.rateLimit.requestsPerMinute);
  });

  it('agrees on one port: compose, the image, and both health checks', async () => {
    const environment = compose.services.sluice?.environment ?? {};
    const port = (await loadConfig({ env: { PORT: String(environment.PORT) }, cwd: '/app' })).port;
    expect((await loadConfig({ env: imageEnv, cwd: '/app' })).port).toBe(port);
    expect(finalStage).toContain(`EXPOSE ${port}`);
    expect(compose.services.sluice?.ports?.map((p) => p.split(':').at(-1))).toEqual([String(port)]);
    expect(compose.services.sluice?.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${port}/readyz`);
    const healthcheck = finalStage.find((line) => line.startsWith('HEALTHCHECK ')) ?? '';
    expect(healthcheck).toContain('/readyz');
    expect(healthcheck).toContain('process.env.PORT');
    // The databases' own ports, as the DSNs name them.
    expect(String(environment.SLUICE_SERVICE_PG)).toContain('@postgres:5432/');
    expect(String(environment.SLUICE_SERVICE_MARIA)).toContain('@mariadb:3306/');
  });

  it('builds the image in stages with npm ci and the build script, and runs the sluice bin as a non-root user', () => {
    const stages = instructions.filter((line) => line.startsWith('FROM '));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/ AS build$/);
    const build = instructions.slice(0, instructions.indexOf(stages[1] as string));
    expect(build).toContain('COPY package.json package-lock.json ./');
    expect(build.some((line) => /^RUN npm ci\b/.test(line))).toBe(true);
    expect(packageJson.scripts.build).toBeDefined();
    expect(build.some((line) => line.startsWith('RUN npm run build'))).toBe(true);
    const user = finalStage.find((line) => line.startsWith('USER '))?.slice(5);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const command = JSON.parse(finalStage.find((line) => line.startsWith('CMD '))?.slice(4) ?? '[]') as string[];
    expect(command).toEqual(['node', packageJson.bin.sluice, 'serve']);
    expect(finalStage).toContain('COPY --from=build /app/dist ./dist');
  });
});
