/**
 * Binding call arguments by name to the positional IR call: inputs vs OUT parameters per engine,
 * defaults, and the 400s. SQL behaviour is covered on real engines in
 * test/integration/procedures.test.ts; here the rules are pinned down without a database.
 */
import { describe, expect, it } from 'vitest';
import type { Catalog, Procedure, ProcedureParameter } from '../../../src/catalog/catalog-types.js';
import { isApiError } from '../../../src/errors.js';
import { planCall } from '../../../src/query/call-plan.js';
import { tinyCatalog } from '../../support/tiny-catalog.js';

const parameter = (name: string, position: number, extra: Partial<ProcedureParameter> = {}): ProcedureParameter => ({
  name,
  position,
  mode: 'in',
  dbType: 'integer',
  valueType: 'integer',
  hasDefault: false,
  ...extra,
});

function procedure(name: string, parameters: ProcedureParameter[], extra: Partial<Procedure> = {}): Procedure {
  return {
    name,
    schema: 'lib',
    kind: 'function',
    parameters,
    returnType: 'integer',
    returnValueType: 'integer',
    returnsSet: false,
    volatility: 'volatile',
    ...extra,
  };
}

const postgres: Catalog = tinyCatalog();
const mysql: Catalog = { ...postgres, engine: 'mysql', variant: 'mariadb' };

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isApiError(error)) return error.reason;
    throw error;
  }
  return undefined;
}

describe('planCall', () => {
  const addInts = procedure('add_ints', [parameter('a', 1), parameter('b', 2, { hasDefault: true }), parameter('c', 3, { hasDefault: true })]);

  it('binds by name in declared order, coercing text from the query string', () => {
    const call = planCall(postgres, addInts, { c: 3, a: '1', b: 2 });
    expect(call.args.map((a) => a.value.value)).toEqual([1, 2, 3]);
    expect(call.returns).toEqual([{ name: 'add_ints', valueType: 'integer' }]);
  });

  it('leaves trailing defaulted parameters to the database, but not a gap before a given one', () => {
    expect(planCall(postgres, addInts, { a: 1 }).args).toHaveLength(1);
    expect(planCall(postgres, addInts, { a: 1, b: 2 }).args).toHaveLength(2);
    expect(reasonOf(() => planCall(postgres, addInts, { a: 1, c: 3 }))).toBe('invalidParameter');
    expect(reasonOf(() => planCall(postgres, addInts, { b: 1 }))).toBe('missingParameter');
  });

  it('refuses unknown names, OUT parameters as input, and mistyped values', () => {
    const withOut = procedure('f', [parameter('a', 1), parameter('total', 2, { mode: 'out' })]);
    expect(reasonOf(() => planCall(postgres, withOut, { a: 1, total: 2 }))).toBe('unknownParameter');
    expect(reasonOf(() => planCall(postgres, addInts, { a: 1, d: 1 }))).toBe('unknownParameter');
    expect(reasonOf(() => planCall(postgres, addInts, { a: 'x' }))).toBe('invalidValue');
    expect(reasonOf(() => planCall(postgres, addInts, { a: [1] }))).toBe('invalidValue');
    expect(reasonOf(() => planCall(postgres, addInts, { a: true }))).toBe('invalidValue');
  });

  it('passes OUT parameters of a PostgreSQL procedure as NULL arguments and expects them back', () => {
    const bump = procedure('bump', [parameter('id', 1), parameter('new_qty', 2, { mode: 'out' })], {
      kind: 'procedure',
      returnType: null,
      returnValueType: null,
    });
    const call = planCall(postgres, bump, { id: 7 });
    expect(call.args.map((a) => a.value.value)).toEqual([7, null]);
    expect(call.returns).toEqual([{ name: 'new_qty', valueType: 'integer' }]);
    // A PostgreSQL function takes only its inputs; its OUT parameters are result columns.
    const fn = procedure('pair', [parameter('x', 1), parameter('y', 2, { mode: 'out' }), parameter('z', 3, { mode: 'out' })]);
    expect(planCall(postgres, fn, { x: 1 }).args).toHaveLength(1);
    expect(planCall(postgres, fn, { x: 1 }).returns?.map((r) => r.name)).toEqual(['y', 'z']);
    expect(reasonOf(() => planCall(mysql, bump, { id: 7 }))).toBe('unsupportedCall');
  });

  it('refuses routines it cannot bind by name', () => {
    expect(reasonOf(() => planCall(postgres, procedure('u', [parameter('', 1)]), {}))).toBe('unsupportedCall');
    expect(reasonOf(() => planCall(postgres, procedure('v', [parameter('xs', 1, { mode: 'variadic', valueType: { kind: 'array', of: 'integer' } })]), { xs: [1] }))).toBe(
      'unsupportedCall',
    );
  });

  it('types array and JSON arguments element by element', () => {
    const f = procedure('g', [parameter('xs', 1, { valueType: { kind: 'array', of: 'bigint' }, dbType: 'bigint[]' }), parameter('doc', 2, { valueType: 'json', dbType: 'jsonb' })]);
    const call = planCall(postgres, f, { xs: ['9007199254740993', 2, null], doc: [1, { a: null }] });
    expect(call.args.map((a) => a.value.value)).toEqual([['9007199254740993', '2', null], [1, { a: null }]]);
    expect(reasonOf(() => planCall(postgres, f, { xs: 5, doc: null }))).toBe('invalidValue');
  });

  it('returns the rows of SETOF a known table with that table’s columns', () => {
    const setof = procedure('recent_books', [], { returnType: 'lib.books', returnValueType: 'string', returnsSet: true });
    const books = postgres.tables.get('books');
    expect(planCall(postgres, setof, {}).returns?.map((r) => r.name)).toEqual(books?.columns.map((c) => c.name));
  });
});
