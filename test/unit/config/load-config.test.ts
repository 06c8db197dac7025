import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDsn } from '../../../src/config/config-schema.js';
import { ConfigError, loadConfig } from '../../../src/config/load-config.js';

describe('parseDsn', () => {
  it.each([
    ['postgres://u:p@db:5433/shop', { engine: 'postgres', driver: 'pg', database: 'shop', url: 'postgres://u:p@db:5433/shop' }],
    ['postgresql://u@db/shop?schema=sales&sslmode=require', { engine: 'postgres', driver: 'pg', database: 'shop', schema: 'sales', url: 'postgresql://u@db/shop?sslmode=require' }],
    ['mysql://root@127.0.0.1:3306/shop', { engine: 'mysql', driver: 'mysql2', database: 'shop', url: 'mysql://root@127.0.0.1:3306/shop' }],
    ['mariadb://root:s%40cret@db/shop', { engine: 'mysql', driver: 'mysql2', database: 'shop', url: 'mysql://root:s%40cret@db/shop' }],
    ['pglite://memory', { engine: 'postgres', driver: 'pglite', location: 'memory' }],
    ['pglite:///var/lib/sluice/db', { engine: 'postgres', driver: 'pglite', location: '/var/lib/sluice/db' }],
    ['pglite://data/db?schema=app', { engine: 'postgres', driver: 'pglite', location: '/work/data/db', schema: 'app' }],
  ])('%s', (input, expected) => {
    expect(parseDsn(input, '/work')).toEqual(expected);
  });

  it.each([
    ['localhost:5432/db', /expected a DSN/],
    ['sqlite://file.db', /unsupported scheme "sqlite:\/\/"/],
    ['mysql://root@localhost', /must name a database/],
    ['pglite://', /needs a location/],
  ])('refuses %s', (input, message) => {
    expect(() => parseDsn(input)).toThrow(message);
  });

  it('never echoes a password in its errors', () => {
    expect(() => parseDsn('mysql://root:hunter2@localhost')).toThrow(/^(?!.*hunter2)/);
  });
});

describe('loadConfig', () => {
  it('applies defaults: the demo when no service is configured', async () => {
    const config = await loadConfig({ env: {}, cwd: '/srv' });
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: '/srv/.sluice', logLevel: 'info', poolSize: 10, services: {} });
    expect(config.limits).toMatchObject({ defaultLimit: 25, maxLimit: 1000 });
    expect(Object.isFrozen(config) && Object.isFrozen(config.limits)).toBe(true);
  });

  it('merges file < env < CLI, services from every source', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-config-'));
    const file = path.join(dir, 'sluice.json');
    await writeFile(
      file,
      JSON.stringify({
        port: 9000,
        logLevel: 'warn',
        limits: { maxLimit: 500 },
        services: { filed: { dsn: 'postgres://u@h/filed', schema: 'app', poolSize: 3, readOnly: true }, short: 'mysql://u@h/short' },
      }),
    );
    const config = await loadConfig({
      cwd: dir,
      env: { SLUICE_CONFIG: 'sluice.json', PORT: '9100', SLUICE_SERVICE_ANALYTICS: 'postgres://u@h/analytics', SLUICE_SERVICES: 'a=pglite://memory  b=mysql://u@h/b' },
      cli: { port: '9200', service: ['cli=postgres://u@h/cli'] },
    });
    expect(config.port).toBe(9200);
    expect(config.logLevel).toBe('warn');
    expect(config.limits.maxLimit).toBe(500);
    expect(Object.keys(config.services).sort()).toEqual(['a', 'analytics', 'b', 'cli', 'filed', 'short']);
    expect(config.services.filed).toMatchObject({ schema: 'app', poolSize: 3, readOnly: true, dsn: { database: 'filed' } });
    expect(config.services.short).toMatchObject({ readOnly: false, dsn: { engine: 'mysql', database: 'short' } });
  });

  it.each([
    [{ env: { PORT: 'eighty' } }, /^Invalid configuration: port \(env PORT\): /],
    [{ cli: { port: '70000' } }, /^Invalid configuration: port \(--port\): .*65535/],
    [{ env: { SLUICE_LOG_LEVEL: 'loud' } }, /^Invalid configuration: logLevel \(env SLUICE_LOG_LEVEL\)/],
    [{ cli: { service: ['shop=sqlite://x'] } }, /^Invalid configuration: services\.shop\.dsn \(--service shop=…\): unsupported scheme/],
    [{ cli: { service: ['system=postgres://u@h/d'] } }, /services\.system.*reserved/],
    [{ cli: { service: ['1bad=postgres://u@h/d'] } }, /services\.1bad/],
    [{ cli: { service: ['no-equals-sign'] } }, /--service: expected NAME=DSN/],
    [{ env: { SLUICE_DEFAULT_LIMIT: '2000' } }, /limits\.defaultLimit.*must not exceed maxLimit/],
    [{ cli: { config: '/nonexistent/sluice.json' } }, /^Cannot read config file \/nonexistent\/sluice\.json: ENOENT/],
    [{ env: { SLUICE_CORS_CREDENTIALS: 'true' } }, /^Invalid configuration: corsCredentials \(env SLUICE_CORS_CREDENTIALS\): cannot be true while corsOrigins is \*/],
    [{ env: { SLUICE_CORS_CREDENTIALS: 'true', SLUICE_CORS_ORIGINS: '*' } }, /corsCredentials.*cannot be true while corsOrigins is \*/],
    [{ cli: { corsOrigins: 'https://app.example.com/path' } }, /^Invalid configuration: corsOrigins\.0 \(--cors-origins\): .*not an origin/],
    [{ env: { SLUICE_CORS_ORIGINS: '*,https://a.example' } }, /corsOrigins \(env SLUICE_CORS_ORIGINS\): \* cannot be combined/],
    [{ env: { SLUICE_RATE_LIMIT: '-1' } }, /^Invalid configuration: rateLimit\.requestsPerMinute \(env SLUICE_RATE_LIMIT\)/],
    [{ cli: { loginRateLimit: 'ten' } }, /^Invalid configuration: rateLimit\.loginPerMinute \(--login-rate-limit\)/],
    [{ env: { SLUICE_REDIS_URL: 'localhost:6379' } }, /^Invalid configuration: redisUrl \(env SLUICE_REDIS_URL\): must be a redis:\/\//],
    [{ env: { SLUICE_TRUST_PROXY: '10.0.0.0/8, proxy.example' } }, /^Invalid configuration: trustProxy \(env SLUICE_TRUST_PROXY\): "proxy\.example" is not/],
  ])('stops with one line naming the key: %j', async (sources, message) => {
    const error = await loadConfig({ env: {}, ...sources }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reads the audit retention: 30 days by default, SLUICE_AUDIT_RETENTION_DAYS, at least 1', async () => {
    expect((await loadConfig({ env: {} })).auditRetentionDays).toBe(30);
    expect((await loadConfig({ env: { SLUICE_AUDIT_RETENTION_DAYS: '7' } })).auditRetentionDays).toBe(7);
    await expect(loadConfig({ env: { SLUICE_AUDIT_RETENTION_DAYS: '0' } })).rejects.toThrow(/auditRetentionDays \(env SLUICE_AUDIT_RETENTION_DAYS\)/);
  });

  it('reads SLUICE_PREPARED_STATEMENTS: on by default, off for poolers that do not keep them', async () => {
    expect((await loadConfig({ env: {} })).preparedStatements).toBe(true);
    expect((await loadConfig({ env: { SLUICE_PREPARED_STATEMENTS: 'false' } })).preparedStatements).toBe(false);
    await expect(loadConfig({ env: { SLUICE_PREPARED_STATEMENTS: 'sometimes' } })).rejects.toThrow(/preparedStatements \(env SLUICE_PREPARED_STATEMENTS\)/);
  });

  it('reads the HTTP settings: CORS, trust proxy, rate limits, Redis', async () => {
    const defaults = await loadConfig({ env: {} });
    expect(defaults).toMatchObject({ corsOrigins: ['*'], corsCredentials: false, trustProxy: false, rateLimit: { requestsPerMinute: 600, loginPerMinute: 10 } });
    expect(defaults.redisUrl).toBeUndefined();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-config-'));
    await writeFile(path.join(dir, 'c.json'), JSON.stringify({ rateLimit: { requestsPerMinute: 50, loginPerMinute: 3 }, corsOrigins: ['https://b.example'] }));
    const config = await loadConfig({
      cwd: dir,
      env: {
        SLUICE_CONFIG: 'c.json',
        SLUICE_CORS_ORIGINS: ' https://App.example.com , http://localhost:5173/ ',
        SLUICE_CORS_CREDENTIALS: 'true',
        SLUICE_TRUST_PROXY: 'loopback, 10.0.0.0/8',
        SLUICE_LOGIN_RATE_LIMIT: '5',
        SLUICE_REDIS_URL: 'redis://127.0.0.1:6379/2',
      },
      cli: { rateLimit: '0' },
    });
    // Origins normalised as browsers send them; env beats the file, the flag beats both, per key.
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.corsCredentials).toBe(true);
    expect(config.trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(config.rateLimit).toEqual({ requestsPerMinute: 0, loginPerMinute: 5 });
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379/2');
    expect((await loadConfig({ env: { SLUICE_TRUST_PROXY: '2' } })).trustProxy).toBe(2);
    expect((await loadConfig({ env: { SLUICE_TRUST_PROXY: 'true' } })).trustProxy).toBe(true);
  });

  it('reports unknown keys in a config file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-config-'));
    await writeFile(path.join(dir, 'c.json'), JSON.stringify({ prot: 1 }));
    await expect(loadConfig({ env: {}, cwd: dir, cli: { config: 'c.json' } })).rejects.toThrow(/unknown key "prot"/);
    await writeFile(path.join(dir, 'bad.json'), '{ port: 1 ');
    await expect(loadConfig({ env: {}, cwd: dir, cli: { config: 'bad.json' } })).rejects.toThrow(/is not valid JSON/);
  });

  it('never puts a DSN password into an error message', async () => {
    const error = (await loadConfig({ env: {}, cli: { service: ['shop=mysql://root:hunter2@db'] } }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/services\.shop\.dsn/);
    expect(error.message).not.toContain('hunter2');
  });
});
