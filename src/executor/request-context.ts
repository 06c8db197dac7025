/**
 * One object per request, created by the HTTP layer and passed down to the executor. It carries who
 * is asking, the request id (for logs), an abort signal (client gone → cancel), the statement
 * counter the tests and benchmarks read, and per-request caches (DataLoaders, memoised
 * authorizations) that die with the request (Pothos' context-cache pattern).
 */
import type { Principal } from '../auth/principal.js';

export class RequestContext {
  private statements = 0;
  private readonly caches = new Map<string, unknown>();
  private authenticated = false;

  constructor(
    readonly requestId: string,
    private current: Principal,
    readonly signal?: AbortSignal,
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

  /** SQL statements sent to a database on behalf of this request so far. */
  get statementCount(): number {
    return this.statements;
  }

  countStatement(): void {
    this.statements += 1;
  }

  /** The value cached under `key` for this request, created by `create` on first use. */
  cached<T>(key: string, create: () => T): T {
    if (this.caches.has(key)) return this.caches.get(key) as T;
    const value = create();
    this.caches.set(key, value);
    return value;
  }
}
