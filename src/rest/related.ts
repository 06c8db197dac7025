/**
 * `related=` (DreamFactory): embeds rows of foreign-key relations into each row of a read, under the
 * relation's name — an object (or null) for to-one relations, an array for to-many and many-to-many.
 *
 *   related=customer,order_items        relation names from the catalog (`*`: every relation)
 *   {relation}.fields / .order / .limit  columns, order and per-row limit of the related rows
 *                                        (limit default: the default page size, capped like `limit`)
 *
 * Every related table is authorized like a read of its own (GET on `_table/{target}`, and on the
 * junction of a many-to-many relation), with the grant's columns and row filter applied. Loading is
 * batched: one statement per relation for all rows (two for many-to-many), never one per row.
 *
 * May import: query, auth, executor, catalog, errors.
 */
import { applyGrant } from '../auth/apply-grant.js';
import { authorizeRelated } from '../auth/related-grants.js';
import type { Authorizer } from '../auth/authorizer.js';
import type { Principal } from '../auth/principal.js';
import type { Catalog, Relation, Table } from '../catalog/catalog-types.js';
import { closestMatch, resolveColumn, resolveTable } from '../catalog/resolve.js';
import type { Row } from '../dialects/dialect.js';
import { requestErrors } from '../errors.js';
import type { StatementRunner } from '../executor/executor.js';
import { loadManyToMany, loadRelated } from '../executor/relation-loader.js';
import type { RequestContext } from '../executor/request-context.js';
import { columnItem, columnRef, tableRef } from '../query/ir-factories.js';
import type { ColumnRef, Select } from '../query/ir.js';
import { resolveFields, resolveOrder } from '../query/rest-params.js';

export interface RelatedRequest {
  readonly relation: Relation;
  readonly fields?: string;
  readonly order?: string;
  readonly limit?: number;
}

const MAX_RELATED = 16;

/**
 * Parses `related` and the per-relation options from the query string. Unknown relation names are a
 * 400 that lists a close match.
 */
export function parseRelated(table: Table, related: string | undefined, query: Readonly<Record<string, unknown>>, maxLimit: number): RelatedRequest[] {
  if (related === undefined || related.trim() === '') return [];
  const names = related.trim() === '*' ? table.relations.map((r) => r.name) : related.split(',').map((n) => n.trim());
  if (names.length > MAX_RELATED) throw requestErrors.invalidParameter('related', `at most ${MAX_RELATED} relations`);
  const option = (name: string, key: string): string | undefined => {
    const value = query[`${name}.${key}`];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw requestErrors.invalidParameter(`${name}.${key}`, 'given more than once');
    return value;
  };
  return [...new Set(names)].map((name) => {
    const relation = table.relationsByName.get(name);
    if (!relation) {
      const suggestion = closestMatch(name, table.relationsByName.keys());
      const known = table.relations.map((r) => r.name).join(', ') || 'none';
      throw requestErrors.invalidParameter('related', `'${name}' is not a relation of '${table.name}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; relations: ${known}`);
    }
    const fields = option(name, 'fields');
    const order = option(name, 'order');
    const limitText = option(name, 'limit');
    let limit: number | undefined;
    if (limitText !== undefined) {
      if (!/^\d{1,9}$/.test(limitText)) throw requestErrors.invalidParameter(`${name}.limit`, 'must be a non-negative integer');
      limit = Math.min(Number(limitText), maxLimit);
    }
    return { relation, ...(fields !== undefined ? { fields } : {}), ...(order !== undefined ? { order } : {}), ...(limit !== undefined ? { limit } : {}) };
  });
}

/** The columns of `table` the parent rows must carry for these relations (their join keys). */
export function parentKeyColumns(table: Table, requests: readonly RelatedRequest[]): ColumnRef[] {
  const names = new Set<string>();
  for (const { relation } of requests) {
    if (relation.kind === 'manyToMany') for (const pair of relation.junction.sourceColumns) names.add(pair.to);
    else for (const pair of relation.columns) names.add(pair.from);
  }
  return [...names].map((name) => columnRef(table, resolveColumn(table, name)));
}

export interface RelatedDeps {
  readonly authorizer: Authorizer;
  readonly service: string;
  readonly catalog: Catalog;
  readonly runner: StatementRunner;
  readonly ctx: RequestContext;
  readonly principal: Principal;
  readonly defaultLimit: number;
}

async function authorizedSelect(deps: RelatedDeps, target: Table, fields: string | undefined, order: string | undefined) {
  const grant = await deps.authorizer.authorize(deps.principal, { service: deps.service, resource: { kind: 'table', name: target.name }, verb: 'GET' });
  const select: Select = {
    kind: 'select',
    from: tableRef(target),
    items: resolveFields(target, fields, grant.columns).map(columnItem),
    orderBy: resolveOrder(target, order, grant.columns, (name) => resolveTable(deps.catalog, name)),
  };
  return applyGrant(select, grant, { related: await authorizeRelated(deps.authorizer, deps.principal, deps.service, [select]) });
}

/** Adds each relation's rows to every parent row, under the relation's name (mutates `parents`). */
export async function embedRelated(deps: RelatedDeps, requests: readonly RelatedRequest[], parents: Row[]): Promise<void> {
  if (parents.length === 0) return;
  for (const request of requests) {
    const { relation } = request;
    const target = resolveTable(deps.catalog, relation.target);
    const select = await authorizedSelect(deps, target, request.fields, request.order);
    const limit = request.limit ?? deps.defaultLimit;
    let related: (Row[] | Row | null)[];
    if (relation.kind === 'manyToMany') {
      const junction = resolveTable(deps.catalog, relation.junction.table);
      const linkColumns = relation.junction.targetColumns.map((pair) => pair.from).join(',');
      const junctionSelect = await authorizedSelect(deps, junction, linkColumns, undefined);
      related = await loadManyToMany(deps.runner, deps.ctx, { service: deps.service, relation, junction, target, junctionSelect, targetSelect: select, limit }, parents);
    } else {
      const toMany = relation.kind === 'oneToMany';
      related = await loadRelated(deps.runner, deps.ctx, { service: deps.service, relation, target, select, ...(toMany ? { perParent: { limit } } : {}) }, parents);
    }
    parents.forEach((parent, i) => {
      parent[relation.name] = related[i] ?? (relation.kind === 'manyToOne' || relation.kind === 'oneToOne' ? null : []);
    });
  }
}
