/**
 * The caller's grants for GraphQL resolvers: one authorizer question per request and table (GET on
 * `_table/{name}`, as REST asks), and `authorizeSelect`, which applies the grant of a statement's
 * table together with the grants of the related tables its subqueries read (relationship filters
 * and orders; `conditionGrants` does the same for a mutation's conditions) — the same `applyGrant` REST uses, so a related table's hidden columns cannot be
 * filtered on and its row filter applies inside the subquery.
 *
 * May import: catalog, query, auth.
 */
import { applyGrant, relatedTables, type AuthorizedStatement } from '../auth/apply-grant.js';
import type { Grant } from '../auth/authorizer.js';
import type { Table } from '../catalog/catalog-types.js';
import { and, tableRef } from '../query/ir-factories.js';
import type { Expr, Select, Statement } from '../query/ir.js';
import type { GraphqlContext } from './graphql-scalars.js';

/** Where a request keeps its grant on a table (the handler puts the grants it already asked for there). */
export function grantCacheKey(service: string, table: string): string {
  return `graphql-grant:${service}:${table}`;
}

function grantByName(gctx: GraphqlContext, name: string): Promise<Grant> {
  return gctx.ctx.cached(grantCacheKey(gctx.service, name), () =>
    gctx.authorizer.authorize(gctx.ctx.principal, { service: gctx.service, resource: { kind: 'table', name }, verb: 'GET' }),
  );
}

/** The caller's grant on `table`, asked once per request. */
export function grantOf(gctx: GraphqlContext, table: Table): Promise<Grant> {
  return grantByName(gctx, table.name);
}

/** The caller's read grants on the tables `statement`'s subqueries read (relationship filters and orders). */
async function relatedGrants(gctx: GraphqlContext, statement: Statement): Promise<Map<string, Grant>> {
  const related = new Map<string, Grant>();
  for (const name of relatedTables(statement)) related.set(name, await grantByName(gctx, name));
  return related;
}

/** `select` on `table` under the caller's grant, with the grants of the tables its subqueries read. */
export async function authorizeSelect(gctx: GraphqlContext, table: Table, select: Select): Promise<AuthorizedStatement<Select>> {
  const grant = await grantOf(gctx, table);
  return applyGrant(select, grant, { related: await relatedGrants(gctx, select) });
}

/** The read grants a write needs for the relationship conditions it carries (a mutation's `where`). */
export function conditionGrants(gctx: GraphqlContext, table: Table, conditions: readonly (Expr | undefined)[]): Promise<Map<string, Grant>> {
  const where = and(...conditions);
  return relatedGrants(gctx, { kind: 'select', from: tableRef(table), items: [], ...(where ? { where } : {}), orderBy: [] });
}
