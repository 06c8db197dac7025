/**
 * Parsers for the `filter`, `order` and `fields` query parameters: text in, the syntax trees of
 * `filter-ast.ts` out, or a 400 `ApiError` (`filterSyntax` with a position, or `filterTooComplex`).
 * Whatever the input, nothing else is ever thrown. Names are not checked here: `resolve-filter.ts`
 * resolves them against the catalog.
 *
 * Filter grammar (recursive descent; keywords are case-insensitive):
 *
 *     filter     = or
 *     or         = and { OR and }
 *     and        = not { AND not }
 *     not        = NOT not | primary
 *     primary    = "(" or ")" | predicate
 *     predicate  = column ( op value
 *                         | [NOT] LIKE string
 *                         | [NOT] IN "(" value { "," value } ")"
 *                         | IS [NOT] NULL
 *                         | [NOT] BETWEEN value AND value
 *                         | [NOT] CONTAINS value
 *                         | [NOT] STARTS WITH value
 *                         | [NOT] ENDS WITH value )
 *     op         = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="       ("!=" becomes "<>")
 *     column     = name [ "." name ]              (table.column, or relation.column: resolve-filter.ts)
 *     value      = string | number | TRUE | FALSE | NULL
 *
 * Decisions worth knowing:
 *
 * - Only a column may stand on the left and only a literal on the right: `1=1`, `'a' = name` and
 *   `a = b` are syntax errors, so the classic `x' OR 1=1` injection cannot even parse.
 * - NULL is refused wherever it can never match, with a hint: `= NULL` (use IS NULL), `<> NULL`
 *   (use IS NOT NULL), other comparisons, IN lists (`NOT IN (…, NULL)` matches nothing), BETWEEN
 *   bounds, and the LIKE/CONTAINS/STARTS WITH/ENDS WITH operand. LIKE takes a string pattern, kept
 *   verbatim; CONTAINS/STARTS WITH/ENDS WITH take a string or a number, but not a boolean.
 * - Reserved words: a bare word that is a keyword *of the parameter's own grammar* cannot name a
 *   column and must be quoted: in `filter`, AND OR NOT LIKE IN IS NULL BETWEEN CONTAINS STARTS ENDS
 *   WITH TRUE FALSE (so a column named `in` is written `"in"`); in `order`, ASC DESC NULLS FIRST
 *   LAST; `fields` reserves nothing. Quoted names (`"in"`, `` `in` ``) are never keywords. This
 *   applies to both parts of `table.column`.
 * - Bare names are kept as written (no case folding); quoted names keep case by definition.
 * - Same-kind AND/OR nodes are flattened: `a AND (b AND c)` and `(a AND b) AND c` both give one
 *   `and` with three items. `NOT NOT x` is kept as written (two `not` nodes).
 * - Positions: a node's `position` is that of its first token. Parentheses are not nodes, so `(a=1)`
 *   is a `compare` at position 1, and an AND/OR chain starts where its first operand's text starts.
 * - Limits (`FilterLimits`): length is checked before lexing; nesting depth (each `(` and each NOT
 *   is one level) while descending, so 100k `(` fail fast instead of overflowing the stack; IN list
 *   size and predicate count as they are read. `maxDepth` is additionally capped at
 *   `HARD_MAX_DEPTH` so that no configuration can make the recursion deep enough to overflow.
 *
 * May import: errors, filter-ast, filter-lexer.
 */
import { type ApiError, requestErrors } from '../../errors.js';
import {
  type ComparisonOperator,
  DEFAULT_FILTER_LIMITS,
  type FilterLimits,
  type FilterNode,
  type Identifier,
  type Literal,
  type MatchMode,
  type OrderTerm,
} from './filter-ast.js';
import { FILTER_KEYWORDS, FilterLexer, ORDER_KEYWORDS, type Keyword, type Token } from './filter-lexer.js';

/** Nesting depth never exceeds this, whatever `FilterLimits.maxDepth` says (about 4 stack frames a level). */
export const HARD_MAX_DEPTH = 256;
/** Maximum number of terms in the `order` parameter. */
export const MAX_ORDER_TERMS = 32;
/** Maximum length of the `order` parameter, checked before lexing. */
export const MAX_ORDER_LENGTH = 4096;
/** Maximum number of entries in the `fields` parameter (duplicates included). */
export const MAX_FIELDS = 500;
/** Maximum length of the `fields` parameter, checked before lexing (500 qualified 63-byte names fit). */
export const MAX_FIELDS_LENGTH = 65_536;

const FILTER_RESERVED: ReadonlySet<Keyword> = new Set<Keyword>(FILTER_KEYWORDS);
const ORDER_RESERVED: ReadonlySet<Keyword> = new Set<Keyword>(ORDER_KEYWORDS);
const FIELDS_RESERVED: ReadonlySet<Keyword> = new Set<Keyword>();

/** Longest piece of user text quoted back in an error message. */
const EXCERPT_LENGTH = 40;

/**
 * Parses the `filter` parameter.
 *
 * @param text the parameter text; empty or whitespace-only text is an error (callers skip parsing
 *   when the parameter is absent).
 * @param limits complexity limits; `maxDepth` is capped at `HARD_MAX_DEPTH`.
 * @throws ApiError 400 `filterSyntax` (with the 0-based position) or `filterTooComplex`.
 */
export function parseFilter(text: string, limits: FilterLimits = DEFAULT_FILTER_LIMITS): FilterNode {
  requireText(text, 'filter');
  if (text.length > limits.maxLength) {
    throw requestErrors.filterTooComplex('filter', `the filter is ${text.length} characters long; the limit is ${limits.maxLength}`);
  }
  return new FilterParser(new TokenCursor(text, 'filter', FILTER_RESERVED), limits).parse();
}

/**
 * Parses the `order` parameter: comma-separated `column [ASC|DESC] [NULLS FIRST|NULLS LAST]`,
 * ascending by default, at most `MAX_ORDER_TERMS` terms. Empty terms (`a,,b`, a trailing comma)
 * and empty text are errors.
 *
 * @throws ApiError 400 `filterSyntax` or `filterTooComplex`, with parameter 'order'.
 */
export function parseOrder(text: string): OrderTerm[] {
  requireText(text, 'order');
  if (text.length > MAX_ORDER_LENGTH) {
    throw requestErrors.filterTooComplex('order', `the order is ${text.length} characters long; the limit is ${MAX_ORDER_LENGTH}`);
  }
  const input = new TokenCursor(text, 'order', ORDER_RESERVED);
  if (input.peek().kind === 'end') throw input.error('the order parameter is empty', 0);
  const terms: OrderTerm[] = [];
  for (;;) {
    input.rejectEmptyEntry('term');
    if (terms.length >= MAX_ORDER_TERMS) {
      throw requestErrors.filterTooComplex('order', `more than ${MAX_ORDER_TERMS} order terms`);
    }
    const column = input.column();
    let direction: 'asc' | 'desc' | undefined;
    if (input.acceptKeyword('ASC')) direction = 'asc';
    else if (input.acceptKeyword('DESC')) direction = 'desc';
    let nulls: 'first' | 'last' | undefined;
    if (input.acceptKeyword('NULLS')) {
      if (input.acceptKeyword('FIRST')) nulls = 'first';
      else if (input.acceptKeyword('LAST')) nulls = 'last';
      else throw input.unexpected('FIRST or LAST after NULLS');
    }
    terms.push(nulls === undefined ? { column, direction: direction ?? 'asc' } : { column, direction: direction ?? 'asc', nulls });
    if (input.peek().kind === 'end') return terms;
    if (!input.accept(',')) {
      const expected = ["','"];
      if (direction === undefined && nulls === undefined) expected.push('ASC', 'DESC');
      if (nulls === undefined) expected.push('NULLS FIRST', 'NULLS LAST');
      throw input.unexpected(`${expected.join(', ')} after ${describeIdentifier(column)}`);
    }
  }
}

/**
 * Parses the `fields` parameter: comma-separated column names (optionally `table.column`), or
 * exactly `*`. At most `MAX_FIELDS` entries; empty entries and empty text are errors. Duplicates
 * are dropped, keeping the first occurrence (and its order).
 *
 * @throws ApiError 400 `filterSyntax` or `filterTooComplex`, with parameter 'fields'.
 */
export function parseFields(text: string): Identifier[] | '*' {
  requireText(text, 'fields');
  if (text.length > MAX_FIELDS_LENGTH) {
    throw requestErrors.filterTooComplex('fields', `the fields list is ${text.length} characters long; the limit is ${MAX_FIELDS_LENGTH}`);
  }
  const input = new TokenCursor(text, 'fields', FIELDS_RESERVED);
  const first = input.peek();
  if (first.kind === 'end') throw input.error('the fields parameter is empty', 0);
  if (first.kind === '*') {
    input.next();
    const after = input.peek();
    if (after.kind !== 'end') throw input.error(`'*' must be the only entry in fields, but it is followed by ${input.describe(after)}`, after.position);
    return '*';
  }
  const seen = new Set<string>();
  const names: Identifier[] = [];
  let entries = 0;
  for (;;) {
    input.rejectEmptyEntry('entry');
    const token = input.peek();
    if (token.kind === '*') throw input.error("'*' cannot be combined with column names", token.position);
    if (++entries > MAX_FIELDS) throw requestErrors.filterTooComplex('fields', `more than ${MAX_FIELDS} fields`);
    const column = input.column();
    // JSON keeps `a.b` (qualified) apart from a column literally named "a.b".
    const key = JSON.stringify([column.table ?? null, column.name]);
    if (!seen.has(key)) {
      seen.add(key);
      names.push(column);
    }
    if (input.peek().kind === 'end') return names;
    if (!input.accept(',')) throw input.unexpected(`',' after ${describeIdentifier(column)}`);
  }
}

/** Express hands over arrays for repeated parameters; a typed signature does not stop that at run time. */
function requireText(text: unknown, parameter: string): asserts text is string {
  if (typeof text !== 'string') throw requestErrors.filterSyntax(parameter, 'expected a single text value', 0);
}

/**
 * A one-token look-ahead over the lexer, plus the pieces the three grammars share: names, error
 * construction and token descriptions. Tokens are pulled lazily so that errors are reported in text
 * order: a parse error is never hidden by a lexer error further right.
 */
class TokenCursor {
  private readonly lexer: FilterLexer;
  private current: Token | undefined;
  /** The last token consumed, for "after X" messages. */
  previous: Token | undefined;

  constructor(
    private readonly text: string,
    readonly parameter: 'filter' | 'order' | 'fields',
    private readonly reserved: ReadonlySet<Keyword>,
  ) {
    this.lexer = new FilterLexer(text, parameter);
  }

  peek(): Token {
    this.current ??= this.lexer.next();
    return this.current;
  }

  next(): Token {
    const token = this.peek();
    this.current = undefined;
    this.previous = token;
    return token;
  }

  accept(kind: Token['kind']): Token | undefined {
    return this.peek().kind === kind ? this.next() : undefined;
  }

  isKeyword(keyword: Keyword): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.keyword === keyword;
  }

  acceptKeyword(keyword: Keyword): Token | undefined {
    return this.isKeyword(keyword) ? this.next() : undefined;
  }

  /** Whether `token` is a bare word this parameter reserves (so it cannot be a name). */
  isReserved(token: Token): boolean {
    return token.kind === 'word' && token.keyword !== undefined && this.reserved.has(token.keyword);
  }

  /** `name` or `table.name`, bare or quoted. */
  column(): Identifier {
    const first = this.namePart('a column name');
    if (!this.accept('.')) return { kind: 'identifier', name: first.value, position: first.position };
    const second = this.namePart("a column name after '.'");
    const extra = this.peek();
    if (extra.kind === '.') throw this.error('a name has at most two parts (table.column)', extra.position);
    return { kind: 'identifier', table: first.value, name: second.value, position: first.position };
  }

  private namePart(expected: string): Token {
    const token = this.peek();
    if (token.kind === 'quotedIdentifier') return this.next();
    if (token.kind === 'word') {
      if (this.isReserved(token)) throw this.reservedWord(token);
      return this.next();
    }
    if (token.kind === 'string') {
      throw this.error(
        `expected ${expected} but found ${this.describe(token)} (single quotes are for text values; a name is written bare or in double quotes)`,
        token.position,
      );
    }
    throw this.unexpected(expected);
  }

  reservedWord(token: Token): ApiError {
    return this.error(`'${token.value}' is a keyword; to use it as a name, quote it: "${token.value}"`, token.position);
  }

  /** For list grammars: a ',' or the end where an entry should start. */
  rejectEmptyEntry(what: 'term' | 'entry'): void {
    const token = this.peek();
    if (token.kind === ',') throw this.error(`empty ${what} in ${this.parameter} (two commas in a row, or a leading comma)`, token.position);
    if (token.kind === 'end') throw this.error(`${this.parameter} ends with a comma`, this.previous?.position ?? token.position);
  }

  /** "expected … but found …" at the next token. */
  unexpected(expected: string): ApiError {
    const token = this.peek();
    return this.error(`expected ${expected} but found ${this.describe(token)}`, token.position);
  }

  error(message: string, position: number): ApiError {
    return requestErrors.filterSyntax(this.parameter, message, position);
  }

  /** A short, human description of a token, quoting (a bounded excerpt of) its source. */
  describe(token: Token): string {
    const source = excerpt(this.text.slice(token.position, token.end));
    switch (token.kind) {
      case 'end':
        return `the end of the ${this.parameter}`;
      case 'word':
        return this.isReserved(token) ? `keyword ${source}` : `name '${source}'`;
      case 'quotedIdentifier':
        return `quoted name ${source}`;
      case 'string':
        return `string ${source}`;
      case 'number':
        return `number ${source}`;
      default:
        return `'${source}'`;
    }
  }
}

/** The filter grammar proper; one instance per parse, tracking depth and predicate count. */
class FilterParser {
  private depth = 0;
  private predicates = 0;
  private readonly maxDepth: number;

  constructor(
    private readonly input: TokenCursor,
    private readonly limits: FilterLimits,
  ) {
    // Written as a comparison so that a NaN limit also falls back to the hard cap.
    this.maxDepth = limits.maxDepth < HARD_MAX_DEPTH ? limits.maxDepth : HARD_MAX_DEPTH;
  }

  parse(): FilterNode {
    const input = this.input;
    if (input.peek().kind === 'end') throw input.error('the filter is empty', 0);
    const node = this.or();
    const rest = input.peek();
    if (rest.kind === 'end') return node;
    if (rest.kind === ')') throw input.error("unmatched ')'", rest.position);
    throw input.error(
      `unexpected ${input.describe(rest)} after a complete condition (conditions are combined with AND or OR)`,
      rest.position,
    );
  }

  private or(): FilterNode {
    const position = this.input.peek().position;
    const first = this.and();
    if (!this.input.isKeyword('OR')) return first;
    const items: FilterNode[] = [];
    appendFlattened(items, 'or', first);
    while (this.input.acceptKeyword('OR')) appendFlattened(items, 'or', this.and());
    return { kind: 'or', items, position };
  }

  private and(): FilterNode {
    const position = this.input.peek().position;
    const first = this.not();
    if (!this.input.isKeyword('AND')) return first;
    const items: FilterNode[] = [];
    appendFlattened(items, 'and', first);
    while (this.input.acceptKeyword('AND')) appendFlattened(items, 'and', this.not());
    return { kind: 'and', items, position };
  }

  private not(): FilterNode {
    const not = this.input.acceptKeyword('NOT');
    if (!not) return this.primary();
    this.enter();
    const item = this.not();
    this.depth--;
    return { kind: 'not', item, position: not.position };
  }

  private primary(): FilterNode {
    const input = this.input;
    const token = input.peek();
    if (token.kind === '(') {
      input.next();
      this.enter();
      const node = this.or();
      const close = input.peek();
      if (close.kind !== ')') {
        throw input.error(
          `expected AND, OR or ')' to close the '(' at position ${token.position}, but found ${input.describe(close)}`,
          close.position,
        );
      }
      input.next();
      this.depth--;
      return node;
    }
    if (token.kind === 'quotedIdentifier' || (token.kind === 'word' && !input.isReserved(token))) return this.predicate();
    throw this.expectedCondition(token);
  }

  /** The error for a token that cannot start a condition, worded for the usual mistakes. */
  private expectedCondition(token: Token): ApiError {
    const input = this.input;
    const previous = input.previous;
    const after =
      previous === undefined
        ? ''
        : previous.kind === 'word'
          ? ` after ${previous.value.toUpperCase()}`
          : ` after '${previous.value}'`;
    if (token.kind === ')' && previous?.kind === '(') return input.error('empty parentheses', previous.position);
    if (
      token.kind === 'string' ||
      token.kind === 'number' ||
      (token.kind === 'word' && (token.keyword === 'TRUE' || token.keyword === 'FALSE' || token.keyword === 'NULL'))
    ) {
      return input.error(
        `expected a column name but found ${input.describe(token)}: a condition starts with a column (as in name = 'x'), and comparing two values is not supported`,
        token.position,
      );
    }
    if (token.kind === 'word' && token.keyword !== 'AND' && token.keyword !== 'OR' && input.isReserved(token)) {
      return input.reservedWord(token);
    }
    return input.error(`expected a condition${after} but found ${input.describe(token)}`, token.position);
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) {
      throw requestErrors.filterTooComplex(
        'filter',
        `the filter is nested more than ${this.maxDepth} levels deep (each '(' and NOT is a level)`,
      );
    }
  }

  private predicate(): FilterNode {
    const input = this.input;
    const column = this.input.column();
    if (++this.predicates > this.limits.maxPredicates) {
      throw requestErrors.filterTooComplex('filter', `the filter has more than ${this.limits.maxPredicates} conditions`);
    }
    const position = column.position;
    const token = input.peek();
    if (token.kind === 'operator') {
      input.next();
      const op: ComparisonOperator = token.value === '!=' ? '<>' : (token.value as ComparisonOperator);
      const value = this.literal(`'${token.value}'`);
      if (value.kind === 'null') {
        const hint = op === '=' ? 'use IS NULL' : op === '<>' ? 'use IS NOT NULL' : 'use IS NULL or IS NOT NULL';
        throw input.error(`'${token.value} NULL' is never true; ${hint}`, value.position);
      }
      return { kind: 'compare', column, op, value, position };
    }
    if (token.kind === 'word') {
      if (token.keyword === 'IS') {
        input.next();
        const negated = input.acceptKeyword('NOT') !== undefined;
        if (!input.acceptKeyword('NULL')) throw input.unexpected(`NULL after IS${negated ? ' NOT' : ''}`);
        return { kind: 'isNull', column, negated, position };
      }
      if (token.keyword === 'NOT') {
        input.next();
        if (input.isKeyword('NULL')) throw input.error('NOT NULL needs IS: write IS NOT NULL', input.peek().position);
        return this.negatable(column, true);
      }
      if (isNegatable(token.keyword)) return this.negatable(column, false);
    }
    throw input.unexpected(
      `an operator (=, <>, <, <=, >, >=, LIKE, IN, IS NULL, BETWEEN, CONTAINS, STARTS WITH, ENDS WITH) after ${describeIdentifier(column)}`,
    );
  }

  /** The forms that take an optional NOT before them; the cursor is on their keyword. */
  private negatable(column: Identifier, negated: boolean): FilterNode {
    const input = this.input;
    const token = input.peek();
    const position = column.position;
    switch (token.kind === 'word' ? token.keyword : undefined) {
      case 'LIKE': {
        input.next();
        const value = this.literal('LIKE');
        if (value.kind !== 'string') {
          throw input.error(`LIKE needs a pattern in single quotes, as in 'abc%', but found ${this.describePrevious()}`, value.position);
        }
        return { kind: 'match', column, mode: 'like', value, negated, position };
      }
      case 'CONTAINS':
        input.next();
        return this.match(column, 'contains', 'CONTAINS', negated);
      case 'STARTS':
        input.next();
        if (!input.acceptKeyword('WITH')) throw input.unexpected('WITH after STARTS');
        return this.match(column, 'startsWith', 'STARTS WITH', negated);
      case 'ENDS':
        input.next();
        if (!input.acceptKeyword('WITH')) throw input.unexpected('WITH after ENDS');
        return this.match(column, 'endsWith', 'ENDS WITH', negated);
      case 'IN':
        input.next();
        return { kind: 'in', column, values: this.inList(), negated, position };
      case 'BETWEEN': {
        input.next();
        const low = this.bound('BETWEEN');
        if (!input.acceptKeyword('AND')) throw input.unexpected('AND between the two bounds of BETWEEN');
        const high = this.bound('AND');
        return { kind: 'between', column, low, high, negated, position };
      }
      default:
        throw input.unexpected('LIKE, IN, BETWEEN, CONTAINS, STARTS WITH or ENDS WITH after NOT');
    }
  }

  private match(column: Identifier, mode: MatchMode, operator: string, negated: boolean): FilterNode {
    const value = this.literal(operator);
    if (value.kind === 'null') throw this.input.error(`${operator} NULL is never true; use IS NULL`, value.position);
    if (value.kind === 'boolean') {
      throw this.input.error(`${operator} needs a text or number value but found ${this.describePrevious()}`, value.position);
    }
    return { kind: 'match', column, mode, value, negated, position: column.position };
  }

  private bound(after: string): Literal {
    const value = this.literal(after);
    if (value.kind === 'null') throw this.input.error('a BETWEEN bound cannot be NULL (it would never match)', value.position);
    return value;
  }

  /** `( value, … )` after IN: non-empty, no NULL, at most `maxInListSize` values. */
  private inList(): Literal[] {
    const input = this.input;
    const open = input.accept('(');
    if (!open) throw input.unexpected("'(' after IN");
    if (input.peek().kind === ')') throw input.error('the IN list is empty', input.peek().position);
    const values: Literal[] = [];
    for (;;) {
      if (values.length >= this.limits.maxInListSize) {
        throw requestErrors.filterTooComplex('filter', `an IN list has more than ${this.limits.maxInListSize} values`);
      }
      const value = this.literal(values.length === 0 ? "'('" : "','");
      if (value.kind === 'null') {
        throw input.error('NULL in an IN list never matches (and makes NOT IN match nothing); use IS NULL with OR', value.position);
      }
      values.push(value);
      if (input.accept(')')) return values;
      if (!input.accept(',')) {
        const token = input.peek();
        const expected = token.kind === 'end' ? `',' or ')' to close the IN list opened at position ${open.position}` : "',' or ')' in the IN list";
        throw input.unexpected(expected);
      }
    }
  }

  /** A literal value; anything else is an error explaining how values are written. */
  private literal(after: string): Literal {
    const input = this.input;
    const token = input.peek();
    const position = token.position;
    switch (token.kind) {
      case 'string':
        input.next();
        return { kind: 'string', value: token.value, position };
      case 'number':
        input.next();
        return { kind: 'number', text: token.value, position };
      case 'word':
        if (token.keyword === 'TRUE' || token.keyword === 'FALSE') {
          input.next();
          return { kind: 'boolean', value: token.keyword === 'TRUE', position };
        }
        if (token.keyword === 'NULL') {
          input.next();
          return { kind: 'null', position };
        }
        if (!input.isReserved(token)) {
          throw input.error(
            `expected a value after ${after} but found ${input.describe(token)}: comparing two columns is not supported, and text values are written in single quotes (${quoteAsString(token.value)})`,
            position,
          );
        }
        break;
      case 'quotedIdentifier':
        throw input.error(
          `expected a value after ${after} but found ${input.describe(token)}: double quotes are for names; text values are written in single quotes (${quoteAsString(token.value)})`,
          position,
        );
    }
    throw input.unexpected(`a value after ${after}`);
  }

  private describePrevious(): string {
    const previous = this.input.previous;
    return previous === undefined ? 'nothing' : this.input.describe(previous);
  }
}

function isNegatable(keyword: Keyword | undefined): boolean {
  return (
    keyword === 'LIKE' ||
    keyword === 'IN' ||
    keyword === 'BETWEEN' ||
    keyword === 'CONTAINS' ||
    keyword === 'STARTS' ||
    keyword === 'ENDS'
  );
}

/** Appends `node` to an AND/OR item list, splicing in the items of a same-kind node (from parentheses). */
function appendFlattened(items: FilterNode[], kind: 'and' | 'or', node: FilterNode): void {
  if (node.kind === kind) {
    for (const item of node.items) items.push(item);
  } else {
    items.push(node);
  }
}

function describeIdentifier(column: Identifier): string {
  return `'${excerpt(column.table === undefined ? column.name : `${column.table}.${column.name}`)}'`;
}

function quoteAsString(text: string): string {
  return `'${excerpt(text).replaceAll("'", "''")}'`;
}

function excerpt(text: string): string {
  if (text.length <= EXCERPT_LENGTH) return text;
  // Do not cut a surrogate pair in half.
  let end = EXCERPT_LENGTH;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
