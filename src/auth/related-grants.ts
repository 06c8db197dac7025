/**
 * The grants of the related tables that statements read through relations (filters and orders such
 * as `customer.tier = 'gold'`): each is authorized like a read of its own (GET on `_table/{name}`),
 * so a role that may not read `customers` cannot filter orders by their customer either (403). The
 * result goes to `applyGrant(statement, grant, { related })`, which checks the columns used inside
 * each subquery against its table's grant and ANDs that table's row filter into it.
 *
 * May import: catalog, query, errors.
 */
import type { Statement } from '../query/ir.js';
import { relatedTables } from './apply-grant.js';
import type { Authorizer, Grant } from './authorizer.js';
import type { Principal } from './principal.js';

export async function authorizeRelated(
  authorizer: Authorizer,
  principal: Principal,
  service: string,
  statements: readonly (Statement | undefined)[],
): Promise<ReadonlyMap<string, Grant>> {
  const names = new Set(statements.flatMap((s) => (s ? relatedTables(s) : [])));
  const grants = new Map<string, Grant>();
  for (const name of names) {
    grants.set(name, await authorizer.authorize(principal, { service, resource: { kind: 'table', name }, verb: 'GET' }));
  }
  return grants;
}
