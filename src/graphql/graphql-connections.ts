/**
 * Relay connections, `T_connection(first, after, last, before, where, order_by)`: keyset pagination
 * over the order the caller asks for, made total by the primary key (so only tables whose whole key
 * is shown get one). A cursor is opaque base64url text holding the order it belongs to and the
 * row's values of the ordered columns; it is checked on input (shape, order, each value against its
 * column's type), and a cursor that fails is a 400. Pages are conditions on those values, never
 * offsets, so paging forward and backward meets the same rows.
 *
 * `first`/`after` reads the order forward, `last`/`before` reads it reversed and turns the page
 * back; one more row than asked tells whether there is another page in that direction.
 *
 * May import: catalog, query, errors (and the Row type of dialects).
 */
import type { Column, Table } from '../catalog/catalog-types.js';
import { requestErrors } from '../errors.js';
import { and, columnRef, param } from '../query/ir-factories.js';
import type { ColumnRef, Expr, OrderItem, ParamValue } from '../query/ir.js';
import { coerceValue, type RawValue } from '../query/filter/resolve-filter.js';
import type { Row } from '../dialects/dialect.js';

export interface ConnectionArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
}

export interface PageInfo {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly startCursor: string | null;
  readonly endCursor: string | null;
}

export interface Connection {
  readonly edges: readonly { readonly cursor: string; readonly node: Row }[];
  readonly pageInfo: PageInfo;
}

/** The statement parts of one page: the keyset condition, the order to read in and the row limit. */
export interface PagePlan {
  readonly where?: Expr;
  readonly orderBy: readonly OrderItem[];
  readonly limit: number;
  /** Rows read in reverse (`last`): the page is turned back before it is answered. */
  readonly backward: boolean;
  readonly size: number;
}

/** The columns of an order made only of the table's own columns (a connection cannot order through relationships). */
function orderColumns(table: Table, orderBy: readonly OrderItem[]): Column[] {
  return orderBy.map((item) => {
    if (item.column.kind !== 'columnRef') throw requestErrors.invalidParameter('order_by', 'a connection orders by its own columns only, not through relationships');
    return table.columnsByName.get(item.column.name) as Column;
  });
}

function signature(orderBy: readonly OrderItem[]): string {
  return orderBy.map((i) => `${(i.column as ColumnRef).name} ${i.direction} ${i.nulls ?? ''}`).join(',');
}

export function encodeCursor(orderBy: readonly OrderItem[], row: Row): string {
  const values = orderBy.map((i) => row[(i.column as ColumnRef).name] ?? null);
  return Buffer.from(JSON.stringify([signature(orderBy), values]), 'utf8').toString('base64url');
}

function rawOf(value: unknown): RawValue | undefined {
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number') return { kind: 'number', text: String(value) };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  return undefined;
}

/** The ordered values a cursor holds, each checked against its column; a 400 for anything else. */
export function decodeCursor(table: Table, orderBy: readonly OrderItem[], parameter: 'after' | 'before', cursor: string): (ParamValue | null)[] {
  const invalid = (why: string) => requestErrors.invalidParameter(parameter, `not a cursor of this connection (${why})`);
  let decoded: unknown;
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(cursor)) throw new Error('not base64url');
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('unreadable');
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || !Array.isArray(decoded[1])) throw invalid('malformed');
  const [order, values] = decoded as [unknown, unknown[]];
  if (order !== signature(orderBy)) throw invalid('made for another order_by');
  const columns = orderColumns(table, orderBy);
  if (values.length !== columns.length) throw invalid('malformed');
  return columns.map((column, i) => {
    const value = values[i];
    if (value === null) {
      if (!column.nullable) throw invalid(`${column.name} cannot be null`);
      return null;
    }
    const raw = rawOf(value);
    if (!raw) throw invalid(`a value of ${column.name} is malformed`);
    return coerceValue(table, column, raw);
  });
}

const FALSE: Expr = Object.freeze({ kind: 'constant', value: false });

/** Rows strictly after the given values in `orderBy` (NULLs placed as each item says). */
function afterValues(table: Table, orderBy: readonly OrderItem[], values: readonly (ParamValue | null)[]): Expr {
  const columns = orderColumns(table, orderBy);
  const alternatives: Expr[] = [];
  for (let i = 0; i < orderBy.length; i++) {
    const item = orderBy[i] as OrderItem;
    const column = columnRef(table, columns[i] as Column);
    const value = values[i] ?? null;
    // asc puts NULLs last and desc first unless told otherwise (the order_by enum always tells).
    const nullsLast = (item.nulls ?? (item.direction === 'asc' ? 'last' : 'first')) === 'last';
    let beyond: Expr;
    if (value === null) beyond = nullsLast ? FALSE : { kind: 'isNull', operand: column, negated: true };
    else {
      const greater: Expr = { kind: 'compare', left: column, op: item.direction === 'asc' ? '>' : '<', right: param(value, column.valueType) };
      beyond = nullsLast ? { kind: 'or', items: [greater, { kind: 'isNull', operand: column, negated: false }] } : greater;
    }
    const equalBefore = orderBy.slice(0, i).map((_, j): Expr => {
      const previous = columnRef(table, columns[j] as Column);
      const v = values[j] ?? null;
      return v === null ? { kind: 'isNull', operand: previous, negated: false } : { kind: 'compare', left: previous, op: '=', right: param(v, previous.valueType) };
    });
    alternatives.push(and(...equalBefore, beyond) ?? beyond);
  }
  return alternatives.length === 1 ? (alternatives[0] as Expr) : { kind: 'or', items: alternatives };
}

function reversed(orderBy: readonly OrderItem[]): OrderItem[] {
  return orderBy.map((i) => {
    const nulls = i.nulls ?? (i.direction === 'asc' ? 'last' : 'first');
    return Object.freeze({ column: i.column, direction: i.direction === 'asc' ? 'desc' : 'asc', nulls: nulls === 'last' ? 'first' : 'last' });
  });
}

function pageSize(value: number | null | undefined, name: 'first' | 'last', maxLimit: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value < 0) throw requestErrors.invalidParameter(name, 'must not be negative');
  if (value > maxLimit) throw requestErrors.invalidParameter(name, `must be at most ${maxLimit}`);
  return value;
}

/** The page `args` asks for, over `orderBy` (which must end in the primary key). */
export function planPage(table: Table, orderBy: readonly OrderItem[], args: ConnectionArgs, maxLimit: number): PagePlan {
  orderColumns(table, orderBy);
  const first = pageSize(args.first, 'first', maxLimit);
  const last = pageSize(args.last, 'last', maxLimit);
  if (first !== undefined && last !== undefined) throw requestErrors.invalidParameter('last', 'give first or last, not both');
  const after = args.after ? afterValues(table, orderBy, decodeCursor(table, orderBy, 'after', args.after)) : undefined;
  const before = args.before ? afterValues(table, reversed(orderBy), decodeCursor(table, orderBy, 'before', args.before)) : undefined;
  const backward = last !== undefined;
  const size = (backward ? last : first) ?? maxLimit;
  const where = and(after, before);
  return { ...(where ? { where } : {}), orderBy: backward ? reversed(orderBy) : [...orderBy], limit: size + 1, backward, size };
}

/** The connection of the rows a page plan read (in its reading order). */
export function connectionOf(plan: PagePlan, orderBy: readonly OrderItem[], rows: readonly Row[], args: ConnectionArgs): Connection {
  const more = rows.length > plan.size;
  const page = rows.slice(0, plan.size);
  if (plan.backward) page.reverse();
  const edges = page.map((node) => ({ cursor: encodeCursor(orderBy, node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: plan.backward ? Boolean(args.before) : more,
      hasPreviousPage: plan.backward ? more : Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
