/**
 * Catalog relations → the IR's correlated subqueries, for every surface that filters or orders
 * through relations (REST `filter=customer.tier = 'gold'`, GraphQL `where: {customer: …}`):
 * - `relationExists`: rows with a related row (matching a condition on the related table) — one
 *   `exists` for many-to-one, one-to-many and one-to-one relations, an `exists` on the junction
 *   holding an `exists` on the target for many-to-many ones;
 * - `relatedColumn`: a column of the related row of a to-one relation, for ORDER BY.
 *
 * The subqueries read other tables: surfaces authorize them (`relatedTables` in auth/apply-grant.ts)
 * and pass their grants to `applyGrant`, which checks their columns and adds their row filters.
 *
 * May import: catalog, query.
 */
import type { ColumnPair, Relation, Table } from '../catalog/catalog-types.js';
import { resolveColumn } from '../catalog/resolve.js';
import { columnRef, tableRef } from './ir-factories.js';
import type { ColumnRef, Correlation, Expr, RelatedValue } from './ir.js';

/** Finds a table of the catalog by name (a relation's target or junction). */
export type TableLookup = (name: string) => Table;

/** `from` on `outer`, `to` on `inner`, one correlation per pair. */
function correlate(outer: Table, inner: Table, pairs: readonly ColumnPair[], flip = false): Correlation[] {
  return pairs.map((pair) =>
    Object.freeze({
      outer: columnRef(outer, resolveColumn(outer, flip ? pair.to : pair.from)),
      inner: columnRef(inner, resolveColumn(inner, flip ? pair.from : pair.to)),
    }),
  );
}

/** Whether a relation yields at most one related row (so one of its columns can be ordered by). */
export function isToOne(relation: Relation): boolean {
  return relation.kind === 'manyToOne' || relation.kind === 'oneToOne';
}

/**
 * `EXISTS` a row related to the `source` row through `relation`, matching `where` (an expression on
 * the target table, absent for "has any").
 */
export function relationExists(source: Table, relation: Relation, lookup: TableLookup, where?: Expr): Expr {
  const target = lookup(relation.target);
  if (relation.kind !== 'manyToMany') {
    return Object.freeze({
      kind: 'exists',
      table: tableRef(target),
      correlation: Object.freeze(correlate(source, target, relation.columns)),
      ...(where ? { where } : {}),
    });
  }
  const { junction } = relation;
  const link = lookup(junction.table);
  // Junction pairs are written from the junction's side: `from` on the junction, `to` on source/target.
  const toTarget: Expr = Object.freeze({
    kind: 'exists',
    table: tableRef(target),
    correlation: Object.freeze(correlate(link, target, junction.targetColumns)),
    ...(where ? { where } : {}),
  });
  return Object.freeze({
    kind: 'exists',
    table: tableRef(link),
    correlation: Object.freeze(correlate(source, link, junction.sourceColumns, true)),
    where: toTarget,
  });
}

/** The value of `column` (of the target) in the related row of a to-one `relation` of `source`. */
export function relatedColumn(source: Table, relation: Relation, lookup: TableLookup, column: ColumnRef | RelatedValue): RelatedValue {
  if (relation.kind === 'manyToMany' || relation.kind === 'oneToMany') {
    throw new Error(`relatedColumn needs a to-one relation; '${relation.name}' is ${relation.kind}`);
  }
  const target = lookup(relation.target);
  return Object.freeze({
    kind: 'relatedValue',
    table: tableRef(target),
    correlation: Object.freeze(correlate(source, target, relation.columns)),
    value: column,
  });
}
