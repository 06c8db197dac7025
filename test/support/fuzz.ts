/**
 * Building blocks of the HTTP fuzz suites (test/integration/fuzz-*.test.ts): fast-check
 * arbitraries for hostile read parameters and write bodies, generated from the live catalog (the
 * service's `_schema`) so that most requests name real tables, columns, relations and values and
 * get past the first validation, mixed with hostile fragments (quotes, comments, NUL and control
 * characters, lone surrogates, huge numbers, deep nesting, long strings, wrong JSON types,
 * prototype keys, duplicate and empty parameters); a sender that builds the raw URL itself; and
 * `assertSafeAnswer`, the contract every answer must keep whatever was sent: no 5xx, no SQL text,
 * driver codes or stack frames in the body, JSON in the error envelope with `code` = status for
 * every error, and an `X-Request-ID`.
 *
 * Runs: `SLUICE_FUZZ_RUNS` raises the number of runs per property, `SLUICE_FUZZ_SEED` picks
 * another seed (the default one is fixed, so CI runs are reproducible; fast-check prints the seed
 * and the shrunk counterexample on failure).
 */
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Settings

export const FUZZ_SEED = Number(process.env.SLUICE_FUZZ_SEED ?? 20_261_202);

/** fast-check parameters for one property: `defaultRuns` unless `SLUICE_FUZZ_RUNS` says otherwise. */
export function fuzzParameters(defaultRuns: number): fc.Parameters<unknown> {
  const fromEnv = Number(process.env.SLUICE_FUZZ_RUNS);
  return {
    numRuns: Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : defaultRuns,
    seed: FUZZ_SEED,
    // Each run is an HTTP request (or a few): report the first failure without shrinking.
    endOnFailure: true,
    asyncReporter: async (details) => {
      if (!details.failed) return;
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(abbreviate(`${(await fc.asyncDefaultReportMessage(details)) ?? 'property failed'}\n\nCause: ${cause}`));
    },
  };
}

/** Long runs of one character (the generators' long strings) shortened, so failures stay readable. */
export function abbreviate(text: string): string {
  return text.replace(/(.)\1{99,}/gs, (run, ch: string) => `${ch.repeat(8)}…(${run.length}×)`);
}

/** Test timeout for a property of `defaultRuns` runs (scaled with SLUICE_FUZZ_RUNS). */
export function fuzzTimeout(defaultRuns: number, msPerRun = 400): number {
  const runs = fuzzParameters(defaultRuns).numRuns ?? defaultRuns;
  return 60_000 + runs * msPerRun;
}

// ---------------------------------------------------------------------------------------------
// The catalog, as `GET /_schema` describes it

export interface FuzzColumn {
  readonly name: string;
  readonly db_type: string;
  readonly json_type: string;
  readonly nullable: boolean;
  readonly is_primary_key: boolean;
  readonly is_generated: boolean;
  readonly is_auto_increment?: boolean;
  readonly default?: string;
  readonly max_length?: number;
  readonly enum_values?: readonly string[];
}

export interface FuzzTable {
  readonly name: string;
  readonly type: string;
  readonly primary_key: readonly string[];
  readonly columns: readonly FuzzColumn[];
  readonly relations: readonly { readonly name: string; readonly target_table: string }[];
}

export type Kind = 'integer' | 'bigint' | 'decimal' | 'float' | 'boolean' | 'string' | 'enum' | 'date' | 'time' | 'timestamp' | 'uuid' | 'json' | 'bytes' | 'array';

/** The value kind of a column, from its database type (coarse on purpose: it only steers generators). */
export function kindOf(column: FuzzColumn): Kind {
  const t = column.db_type.toLowerCase();
  if (column.enum_values && column.enum_values.length > 0) return 'enum';
  if (t.endsWith('[]') || t.startsWith('_') || t === 'array' || column.json_type === 'array') return 'array';
  if (t.includes('tinyint(1)') || t.startsWith('bool')) return 'boolean';
  if (t.includes('bigint') || t === 'int8') return 'bigint';
  if (/\bint|serial/.test(t)) return 'integer';
  if (t.startsWith('numeric') || t.startsWith('decimal')) return 'decimal';
  if (t.startsWith('real') || t.startsWith('float') || t.startsWith('double')) return 'float';
  if (t.startsWith('timestamp') || t.startsWith('datetime')) return 'timestamp';
  if (t === 'date') return 'date';
  if (t.startsWith('time')) return 'time';
  if (t.includes('json') || column.json_type === 'object') return 'json';
  if (t === 'uuid') return 'uuid';
  if (t.includes('bytea') || t.includes('blob') || t.includes('binary')) return 'bytes';
  return 'string';
}

// ---------------------------------------------------------------------------------------------
// Hostile fragments

const LONG = 'x'.repeat(70_000);

/** Strings that break naive parsers, quoting, encodings and object handling. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  "'",
  "''",
  '"',
  '\\',
  "\\'",
  '`',
  ';',
  '--',
  '-- comment',
  '/*',
  '*/',
  '/* x */',
  '#',
  "' OR '1'='1",
  "1' OR 1=1 --",
  "x'); DROP TABLE customers; --",
  '1; SELECT pg_sleep(5)',
  "' UNION SELECT NULL, version() --",
  '$1',
  '$$',
  '?',
  ':name',
  '%',
  '_',
  '*',
  '%%',
  '\u0000',
  'a\u0000b',
  '\u0001\u0002\u001f',
  '\u007f',
  '\r\n',
  '\t',
  '\u2028',
  '\ufeff',
  '\uffff',
  '\ud800',
  'x\udc00',
  '🦀',
  '𝕏𝕐',
  'é',
  'e\u0301',
  'İ',
  '\u202e',
  'null',
  'NULL',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '1e-400',
  '99999999999999999999999999999',
  '-9223372036854775809',
  '9223372036854775808',
  '2147483648',
  '0x1F',
  '1_000',
  '١٢٣',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__sluice_rn',
  '${x}',
  '<script>alert(1)</script>',
  '((((((((((',
  '))))))))))',
  '(',
  ')',
  ',',
  ',,',
  '.',
  '..',
  '../..',
  '%00',
  '%ff',
  '+',
  '&',
  '=',
  'and',
  'or',
  'not',
  'select',
  'in',
  'is',
  'between',
  '"in"',
  '"a""b"',
  'NOT '.repeat(40),
  '('.repeat(200),
  'a'.repeat(300),
  LONG,
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** Hostile JSON values: wrong types, huge and deep values, prototype keys. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -0,
    1.5,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 2,
    -(2 ** 63),
    [],
    {},
    [[]],
    [null],
    { a: { b: { c: [1, [2, [3]]] } } },
    nestedArray(40),
    nestedArray(200),
    nestedObject(120),
    'x'.repeat(5000),
  ),
  hostileString,
  fc.jsonValue({ maxDepth: 3 }),
  protoObject(),
);

function nestedArray(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function nestedObject(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { k: value };
  return value;
}

/** An object with own keys that would pollute prototypes if merged naively. */
function protoObject(): fc.Arbitrary<Record<string, unknown>> {
  return fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => withKeys([[key, { polluted: true, toString: 1 }]]));
}

/** A plain object with the given own enumerable keys (also `__proto__`, unlike an object literal). */
export function withKeys(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values per kind: valid ones (most of the time) and near-misses

const ISO_TIMESTAMPS = [
  '2024-05-01T12:00:00Z',
  '2024-05-01T12:00:00.123456Z',
  '2024-05-01 12:00:00',
  '2024-05-01T12:00:00+02:00',
  '2000-01-01T00:00:00-14:00',
  '1970-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '2038-01-19T03:14:08Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999Z',
  '9999-12-31T23:59:59-12:00',
  '2024-02-30T00:00:00Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T00:00:00.1234567Z',
  '+275760-09-13T00:00:00Z',
  '2024-01-01',
  'now',
  'infinity',
];

function validText(kind: Kind, column: FuzzColumn): fc.Arbitrary<string> {
  switch (kind) {
    case 'integer':
      return fc.oneof(fc.integer({ min: -5, max: 3000 }).map(String), fc.constantFrom('2147483647', '-2147483648', '2147483648', '0', '-1', '+7', ' 3 ', '007'));
    case 'bigint':
      return fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), fc.constantFrom('9223372036854775807', '-9223372036854775808', '1'));
    case 'decimal':
      return fc.oneof(
        fc.tuple(fc.integer({ min: -999, max: 99_999 }), fc.integer({ min: 0, max: 99 })).map(([a, b]) => `${a}.${String(b).padStart(2, '0')}`),
        fc.constantFrom('0', '1e3', '1E-2', '.5', '5.', '-0.00', '12345678901234567890.5', '1e400', '0.001'),
      );
    case 'float':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e39', '3.4028235e38', '1e-50'));
    case 'boolean':
      return fc.constantFrom('true', 'false', 't', 'f', '1', '0', 'TRUE', 'yes', 'on');
    case 'enum':
      return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(column.enum_values ?? ['x'])) }, { weight: 1, arbitrary: fc.constantFrom('nope', (column.enum_values?.[0] ?? 'x').toUpperCase(), '') });
    case 'date':
      return fc.constantFrom('2024-02-29', '2023-02-29', '2024-01-01', '0001-01-01', '9999-12-31', '10000-01-01', '2024-13-01', '1969-07-20', '2024-1-1');
    case 'time':
      return fc.constantFrom('12:00', '12:00:00', '23:59:59.999999', '24:00:00', '25:61', '12:00:00Z', '12:00:00+05:30');
    case 'timestamp':
      return fc.constantFrom(...ISO_TIMESTAMPS);
    case 'uuid':
      return fc.oneof(fc.uuid(), fc.constantFrom('00000000-0000-0000-0000-000000000000', 'not-a-uuid', 'A0EEBC999C0B4EF8BB6D6BB9BD380A11'));
    case 'bytes':
      return fc.constantFrom('aGVsbG8=', '', 'AA==', 'not base64!', '====');
    case 'json':
    case 'array':
      return fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v));
    case 'string': {
      const max = column.max_length;
      return fc.oneof(
        { weight: 3, arbitrary: fc.string({ maxLength: Math.min(max ?? 20, 20) }) },
        { weight: 1, arbitrary: fc.constantFrom('O\'Brien', 'COO-%', '100%', 'a_b', '🦀🦀', 'é'.repeat(3)) },
        { weight: 1, arbitrary: fc.constant('y'.repeat((max ?? 255) + 1)) },
        { weight: 1, arbitrary: fc.constant('🦀'.repeat(max ?? 10)) },
      );
    }
  }
}

/** A value for `column` as text (query strings, filter literals): valid mostly, hostile sometimes. */
export function valueText(column: FuzzColumn, h = 1): fc.Arbitrary<string> {
  return fc.oneof({ weight: 4, arbitrary: validText(kindOf(column), column) }, { weight: h, arbitrary: hostileString });
}

/** A JSON value for `column` in a write body. */
export function valueJson(column: FuzzColumn, h = 1): fc.Arbitrary<unknown> {
  const kind = kindOf(column);
  const text = validText(kind, column);
  let valid: fc.Arbitrary<unknown>;
  switch (kind) {
    case 'integer':
    case 'float':
      valid = fc.oneof(text.map(Number), fc.integer({ min: -10, max: 5000 }), text);
      break;
    case 'bigint':
    case 'decimal':
      valid = fc.oneof(text, text.map(Number));
      break;
    case 'boolean':
      valid = fc.oneof(fc.boolean(), text);
      break;
    case 'json':
      valid = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constant(nestedArray(150)), fc.constant(nestedObject(70)), fc.constant({ '\u0000': 'nul key' }), fc.constant('\u0000'));
      break;
    case 'array':
      valid = fc.oneof(fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }), fc.constant([[1, 2], [3]]), fc.constant([{ a: 1 }]), fc.constant(['a', null]));
      break;
    default:
      valid = text;
  }
  return fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 4 * h, arbitrary: hostileJson });
}

// ---------------------------------------------------------------------------------------------
// Read parameters

const pick = <T>(items: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...items);

/** A column reference as the filter grammar reads it: real (bare, qualified, quoted) or hostile. */
function identifier(table: FuzzTable, otherTables: readonly string[], h: number): fc.Arbitrary<string> {
  const names = table.columns.map((c) => c.name);
  return fc.oneof(
    { weight: 8, arbitrary: pick(names) },
    { weight: 1, arbitrary: pick(names).map((n) => `${table.name}.${n}`) },
    { weight: 1, arbitrary: pick(names).map((n) => `"${n.replace(/"/g, '""')}"`) },
    { weight: h, arbitrary: fc.tuple(pick(otherTables.length > 0 ? otherTables : ['nope']), pick(names)).map(([t, n]) => `${t}.${n}`) },
    { weight: h, arbitrary: hostileString },
  );
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** A filter literal for `column`: quoted string, bare number, keyword, or something broken. */
function literal(column: FuzzColumn, h: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: valueText(column, h).map(quote) },
    // Bare numbers for numeric columns (any other text would not be a literal).
    { weight: 2, arbitrary: ['integer', 'bigint', 'decimal', 'float'].includes(kindOf(column)) ? fc.integer({ min: -5, max: 3000 }).map(String) : valueText(column).map(quote) },
    { weight: h, arbitrary: pick(['true', 'false', 'NULL', 'null', '-', '1.2.3', "'unterminated", "'\\'", '1e', '--1', '0x10']) },
    { weight: h, arbitrary: hostileString },
  );
}

const COMPARE_OPS = ['=', '!=', '<>', '>', '>=', '<', '<=', '==', '=>', '!', '~', 'REGEXP', 'ILIKE', 'IS', 'is not'];
const MATCH_OPS = ['LIKE', 'like', 'NOT LIKE', 'CONTAINS', 'not contains', 'STARTS WITH', 'ENDS WITH', 'starts  with'];

/** A filter expression over `table`, by the grammar, with hostile fragments at every level. */
export function filterArb(table: FuzzTable, otherTables: readonly string[] = [], h = 1): fc.Arbitrary<string> {
  const column = fc.nat(table.columns.length - 1).map((i) => table.columns[i] as FuzzColumn);
  const predicate: fc.Arbitrary<string> = column.chain((c) => {
    const id = fc.oneof({ weight: 6, arbitrary: fc.constant(c.name) }, { weight: 1, arbitrary: identifier(table, otherTables, h) });
    const lit = literal(c, h);
    return fc.oneof(
      { weight: 5, arbitrary: fc.tuple(id, fc.oneof({ weight: 6, arbitrary: pick(['=', '!=', '<>', '>', '>=', '<', '<=']) }, { weight: h, arbitrary: pick(COMPARE_OPS) }), lit).map(([a, op, b]) => `${a} ${op} ${b}`) },
      { weight: 2, arbitrary: fc.tuple(id, pick(MATCH_OPS), lit).map(([a, op, b]) => `${a} ${op} ${b}`) },
      { weight: 2, arbitrary: fc.tuple(id, fc.boolean(), fc.array(lit, { maxLength: 5 })).map(([a, not, vs]) => `${a} ${not ? 'NOT IN' : 'IN'} (${vs.join(', ')})`) },
      { weight: 1, arbitrary: fc.tuple(id, pick(['IS NULL', 'IS NOT NULL', 'is null', ...(h > 0 ? ['IS TRUE', 'IS'] : [])])).map(([a, b]) => `${a} ${b}`) },
      { weight: 1, arbitrary: fc.tuple(id, fc.boolean(), lit, lit).map(([a, not, lo, hi]) => `${a} ${not ? 'NOT BETWEEN' : 'BETWEEN'} ${lo} AND ${hi}`) },
      { weight: h, arbitrary: hostileString },
    );
  });
  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: predicate },
      { weight: 2, arbitrary: fc.tuple(tie('expr'), pick(['AND', 'OR', 'and', 'or', ...(h > 0 ? ['&&', '||', 'AND AND'] : [])]), tie('expr')).map(([a, op, b]) => `${a} ${op} ${b}`) },
      { weight: 1, arbitrary: tie('expr').map((e) => `NOT ${e}`) },
      { weight: 1, arbitrary: tie('expr').map((e) => `(${e})`) },
    ),
  }));
  return fc.oneof(
    { weight: 10, arbitrary: expr },
    { weight: h, arbitrary: fc.tuple(predicate, fc.integer({ min: 25, max: 2000 })).map(([p, n]) => `${'('.repeat(n)}${p}${')'.repeat(n)}`) },
    { weight: h, arbitrary: fc.tuple(predicate, fc.integer({ min: 200, max: 400 })).map(([p, n]) => Array.from({ length: n }, () => p).join(' OR ')) },
    { weight: h, arbitrary: column.map((c) => `${c.name} IN (${Array.from({ length: 1001 }, (_, i) => String(i)).join(',')})`) },
    { weight: h, arbitrary: hostileString },
  );
}

const AGGREGATES = ['count', 'sum', 'avg', 'min', 'max', 'COUNT', 'median', 'count distinct'];

/** `fields`/`select`: columns, `*`, aggregates, hostile names, odd separators. */
export function fieldsArb(table: FuzzTable, h = 1): fc.Arbitrary<string> {
  const names = table.columns.map((c) => c.name);
  const term = fc.oneof(
    { weight: 6, arbitrary: pick(names) },
    { weight: h, arbitrary: fc.constant('*') },
    { weight: h, arbitrary: fc.constantFrom('count(*)', 'count( * )', 'sum(*)', 'count()', 'count(count(*))', 'max(*') },
    { weight: 2 * h, arbitrary: fc.tuple(pick(AGGREGATES), pick([...names, '*', '"x"'])).map(([fn, c]) => `${fn}(${c})`) },
    { weight: h, arbitrary: hostileString },
  );
  return fc.tuple(fc.array(term, { minLength: 1, maxLength: 5 }), pick(h > 0 ? [',', ', ', ' ,', ',,'] : [',', ', '])).map(([terms, sep]) => terms.join(sep));
}

/** `fields` + `group` that fit each other: group columns and aggregates over (mostly) suitable columns. */
export function aggregateArb(table: FuzzTable): fc.Arbitrary<[string, string][]> {
  const names = table.columns.map((c) => c.name);
  const numeric = table.columns.filter((c) => ['integer', 'bigint', 'decimal', 'float'].includes(kindOf(c))).map((c) => c.name);
  const aggregate = fc.oneof(
    fc.constant('count(*)'),
    fc.tuple(pick(['count', 'min', 'max']), pick(names)).map(([fn, c]) => `${fn}(${c})`),
    fc.tuple(pick(['sum', 'avg']), pick(numeric.length > 0 ? numeric : names)).map(([fn, c]) => `${fn}(${c})`),
  );
  return fc.tuple(fc.subarray(names, { maxLength: 2 }), fc.array(aggregate, { minLength: 1, maxLength: 3 })).map(([group, aggregates]): [string, string][] => [
    ['fields', [...group, ...aggregates].join(',')],
    ...(group.length > 0 ? [['group', group.join(',')] as [string, string]] : []),
  ]);
}

/** `order`: Faucet form (`col DESC NULLS LAST`), PostgREST form (`col.desc.nullsfirst`), hostile. */
export function orderArb(table: FuzzTable, h = 1): fc.Arbitrary<string> {
  const names = table.columns.map((c) => c.name);
  const odd = <T>(items: T[]) => (h > 0 ? items : []);
  const faucet = fc
    .tuple(pick([...names, ...odd(['nope', '"x y"'])]), pick(['', ' ASC', ' desc', ' DESC', ...odd([' sideways', ' ASC DESC'])]), pick(['', '', ' NULLS FIRST', ' nulls last', ...odd([' NULLS MIDDLE', ' NULLS'])]))
    .map(([c, d, n]) => `${c}${d}${n}`);
  const postgrest = fc
    .tuple(pick([...names, ...odd(['nope', ''])]), pick(['', '.asc', '.desc', ...odd(['.up'])]), pick(['', '.nullsfirst', '.nullslast', ...odd(['.nulls'])]))
    .map(([c, d, n]) => `${c}${d}${n}`);
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(faucet, { minLength: 1, maxLength: 3 }).map((t) => t.join(', ')) },
    { weight: 3, arbitrary: fc.array(postgrest, { minLength: 1, maxLength: 3 }).map((t) => t.join(',')) },
    { weight: h, arbitrary: hostileString },
  );
}

/** `ids`: comma lists, JSON arrays (also of arrays and objects), composite tuples, hostile. */
export function idsArb(table: FuzzTable, h = 1): fc.Arbitrary<string> {
  const keyColumns = table.primary_key.map((k) => table.columns.find((c) => c.name === k)).filter((c): c is FuzzColumn => c !== undefined);
  const keyColumn = keyColumns[0] ?? table.columns[0] ?? { name: 'id', db_type: 'integer', json_type: 'integer', nullable: false, is_primary_key: true, is_generated: false };
  const tuple = keyColumns.length > 1 ? fc.tuple(...keyColumns.map((c) => valueText(c, h))) : valueText(keyColumn, h).map((v) => [v]);
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(tuple, { minLength: 1, maxLength: 4 }).map((ts) => ts.map((t) => t.join(',')).join(keyColumns.length > 1 ? ';' : ',')) },
    { weight: 2, arbitrary: fc.array(fc.oneof({ weight: 3, arbitrary: tuple.map((t) => (t.length > 1 ? t : t[0])) }, { weight: h, arbitrary: hostileJson }), { maxLength: 4 }).map((v) => JSON.stringify(v)) },
    { weight: h, arbitrary: fc.constantFrom('[', '[1,', '[]', '[[]]', '{"a":1}', '[1e999]', '[NaN]', ',', ';', ' , ', '1;2', Array.from({ length: 1001 }, (_, i) => i).join(',')) },
    { weight: h, arbitrary: hostileString },
  );
}

/** PostgREST-style `{column}.{op}=value` conditions (also the bare `{column}.is.null` keys). */
export function conditionsArb(table: FuzzTable, h = 1): fc.Arbitrary<[string, string][]> {
  const column = fc.nat(table.columns.length - 1).map((i) => table.columns[i] as FuzzColumn);
  const condition: fc.Arbitrary<[string, string]> = column.chain((c) => {
    const name = fc.oneof({ weight: 8, arbitrary: fc.constant(c.name) }, { weight: h, arbitrary: hostileString }, { weight: h, arbitrary: fc.constantFrom('', 'nope', `${table.name}.${c.name}`, 'a.b') });
    const value = valueText(c, h);
    const list = fc.array(fc.oneof(value, value.map((v) => `"${v.replace(/"/g, '\\"')}"`)), { maxLength: 4 }).map((vs) => `(${vs.join(',')})`);
    return fc.oneof(
      { weight: 5, arbitrary: fc.tuple(name, pick(['eq', 'neq', 'gt', 'gte', 'lt', 'lte']), value).map(([n, op, v]): [string, string] => [`${n}.${op}`, v]) },
      { weight: 2, arbitrary: fc.tuple(name, pick(['like', 'ilike']), value).map(([n, op, v]): [string, string] => [`${n}.${op}`, `*${v}*`]) },
      { weight: 2, arbitrary: fc.tuple(name, fc.oneof({ weight: 3, arbitrary: list }, { weight: h, arbitrary: fc.constantFrom('(', '()', '("a)', 'a,b', '(a,"b,c",\\")') }, { weight: h, arbitrary: hostileString })).map(([n, v]): [string, string] => [`${n}.in`, v]) },
      { weight: 1, arbitrary: fc.tuple(name, pick(['null', 'not.null', 'NULL', ...(h > 0 ? ['true', 'false', 'maybe', ''] : [])])).map(([n, v]): [string, string] => [`${n}.is`, v]) },
      { weight: 1, arbitrary: fc.tuple(name, pick(['is.null', 'is.not.null']), pick(h > 0 ? ['', '', 'x'] : [''])).map(([n, k, v]): [string, string] => [`${n}.${k}`, v]) },
      { weight: h, arbitrary: fc.tuple(name, pick(['eq.eq', 'not.eq', 'cs', 'fts', 'EQ'])).map(([n, op]): [string, string] => [`${n}.${op}`, '1']) },
    );
  });
  return fc.array(condition, { maxLength: 3 });
}

/** `related` with per-relation options (`{relation}.fields/.order/.limit`), real names mostly. */
export function relatedArb(table: FuzzTable, tables: ReadonlyMap<string, FuzzTable>, h = 1): fc.Arbitrary<[string, string][]> {
  const relationNames = table.relations.map((r) => r.name);
  if (relationNames.length === 0) return fc.oneof({ weight: 1, arbitrary: fc.constant<[string, string][]>([]) }, { weight: h, arbitrary: hostileString.map((v): [string, string][] => [['related', v]]) });
  const option = (relation: string): fc.Arbitrary<[string, string] | undefined> => {
    const target = tables.get(table.relations.find((r) => r.name === relation)?.target_table ?? '');
    return fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: target ? fieldsArb(target, h).map((v): [string, string] => [`${relation}.fields`, v]) : fc.constant(undefined) },
      { weight: 1, arbitrary: target ? orderArb(target, h).map((v): [string, string] => [`${relation}.order`, v]) : fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('0', '1', '5', '1001', ...(h > 0 ? ['-1', 'x', '99999999999'] : [])).map((v): [string, string] => [`${relation}.limit`, v]) },
    );
  };
  return fc
    .tuple(fc.subarray(relationNames, { minLength: 1 }), fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('*', ' * ') }, { weight: h, arbitrary: fc.constantFrom('nope', ',', '') }, { weight: h, arbitrary: hostileString }))
    .chain(([names, odd]) => {
      const value = odd ?? names.join(',');
      return fc.tuple(...names.map(option)).map((options): [string, string][] => [['related', value], ...options.filter((o): o is [string, string] => o !== undefined)]);
    });
}

/**
 * A whole read query string for `table`: any mix of the read parameters. With `h` = 0 every part is
 * well-formed (values may still miss their column's type), so requests reach the database; with
 * `h` = 1 hostile fragments, repeated and unknown parameters join in.
 */
export function readQueryArb(table: FuzzTable, tables: ReadonlyMap<string, FuzzTable>, h = 1): fc.Arbitrary<[string, string][]> {
  const others = [...tables.keys()].filter((t) => t !== table.name);
  const maybe = (key: string, value: fc.Arbitrary<string>, weight = 1) =>
    fc.oneof({ weight: 2, arbitrary: fc.constant<[string, string][]>([]) }, { weight, arbitrary: value.map((v): [string, string][] => [[key, v]]) });
  const numbers = h > 0 ? fc.constantFrom('0', '1', '3', '25', '1000', '1001', '-1', '1e3', 'abc', '', '999999999', '9999999999', '٣') : fc.constantFrom('0', '1', '3', '25', '1000', '1001', '999999999');
  return fc
    .tuple(
      maybe('filter', filterArb(table, others, h), 2),
      fc.oneof(
        { weight: 4, arbitrary: fc.tuple(maybe(h > 0 ? 'fields' : 'select', fieldsArb(table, h)), maybe('group', fieldsArb(table, h), h)).map(([a, b]) => [...a, ...b]) },
        { weight: 1, arbitrary: aggregateArb(table) },
      ),
      maybe('select', fieldsArb(table, h), h),
      maybe('order', orderArb(table, h)),
      maybe('ids', idsArb(table, h)),
      maybe('limit', numbers),
      maybe('offset', numbers),
      maybe('include_count', h > 0 ? fc.constantFrom('true', 'false', '1', 'yes', '') : fc.constantFrom('true', 'false')),
      conditionsArb(table, h),
      fc.oneof({ weight: 2, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: relatedArb(table, tables, h) }),
      fc.oneof({ weight: 6, arbitrary: fc.constant<[string, string][]>([]) }, { weight: h, arbitrary: fc.tuple(hostileString, hostileString).map((p): [string, string][] => [p]) }),
    )
    .chain((parts) => {
      const entries = parts.flat();
      // Sometimes a parameter twice (express then hands the handler an array).
      if (entries.length === 0) return fc.constant(entries);
      return fc.oneof({ weight: 5, arbitrary: fc.constant(entries) }, { weight: h, arbitrary: fc.nat(entries.length - 1).map((i) => [...entries, entries[i] as [string, string]]) });
    });
}

// ---------------------------------------------------------------------------------------------
// Write bodies

const ODD_KEYS = ['__proto__', 'constructor', 'prototype', '', ' ', 'nope', 'ids', 'resource', 'id ', 'ID', '\u0000', '"id"', 'a.b'];

/** One record for `table`: a subset of its columns with values (valid mostly), sometimes odd keys. */
export function recordArb(table: FuzzTable, h = 1): fc.Arbitrary<Record<string, unknown>> {
  // Computed columns refuse any value: only hostile records name them.
  const columns = h > 0 ? table.columns : table.columns.filter((c) => !c.is_generated);
  // Well-formed records always carry the columns an insert needs, so they reach the database.
  const required = h > 0 ? [] : columns.filter((c) => !c.nullable && c.default === undefined && !c.is_auto_increment);
  const optional = columns.filter((c) => !required.includes(c));
  return fc
    .tuple(
      fc.subarray([...optional], { maxLength: optional.length }).map((chosen) => [...required, ...chosen]).chain((chosen) => fc.tuple(...chosen.map((c) => valueJson(c, h).map((v): [string, unknown] => [c.name, v])))),
      fc.oneof({ weight: 6, arbitrary: fc.constant<[string, unknown][]>([]) }, { weight: h, arbitrary: fc.tuple(pick(ODD_KEYS), hostileJson).map((e): [string, unknown][] => [e]) }),
    )
    .map(([entries, odd]) => withKeys([...entries, ...odd]));
}

/** A write body: a record, an array of records, `{"resource": [...]}`, or something hostile. */
export function bodyArb(table: FuzzTable, h = 1): fc.Arbitrary<unknown> {
  const record = recordArb(table, h);
  return fc.oneof(
    { weight: 5, arbitrary: record },
    { weight: 4, arbitrary: fc.array(record, { minLength: 1, maxLength: 4 }) },
    { weight: 2, arbitrary: fc.array(record, { maxLength: 3 }).map((resource) => ({ resource })) },
    { weight: h, arbitrary: fc.tuple(record, fc.array(fc.oneof(record, hostileJson), { maxLength: 3 })).map(([r, rest]) => [r, ...rest]) },
    { weight: h, arbitrary: hostileJson },
    { weight: h, arbitrary: fc.constant(Array.from({ length: 1001 }, () => ({}))) },
  );
}

/** Raw body texts that are not (quite) JSON, or JSON that stresses the parser. */
export const RAW_BODIES: readonly string[] = [
  '',
  '{',
  '{"a":}',
  "{'a': 1}",
  '[1,]',
  'NaN',
  '{"a": 1}{"b": 2}',
  '\u0000',
  '\ufeff{}',
  '{"__proto__": {"isAdmin": true}}',
  '{"constructor": {"prototype": {"isAdmin": true}}}',
  '{"id": 1, "id": 2}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
  '"just a string"',
  '12345678901234567890123456789',
  'null',
  'true',
  '{"resource": {"not": "an array"}}',
  '{"ids": [1, [2], {"x": 3}]}',
];

// ---------------------------------------------------------------------------------------------
// Sending

export interface FuzzRequest {
  readonly method: string;
  /** Path segments after `/api/v1/`, each URL-encoded here (so hostile names stay one segment). */
  readonly segments: readonly string[];
  readonly query?: readonly (readonly [string, string])[];
  /** JSON body (serialised here) or `{raw, contentType}`. */
  readonly body?: { readonly json: unknown } | { readonly raw: string; readonly contentType?: string };
  readonly headers?: Readonly<Record<string, string>>;
}

export interface FuzzAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly url: string;
}

/** A request that takes longer than this has hung (the server must answer or time out by itself). */
const REQUEST_TIMEOUT_MS = 20_000;

/** encodeURIComponent, also for lone surrogates (sent as the UTF-8 bytes of U+FFFD, as browsers do). */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
}

export function urlOf(baseUrl: string, request: FuzzRequest): string {
  const path = request.segments.map(encode).join('/');
  const query = (request.query ?? []).map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  return `${baseUrl}/api/v1/${path}${query ? `?${query}` : ''}`;
}

export async function sendFuzz(baseUrl: string, token: string, request: FuzzRequest): Promise<FuzzAnswer> {
  const url = urlOf(baseUrl, request);
  const headers = new Headers(request.headers);
  if (!headers.has('authorization') && !headers.has('x-api-key')) headers.set('authorization', `Bearer ${token}`);
  let body: string | undefined;
  if (request.body && 'json' in request.body) {
    body = JSON.stringify(request.body.json) ?? 'null';
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  } else if (request.body) {
    body = request.body.raw;
    headers.set('content-type', request.body.contentType ?? 'application/json');
  }
  const started = performance.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method: request.method, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(body !== undefined ? { body } : {}) });
    text = await response.text();
  } catch (error) {
    const ms = Math.round(performance.now() - started);
    throw new Error(`no complete answer after ${ms} ms (${String(error)}): ${request.method} ${url.slice(0, 600)}`);
  }
  return { status: response.status, headers: response.headers, text, url };
}

// ---------------------------------------------------------------------------------------------
// The contract of every answer

/** Text that must never reach a client: SQL, driver error codes and messages, stack frames, paths. */
const LEAKS: readonly RegExp[] = [
  /\bSELECT\s/,
  /\bINSERT\s+INTO\b/i,
  /\bUPDATE\s+\S+\s+SET\b/i,
  /\bDELETE\s+FROM\b/i,
  /\b(?:CREATE|ALTER|DROP)\s+TABLE\b/i,
  /\bRETURNING\b/,
  /syntax error at/i,
  /error in your SQL syntax/i,
  /\bER_[A-Z_]{3,}/,
  /SQLSTATE/i,
  /\bsqlMessage\b|\bsqlState\b/,
  /duplicate key value violates/i,
  /violates (?:foreign key|not-null|check) constraint/i,
  /relation "[^"]*" does not exist/i,
  /column "[^"]*" (?:of relation "[^"]*" )?does not exist/i,
  /Unknown column '[^']*' in '/i,
  /\bat (?:async )?[\w$.<>[\] ]*\(?(?:file:\/\/)?\/[^\s)]+:\d+:\d+/,
  /\bnode_modules\b/,
  /\/(?:work|src|home|tmp)\/[\w./-]+\.(?:ts|js|mjs|cjs)\b/,
  /\b(?:postgres(?:ql)?|mysql|mariadb):\/\//i,
  /\bTypeError\b|\bRangeError\b|\bReferenceError\b|\bis not a function\b|\bCannot read properties\b/,
];

/** Every string in a JSON value (keys included), or the text itself when it is not JSON. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

/** What the request said, decoded: a leak pattern found in an echo of it is not a leak. */
function requestTexts(request: FuzzRequest): string {
  const parts: string[] = [...request.segments];
  for (const [k, v] of request.query ?? []) parts.push(k, v);
  if (request.body && 'json' in request.body) parts.push(...strings(request.body.json));
  else if (request.body) parts.push(request.body.raw);
  return parts.join('\n');
}

function describe(request: FuzzRequest, answer: FuzzAnswer): string {
  const shown = (s: string) => {
    const short = abbreviate(s);
    return short.length > 1500 ? `${short.slice(0, 1500)}… (${s.length} chars)` : short;
  };
  const body = request.body ? ('json' in request.body ? JSON.stringify(request.body.json) ?? 'undefined' : request.body.raw) : '';
  return `${request.method} ${shown(answer.url)}${body ? `\nbody: ${shown(body)}` : ''}\n→ ${answer.status} ${shown(answer.text)}`;
}

export function isErrorEnvelope(value: unknown, status: number): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const error = (value as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; context?: unknown };
  if (e.code !== status || typeof e.message !== 'string' || e.message === '') return false;
  if (typeof e.context !== 'object' || e.context === null || Array.isArray(e.context)) return false;
  const reason = (e.context as { reason?: unknown }).reason;
  return typeof reason === 'string' && reason !== '';
}

/**
 * Throws (with the request and answer) unless the answer keeps the contract: not a 5xx; an
 * `X-Request-ID`; JSON (NDJSON lines for a stream) unless it has no body; the error envelope with
 * `code` = status for every error, also per record of a 207; no leaked SQL, codes or stack frames.
 */
export function assertSafeAnswer(request: FuzzRequest, answer: FuzzAnswer): unknown {
  const fail = (what: string): never => {
    throw new Error(`${what}\n${describe(request, answer)}`);
  };
  if (answer.status >= 500) fail(`answered ${answer.status}`);
  if (!answer.headers.get('x-request-id')) fail('no X-Request-ID header');
  const noBody = request.method === 'HEAD' || answer.status === 204 || answer.status === 304;
  if (noBody) return undefined;
  const ndjson = (answer.headers.get('content-type') ?? '').includes('ndjson');
  let parsed: unknown;
  try {
    parsed = ndjson ? answer.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) : JSON.parse(answer.text);
  } catch {
    fail('the body is not JSON');
  }
  if (answer.status >= 400 && !isErrorEnvelope(parsed, answer.status)) fail('not the error envelope {"error":{"code"=status,"message","context":{"reason"}}}');
  if (answer.status === 207) {
    const errors = (parsed as { errors?: unknown }).errors;
    if (!Array.isArray(errors) || errors.length === 0) fail('a 207 without errors');
    for (const entry of errors as { error?: { code?: unknown } }[]) {
      const code = entry.error?.code;
      if (typeof code !== 'number' || code < 400 || code >= 500 || !isErrorEnvelope({ error: entry.error }, code)) fail('a 207 record error that is not a 4xx envelope');
    }
  }
  const echoed = requestTexts(request);
  for (const text of strings(parsed)) {
    for (const pattern of LEAKS) {
      const match = pattern.exec(text);
      if (match && !echoed.includes(match[0])) fail(`leaked ${JSON.stringify(match[0])} in ${JSON.stringify(text.slice(0, 300))}`);
    }
  }
  return parsed;
}

/** Fetches the service's schema (as the admin) for the generators. */
export async function loadFuzzTables(baseUrl: string, token: string, service: string): Promise<Map<string, FuzzTable>> {
  const answer = await sendFuzz(baseUrl, token, { method: 'GET', segments: [service, '_schema'] });
  if (answer.status !== 200) throw new Error(`cannot read the schema: ${answer.status} ${answer.text}`);
  const tables = (JSON.parse(answer.text) as { resource: FuzzTable[] }).resource;
  return new Map(tables.map((t) => [t.name, t]));
}
