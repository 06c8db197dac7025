/**
 * Which real database servers the integration suites can use.
 *
 * Defaults match the development machine and CI (PostgreSQL and MariaDB on loopback with trust /
 * empty-password root). Override with SLUICE_TEST_PG_URL / SLUICE_TEST_MYSQL_URL (admin connections;
 * suites create and drop their own databases). SLUICE_TEST_ENGINES (comma-separated: pglite,postgres,
 * mariadb) narrows the engine list.
 *
 * A server that does not answer makes its suites skip with a one-line notice, except under CI=true,
 * where `assertServerOrSkip` fails the run instead: CI must never pass by skipping.
 *
 * Redis (for the shared rate-limit store) is expected on 127.0.0.1:6379; override with
 * SLUICE_TEST_REDIS_URL. `shouldRunRedis` treats it like a database server.
 */
import net from 'node:net';

export type TestEngine = 'pglite' | 'postgres' | 'mariadb';

export const PG_ADMIN_URL = process.env.SLUICE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN_URL = process.env.SLUICE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const REDIS_URL = process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Engines selected by SLUICE_TEST_ENGINES (all three when unset). */
export function selectedEngines(): TestEngine[] {
  const raw = process.env.SLUICE_TEST_ENGINES;
  const all: TestEngine[] = ['pglite', 'postgres', 'mariadb'];
  if (!raw) return all;
  const wanted = new Set(raw.split(',').map((s) => s.trim().toLowerCase()));
  return all.filter((engine) => wanted.has(engine));
}

function urlFor(engine: 'postgres' | 'mariadb'): URL {
  return new URL(engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL);
}

/** True when a TCP connection to the engine's server opens within the timeout. */
export function isServerReachable(engine: 'postgres' | 'mariadb', timeoutMs = 1500): Promise<boolean> {
  const url = urlFor(engine);
  return isPortOpen(url.hostname, Number(url.port || (engine === 'postgres' ? 5432 : 3306)), timeoutMs);
}

function isPortOpen(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const notified = new Set<string>();

/**
 * Resolves to true when the suite for `engine` should run. Not selected → false (silently).
 * Unreachable → false with a one-line notice, or throws under CI=true.
 */
export async function shouldRunEngine(engine: TestEngine): Promise<boolean> {
  if (!selectedEngines().includes(engine)) return false;
  if (engine === 'pglite') return true;
  if (await isServerReachable(engine)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true but the ${engine} server at ${urlFor(engine).host} does not answer; server-backed suites must not be skipped in CI`);
  }
  if (!notified.has(engine)) {
    notified.add(engine);
    console.warn(`[sluice tests] ${engine} at ${urlFor(engine).host} is not reachable: skipping its suites (set CI=true to make this fail)`);
  }
  return false;
}

/** Like `shouldRunEngine`, for the suites that need Redis: a notice and false, or a failure under CI=true. */
export async function shouldRunRedis(): Promise<boolean> {
  const url = new URL(REDIS_URL);
  if (await isPortOpen(url.hostname, Number(url.port || 6379))) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but Redis at ${url.host} does not answer; the shared rate-limit suites must not be skipped in CI`);
  if (!notified.has('redis')) {
    notified.add('redis');
    console.warn(`[sluice tests] Redis at ${url.host} is not reachable: skipping its suites (set CI=true to make this fail)`);
  }
  return false;
}
