/**
 * Batched loading of related rows: N parent rows cost one statement per relation, never one per
 * parent (Pothos plugin-dataloader's loadAndSort). One DataLoader per (service, relation, select
 * shape) lives in the request context; its batch function builds ONE select with a tuple-IN on the
 * relation's key columns, runs it, and hands the rows back grouped in key order. A page per parent is
 * cut from that statement's rows when they are complete, else read with a window function (see
 * `forCappedRelationLoad`).
 *
 * The select it is given is already authorized for the target table (the grant's columns and row
 * filter are in it); the loader only narrows it further.
 */
import DataLoader from 'dataloader';
import { forCappedRelationLoad, forRelationLoad, type AuthorizedStatement } from '../auth/apply-grant.js';
import type { Relation, Table } from '../catalog/catalog-types.js';
import type { Row } from '../dialects/dialect.js';
import { columnRef, param } from '../query/ir-factories.js';
import type { ColumnRef, Expr, ParamValue, Select } from '../query/ir.js';
import type { StatementRunner } from './executor.js';
import type { RequestContext } from './request-context.js';

/** Relations the loader follows directly (many-to-many goes through its junction in two steps). */
export type KeyedRelation = Extract<Relation, { kind: 'manyToOne' | 'oneToMany' | 'oneToOne' }>;

export interface RelationLoadSpec {
  readonly service: string;
  readonly relation: KeyedRelation;
  /** The relation's target table. */
  readonly target: Table;
  /** An authorized select on the target: columns, filter and order; no limit or offset. */
  readonly select: AuthorizedStatement<Select>;
  /**
   * A page per parent (to-many relations): at most `limit` rows after `offset`, in the select's order.
   * `limitIsDefault`: the limit is the server's cap, not one the caller asked for, so pages are
   * rarely full and the rows are first read without a window function.
   */
  readonly perParent?: { readonly limit: number; readonly offset?: number; readonly limitIsDefault?: boolean };
  /** Parents per statement; more parents take more statements. */
  readonly maxBatchSize?: number;
}

type Key = readonly ParamValue[];

/**
 * Key parts compared as text, so an int4 key matches an int8 (string) key of the same value. Runs
 * for every parent and every loaded row: a one-part key of a string or number (nearly every key) is
 * its text as is. That cannot meet the JSON form of another key of the same loader, whose keys all
 * have the same parts of the same column types.
 */
export function keyString(values: readonly unknown[]): string {
  return values.length === 1 ? oneKeyString(values[0]) : partsKey(values);
}

/** `keyString` of a one-part key, without the array. */
function oneKeyString(value: unknown): string {
  return plainKey(value) ?? partsKey([value]);
}

/** The key of a one-part key of a string or number: its text. */
function plainKey(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

function partsKey(values: readonly unknown[]): string {
  return JSON.stringify(values.map((v) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))));
}

function keyColumnsOf(spec: RelationLoadSpec): ColumnRef[] {
  return spec.relation.columns.map((pair) => {
    const column = spec.target.columnsByName.get(pair.to);
    if (!column) throw new Error(`Relation ${spec.relation.name} names missing column ${spec.target.name}.${pair.to}`);
    return columnRef(spec.target, column);
  });
}

function createLoader(runner: StatementRunner, ctx: RequestContext, spec: RelationLoadSpec): DataLoader<Key, Row[], string> {
  const keyColumns = keyColumnsOf(spec);
  // A loaded row's key: nearly always one column, read without an array per row.
  const [only] = keyColumns;
  const rowKey = keyColumns.length === 1 && only ? (row: Row) => oneKeyString(row[only.name]) : (row: Row) => keyString(keyColumns.map((c) => row[c.name]));
  // Under the default cap alone (no limit asked for: the usual nested read), parents are first read
  // without a window function, which costs the database a sort and a pass per statement; only when
  // that answer may be cut short does the windowed statement run (see forCappedRelationLoad). A
  // limit the caller asked for usually fills pages, so it goes to the windowed statement at once.
  const loadRows = async (condition: Expr, keyCount: number): Promise<{ rows: Row[]; addedColumns: readonly string[]; perKeyLimit: number }> => {
    const capped = spec.perParent?.limitIsDefault === true && forCappedRelationLoad(spec.select, keyColumns, condition, spec.perParent, keyCount);
    if (capped) {
      const { rows } = await runner.run(capped.statement, ctx);
      if (rows.length <= capped.maxRows) return { rows, addedColumns: capped.addedColumns, perKeyLimit: capped.perKeyLimit };
    }
    const { statement, addedColumns } = forRelationLoad(spec.select, keyColumns, condition, spec.perParent);
    return { rows: (await runner.run(statement, ctx)).rows, addedColumns, perKeyLimit: Number.POSITIVE_INFINITY };
  };
  return new DataLoader<Key, Row[], string>(
    async (keys) => {
      const condition = {
        kind: 'tupleIn' as const,
        left: keyColumns,
        rows: keys.map((key) => key.map((value, i) => param(value, (keyColumns[i] as ColumnRef).valueType))),
      };
      const { rows, addedColumns, perKeyLimit } = await loadRows(condition, keys.length);
      const groups = new Map<string, Row[]>();
      for (const row of rows) {
        const k = rowKey(row);
        const group = groups.get(k);
        if (group && group.length >= perKeyLimit) continue;
        for (const name of addedColumns) delete row[name];
        if (group) group.push(row);
        else groups.set(k, [row]);
      }
      return keys.map((key) => groups.get(keyString(key)) ?? []);
    },
    { cacheKeyFn: keyString, maxBatchSize: spec.maxBatchSize ?? 1000 },
  );
}

/** Callers that load for many parents one at a time pass the same spec: its key is worked out once. */
const loaderKeys = new WeakMap<RelationLoadSpec, string>();

/** Loaders are shared by the loads of a request that read the same relation with the same select. */
function loaderKey(spec: RelationLoadSpec): string {
  let key = loaderKeys.get(spec);
  if (key === undefined) {
    key = `relation:${spec.service}:${spec.relation.constraint}:${spec.relation.name}:${JSON.stringify([spec.select, spec.perParent ?? null])}`;
    loaderKeys.set(spec, key);
  }
  return key;
}

/**
 * The rows related to one parent: an array for a to-many relation, a row or null for a to-one
 * relation. A parent whose key has a NULL part has no related rows and costs nothing. Resolvers call
 * this once per parent row, in the same tick, and the loader turns those calls into one statement.
 */
export function loadRelatedTo(runner: StatementRunner, ctx: RequestContext, spec: RelationLoadSpec, parent: Row): Promise<Row[] | Row | null> {
  const key = spec.relation.columns.map((pair) => parent[pair.from] as ParamValue);
  const toMany = spec.relation.kind === 'oneToMany';
  if (key.some((v) => v === null || v === undefined)) return Promise.resolve(toMany ? [] : null);
  const loader = ctx.cached(loaderKey(spec), () => createLoader(runner, ctx, spec));
  const rows = loader.load(key);
  return toMany ? rows : rows.then((found) => found[0] ?? null);
}

/** `loadRelatedTo` for each of `parents`, in parent order. */
export async function loadRelated(
  runner: StatementRunner,
  ctx: RequestContext,
  spec: RelationLoadSpec,
  parents: readonly Row[],
): Promise<(Row[] | Row | null)[]> {
  return Promise.all(parents.map((parent) => loadRelatedTo(runner, ctx, spec, parent)));
}

export interface ManyToManyLoadSpec {
  readonly service: string;
  readonly relation: Extract<Relation, { kind: 'manyToMany' }>;
  readonly junction: Table;
  readonly target: Table;
  /** An authorized select on the junction table whose items are the junction's columns that point at the target. */
  readonly junctionSelect: AuthorizedStatement<Select>;
  /** An authorized select on the target: columns, filter and order. */
  readonly targetSelect: AuthorizedStatement<Select>;
  /** At most this many related rows per parent, in the target select's order. */
  readonly limit: number;
}

/**
 * Many-to-many rows per parent, in two statements whatever the number of parents: the junction rows
 * of all parents (through the keyed loader), then all their targets in one ordered select, handed
 * out to each parent in that order and cut to `limit`.
 */
export async function loadManyToMany(runner: StatementRunner, ctx: RequestContext, spec: ManyToManyLoadSpec, parents: readonly Row[]): Promise<Row[][]> {
  const { junction } = spec.relation;
  const toJunction: KeyedRelation = {
    kind: 'oneToMany',
    name: `${spec.relation.name}\u0000junction`,
    target: junction.table,
    columns: junction.sourceColumns.map((pair) => ({ from: pair.to, to: pair.from })),
    constraint: junction.sourceConstraint,
  };
  const links = (await loadRelated(runner, ctx, { service: spec.service, relation: toJunction, target: spec.junction, select: spec.junctionSelect }, parents)) as Row[][];
  const targetKeyOf = (row: Row) => junction.targetColumns.map((pair) => row[pair.from] as ParamValue);
  const wanted = new Map<string, readonly ParamValue[]>();
  for (const row of links.flat()) {
    const key = targetKeyOf(row);
    if (key.every((v) => v !== null && v !== undefined)) wanted.set(keyString(key), key);
  }
  if (wanted.size === 0) return parents.map(() => []);
  const keyColumns = junction.targetColumns.map((pair) => {
    const column = spec.target.columnsByName.get(pair.to);
    if (!column) throw new Error(`Relation ${spec.relation.name} names missing column ${spec.target.name}.${pair.to}`);
    return columnRef(spec.target, column);
  });
  const condition = {
    kind: 'tupleIn' as const,
    left: keyColumns,
    rows: [...wanted.values()].map((key) => key.map((value, i) => param(value, (keyColumns[i] as ColumnRef).valueType))),
  };
  const { statement, addedColumns } = forRelationLoad(spec.targetSelect, keyColumns, condition);
  const { rows } = await runner.run(statement, ctx);
  const keyed = rows.map((row) => ({ key: keyString(keyColumns.map((c) => row[c.name])), row }));
  for (const row of rows) for (const name of addedColumns) delete row[name];
  return links.map((parentLinks) => {
    const mine = new Set(parentLinks.map((link) => keyString(targetKeyOf(link))));
    return keyed.filter((entry) => mine.has(entry.key)).slice(0, spec.limit).map((entry) => ({ ...entry.row }));
  });
}
