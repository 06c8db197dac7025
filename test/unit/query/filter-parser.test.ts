/**
 * Unit tests for the filter lexer and the `filter`, `order` and `fields` parsers: valid inputs against
 * hand-written trees, hostile inputs against the exact 400 reason (and position where it matters),
 * complexity limits, and fast-check properties (nothing but a 400 ApiError ever escapes; printed
 * random trees parse back to themselves).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors.js';
import {
  DEFAULT_FILTER_LIMITS,
  type ComparisonOperator,
  type FilterLimits,
  type FilterNode,
  type Identifier,
  type Literal,
} from '../../../src/query/filter/filter-ast.js';
import { keywordOf, tokenize } from '../../../src/query/filter/filter-lexer.js';
import {
  HARD_MAX_DEPTH,
  MAX_FIELDS,
  MAX_FIELDS_LENGTH,
  MAX_ORDER_LENGTH,
  MAX_ORDER_TERMS,
  parseFields,
  parseFilter,
  parseOrder,
} from '../../../src/query/filter/filter-parser.js';

// ---------------------------------------------------------------------------------------------
// Helpers: position-free tree builders (most tables compare shapes; a few compare positions too)
// ---------------------------------------------------------------------------------------------

/** A deep copy without any `position` keys. */
function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'position')
        .map(([key, item]) => [key, strip(item)]),
    );
  }
  return value;
}

type Col = { kind: 'identifier'; name: string; table?: string };
const col = (name: string, table?: string): Col =>
  table === undefined ? { kind: 'identifier', name } : { kind: 'identifier', table, name };
const asCol = (column: string | Col): Col => (typeof column === 'string' ? col(column) : column);
const num = (text: string) => ({ kind: 'number', text });
const str = (value: string) => ({ kind: 'string', value });
const bool = (value: boolean) => ({ kind: 'boolean', value });
type Lit = ReturnType<typeof num> | ReturnType<typeof str> | ReturnType<typeof bool>;
const cmp = (column: string | Col, op: ComparisonOperator, value: Lit) => ({ kind: 'compare', column: asCol(column), op, value });
const match = (column: string | Col, mode: string, value: Lit, negated = false) => ({
  kind: 'match',
  column: asCol(column),
  mode,
  value,
  negated,
});
const like = (column: string | Col, pattern: string, negated = false) => match(column, 'like', str(pattern), negated);
const inList = (column: string | Col, values: Lit[], negated = false) => ({ kind: 'in', column: asCol(column), values, negated });
const isNull = (column: string | Col, negated = false) => ({ kind: 'isNull', column: asCol(column), negated });
const between = (column: string | Col, low: Lit, high: Lit, negated = false) => ({
  kind: 'between',
  column: asCol(column),
  low,
  high,
  negated,
});
const and = (...items: unknown[]) => ({ kind: 'and', items });
const or = (...items: unknown[]) => ({ kind: 'or', items });
const not = (item: unknown) => ({ kind: 'not', item });

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but none was thrown');
}

/** Asserts `action` throws a 400 ApiError with `reason`, and optionally the position and a message fragment. */
function expectRejected(
  action: () => unknown,
  reason: 'filterSyntax' | 'filterTooComplex',
  position?: number,
  fragment?: string,
): ApiError {
  const error = thrown(action);
  expect(error).toBeInstanceOf(ApiError);
  const apiError = error as ApiError;
  expect(apiError.status).toBe(400);
  expect(apiError.reason).toBe(reason);
  if (position !== undefined) expect(apiError.context['position']).toBe(position);
  if (fragment !== undefined) expect(apiError.message).toContain(fragment);
  return apiError;
}

/** Either a result or a 400 ApiError: anything else fails the property. */
function onlyApiErrors(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
  }
}

const roomy: FilterLimits = { maxLength: 10_000_000, maxDepth: 1_000_000_000, maxInListSize: 1_000_000, maxPredicates: 1_000_000 };

// ---------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------

describe('tokenize', () => {
  it('produces kinds, decoded values and 0-based positions', () => {
    const tokens = tokenize(`t."A b" >= -1.5e3 AND x IN ('it''s', \`q\`\`\`)`, 'filter');
    expect(tokens.map((token) => [token.kind, token.value, token.position])).toStrictEqual([
      ['word', 't', 0],
      ['.', '.', 1],
      ['quotedIdentifier', 'A b', 2],
      ['operator', '>=', 8],
      ['number', '-1.5e3', 11],
      ['word', 'AND', 18],
      ['word', 'x', 22],
      ['word', 'IN', 24],
      ['(', '(', 27],
      ['string', "it's", 28],
      [',', ',', 35],
      ['quotedIdentifier', 'q`', 37],
      [')', ')', 42],
      ['end', '', 43],
    ]);
    expect(tokens[5]?.keyword).toBe('AND');
    expect(tokens[6]?.keyword).toBeUndefined();
  });

  it('records end offsets so the source of each token can be sliced back', () => {
    const text = `"a""b" = 'x''y'`;
    const tokens = tokenize(text, 'filter');
    expect(tokens.map((token) => text.slice(token.position, token.end))).toStrictEqual([`"a""b"`, '=', `'x''y'`, '']);
  });

  it.each([
    ['and', 'AND'],
    ['Or', 'OR'],
    ['nOt', 'NOT'],
    ['nulls', 'NULLS'],
    ['between', 'BETWEEN'],
    ['contains', 'CONTAINS'],
    ['android', undefined],
    ['ın', undefined], // dotless i: toUpperCase() would give "IN"
    ['ſtarts', undefined], // long s: toUpperCase() would give "STARTS"
    ['', undefined],
  ])('keywordOf(%j) is %j (ASCII-only case folding)', (word, keyword) => {
    expect(keywordOf(word)).toBe(keyword);
  });

  it('reads every operator, with or without spaces', () => {
    const ops = tokenize('a=1 a!=1 a<>1 a<1 a<=1 a>1 a>=1 a<-1', 'filter')
      .filter((token) => token.kind === 'operator')
      .map((token) => token.value);
    expect(ops).toStrictEqual(['=', '!=', '<>', '<', '<=', '>', '>=', '<']);
  });

  it('reports the parameter name it was given', () => {
    const error = expectRejected(() => tokenize('a;', 'order'), 'filterSyntax', 1);
    expect(error.context['parameter']).toBe('order');
  });
});

// ---------------------------------------------------------------------------------------------
// parseFilter: valid input
// ---------------------------------------------------------------------------------------------

describe('parseFilter: trees with positions', () => {
  it('a simple comparison', () => {
    expect(parseFilter('a = 1')).toStrictEqual({
      kind: 'compare',
      column: { kind: 'identifier', name: 'a', position: 0 },
      op: '=',
      value: { kind: 'number', text: '1', position: 4 },
      position: 0,
    });
  });

  it('NOT, parentheses, qualified and quoted names, IN', () => {
    expect(parseFilter(`NOT (t.col >= -12.50 OR "x" IN ('a', 'b'))`)).toStrictEqual({
      kind: 'not',
      position: 0,
      item: {
        kind: 'or',
        position: 5,
        items: [
          {
            kind: 'compare',
            column: { kind: 'identifier', table: 't', name: 'col', position: 5 },
            op: '>=',
            value: { kind: 'number', text: '-12.50', position: 14 },
            position: 5,
          },
          {
            kind: 'in',
            column: { kind: 'identifier', name: 'x', position: 24 },
            values: [
              { kind: 'string', value: 'a', position: 32 },
              { kind: 'string', value: 'b', position: 37 },
            ],
            negated: false,
            position: 24,
          },
        ],
      },
    });
  });

  it('BETWEEN … AND inside an AND chain', () => {
    expect(parseFilter('a BETWEEN 1 AND 2 AND b IS NOT NULL')).toStrictEqual({
      kind: 'and',
      position: 0,
      items: [
        {
          kind: 'between',
          column: { kind: 'identifier', name: 'a', position: 0 },
          low: { kind: 'number', text: '1', position: 10 },
          high: { kind: 'number', text: '2', position: 16 },
          negated: false,
          position: 0,
        },
        { kind: 'isNull', column: { kind: 'identifier', name: 'b', position: 22 }, negated: true, position: 22 },
      ],
    });
  });

  it('positions count UTF-16 code units (an emoji is two)', () => {
    const node = parseFilter(`name = '🙂' AND x = true`);
    expect(node).toStrictEqual({
      kind: 'and',
      position: 0,
      items: [
        {
          kind: 'compare',
          column: { kind: 'identifier', name: 'name', position: 0 },
          op: '=',
          value: { kind: 'string', value: '🙂', position: 7 },
          position: 0,
        },
        {
          kind: 'compare',
          column: { kind: 'identifier', name: 'x', position: 16 },
          op: '=',
          value: { kind: 'boolean', value: true, position: 20 },
          position: 16,
        },
      ],
    });
  });

  it('a parenthesised operand keeps the position of its first inner token; the chain starts at the "("', () => {
    const node = parseFilter('(a = 1) OR b LIKE \'x%\'');
    expect(node.position).toBe(0);
    expect(node.kind === 'or' && node.items.map((item) => item.position)).toStrictEqual([1, 11]);
  });
});

describe('parseFilter: every operator and keyword form', () => {
  it.each<[string, unknown]>([
    ['a = 1', cmp('a', '=', num('1'))],
    ['a != 1', cmp('a', '<>', num('1'))],
    ['a <> 1', cmp('a', '<>', num('1'))],
    ['a > 1', cmp('a', '>', num('1'))],
    ['a >= 1', cmp('a', '>=', num('1'))],
    ['a < 1', cmp('a', '<', num('1'))],
    ['a <= 1', cmp('a', '<=', num('1'))],
    ['a<-1', cmp('a', '<', num('-1'))],
    ['a<>-1', cmp('a', '<>', num('-1'))],
    ['a>=-0.5', cmp('a', '>=', num('-0.5'))],
    ["a='x'", cmp('a', '=', str('x'))],
    ['a = true', cmp('a', '=', bool(true))],
    ['a <> FALSE', cmp('a', '<>', bool(false))],
    ["name LIKE 'J%n_'", like('name', 'J%n_')],
    ["name NOT LIKE '%x'", like('name', '%x', true)],
    ["a IN (1, 'two', -3.5, true)", inList('a', [num('1'), str('two'), num('-3.5'), bool(true)])],
    ['a NOT IN (1)', inList('a', [num('1')], true)],
    ['a IN(1,2)', inList('a', [num('1'), num('2')])],
    ['a IS NULL', isNull('a')],
    ['a IS NOT NULL', isNull('a', true)],
    ['a BETWEEN 1 AND 10', between('a', num('1'), num('10'))],
    ["a NOT BETWEEN 'a' AND 'm'", between('a', str('a'), str('m'), true)],
    ["a CONTAINS 'x'", match('a', 'contains', str('x'))],
    ["a NOT CONTAINS '50%'", match('a', 'contains', str('50%'), true)],
    ['phone CONTAINS 555', match('phone', 'contains', num('555'))],
    ["a STARTS WITH 'ab'", match('a', 'startsWith', str('ab'))],
    ["a NOT STARTS WITH 'ab'", match('a', 'startsWith', str('ab'), true)],
    ["a ENDS WITH 'yz'", match('a', 'endsWith', str('yz'))],
    ["a NOT ENDS WITH 'y_z'", match('a', 'endsWith', str('y_z'), true)],
  ])('%s', (text, expected) => {
    expect(strip(parseFilter(text))).toStrictEqual(expected);
  });
});

describe('parseFilter: keywords are case-insensitive', () => {
  it.each<[string, unknown]>([
    ['a = 1 and b = 2', and(cmp('a', '=', num('1')), cmp('b', '=', num('2')))],
    ['a = 1 And b = 2 oR c = 3', or(and(cmp('a', '=', num('1')), cmp('b', '=', num('2'))), cmp('c', '=', num('3')))],
    ["a like 'x'", like('a', 'x')],
    ["a Not Like 'x'", like('a', 'x', true)],
    ['a is null', isNull('a')],
    ['a Is nOt NuLl', isNull('a', true)],
    ['a not in (1)', inList('a', [num('1')], true)],
    ['a between 1 and 2', between('a', num('1'), num('2'))],
    ["a starts with 'x'", match('a', 'startsWith', str('x'))],
    ["a Ends With 'x'", match('a', 'endsWith', str('x'))],
    ["a contains 'x'", match('a', 'contains', str('x'))],
    ['a = True', cmp('a', '=', bool(true))],
    ['a = fAlSe', cmp('a', '=', bool(false))],
    ['not a = 1', not(cmp('a', '=', num('1')))],
  ])('%s', (text, expected) => {
    expect(strip(parseFilter(text))).toStrictEqual(expected);
  });
});

describe('parseFilter: precedence, parentheses and flattening', () => {
  const a = cmp('a', '=', num('1'));
  const b = cmp('b', '=', num('2'));
  const c = cmp('c', '=', num('3'));
  it.each<[string, unknown]>([
    ['a=1 OR b=2 AND c=3', or(a, and(b, c))],
    ['a=1 AND b=2 OR c=3', or(and(a, b), c)],
    ['NOT a=1 AND b=2', and(not(a), b)],
    ['NOT a=1 OR b=2', or(not(a), b)],
    ['NOT (a=1 AND b=2)', not(and(a, b))],
    ['(a=1 OR b=2) AND c=3', and(or(a, b), c)],
    ['a=1 AND (b=2 OR c=3)', and(a, or(b, c))],
    ['a=1 AND (b=2 AND c=3)', and(a, b, c)],
    ['(a=1 AND b=2) AND c=3', and(a, b, c)],
    ['a=1 OR (b=2 OR c=3)', or(a, b, c)],
    ['((a=1))', a],
    ['(((a=1) AND ((b=2))))', and(a, b)],
    ['NOT NOT a=1', not(not(a))],
    ['NOT (NOT a=1)', not(not(a))],
    ['a=1 AND NOT b=2 AND c=3', and(a, not(b), c)],
    ['a=1 AND b=2 AND c=3', and(a, b, c)],
    ['a BETWEEN 1 AND 5 AND b=2', and(between('a', num('1'), num('5')), b)],
    [
      "a NOT BETWEEN 'a' AND 'm' OR b BETWEEN -1 AND 1 AND c=3",
      or(between('a', str('a'), str('m'), true), and(between('b', num('-1'), num('1')), c)),
    ],
    ['a BETWEEN 1 AND 2 AND b BETWEEN 3 AND 4', and(between('a', num('1'), num('2')), between('b', num('3'), num('4')))],
    ['\ta = 1\n\tAND\r\nb = 2  ', and(a, b)],
  ])('%s', (text, expected) => {
    expect(strip(parseFilter(text))).toStrictEqual(expected);
  });
});

describe('parseFilter: names', () => {
  it.each<[string, unknown]>([
    ['"First Name" = \'x\'', cmp('First Name', '=', str('x'))],
    ['"in" = 1', cmp('in', '=', num('1'))],
    ['"NULL" IS NULL', isNull('NULL')],
    ['`order` = 1', cmp('order', '=', num('1'))],
    ['`AND` = 1', cmp('AND', '=', num('1'))],
    ['"a""b" = 1', cmp('a"b', '=', num('1'))],
    ['`a``b` = 1', cmp('a`b', '=', num('1'))],
    ['"it\'s" = 1', cmp("it's", '=', num('1'))],
    ['"a.b" = 1', cmp('a.b', '=', num('1'))],
    ['"Ünï 🙂 名前" = 1', cmp('Ünï 🙂 名前', '=', num('1'))],
    ['"  " = 1', cmp('  ', '=', num('1'))],
    ['MixedCase = 1', cmp('MixedCase', '=', num('1'))],
    ['users.name = \'x\'', cmp(col('name', 'users'), '=', str('x'))],
    ['users . name = 1', cmp(col('name', 'users'), '=', num('1'))],
    ['"My Table"."My Col" = 1', cmp(col('My Col', 'My Table'), '=', num('1'))],
    ['`t`."in" IS NULL', isNull(col('in', 't'))],
    ['_x$1 = 1', cmp('_x$1', '=', num('1'))],
    ['prénom = \'x\'', cmp('prénom', '=', str('x'))],
    ['名前 = 1', cmp('名前', '=', num('1'))],
    ['ın = 1', cmp('ın', '=', num('1'))],
    ['order = 1', cmp('order', '=', num('1'))],
    ['first = 1 AND last = 2 AND desc = 3 AND nulls = 4', and(cmp('first', '=', num('1')), cmp('last', '=', num('2')), cmp('desc', '=', num('3')), cmp('nulls', '=', num('4')))],
    ['android = 1 AND isnull = 2 AND notes = 3', and(cmp('android', '=', num('1')), cmp('isnull', '=', num('2')), cmp('notes', '=', num('3')))],
  ])('%s', (text, expected) => {
    expect(strip(parseFilter(text))).toStrictEqual(expected);
  });
});

describe('parseFilter: string literals', () => {
  it.each<[string, string]>([
    ["'O''Brien'", "O'Brien"],
    ["''", ''],
    ["''''", "'"],
    ["''''''", "''"],
    ["'a\\'", 'a\\'],
    ["'C:\\new\\table'", 'C:\\new\\table'],
    ["'\\'' '", "\\' "],
    ["'héllo 🙂 名前 👩‍👩‍👧'", 'héllo 🙂 名前 👩‍👩‍👧'],
    ["'line1\nline2\tx\r'", 'line1\nline2\tx\r'],
    ["'; DROP TABLE users; --'", '; DROP TABLE users; --'],
    ["'/* */ # -- \"'", '/* */ # -- "'],
    ["'x'' OR ''1''=''1'", "x' OR '1'='1"],
    ["'\u202e'", '\u202e'],
  ])('%s', (literal, value) => {
    expect(strip(parseFilter(`s = ${literal}`))).toStrictEqual(cmp('s', '=', str(value)));
  });

  it('keeps LIKE patterns verbatim, wildcards and backslashes included', () => {
    expect(strip(parseFilter("a LIKE '%50\\%_off!%'"))).toStrictEqual(like('a', '%50\\%_off!%'));
    expect(strip(parseFilter("a LIKE ''"))).toStrictEqual(like('a', ''));
  });
});

describe('parseFilter: number literals keep their source text', () => {
  it.each([
    '0',
    '12',
    '-12',
    '007',
    '12.5',
    '-0.5',
    '-12.50',
    '1e3',
    '1E3',
    '2.5e-3',
    '1E+10',
    '-1.5e+300',
    '1e99999',
    '9007199254740993',
    '-9223372036854775809',
    '123456789012345678901234567890.123456789012345678901234567890',
  ])('%s', (text) => {
    expect(strip(parseFilter(`n = ${text}`))).toStrictEqual(cmp('n', '=', num(text)));
    expect(strip(parseFilter(`n IN (${text})`))).toStrictEqual(inList('n', [num(text)]));
  });
});

// ---------------------------------------------------------------------------------------------
// parseFilter: hostile and malformed input
// ---------------------------------------------------------------------------------------------

describe('parseFilter: SQL injection attempts are syntax errors', () => {
  it.each<[string, number, string]>([
    ["name = 'x'; DROP TABLE users; --", 10, "';'"],
    ['1=1 --', 0, 'expected a column name'],
    ['a = 1 --', 6, "'--'"],
    ["name = 'a' /* */", 11, "'/*'"],
    ["name = 'x' OR 1=1", 14, 'expected a column name but found number 1'],
    ["name = 'x' OR 'a'='a'", 14, "string 'a'"],
    ["name = 'x' OR true", 14, 'expected a column name'],
    ["name = 'x' # comment", 11, "'#'"],
    ["name = 'a\\' OR 1=1 --'", 15, 'expected a column name'],
    ["name = '' OR ''=''", 13, 'expected a column name'],
    ['id = 1 UNION SELECT password FROM users', 7, "name 'UNION'"],
    ['id = (SELECT 1)', 5, "'('"],
    ['id = 1; SELECT 1', 6, "';'"],
    ['id = sleep(5)', 5, "name 'sleep'"],
    ["id = 1 || 'a'", 7, 'use OR'],
    ['id = 1 && 1', 7, 'use AND'],
    ['id = 0x41', 6, 'directly after number 0'],
    ["id = 'a' COLLATE x", 9, "name 'COLLATE'"],
    ['name = $1', 7, "'$'"],
    ['name = ?', 7, "'?'"],
    ['name = :p', 7, "':'"],
    ['name = @v', 7, "'@'"],
  ])('%j', (text, position, fragment) => {
    expectRejected(() => parseFilter(text), 'filterSyntax', position, fragment);
  });
});

describe('parseFilter: lexical errors', () => {
  it.each<[string, number, string]>([
    ["x = 'abc", 4, 'unterminated string'],
    ["x = 'it''s", 4, 'unterminated string'],
    ["x = 'a''", 4, 'unterminated string'],
    ['"abc = 1', 0, 'unterminated quoted name'],
    ['`abc = 1', 0, 'unterminated quoted name'],
    ['"" = 1', 0, 'empty quoted name'],
    ['`` = 1', 0, 'empty quoted name'],
    ["x = \\'a\\'", 4, 'backslash'],
    ['x\\y = 1', 1, 'backslash'],
    ["x = 'a\u0000b'", 6, 'U+0000'],
    ['x\u0000 = 1', 1, 'U+0000'],
    ['"a\u0000" = 1', 2, 'U+0000'],
    ["x = '\u0001'", 5, 'U+0001'],
    ["x = '\u001b[31m'", 5, 'U+001B'],
    ["x = '\u007f'", 5, 'U+007F'],
    ["x = '\u0085'", 5, 'U+0085'],
    ['x =\u000b1', 3, 'U+000B'],
    ['x =\u000c1', 3, 'U+000C'],
    ["x = '\ud800'", 5, 'unpaired surrogate'],
    ["x = '\udc00x'", 5, 'unpaired surrogate'],
    ['"\ud83d" = 1', 1, 'unpaired surrogate'],
    ['x = 1 🙂', 6, 'U+1F642'],
    ['🙂 = 1', 0, 'U+1F642'],
    ['x\u00a0= 1', 1, 'U+00A0'],
    ['x =\u3000 1', 3, 'U+3000'],
    ['x\u200b = 1', 1, 'U+200B'],
    ['x == 1', 2, "'=='"],
    ['x ! 1', 2, "'!'"],
    ['x = +1', 4, "'+'"],
    ['x = - 1', 4, "'-'"],
    ['x = -.5', 4, '-0.5'],
    ['x = .5', 4, '0.5'],
    ['x = 1.', 5, 'after the decimal point'],
    ['x = 1.e5', 5, 'after the decimal point'],
    ['x = 1e', 5, 'exponent'],
    ['x = 1e+', 5, 'exponent'],
    ['x = 12abc', 6, "'a' directly after number 12"],
    ['x = 1.2.3', 7, "'.' directly after number 1.2"],
    ['x = 1_000', 5, "'_'"],
    ['x = 1é', 5, "'é' (U+00E9)"],
    ['x / 2 = 1', 2, "'/'"],
    ['x % 2 = 1', 2, "'%'"],
    ['x = [1]', 4, "'['"],
    ['x = {1}', 4, "'{'"],
  ])('%j', (text, position, fragment) => {
    expectRejected(() => parseFilter(text), 'filterSyntax', position, fragment);
  });
});

describe('parseFilter: grammar errors', () => {
  it.each<[string, number, string]>([
    // Empty input
    ['', 0, 'empty'],
    ['   ', 0, 'empty'],
    ['\t\n\r ', 0, 'empty'],
    // NULL where it never matches
    ['a = NULL', 4, 'use IS NULL'],
    ['a <> NULL', 5, 'use IS NOT NULL'],
    ['a != null', 5, 'use IS NOT NULL'],
    ['a > NULL', 4, 'IS NULL or IS NOT NULL'],
    ['a IN (1, NULL)', 9, 'NULL in an IN list'],
    ['a NOT IN (NULL)', 10, 'NULL in an IN list'],
    ['a BETWEEN NULL AND 1', 10, 'cannot be NULL'],
    ['a BETWEEN 1 AND NULL', 16, 'cannot be NULL'],
    ['a LIKE NULL', 7, 'LIKE needs a pattern'],
    ['a CONTAINS NULL', 11, 'use IS NULL'],
    ['a STARTS WITH null', 14, 'use IS NULL'],
    ['a NOT NULL', 6, 'IS NOT NULL'],
    // Wrong literal kinds
    ['a LIKE 5', 7, 'LIKE needs a pattern in single quotes'],
    ['a LIKE true', 7, 'LIKE needs a pattern'],
    ['a CONTAINS true', 11, 'text or number'],
    ['a ENDS WITH FALSE', 12, 'text or number'],
    // A value where a column is expected
    ['1 = a', 0, 'expected a column name but found number 1'],
    ["'x' = a", 0, "expected a column name but found string 'x'"],
    ['true = a', 0, 'expected a column name'],
    ['NULL IS NULL', 0, 'expected a column name'],
    ['-1 < a', 0, 'expected a column name'],
    ["'a' IS NULL", 0, "expected a column name but found string 'a'"],
    // A column where a value is expected
    ['a = b', 4, 'comparing two columns is not supported'],
    ['a = "b"', 4, "text values are written in single quotes ('b')"],
    ["a = `it's`", 4, "('it''s')"],
    ['a = t.b', 4, 'comparing two columns'],
    ['a IN (b)', 6, 'comparing two columns'],
    ['a BETWEEN b AND 2', 10, 'comparing two columns'],
    // Missing operands and operators
    ['a', 1, 'expected an operator'],
    ['a =', 3, "expected a value after '='"],
    ['a = AND b = 1', 4, 'expected a value'],
    ['a 1', 2, 'expected an operator'],
    ['a b', 2, 'expected an operator'],
    ['a NOT = 1', 6, 'after NOT'],
    ['a NOT', 5, 'after NOT'],
    ['a IS', 4, 'NULL after IS'],
    ['a IS NOT', 8, 'NULL after IS NOT'],
    ['a IS 1', 5, 'NULL after IS'],
    ['a IS TRUE', 5, 'NULL after IS'],
    ['a IN', 4, "'(' after IN"],
    ['a IN 1', 5, "'(' after IN"],
    ['a IN (', 6, 'expected a value'],
    ['a IN ()', 6, 'IN list is empty'],
    ['a IN (1,)', 8, "expected a value after ','"],
    ['a IN (1 2)', 8, "',' or ')'"],
    ['a IN (1, 2', 10, 'to close the IN list opened at position 5'],
    ['a IN ((1))', 6, 'expected a value'],
    ['a BETWEEN 1', 11, 'AND between the two bounds'],
    ['a BETWEEN 1 OR 2', 12, 'AND between the two bounds'],
    ['a BETWEEN 1 AND', 15, 'expected a value after AND'],
    ["a STARTS 'x'", 9, 'WITH after STARTS'],
    ["a ENDS 'x'", 7, 'WITH after ENDS'],
    ["a WITH 'x'", 2, 'expected an operator'],
    ['a LIKE', 6, 'expected a value after LIKE'],
    ['a CONTAINS', 10, 'expected a value after CONTAINS'],
    ['AND a = 1', 0, 'expected a condition but found keyword AND'],
    ['a = 1 AND', 9, 'expected a condition after AND'],
    ['a = 1 OR', 8, 'expected a condition after OR'],
    ['a = 1 OR OR b = 1', 9, 'expected a condition after OR'],
    ['a = 1 AND AND b = 1', 10, 'expected a condition after AND'],
    ['NOT', 3, 'expected a condition after NOT'],
    ['NOT NOT', 7, 'after NOT'],
    ['a = 1 NOT b = 2', 6, 'after a complete condition'],
    // Trailing tokens
    ['a = 1 b = 2', 6, 'after a complete condition'],
    ['a = 1 2', 6, 'after a complete condition'],
    ["a = 1 'x'", 6, 'after a complete condition'],
    ['a = 1,', 5, 'after a complete condition'],
    ['a = 1 = 2', 6, 'after a complete condition'],
    ['a IS NULL NULL', 10, 'after a complete condition'],
    // Parentheses
    ['(a = 1', 6, "to close the '(' at position 0"],
    ['((a = 1)', 8, "to close the '(' at position 0"],
    ['(a = 1 b = 2)', 7, "expected AND, OR or ')'"],
    ['a = 1)', 5, "unmatched ')'"],
    ['(a = 1))', 7, "unmatched ')'"],
    ['()', 0, 'empty parentheses'],
    ['a = 1 AND ()', 10, 'empty parentheses'],
    ['(', 1, "expected a condition after '('"],
    [')', 0, 'expected a condition'],
    ['a = (1)', 4, 'expected a value'],
    // Names
    ['in = 1', 0, `'in' is a keyword; to use it as a name, quote it: "in"`],
    ['NULL = 1', 0, 'expected a column name'],
    ['like IS NULL', 0, `quote it: "like"`],
    ['t.in = 1', 2, `quote it: "in"`],
    ['between.x = 1', 0, `quote it: "between"`],
    ['a.b.c = 1', 3, 'at most two parts'],
    ['a. = 1', 3, "a column name after '.'"],
    ['.a = 1', 0, "expected a condition but found '.'"],
    ["t.'x' = 1", 2, 'single quotes are for text values'],
    ['a = *', 4, "'*'"],
    ['* = 1', 0, "'*'"],
  ])('%j', (text, position, fragment) => {
    expectRejected(() => parseFilter(text), 'filterSyntax', position, fragment);
  });

  it('reports errors in text order: a parse error is not hidden by a lexer error further right', () => {
    expectRejected(() => parseFilter('1 = 1; --'), 'filterSyntax', 0, 'expected a column name');
  });

  it('names the parameter in the context and message', () => {
    const error = expectRejected(() => parseFilter('a ='), 'filterSyntax', 3);
    expect(error.context['parameter']).toBe('filter');
    expect(error.message).toMatch(/^Invalid filter: /);
  });

  it('quotes at most a short excerpt of long tokens in messages', () => {
    const long = 'x'.repeat(5000);
    const error = expectRejected(() => parseFilter(`a = 1 '${long}'`), 'filterSyntax', 6);
    expect(error.message.length).toBeLessThan(200);
  });

  it('rejects a non-string parameter (repeated query parameters arrive as arrays)', () => {
    expectRejected(() => parseFilter(['a = 1', 'b = 2'] as unknown as string), 'filterSyntax', 0);
    expectRejected(() => parseOrder(undefined as unknown as string), 'filterSyntax', 0);
    expectRejected(() => parseFields({} as unknown as string), 'filterSyntax', 0);
  });
});

// ---------------------------------------------------------------------------------------------
// parseFilter: limits
// ---------------------------------------------------------------------------------------------

describe('parseFilter: complexity limits', () => {
  const chain = (count: number, joiner: string) => Array.from({ length: count }, (_, i) => `c${i} = ${i}`).join(joiner);

  it('rejects input longer than maxLength before lexing it', () => {
    const text = `a = '${'x'.repeat(100_000)}'`;
    expectRejected(() => parseFilter(text), 'filterTooComplex', undefined, '100006 characters');
    // Even when the text would not lex: the length check comes first.
    expectRejected(() => parseFilter('\u0000'.repeat(100_000)), 'filterTooComplex');
  });

  it('accepts input of exactly maxLength', () => {
    const text = `a = '${'x'.repeat(DEFAULT_FILTER_LIMITS.maxLength - 6)}'`;
    expect(text).toHaveLength(DEFAULT_FILTER_LIMITS.maxLength);
    expect(parseFilter(text).kind).toBe('compare');
    expectRejected(() => parseFilter(`${text} `), 'filterTooComplex');
  });

  it('allows maxDepth levels of parentheses, rejects one more', () => {
    const depth = DEFAULT_FILTER_LIMITS.maxDepth;
    expect(strip(parseFilter(`${'('.repeat(depth)}a = 1${')'.repeat(depth)}`))).toStrictEqual(cmp('a', '=', num('1')));
    expectRejected(() => parseFilter(`${'('.repeat(depth + 1)}a = 1${')'.repeat(depth + 1)}`), 'filterTooComplex', undefined, 'nested');
  });

  it('counts NOT as a level', () => {
    const depth = DEFAULT_FILTER_LIMITS.maxDepth;
    expect(parseFilter(`${'NOT '.repeat(depth)}a = 1`).kind).toBe('not');
    expectRejected(() => parseFilter(`${'NOT '.repeat(depth + 1)}a = 1`), 'filterTooComplex');
    expectRejected(() => parseFilter(`${'NOT ('.repeat(depth / 2)}NOT a = 1${')'.repeat(depth / 2)}`), 'filterTooComplex');
  });

  it('fails fast on 10k-deep parentheses, balanced or not, without overflowing the stack', () => {
    const limits = { ...DEFAULT_FILTER_LIMITS, maxLength: 1_000_000 };
    expectRejected(() => parseFilter(`${'('.repeat(10_000)}a = 1${')'.repeat(10_000)}`, limits), 'filterTooComplex');
    expectRejected(() => parseFilter('('.repeat(10_000), limits), 'filterTooComplex');
    expectRejected(() => parseFilter('NOT '.repeat(10_000), limits), 'filterTooComplex');
  });

  it('caps depth at HARD_MAX_DEPTH even when the configured limit is huge', () => {
    expectRejected(() => parseFilter('('.repeat(100_000), roomy), 'filterTooComplex', undefined, `${HARD_MAX_DEPTH} levels`);
    expectRejected(() => parseFilter('NOT ('.repeat(100_000), roomy), 'filterTooComplex');
    const atCap = `${'('.repeat(HARD_MAX_DEPTH)}a = 1${')'.repeat(HARD_MAX_DEPTH)}`;
    expect(parseFilter(atCap, roomy).kind).toBe('compare');
    expectRejected(() => parseFilter('('.repeat(100_000), { ...roomy, maxDepth: Number.NaN }), 'filterTooComplex');
  });

  it('the default 100k-character input with 100k parentheses is refused for its length', () => {
    expectRejected(() => parseFilter('('.repeat(100_000)), 'filterTooComplex', undefined, 'characters long');
  });

  it('allows maxInListSize values in an IN list, rejects one more', () => {
    const values = (count: number) => Array.from({ length: count }, (_, i) => String(i)).join(',');
    const max = DEFAULT_FILTER_LIMITS.maxInListSize;
    const node = parseFilter(`a IN (${values(max)})`);
    expect(node.kind === 'in' && node.values.length).toBe(max);
    expectRejected(() => parseFilter(`a IN (${values(max + 1)})`), 'filterTooComplex', undefined, `more than ${max} values`);
  });

  it('allows maxPredicates predicates, rejects one more (in AND, OR and mixed chains)', () => {
    const max = DEFAULT_FILTER_LIMITS.maxPredicates;
    const node = parseFilter(chain(max, ' OR '));
    expect(node.kind === 'or' && node.items.length).toBe(max);
    expectRejected(() => parseFilter(chain(max + 1, ' OR ')), 'filterTooComplex', undefined, `more than ${max} conditions`);
    expectRejected(() => parseFilter(chain(max + 1, ' AND ')), 'filterTooComplex');
    expectRejected(() => parseFilter(`(${chain(200, ' AND ')}) OR (${chain(200, ' OR ')})`), 'filterTooComplex');
  });

  it('honours custom limits', () => {
    const limits: FilterLimits = { maxLength: 40, maxDepth: 2, maxInListSize: 3, maxPredicates: 2 };
    expect(parseFilter('((a = 1)) AND b IN (1, 2, 3)', limits).kind).toBe('and');
    expectRejected(() => parseFilter('(((a = 1)))', limits), 'filterTooComplex');
    expectRejected(() => parseFilter('a IN (1, 2, 3, 4)', limits), 'filterTooComplex');
    expectRejected(() => parseFilter('a = 1 OR b = 2 OR c = 3', limits), 'filterTooComplex');
    expectRejected(() => parseFilter(`a = '${'x'.repeat(40)}'`, limits), 'filterTooComplex');
  });

  it('handles the longest flat chains the roomy limits allow without recursion trouble', () => {
    const node = parseFilter(chain(20_000, ' AND '), roomy);
    expect(node.kind === 'and' && node.items.length).toBe(20_000);
  });
});

// ---------------------------------------------------------------------------------------------
// parseOrder
// ---------------------------------------------------------------------------------------------

describe('parseOrder', () => {
  it('keeps column positions', () => {
    expect(parseOrder('a DESC, "B" NULLS FIRST')).toStrictEqual([
      { column: { kind: 'identifier', name: 'a', position: 0 }, direction: 'desc' },
      { column: { kind: 'identifier', name: 'B', position: 8 }, direction: 'asc', nulls: 'first' },
    ]);
  });

  it.each<[string, unknown]>([
    ['name', [{ column: col('name'), direction: 'asc' }]],
    ['name ASC', [{ column: col('name'), direction: 'asc' }]],
    ['name desc', [{ column: col('name'), direction: 'desc' }]],
    ['name Desc', [{ column: col('name'), direction: 'desc' }]],
    ['a NULLS FIRST', [{ column: col('a'), direction: 'asc', nulls: 'first' }]],
    ['a desc nulls last', [{ column: col('a'), direction: 'desc', nulls: 'last' }]],
    ['a ASC NULLS LAST', [{ column: col('a'), direction: 'asc', nulls: 'last' }]],
    [
      'a desc, b, t.c asc',
      [
        { column: col('a'), direction: 'desc' },
        { column: col('b'), direction: 'asc' },
        { column: col('c', 't'), direction: 'asc' },
      ],
    ],
    ['"desc" desc', [{ column: col('desc'), direction: 'desc' }]],
    ['`First` ASC', [{ column: col('First'), direction: 'asc' }]],
    ['"Full Name"', [{ column: col('Full Name'), direction: 'asc' }]],
    ['in desc', [{ column: col('in'), direction: 'desc' }]],
    ['null, and, or', [{ column: col('null'), direction: 'asc' }, { column: col('and'), direction: 'asc' }, { column: col('or'), direction: 'asc' }]],
    ['  a  ,\tb  ', [{ column: col('a'), direction: 'asc' }, { column: col('b'), direction: 'asc' }]],
    ['a,a', [{ column: col('a'), direction: 'asc' }, { column: col('a'), direction: 'asc' }]],
    ['prénom DESC', [{ column: col('prénom'), direction: 'desc' }]],
  ])('%j', (text, expected) => {
    expect(strip(parseOrder(text))).toStrictEqual(expected);
  });

  it.each<[string, number, string]>([
    ['', 0, 'empty'],
    ['  ', 0, 'empty'],
    ['a,,b', 2, 'empty term'],
    [',a', 0, 'empty term'],
    ['a,', 1, 'ends with a comma'],
    ['a, ', 1, 'ends with a comma'],
    ['a DESC ASC', 7, "expected ',', NULLS FIRST, NULLS LAST"],
    ['a NULLS', 7, 'FIRST or LAST after NULLS'],
    ['a NULLS MIDDLE', 8, 'FIRST or LAST after NULLS'],
    ['a NULLS FIRST DESC', 14, "expected ','"],
    ['a DESC NULLS FIRST x', 19, "expected ','"],
    ['a b', 2, "expected ',', ASC, DESC"],
    ['a;', 1, "';'"],
    ['a -- x', 2, "'--'"],
    ["'a'", 0, 'single quotes are for text values'],
    ['1', 0, 'expected a column name'],
    ['a = 1', 2, "expected ','"],
    ['desc', 0, `quote it: "desc"`],
    ['first', 0, `quote it: "first"`],
    ['a, nulls', 3, `quote it: "nulls"`],
    ['(a)', 0, 'expected a column name'],
    ['*', 0, 'expected a column name'],
    ['a.b.c', 3, 'at most two parts'],
    ['"a', 0, 'unterminated'],
    ['a\u0000', 1, 'U+0000'],
  ])('rejects %j', (text, position, fragment) => {
    const error = expectRejected(() => parseOrder(text), 'filterSyntax', position, fragment);
    expect(error.context['parameter']).toBe('order');
  });

  it(`allows ${MAX_ORDER_TERMS} terms, rejects more`, () => {
    const terms = (count: number) => Array.from({ length: count }, (_, i) => `c${i} desc`).join(', ');
    expect(parseOrder(terms(MAX_ORDER_TERMS))).toHaveLength(MAX_ORDER_TERMS);
    const error = expectRejected(() => parseOrder(terms(MAX_ORDER_TERMS + 1)), 'filterTooComplex');
    expect(error.context['parameter']).toBe('order');
  });

  it('rejects overlong text before lexing it', () => {
    expectRejected(() => parseOrder(`"${'x'.repeat(MAX_ORDER_LENGTH)}"`), 'filterTooComplex');
  });
});

// ---------------------------------------------------------------------------------------------
// parseFields
// ---------------------------------------------------------------------------------------------

describe('parseFields', () => {
  it('keeps positions and drops later duplicates', () => {
    expect(parseFields('a, b,a ,t.a')).toStrictEqual([
      { kind: 'identifier', name: 'a', position: 0 },
      { kind: 'identifier', name: 'b', position: 3 },
      { kind: 'identifier', table: 't', name: 'a', position: 8 },
    ]);
  });

  it.each<[string, unknown]>([
    ['*', '*'],
    ['  *  ', '*'],
    ['a', [col('a')]],
    ['a,b,c', [col('a'), col('b'), col('c')]],
    ['c, b, a', [col('c'), col('b'), col('a')]],
    ['"Full Name", id', [col('Full Name'), col('id')]],
    ['in, order, null, desc, first', [col('in'), col('order'), col('null'), col('desc'), col('first')]],
    ['"a.b", a.b', [col('a.b'), col('b', 'a')]],
    ['a, "a", `a`', [col('a')]],
    ['A, a', [col('A'), col('a')]],
    ['t.a, a, t."a"', [col('a', 't'), col('a')]],
    ['名前,prénom', [col('名前'), col('prénom')]],
  ])('%j', (text, expected) => {
    expect(strip(parseFields(text))).toStrictEqual(expected);
  });

  it.each<[string, number, string]>([
    ['', 0, 'empty'],
    [' ', 0, 'empty'],
    ['a,,b', 2, 'empty entry'],
    [',', 0, 'empty entry'],
    [',a', 0, 'empty entry'],
    ['a,', 1, 'ends with a comma'],
    ['*,a', 1, "'*' must be the only entry"],
    ['* *', 2, "'*' must be the only entry"],
    ['a,*', 2, "'*' cannot be combined"],
    ['t.*', 2, 'expected a column name'],
    ['a b', 2, "expected ','"],
    ['a DESC', 2, "expected ','"],
    ["'a'", 0, 'single quotes are for text values'],
    ['1', 0, 'expected a column name'],
    ['a;', 1, "';'"],
    ['a /* x */', 2, "'/*'"],
    ['(a)', 0, 'expected a column name'],
    ['a.b.c', 3, 'at most two parts'],
    ['`a', 0, 'unterminated'],
    ['a\u0007', 1, 'U+0007'],
    ['🙂', 0, 'U+1F642'],
  ])('rejects %j', (text, position, fragment) => {
    const error = expectRejected(() => parseFields(text), 'filterSyntax', position, fragment);
    expect(error.context['parameter']).toBe('fields');
  });

  it(`allows ${MAX_FIELDS} entries, rejects more`, () => {
    const names = (count: number) => Array.from({ length: count }, (_, i) => `c${i}`).join(',');
    expect(parseFields(names(MAX_FIELDS))).toHaveLength(MAX_FIELDS);
    const error = expectRejected(() => parseFields(names(MAX_FIELDS + 1)), 'filterTooComplex');
    expect(error.context['parameter']).toBe('fields');
  });

  it('rejects overlong text before lexing it', () => {
    expectRejected(() => parseFields('a,'.repeat(MAX_FIELDS_LENGTH)), 'filterTooComplex');
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/** Any UTF-16 code unit, lone surrogates and control characters included. */
const utf16String = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 60 });

/** Fragments of all three grammars, valid and hostile, to be glued together at random. */
const fragments = [
  'a', 'b', 't', '.', 'users.name', '"x y"', '"in"', '`q`', '""', '"', '`', "'", "'s'", "'O''Brien'", "''",
  '0', '1', '-1', '12.5', '-0.5', '1e3', '.5', '5.', '-', '+', '9007199254740993',
  '=', '!=', '<>', '<', '<=', '>', '>=', '==', '!',
  '(', ')', ',', '*', ';', '--', '/*', '*/', '#', '\\', '\u0000', '\t', '\n', '🙂', 'é',
  'AND', 'and', 'OR', 'NOT', 'LIKE', 'IN', 'IS', 'NULL', 'BETWEEN', 'CONTAINS', 'STARTS', 'ENDS', 'WITH',
  'TRUE', 'false', 'ASC', 'desc', 'NULLS', 'FIRST', 'last',
];
const tokenSoup = fc
  .tuple(fc.array(fc.constantFrom(...fragments), { maxLength: 40 }), fc.constantFrom(' ', ''))
  .map(([parts, separator]) => parts.join(separator));

describe('properties: nothing but a 400 ApiError ever escapes', () => {
  const parsers: [string, (text: string) => unknown][] = [
    ['parseFilter', (text) => parseFilter(text)],
    ['parseFilter (roomy limits)', (text) => parseFilter(text, roomy)],
    ['parseOrder', parseOrder],
    ['parseFields', parseFields],
  ];

  it.each(parsers)('%s on arbitrary UTF-16 strings', (_, parse) => {
    fc.assert(fc.property(utf16String, (text) => onlyApiErrors(() => parse(text))), { numRuns: 500 });
  });

  it.each(parsers)('%s on arbitrary Unicode strings', (_, parse) => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => onlyApiErrors(() => parse(text))), {
      numRuns: 500,
    });
  });

  it.each(parsers)('%s on strings built from grammar tokens', (_, parse) => {
    fc.assert(fc.property(tokenSoup, (text) => onlyApiErrors(() => parse(text))), { numRuns: 2000 });
  });
});

// Round trip: random trees, printed as text, parse back to the same tree (after flattening).

/** Printable text without control characters or lone surrogates: what a string literal or quoted name may hold. */
const safeText = fc
  .string({ unit: 'grapheme', maxLength: 12 })
  .filter((text) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u.test(text));

const bareNames = ['a', 'b', 'user_id', 'prénom', 'first', 'desc', 'x$1', '_', 'ın', 'Android'];
const nameArb = fc.oneof(fc.constantFrom(...bareNames), safeText.filter((text) => text.length > 0));
const identifierArb: fc.Arbitrary<{ table?: string; name: string }> = fc.oneof(
  nameArb.map((name) => ({ name })),
  fc.tuple(nameArb, nameArb).map(([table, name]) => ({ table, name })),
);
const numberText = fc.oneof(
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
);
const valueArb: fc.Arbitrary<Literal> = fc.oneof(
  safeText.map((value) => ({ kind: 'string' as const, value, position: 0 })),
  numberText.map((text) => ({ kind: 'number' as const, text, position: 0 })),
  fc.boolean().map((value) => ({ kind: 'boolean' as const, value, position: 0 })),
);
const columnArb = identifierArb.map((id): Identifier => ({ kind: 'identifier', ...id, position: 0 }));
const opArb = fc.constantFrom<ComparisonOperator>('=', '<>', '<', '<=', '>', '>=');

const predicateArb: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.tuple(columnArb, opArb, valueArb).map(([column, op, value]) => ({ kind: 'compare' as const, column, op, value, position: 0 })),
  fc.tuple(columnArb, safeText, fc.boolean()).map(([column, pattern, negated]) => ({
    kind: 'match' as const,
    column,
    mode: 'like' as const,
    value: { kind: 'string' as const, value: pattern, position: 0 },
    negated,
    position: 0,
  })),
  fc
    .tuple(
      columnArb,
      fc.constantFrom('contains' as const, 'startsWith' as const, 'endsWith' as const),
      fc.oneof(
        safeText.map((value): Literal => ({ kind: 'string', value, position: 0 })),
        numberText.map((text): Literal => ({ kind: 'number', text, position: 0 })),
      ),
      fc.boolean(),
    )
    .map(([column, mode, value, negated]) => ({ kind: 'match' as const, column, mode, value, negated, position: 0 })),
  fc
    .tuple(columnArb, fc.array(valueArb, { minLength: 1, maxLength: 5 }), fc.boolean())
    .map(([column, values, negated]) => ({ kind: 'in' as const, column, values, negated, position: 0 })),
  fc.tuple(columnArb, fc.boolean()).map(([column, negated]) => ({ kind: 'isNull' as const, column, negated, position: 0 })),
  fc
    .tuple(columnArb, valueArb, valueArb, fc.boolean())
    .map(([column, low, high, negated]) => ({ kind: 'between' as const, column, low, high, negated, position: 0 })),
);

const treeArb: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'filter' },
    predicateArb,
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((items) => ({ kind: 'and' as const, items, position: 0 })),
    fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((items) => ({ kind: 'or' as const, items, position: 0 })),
    tie('node').map((item) => ({ kind: 'not' as const, item, position: 0 })),
  ),
})).node;

const quoteName = (name: string) => (bareNames.includes(name) ? name : `"${name.replaceAll('"', '""')}"`);
const printColumn = (column: Identifier) => (column.table === undefined ? '' : `${quoteName(column.table)}.`) + quoteName(column.name);
const printLiteral = (literal: Literal): string => {
  switch (literal.kind) {
    case 'string':
      return `'${literal.value.replaceAll("'", "''")}'`;
    case 'number':
      return literal.text;
    case 'boolean':
      return literal.value ? 'TRUE' : 'false';
    case 'null':
      return 'NULL';
  }
};
const keywordFor = { like: 'LIKE', contains: 'CONTAINS', startsWith: 'STARTS WITH', endsWith: 'ends with' } as const;

function print(node: FilterNode): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.map((item) => `(${print(item)})`).join(node.kind === 'and' ? ' AND ' : ' or ');
    case 'not':
      return `NOT (${print(node.item)})`;
    case 'compare':
      return `${printColumn(node.column)} ${node.op} ${printLiteral(node.value)}`;
    case 'match':
      return `${printColumn(node.column)} ${node.negated ? 'NOT ' : ''}${keywordFor[node.mode]} ${printLiteral(node.value)}`;
    case 'in':
      return `${printColumn(node.column)}${node.negated ? ' NOT' : ''} IN (${node.values.map(printLiteral).join(', ')})`;
    case 'isNull':
      return `${printColumn(node.column)} IS ${node.negated ? 'NOT ' : ''}NULL`;
    case 'between':
      return `${printColumn(node.column)} ${node.negated ? 'NOT ' : ''}BETWEEN ${printLiteral(node.low)} AND ${printLiteral(node.high)}`;
  }
}

/** What the parser's flattening does: same-kind AND/OR children spliced into their parent. */
function flatten(node: FilterNode): FilterNode {
  if (node.kind === 'not') return { ...node, item: flatten(node.item) };
  if (node.kind !== 'and' && node.kind !== 'or') return node;
  const items: FilterNode[] = [];
  for (const item of node.items.map(flatten)) {
    if (item.kind === node.kind) items.push(...item.items);
    else items.push(item);
  }
  return { ...node, items };
}

describe('properties: round trip', () => {
  it('printed random trees parse back to the same tree', () => {
    fc.assert(
      fc.property(treeArb, (tree) => {
        expect(strip(parseFilter(print(tree), roomy))).toStrictEqual(strip(flatten(tree)));
      }),
      { numRuns: 500 },
    );
  });

  it('printed random order lists parse back', () => {
    const termArb = fc.record({
      column: columnArb,
      direction: fc.constantFrom('asc' as const, 'desc' as const),
      nulls: fc.constantFrom(undefined, 'first' as const, 'last' as const),
    });
    fc.assert(
      fc.property(fc.array(termArb, { minLength: 1, maxLength: MAX_ORDER_TERMS }), (terms) => {
        // Order reserves different words than filter; quote every name to stay clear of them.
        const text = terms
          .map((term) => {
            const name = (part: string) => `"${part.replaceAll('"', '""')}"`;
            const column = (term.column.table === undefined ? '' : `${name(term.column.table)}.`) + name(term.column.name);
            return `${column} ${term.direction}${term.nulls ? ` NULLS ${term.nulls}` : ''}`;
          })
          .join(', ');
        const expected = terms.map(({ column, direction, nulls }) => (nulls ? { column, direction, nulls } : { column, direction }));
        expect(strip(parseOrder(text))).toStrictEqual(strip(expected));
      }),
      { numRuns: 300 },
    );
  });
});
