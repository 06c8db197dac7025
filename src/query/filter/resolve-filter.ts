/**
 * FilterNode (syntax) → Expr (IR) for one table: every identifier is resolved against the catalog
 * (unknown column → 400 naming it, with a "did you mean"), every literal is checked against its
 * column's type and converted to the parameter value the dialects bind. Catching bad values here
 * gives the same 400 on every engine (MySQL would otherwise coerce `'abc'` to 0 silently).
 *
 * A qualifier that names a relation of the table instead of the table itself (`customer.tier`,
 * `order_items.quantity`, `tags.name` through a junction) makes the condition one on the related
 * rows: "a related row exists that matches it" (`relation-paths.ts`). Conditions through the same
 * relation that are ANDed side by side apply to the same related row (`order_items.quantity > 4 AND
 * order_items.product_id = 7`: one item with both). Resolving relations needs the catalog's tables
 * (`TableLookup`); without them a relation qualifier is refused.
 *
 * Also exports `coerceValue`, which the `ids` parameter and later the write paths share.
 *
 * May import: catalog, query, errors.
 */
import type { Column, Relation, ScalarValueType, Table, ValueType } from '../../catalog/catalog-types.js';
import { describeValueType } from '../../catalog/catalog-types.js';
import { resolveColumn } from '../../catalog/resolve.js';
import { requestErrors } from '../../errors.js';
import { and, columnRef, escapeLikePattern, param, userLikePattern } from '../ir-factories.js';
import type { ColumnRef, Expr, Param, ParamValue } from '../ir.js';
import { relationExists, type TableLookup } from '../relation-paths.js';
import { parseIsoTimestamp } from '../iso-timestamp.js';
import type { FilterNode, Identifier, Literal, MatchMode } from './filter-ast.js';

/** A value as it arrives from text: a string, a number's source text, a boolean. */
export type RawValue = { readonly kind: 'string'; readonly value: string } | { readonly kind: 'number'; readonly text: string } | { readonly kind: 'boolean'; readonly value: boolean };

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;
const TIME_TEXT = /^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function textOf(raw: RawValue): string {
  return raw.kind === 'number' ? raw.text : String(raw.value);
}

export function describeRaw(raw: RawValue): string {
  if (raw.kind === 'string') return raw.value.length > 40 ? `'${raw.value.slice(0, 40)}…'` : `'${raw.value}'`;
  return textOf(raw);
}

/**
 * Checks `raw` against `column`'s type and returns the value to bind, or throws a 400 naming the
 * column and the expected form. Only scalar types are accepted; json, bytes and arrays have no
 * comparable literal form in the filter grammar.
 */
export function coerceValue(table: Table, column: Column, raw: RawValue): ParamValue {
  return coerceToType(column.valueType, column.enumValues, raw, (expected) => {
    throw requestErrors.invalidValue(table.name, column.name, expected, describeRaw(raw));
  });
}

/**
 * The type check behind `coerceValue`, for values that are not a column's (procedure arguments):
 * `fail` receives the expected form and must throw the error naming the target.
 */
export function coerceToType(
  type: ValueType,
  enumValues: readonly string[] | undefined,
  raw: RawValue,
  fail: (expected: string) => never,
): ParamValue {
  if (typeof type !== 'string') return fail(`a value of type ${describeValueType(type)}, which filters cannot compare`);
  const text = textOf(raw);
  switch (type as ScalarValueType) {
    case 'integer': {
      if (raw.kind === 'boolean' || !INTEGER_TEXT.test(text.trim())) return fail('an integer');
      const value = Number(text);
      if (!Number.isSafeInteger(value)) return fail('an integer within ±9007199254740991');
      return value;
    }
    case 'bigint': {
      if (raw.kind === 'boolean' || !INTEGER_TEXT.test(text.trim())) return fail('an integer');
      const value = BigInt(text.trim());
      if (value < INT64_MIN || value > INT64_MAX) return fail('a 64-bit integer');
      return value.toString();
    }
    case 'decimal':
      if (raw.kind === 'boolean' || !DECIMAL_TEXT.test(text.trim())) return fail('a decimal number');
      return text.trim();
    case 'float': {
      if (raw.kind === 'boolean') return fail('a number');
      if (['NaN', 'Infinity', '-Infinity'].includes(text)) return text;
      if (!DECIMAL_TEXT.test(text.trim())) return fail('a number');
      return Number(text);
    }
    case 'boolean':
      if (raw.kind === 'boolean') return raw.value;
      if (/^(true|t|1)$/i.test(text)) return true;
      if (/^(false|f|0)$/i.test(text)) return false;
      return fail('true or false');
    case 'uuid':
      if (!UUID_TEXT.test(text)) return fail('a UUID');
      return text;
    case 'date':
      if (!DATE_TEXT.test(text) || !parseIsoTimestamp(text)) return fail('a date YYYY-MM-DD');
      return text;
    case 'time':
      if (!TIME_TEXT.test(text)) return fail('a time HH:MM[:SS[.ffffff]]');
      return text;
    case 'timestamp':
    case 'timestamptz':
      if (raw.kind !== 'string' || !parseIsoTimestamp(text)) return fail('an ISO 8601 date-time such as 2024-05-01T12:00:00Z');
      return text;
    case 'enum': {
      const allowed = enumValues;
      if (allowed && !allowed.includes(text)) {
        const shown = allowed.slice(0, 20).join(', ') + (allowed.length > 20 ? ', …' : '');
        return fail(`one of ${shown}`);
      }
      return text;
    }
    case 'string':
      return text;
    case 'json':
    case 'bytes':
      return fail(`a value of type ${type}, which filters cannot compare`);
  }
  return fail('a comparable value');
}

function literalValue(literal: Literal): RawValue {
  switch (literal.kind) {
    case 'string':
      return { kind: 'string', value: literal.value };
    case 'number':
      return { kind: 'number', text: literal.text };
    case 'boolean':
      return { kind: 'boolean', value: literal.value };
    case 'null':
      // The parser rejects `= NULL`; a NULL inside IN/BETWEEN never matches anything, so say so.
      throw requestErrors.filterSyntax('filter', 'NULL cannot be compared with; use IS NULL or IS NOT NULL', literal.position);
  }
}

const LIKE_TYPES = new Set<string>(['string', 'enum', 'uuid', 'date', 'time', 'timestamp', 'timestamptz', 'integer', 'bigint', 'decimal', 'float']);

function likePattern(mode: MatchMode, value: string): string {
  switch (mode) {
    case 'like':
      return userLikePattern(value);
    case 'contains':
      return `%${escapeLikePattern(value)}%`;
    case 'startsWith':
      return `${escapeLikePattern(value)}%`;
    case 'endsWith':
      return `%${escapeLikePattern(value)}`;
  }
}

const MATCH_NAMES: Readonly<Record<MatchMode, string>> = {
  like: 'LIKE',
  contains: 'CONTAINS',
  startsWith: 'STARTS WITH',
  endsWith: 'ENDS WITH',
};

/** A condition on one column: every FilterNode but AND, OR and NOT. */
type Predicate = Exclude<FilterNode, { readonly kind: 'and' | 'or' | 'not' }>;

const isPredicate = (node: FilterNode): node is Predicate => node.kind !== 'and' && node.kind !== 'or' && node.kind !== 'not';

export class FilterResolver {
  /** @param tables the catalog's tables, needed to resolve conditions through relations. */
  constructor(
    private readonly table: Table,
    private readonly tables?: TableLookup,
  ) {}

  resolve(node: FilterNode): Expr {
    switch (node.kind) {
      case 'and':
        return Object.freeze({ kind: 'and', items: Object.freeze(this.conjunction(node.items)) });
      case 'or':
        return Object.freeze({ kind: node.kind, items: Object.freeze(node.items.map((i) => this.resolve(i))) });
      case 'not':
        return Object.freeze({ kind: 'not', item: this.resolve(node.item) });
    }
    if (!isPredicate(node)) throw new Error('unreachable');
    const relation = this.relationOf(node.column);
    return relation ? this.through(relation, [node]) : this.predicate(node);
  }

  /** The items of an AND, with side-by-side predicates through the same relation merged into one `exists`. */
  private conjunction(items: readonly FilterNode[]): Expr[] {
    const groups = new Map<string, { relation: Relation; predicates: Predicate[]; index: number }>();
    const out: (Expr | undefined)[] = [];
    for (const item of items) {
      if (!isPredicate(item)) {
        out.push(this.resolve(item));
        continue;
      }
      const relation = this.relationOf(item.column);
      if (!relation) {
        out.push(this.predicate(item));
        continue;
      }
      const group = groups.get(relation.name);
      if (group) group.predicates.push(item);
      else {
        groups.set(relation.name, { relation, predicates: [item], index: out.length });
        out.push(undefined);
      }
    }
    for (const group of groups.values()) out[group.index] = this.through(group.relation, group.predicates);
    return out as Expr[];
  }

  /** The relation an identifier's qualifier names, or undefined for a column of this table. */
  private relationOf(identifier: Identifier): Relation | undefined {
    // The table's own name wins over a relation of the same name (a self-referencing table's children).
    if (identifier.table === undefined || identifier.table === this.table.name) return undefined;
    const relation = this.table.relationsByName.get(identifier.table);
    if (!relation) throw requestErrors.unknownColumn(this.table.name, `${identifier.table}.${identifier.name}`);
    if (!this.tables) throw requestErrors.relationFilterUnavailable(this.table.name, relation.name);
    return relation;
  }

  /** `predicates` (all through `relation`) as conditions on one related row. */
  private through(relation: Relation, predicates: readonly Predicate[]): Expr {
    const lookup = this.tables as TableLookup;
    const target = new FilterResolver(lookup(relation.target), lookup);
    const where = and(...predicates.map((p) => target.predicate({ ...p, column: { kind: 'identifier', name: p.column.name, position: p.column.position } })));
    return relationExists(this.table, relation, lookup, where);
  }

  private predicate(node: Predicate): Expr {
    switch (node.kind) {
      case 'compare': {
        const [column, ref] = this.column(node.column);
        return Object.freeze({ kind: 'compare', left: ref, op: node.op, right: this.param(column, ref, node.value) });
      }
      case 'match': {
        const [column, ref] = this.column(node.column);
        const name = MATCH_NAMES[node.mode];
        if (typeof column.valueType !== 'string' || !LIKE_TYPES.has(column.valueType)) {
          throw requestErrors.unsupportedOperator(this.table.name, column.name, name, `not defined for ${describeValueType(column.valueType)} columns`);
        }
        if (node.value.kind !== 'string' && node.value.kind !== 'number') {
          throw requestErrors.unsupportedOperator(this.table.name, column.name, name, 'the pattern must be a string');
        }
        const text = node.value.kind === 'string' ? node.value.value : node.value.text;
        return Object.freeze({
          kind: 'like',
          left: ref,
          pattern: param(likePattern(node.mode, text), 'string'),
          negated: node.negated,
          caseInsensitive: false,
        });
      }
      case 'in': {
        const [column, ref] = this.column(node.column);
        return Object.freeze({
          kind: 'in',
          left: ref,
          values: Object.freeze(node.values.map((v) => this.param(column, ref, v))),
          negated: node.negated,
        });
      }
      case 'isNull': {
        const [, ref] = this.column(node.column);
        return Object.freeze({ kind: 'isNull', operand: ref, negated: node.negated });
      }
      case 'between': {
        const [column, ref] = this.column(node.column);
        return Object.freeze({
          kind: 'between',
          operand: ref,
          low: this.param(column, ref, node.low),
          high: this.param(column, ref, node.high),
          negated: node.negated,
        });
      }
    }
  }

  /** Resolves an identifier (optionally `table.column`, where `table` must be this table). */
  column(identifier: Identifier): [Column, ColumnRef] {
    if (identifier.table !== undefined && identifier.table !== this.table.name) {
      throw requestErrors.unknownColumn(this.table.name, `${identifier.table}.${identifier.name}`);
    }
    const column = resolveColumn(this.table, identifier.name);
    return [column, columnRef(this.table, column)];
  }

  private param(column: Column, ref: ColumnRef, literal: Literal): Param {
    return param(coerceValue(this.table, column, literalValue(literal)), ref.valueType);
  }
}

export function resolveFilter(table: Table, node: FilterNode, tables?: TableLookup): Expr {
  return new FilterResolver(table, tables).resolve(node);
}
