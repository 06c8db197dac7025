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
  /** The dotted path naming it in the query (`orders.order_items`), for option keys and messages. */
  readonly path: string;
  readonly fields?: string;
  readonly order?: string;
  readonly limit?: number;
  /** Relations of the related rows to embed in turn (`related=orders,orders.order_items`). */
  readonly children: readonly RelatedRequest[];
}

const MAX_RELATED = 16;
const MAX_DEPTH = 4;

/**
 * Parses `related` and the per-relation options from the query string. A dotted entry embeds a
 * relation of the related rows (`orders.order_items`, up to 4 levels; its parents are embedded too).
 * Unknown relation names are a 400 that lists a close match.
 */
export function parseRelated(table: Table, related: string | undefined, query: Readonly<Record<string, unknown>>, maxLimit: number, catalog: Catalog): RelatedRequest[] {
  if (related === undefined || related.trim() === '') return [];
  const entries = related.trim() === '*' ? table.relations.map((r) => r.name) : related.split(',').map((n) => n.trim());
  if (entries.length > MAX_RELATED) throw requestErrors.invalidParameter('related', `at most ${MAX_RELATED} relations`);
  const option = (path: string, key: string): string | undefined => {
    const value = query[`${path}.${key}`];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw requestErrors.invalidParameter(`${path}.${key}`, 'given more than once');
    return value;
  };
  interface Node {
    relation: Relation;
    path: string;
    children: Map<string, Node>;
  }
  const roots = new Map<string, Node>();
  for (const entry of entries) {
    const parts = entry.split('.');
    if (parts.length > MAX_DEPTH) throw requestErrors.invalidParameter('related', `'${entry}' is nested deeper than ${MAX_DEPTH} levels`);
    let level = roots;
    let owner = table;
    let path = '';
    for (const name of parts) {
      path = path === '' ? name : `${path}.${name}`;
      let node = level.get(name);
      if (!node) {
        const relation = owner.relationsByName.get(name);
        if (!relation) {
          const suggestion = closestMatch(name, owner.relationsByName.keys());
          const known = owner.relations.map((r) => r.name).join(', ') || 'none';
          throw requestErrors.invalidParameter('related', `'${name}' is not a relation of '${owner.name}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; relations: ${known}`);
        }
        node = { relation, path, children: new Map() };
        level.set(name, node);
      }
      owner = resolveTable(catalog, node.relation.target);
      level = node.children;
    }
  }
  const build = (node: Node): RelatedRequest => {
    const fields = option(node.path, 'fields');
    const order = option(node.path, 'order');
    const limitText = option(node.path, 'limit');
    let limit: number | undefined;
    if (limitText !== undefined) {
      if (!/^\d{1,9}$/.test(limitText)) throw requestErrors.invalidParameter(`${node.path}.limit`, 'must be a non-negative integer');
      limit = Math.min(Number(limitText), maxLimit);
    }
    return {
      relation: node.relation,
      path: node.path,
      ...(fields !== undefined ? { fields } : {}),
      ...(order !== undefined ? { order } : {}),
      ...(limit !== undefined ? { limit } : {}),
      children: [...node.children.values()].map(build),
    };
  };
  return [...roots.values()].map(build);
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

/** The select with `columns` added to its items where missing; `added` names the ones it added. */
export function withColumns(select: Select, columns: readonly ColumnRef[]): { readonly select: Select; readonly added: readonly string[] } {
  if (columns.length === 0) return { select, added: [] };
  const present = new Set(select.items.flatMap((i) => (i.kind === 'column' ? [i.column.name] : [])));
  const missing = columns.filter((c) => !present.has(c.name));
  if (missing.length === 0) return { select, added: [] };
  return { select: { ...select, items: [...select.items, ...missing.map(columnItem)] }, added: missing.map((c) => c.name) };
}

/** Removes the columns `withColumns` added, once the rows have served their purpose. */
export function stripColumns(rows: Row[], names: readonly string[]): void {
  if (names.length === 0) return;
  for (const row of rows) for (const name of names) delete row[name];
}

/**
 * An authorized select of `target` with the requested columns plus `keys` (the join keys nested
 * relations need); `added` names the key columns that were not requested, to remove afterwards.
 */
async function authorizedSelect(deps: RelatedDeps, target: Table, fields: string | undefined, order: string | undefined, keys: readonly ColumnRef[] = []) {
  const grant = await deps.authorizer.authorize(deps.principal, { service: deps.service, resource: { kind: 'table', name: target.name }, verb: 'GET' });
  const { select, added } = withColumns(
    {
      kind: 'select',
      from: tableRef(target),
      items: resolveFields(target, fields, grant.columns).map(columnItem),
      orderBy: resolveOrder(target, order, grant.columns, (name) => resolveTable(deps.catalog, name)),
    },
    keys,
  );
  const related = await authorizeRelated(deps.authorizer, deps.principal, deps.service, [select]);
  return { select: applyGrant(select, grant, { related }), added };
}

/**
 * Adds each relation's rows to every parent row, under the relation's name (mutates `parents`), then
 * the nested relations of all those rows together: one statement per relation and level (two for
 * many-to-many), however many rows.
 */
export async function embedRelated(deps: RelatedDeps, requests: readonly RelatedRequest[], parents: Row[]): Promise<void> {
  if (parents.length === 0) return;
  for (const request of requests) {
    const { relation } = request;
    const target = resolveTable(deps.catalog, relation.target);
    const { select, added } = await authorizedSelect(deps, target, request.fields, request.order, parentKeyColumns(target, request.children));
    const limit = request.limit ?? deps.defaultLimit;
    let related: (Row[] | Row | null)[];
    if (relation.kind === 'manyToMany') {
      const junction = resolveTable(deps.catalog, relation.junction.table);
      const linkColumns = relation.junction.targetColumns.map((pair) => pair.from).join(',');
      const junctionSelect = (await authorizedSelect(deps, junction, linkColumns, undefined)).select;
      related = await loadManyToMany(deps.runner, deps.ctx, { service: deps.service, relation, junction, target, junctionSelect, targetSelect: select, limit }, parents);
    } else {
      const toMany = relation.kind === 'oneToMany';
      related = await loadRelated(deps.runner, deps.ctx, { service: deps.service, relation, target, select, ...(toMany ? { perParent: { limit, limitIsDefault: request.limit === undefined } } : {}) }, parents);
    }
    // Copies: the loader caches rows per request and may hand the same object to several parents
    // (or levels); each place in the response gets its own, so embedding never aliases or loops.
    const copy = (row: Row): Row => ({ ...row });
    const placed = related.map((r) => (r === null || r === undefined ? null : Array.isArray(r) ? r.map(copy) : copy(r)));
    parents.forEach((parent, i) => {
      parent[relation.name] = placed[i] ?? (relation.kind === 'manyToOne' || relation.kind === 'oneToOne' ? null : []);
    });
    const children = placed.flatMap((r) => (r === null ? [] : Array.isArray(r) ? r : [r]));
    if (request.children.length > 0) await embedRelated(deps, request.children, children);
    stripColumns(children, added);
  }
}
