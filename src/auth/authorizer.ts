/**
 * The one authorization decision every data request passes, whatever the surface (REST, GraphQL,
 * MCP): `authorize(principal, action)` answers with a `Grant` (which columns, which rows) or throws
 * an ApiError 401/403. Surfaces apply the grant with `applyGrant` — the only way to obtain the
 * `AuthorizedStatement` the executor accepts.
 *
 * May import: catalog, query, errors.
 */
import { isApiError, type ApiError } from '../errors.js';
import type { Expr } from '../query/ir.js';
import type { Principal } from './principal.js';

/** Verbs in the terms access rules are written in (HEAD counts as GET). */
export type Verb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type ActionResource =
  /** A table/procedure/schema by name, or — without a name — the listing (`_table`, `_proc`, `_schema`). */
  | { readonly kind: 'table' | 'procedure' | 'schema'; readonly name?: string }
  | { readonly kind: 'sql' };

export interface Action {
  readonly service: string;
  readonly resource: ActionResource;
  readonly verb: Verb;
}

export interface Grant {
  /** Columns the principal may read, filter, order and write; `all` for no restriction. */
  readonly columns: ReadonlySet<string> | 'all';
  /** Rows the principal may see and change, ANDed into reads, updates and deletes. */
  readonly rowFilter?: Expr;
  /** A cap on the number of rows one read may return. */
  readonly maxLimit?: number;
}

export interface Authorizer {
  authorize(principal: Principal, action: Action): Promise<Grant>;
  /**
   * An object standing for every decision `authorize` would make right now for `principal` on
   * `service`: the same object for as long as none of them can differ (same role definition, same
   * read-only flag), another one once they may. A surface that derives something costly from many
   * decisions (the GraphQL schema of a caller asks dozens) keeps the result under this object instead
   * of asking again on every request. Undefined: decisions depend on the request itself (a user's
   * claims in a row filter), so nothing may be kept.
   */
  decisionScope?(principal: Principal, service: string): Promise<object | undefined>;
}

export const FULL_GRANT: Grant = Object.freeze({ columns: 'all' });

/**
 * The 403 refusing `action`, or undefined when it is allowed (other errors propagate): for listings
 * that show what the caller may use without failing on what it may not.
 */
export async function denial(authorizer: Authorizer, principal: Principal, action: Action): Promise<ApiError | undefined> {
  try {
    await authorizer.authorize(principal, action);
    return undefined;
  } catch (error) {
    if (isApiError(error) && error.status === 403) return error;
    throw error;
  }
}

