/**
 * One object per request, created by the HTTP layer and passed down to the executor. It carries who
 * is asking, the request id (for logs), an abort signal (client gone → cancel), the statement
 * counter the tests and benchmarks read, and per-request caches (DataLoaders, memoised
 * authorizations) that die with the request (Pothos' context-cache pattern).
 */
import type { Principal } from '../auth/principal.js';
import type { CancelSignal } from '../dialects/dialect.js';

export type { CancelSignal };

/**
 * A one-shot cancellation signal for a request's statements (the client went away). It does what
 * the drivers ask of an AbortSignal (see `CancelSignal`) without an AbortController, whose
 * EventTarget cost every request more CPU than the rest of its request context.
 */
export class Cancellation implements CancelSignal {
  #aborted = false;
  #listeners: (() => void)[] = [];

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Runs every listener once; later calls do nothing. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }

  throwIfAborted(): void {
    if (this.#aborted) throw new DOMException('This operation was aborted', 'AbortError');
  }

  /** Listeners run once, on `abort` (as with `{ once: true }`); none after it. */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.#aborted) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.#listeners.indexOf(listener);
    if (index >= 0) this.#listeners.splice(index, 1);
  }
}

/**
 * What a handler knows about its action that the audit hook cannot see from outside (see
 * http/audit-middleware.ts): each surface sets it with one call, e.g.
 * `ctx.noteAudit({ affectedRows: outcome.count })`.
 */
export interface AuditNote {
  /** The table or procedure addressed, when the URL does not name it (e.g. `POST _schema`). */
  readonly target?: string;
  /** Rows the write changed, when known. */
  readonly affectedRows?: number;
  /** The service concerned, when the URL does not name it (e.g. creating a service). */
  readonly service?: string;
  /** Who acted, when authentication did not establish it (a successful login). */
  readonly principal?: Principal;
}

export class RequestContext {
  private statements = 0;
  private readonly caches = new Map<string, unknown>();
  private preset: ReadonlyMap<string, unknown> | undefined;
  private authenticated = false;
  private audit: AuditNote = {};

  constructor(
    readonly requestId: string,
    private current: Principal,
    readonly signal?: CancelSignal,
  ) {}

  /** Who is asking: anonymous until authentication has run. */
  get principal(): Principal {
    return this.current;
  }

  /** Sets the principal authentication established; once per request. */
  authenticateAs(principal: Principal): void {
    if (this.authenticated) throw new Error('The request was already authenticated');
    this.authenticated = true;
    this.current = principal;
  }

  /** Adds facts about this request's action for the audit log; later notes override earlier ones. */
  noteAudit(note: AuditNote): void {
    this.audit = { ...this.audit, ...note };
  }

  /** The facts noted with `noteAudit` so far. */
  get auditNote(): AuditNote {
    return this.audit;
  }

  /** SQL statements sent to a database on behalf of this request so far. */
  get statementCount(): number {
    return this.statements;
  }

  countStatement(): void {
    this.statements += 1;
  }

  /**
   * Values `cached` answers with before creating its own, e.g. the grants a GraphQL schema was built
   * from: shared by every request of one caller view, so it is consulted, not copied. Once per request.
   */
  presetCache(entries: ReadonlyMap<string, unknown>): void {
    if (this.preset) throw new Error('The request cache was already preset');
    this.preset = entries;
  }

  /** The value cached under `key` for this request (or preset), created by `create` on first use. */
  cached<T>(key: string, create: () => T): T {
    if (this.caches.has(key)) return this.caches.get(key) as T;
    if (this.preset?.has(key)) return this.preset.get(key) as T;
    const value = create();
    this.caches.set(key, value);
    return value;
  }
}
