/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is checked against the code: with
 * `docker compose config -q` when the compose plugin exists, and always by parsing it and comparing
 * the Sluice service's environment with what load-config reads.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSecretKey } from '../../src/auth/secrets.js';
import { loadConfig } from '../../src/config/load-config.js';

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
});
