/**
 * PGlite (PostgreSQL compiled to WASM, in-process) as a second *driver* of the postgres dialect.
 *
 * PGlite has a single backend, so the source holds one `pg.Client` over PGlite's node-postgres
 * adapter and hands it out to one user at a time (a FIFO lock): a transaction or a cursor keeps it
 * until released, and other requests wait their turn. The client is never handed back "with an
 * error" to pg-pool, because ending the adapter's connection cannot be undone.
 */
import { mkdir } from 'node:fs/promises';
import pg from 'pg';
import { PgDriver, sessionSettings, type PgConnectionSource, type PgDriverOptions } from './pg-driver.js';
import { postgresTypeParsers } from './postgres-codecs.js';

/** A FIFO lock: `acquire()` resolves with a release function when every earlier holder released. */
class Lock {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => released);
    return ready;
  }
}

export interface PgliteOptions extends PgDriverOptions {
  /** A directory for the database files, or `memory` for an in-memory database. */
  readonly location: string;
  readonly statementTimeoutMs: number;
}

/** Opens (creating if needed) a PGlite database and returns a driver for it. */
export async function openPgliteDriver(options: PgliteOptions): Promise<PgDriver> {
  const inMemory = options.location === 'memory';
  if (!inMemory) await mkdir(options.location, { recursive: true });
  // Loaded here, not at start: a server whose store and services are all PostgreSQL or MariaDB
  // servers never needs PGlite (about 5 MB of resident memory).
  const [{ PGlite }, { createPgConfig }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite/node-postgres')]);
  const db = inMemory ? new PGlite() : new PGlite(options.location);
  await db.waitReady;
  const client = new pg.Client(Object.assign(createPgConfig(db), { types: postgresTypeParsers }));
  await client.connect();
  const settings = sessionSettings(options.statementTimeoutMs);
  await client.query(settings);
  const lock = new Lock();
  let ended = false;
  const source: PgConnectionSource = {
    async acquire() {
      if (ended) throw Object.assign(new Error('Connection terminated: the PGlite database is closed'), { code: '08003' });
      const unlock = await lock.acquire();
      return {
        client,
        // The single connection cannot be replaced: a connection to discard is reset to Sluice's
        // session settings instead, before anyone else gets it.
        release: (discard) => {
          if (!discard || ended) return unlock();
          client.query(`RESET ALL; ${settings}`).then(unlock, unlock);
        },
      };
    },
    // One backend: nothing can run beside the statement to cancel it. Statement timeouts still apply.
    async cancel() {},
    async end() {
      if (ended) return;
      ended = true;
      const unlock = await lock.acquire();
      try {
        await client.end();
        await db.close();
      } finally {
        unlock();
      }
    },
  };
  return new PgDriver(source, 'pglite', options);
}
