/**
 * Named prepared statements for the SQL texts a PostgreSQL service runs again and again.
 *
 * An unnamed statement is parsed, analysed and planned by the server every time it runs; a named
 * one once per connection, and after that each run only binds its values. Sluice's reads are few
 * texts run many times (one per table, column list and filter shape), so this halves the database
 * CPU of a read by primary key (BENCHMARKS.md). MySQL services already work this way: mysql2's
 * `execute` keeps prepared statements per connection.
 *
 * - A text is named the second time it is seen: one-off texts (ad-hoc filters) stay unnamed and do
 *   not push useful statements out. Names (`sluice_<n>`) are never given to another text, so a
 *   connection can never hold a name for a different statement.
 * - A connection keeps at most `perConnection` statements: a new one closes the least recently used
 *   with DEALLOCATE, queued before the query that needs the room.
 * - A statement whose result columns changed type since it was prepared (ALTER COLUMN … TYPE) fails
 *   with "cached plan must not change result type", and one the server no longer has (DISCARD ALL
 *   by a pooler) with SQLSTATE 26000. Both fail at Bind, before anything ran, so `PgDriver` forgets
 *   the statement on that connection and runs the query again (see `isStalePreparedStatement`).
 * - `PgDriver` names statements only outside transactions: an error aborts a transaction, so a stale
 *   statement there could not be run again.
 *
 * node-postgres has named statements but never drops one, so forgetting one reaches into its record
 * of what a connection has parsed (`client.connection.parsedStatements`).
 */
import type pg from 'pg';
import { setBounded } from '../../collections.js';
import { quotePostgresIdentifier } from './postgres-compiler.js';

/** The part of node-postgres's per-connection state that says which names it has parsed. */
interface ParsedStatementsRecord {
  readonly connection?: { parsedStatements?: Record<string, string> };
}

/** Longer texts (batch writes of many rows) are never named: they rarely repeat, and would be kept. */
const MAX_NAMED_TEXT = 8192;

export interface PreparedStatementOptions {
  /** Statements one connection keeps (default 200). */
  readonly perConnection?: number;
  /** Texts remembered, seen once or named (default 10 000). */
  readonly texts?: number;
}

export class PreparedStatements {
  /** Text → its name, or null while it has been seen once. */
  private readonly names = new Map<string, string | null>();
  /** Per connection, the names it holds, least recently used first. */
  private readonly held = new WeakMap<pg.ClientBase, Set<string>>();
  private nextName = 0;
  private readonly perConnection: number;
  private readonly texts: number;

  constructor(options: PreparedStatementOptions = {}) {
    this.perConnection = options.perConnection ?? 200;
    this.texts = options.texts ?? 10_000;
  }

  /**
   * The name to run `sql` under on `client`, or undefined to run it unnamed. Makes room on the
   * connection for a statement it does not hold yet.
   */
  nameOn(client: pg.ClientBase, sql: string): string | undefined {
    const name = this.nameOf(sql);
    if (name === undefined) return undefined;
    let held = this.held.get(client);
    if (!held) {
      held = new Set();
      this.held.set(client, held);
    }
    if (held.delete(name)) {
      held.add(name);
      return name;
    }
    if (held.size >= this.perConnection) {
      const oldest = held.values().next().value as string;
      this.forget(client, oldest);
    }
    held.add(name);
    return name;
  }

  /** Drops `name` from `client`: DEALLOCATE (queued, errors ignored: it may never have been parsed). */
  forget(client: pg.ClientBase, name: string): void {
    this.held.get(client)?.delete(name);
    const parsed = (client as ParsedStatementsRecord).connection?.parsedStatements;
    if (parsed) delete parsed[name];
    client.query(`DEALLOCATE ${quotePostgresIdentifier(name)}`).catch(() => undefined);
  }

  private nameOf(sql: string): string | undefined {
    if (sql.length > MAX_NAMED_TEXT) return undefined;
    const known = this.names.get(sql);
    if (known) return known;
    if (known === undefined) {
      setBounded(this.names, sql, null, this.texts);
      return undefined;
    }
    const name = `sluice_${this.nextName++}`;
    this.names.set(sql, name);
    return name;
  }
}

/**
 * Whether `error` says a named statement cannot run as prepared, before anything ran: its result
 * type changed (0A000 from the plan cache's revalidation) or the server does not have it (26000).
 */
export function isStalePreparedStatement(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, routine } = error as { code?: unknown; routine?: unknown };
  return code === '26000' || (code === '0A000' && routine === 'RevalidateCachedQuery');
}
