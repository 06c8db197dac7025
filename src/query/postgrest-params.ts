/**
 * PostgREST-style read parameters (the Fluxbase HTTP API's form), an alternative to `filter`,
 * `fields` and `order` that compiles to the same IR:
 *   `{column}.{op}=value`  op ∈ eq neq gt gte lt lte like ilike in is
 *                          (`in`: `(a,b,"c,d")`; `is`: `null`, `not.null`, `true`, `false`;
 *                          `like`/`ilike`: `*` is a wildcard as well as `%`)
 *   `{column}.is.null`, `{column}.is.not.null` with an empty value
 *   `select=col1,col2`     the columns (same as `fields`)
 *   `order=col.desc`       comma-separated `col[.asc|.desc][.nullsfirst|.nullslast]`
 * Each condition becomes a FilterNode resolved by the same FilterResolver as `filter`, so columns
 * and values are checked against the catalog exactly as there; the conditions are ANDed.
 *
 * May import: catalog, query, errors.
 */
import type { Table } from '../catalog/catalog-types.js';
import { requestErrors } from '../errors.js';
import type { FilterLimits, FilterNode, Identifier, Literal, OrderTerm } from './filter/filter-ast.js';
import { FilterResolver } from './filter/resolve-filter.js';
import { and } from './ir-factories.js';
import type { Expr } from './ir.js';

const OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'in', 'is'] as const;
type Operator = (typeof OPERATORS)[number];
const CONDITION_KEY = new RegExp(`^(.+)\\.(${OPERATORS.join('|')})$`);
const IS_KEY = /^(.+)\.is\.(null|not\.null)$/;
const COMPARISONS: Readonly<Partial<Record<Operator, '=' | '<>' | '>' | '>=' | '<' | '<='>>> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

/** One `{column}.{op}=value` query parameter. */
export interface ColumnCondition {
  readonly column: string;
  readonly op: Operator;
  readonly value: string;
  /** The query parameter as given, for error messages. */
  readonly parameter: string;
}

/** True for query keys of the `{column}.{op}` form. */
export function isConditionKey(key: string): boolean {
  return CONDITION_KEY.test(key) || IS_KEY.test(key);
}

/** The `{column}.{op}` entries of a query string (values already checked to be single strings). */
export function columnConditions(query: Readonly<Record<string, unknown>>): ColumnCondition[] {
  const out: ColumnCondition[] = [];
  for (const [key, value] of Object.entries(query)) {
    const isForm = IS_KEY.exec(key);
    if (isForm) {
      if (value !== '' && value !== undefined) throw requestErrors.invalidParameter(key, 'takes no value');
      out.push({ column: isForm[1] as string, op: 'is', value: isForm[2] as string, parameter: key });
      continue;
    }
    const match = CONDITION_KEY.exec(key);
    if (!match) continue;
    if (typeof value !== 'string') throw requestErrors.invalidParameter(key, 'given more than once');
    out.push({ column: match[1] as string, op: match[2] as Operator, value, parameter: key });
  }
  return out;
}

const at = (position = 0) => ({ position });

/** `(a,b,"c,d")` → its values; double quotes protect commas and parentheses, `\"` is a quote. */
function inList(condition: ColumnCondition, maxSize: number): string[] {
  const text = condition.value.trim();
  if (!text.startsWith('(') || !text.endsWith(')')) throw requestErrors.invalidParameter(condition.parameter, 'expected a list such as (a,b,c)');
  const body = text.slice(1, -1);
  const values: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (quoted) {
      if (ch === '\\' && body[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ',') {
      values.push(wasQuoted ? current : current.trim());
      current = '';
      wasQuoted = false;
    } else current += ch;
  }
  if (quoted) throw requestErrors.invalidParameter(condition.parameter, 'an unterminated quote in the list');
  if (body.trim() !== '' || wasQuoted) values.push(wasQuoted ? current : current.trim());
  if (values.length > maxSize) throw requestErrors.invalidParameter(condition.parameter, `at most ${maxSize} values are allowed, got ${values.length}`);
  return values;
}

function toNode(condition: ColumnCondition, limits: FilterLimits): FilterNode {
  const column: Identifier = { kind: 'identifier', name: condition.column, ...at() };
  const literal = (value: string): Literal => ({ kind: 'string', value, ...at() });
  const comparison = COMPARISONS[condition.op];
  if (comparison) return { kind: 'compare', column, op: comparison, value: literal(condition.value), ...at() };
  switch (condition.op) {
    case 'like':
    case 'ilike':
      return { kind: 'match', column, mode: 'like', value: literal(condition.value.replace(/\*/g, '%')), negated: false, ...at() };
    case 'in':
      return { kind: 'in', column, values: inList(condition, limits.maxInListSize).map(literal), negated: false, ...at() };
    case 'is': {
      const value = condition.value.trim().toLowerCase();
      if (value === 'null') return { kind: 'isNull', column, negated: false, ...at() };
      if (value === 'not.null') return { kind: 'isNull', column, negated: true, ...at() };
      if (value === 'true' || value === 'false') return { kind: 'compare', column, op: '=', value: { kind: 'boolean', value: value === 'true', ...at() }, ...at() };
      throw requestErrors.invalidParameter(condition.parameter, 'expected null, not.null, true or false');
    }
    default:
      throw requestErrors.invalidParameter(condition.parameter, `unknown operator ${condition.op}`);
  }
}

/** The conditions as one IR expression (ANDed), or undefined when there are none. */
export function resolveColumnConditions(table: Table, conditions: readonly ColumnCondition[], limits: FilterLimits): Expr | undefined {
  if (conditions.length === 0) return undefined;
  if (conditions.length > limits.maxPredicates) {
    throw requestErrors.filterTooComplex('filter', `more than ${limits.maxPredicates} column conditions`);
  }
  const resolver = new FilterResolver(table);
  return and(
    ...conditions.map((condition) => {
      const expr = resolver.resolve(toNode(condition, limits));
      return condition.op === 'ilike' && expr.kind === 'like' ? Object.freeze({ ...expr, caseInsensitive: true }) : expr;
    }),
  );
}

const ORDER_TERM = /^(.+?)(?:\.(asc|desc))?(?:\.(nullsfirst|nullslast))?$/;

/**
 * True when an `order` value is in the PostgREST form (`col.desc,other`): no spaces, and some term
 * ends in `.asc`, `.desc`, `.nullsfirst` or `.nullslast`. The Faucet form (`col DESC`) has spaces.
 */
export function isPostgrestOrder(text: string): boolean {
  return !/\s/.test(text.trim()) && text.split(',').some((term) => /\.(asc|desc|nullsfirst|nullslast)$/.test(term));
}

export function parsePostgrestOrder(text: string): OrderTerm[] {
  return text.split(',').map((term) => {
    const match = ORDER_TERM.exec(term);
    if (!match || term === '') throw requestErrors.invalidParameter('order', `'${term}' is not col[.asc|.desc][.nullsfirst|.nullslast]`);
    const nulls = match[3] === 'nullsfirst' ? 'first' : match[3] === 'nullslast' ? 'last' : undefined;
    const column: Identifier = { kind: 'identifier', name: match[1] as string, position: 0 };
    return { column, direction: match[2] === 'desc' ? 'desc' : 'asc', ...(nulls ? { nulls } : {}) };
  });
}
