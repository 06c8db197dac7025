/**
 * The one authorization decision every data request passes, whatever the surface (REST, GraphQL,
 * MCP): `authorize(principal, action)` answers with a `Grant` (which columns, which rows) or throws
 * an ApiError 401/403. Surfaces apply the grant with `applyGrant` — the only way to obtain the
 * `AuthorizedStatement` the executor accepts.
 *
 * May import: catalog, query, errors.
 */
import type { Expr } from '../query/ir.js';
import type { Principal } from './principal.js';

export type Verb = 'read' | 'create' | 'update' | 'delete' | 'execute';

export interface Action {
  readonly service: string;
  readonly resource: { readonly kind: 'table' | 'procedure' | 'schema'; readonly name: string };
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
}

const FULL_GRANT: Grant = Object.freeze({ columns: 'all' });

/**
 * Grants everything to everyone. It is the authorizer while access control is not configured —
 * the mode for the embedded demo and local development; Sluice logs a warning when it serves a
 * non-loopback address this way.
 */
export function createOpenAuthorizer(): Authorizer {
  return { authorize: async () => FULL_GRANT };
}
