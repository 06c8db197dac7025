/**
 * Relationship features of the GraphQL schema beyond plain object/array fields:
 * - `relationScope`: which relationships a caller may filter and order through (`T_bool_exp` and
 *   `T_order_by` fields), for graphql-filters.ts;
 * - many-to-many list fields (through a junction), loaded with the executor's `loadManyToMany`:
 *   two statements per level for all parents;
 * - `<rel>_aggregate` on array relationships: one grouped statement per level for all parents
 *   (GROUP BY the foreign key), batched with a DataLoader in the request context.
 *
 * Every statement goes through `authorizeSelect` (the caller's grants, the related tables' ones for
 * subqueries); the junction of a many-to-many relationship is authorized like a read of its own.
 *
 * May import: catalog, query, auth, executor, errors.
 */
import DataLoader from 'dataloader';
import { forRelationAggregate } from '../auth/apply-grant.js';
import type { Relation, Table } from '../catalog/catalog-types.js';
import { resolveColumn } from '../catalog/resolve.js';
import type { Row } from '../dialects/dialect.js';
import { keyString, loadManyToMany, type KeyedRelation } from '../executor/relation-loader.js';
import { columnItem, columnRef, param, tableRef } from '../query/ir-factories.js';
import type { ColumnRef, ParamValue, Select } from '../query/ir.js';
import type { ColumnFields, RelationField, RelationScope } from './graphql-filters.js';
import { authorizeSelect } from './graphql-grants.js';
import { fieldName } from './graphql-names.js';
import type { GraphqlContext } from './graphql-scalars.js';

export type ManyToMany = Extract<Relation, { kind: 'manyToMany' }>;

/** What the relationship helpers need to know of a table in the caller's view. */
export interface ShownTable {
  readonly table: Table;
  readonly fields: ColumnFields;
  /** SQL names of the shown columns. */
  readonly shown: ReadonlySet<string>;
}

/** The columns of the source table a relation joins on. */
export function sourceColumnsOf(relation: Relation): string[] {
  return relation.kind === 'manyToMany' ? relation.junction.sourceColumns.map((pair) => pair.to) : relation.columns.map((pair) => pair.from);
}

/**
 * The relationships of `model` the caller can use: target (and junction) readable, and the join
 * columns on this side shown — a filter or load through a relation reads them.
 */
export function usableRelations(model: ShownTable, models: ReadonlyMap<string, ShownTable>): Relation[] {
  return model.table.relations.filter(
    (r) => models.has(r.target) && (r.kind !== 'manyToMany' || models.has(r.junction.table)) && sourceColumnsOf(r).every((name) => model.shown.has(name)),
  );
}

/** The relationships of every shown table, as `T_bool_exp` / `T_order_by` fields. */
export function relationScope(models: ReadonlyMap<string, ShownTable>, maxOrderHops: number): RelationScope {
  const byTable = new Map<string, ReadonlyMap<string, RelationField>>();
  for (const [name, model] of models) {
    byTable.set(name, new Map(usableRelations(model, models).map((relation) => [fieldName(relation.name), { relation, target: (models.get(relation.target) as ShownTable).table }])));
  }
  return {
    relationsOf: (table) => byTable.get(table) ?? new Map(),
    fieldsOf: (table) => models.get(table)?.fields ?? new Map(),
    lookup: (name) => {
      const model = models.get(name);
      if (!model) throw new Error(`table ${name} is not in the caller's schema`);
      return model.table;
    },
    maxOrderHops,
  };
}

/**
 * The rows related to `parent` through a many-to-many relationship: `select` (on the target, with
 * condition and order) paged per parent. All parents of a level share one DataLoader, so they cost
 * two statements together (junction rows, then targets).
 */
export async function manyToManyRows(
  gctx: GraphqlContext,
  relation: ManyToMany,
  junction: Table,
  target: Table,
  select: Select,
  page: { readonly limit: number; readonly offset?: number },
  parent: Row,
): Promise<Row[]> {
  const targetSelect = await authorizeSelect(gctx, target, select);
  const junctionSelect = await authorizeSelect(gctx, junction, {
    kind: 'select',
    from: tableRef(junction),
    items: relation.junction.targetColumns.map((pair) => columnItem(columnRef(junction, resolveColumn(junction, pair.from)))),
    orderBy: [],
  });
  const offset = page.offset ?? 0;
  const limit = offset + page.limit;
  const sourceKey = (row: Row) => keyString(relation.junction.sourceColumns.map((pair) => row[pair.to]));
  const cacheKey = `graphql-m2m:${gctx.service}:${relation.junction.sourceConstraint}:${relation.junction.targetConstraint}:${relation.name}:${JSON.stringify([targetSelect, junctionSelect, limit])}`;
  const loader = gctx.ctx.cached(
    cacheKey,
    () =>
      new DataLoader<Row, Row[], string>(
        (parents) => loadManyToMany(gctx.executor, gctx.ctx, { service: gctx.service, relation, junction, target, junctionSelect, targetSelect, limit }, parents),
        { cacheKeyFn: sourceKey },
      ),
  );
  return (await loader.load(parent)).slice(offset);
}

/**
 * The aggregate row of the rows related to `parent` through an array relationship: `select` holds
 * the aggregate items and the condition; all parents of a level share one grouped statement.
 * Parents without related rows get `empty`.
 */
export async function relationAggregate(gctx: GraphqlContext, relation: KeyedRelation, target: Table, select: Select, empty: Row, parent: Row): Promise<Row> {
  const authorized = await authorizeSelect(gctx, target, select);
  const keyColumns: ColumnRef[] = relation.columns.map((pair) => columnRef(target, resolveColumn(target, pair.to)));
  const parentKey = relation.columns.map((pair) => parent[pair.from] as ParamValue);
  if (parentKey.some((v) => v === null || v === undefined)) return empty;
  const cacheKey = `graphql-rel-aggregate:${gctx.service}:${relation.constraint}:${relation.name}:${JSON.stringify(authorized)}`;
  const loader = gctx.ctx.cached(
    cacheKey,
    () =>
      new DataLoader<readonly ParamValue[], Row, string>(
        async (keys) => {
          const condition = {
            kind: 'tupleIn' as const,
            left: keyColumns,
            rows: keys.map((key) => key.map((value, i) => param(value, (keyColumns[i] as ColumnRef).valueType))),
          };
          const { rows } = await gctx.executor.run(forRelationAggregate(authorized, keyColumns, condition), gctx.ctx);
          const byKey = new Map(rows.map((row) => [keyString(keyColumns.map((c) => row[c.name])), row]));
          return keys.map((key) => byKey.get(keyString(key)) ?? empty);
        },
        { cacheKeyFn: keyString, maxBatchSize: 1000 },
      ),
  );
  return loader.load(parentKey);
}
