/**
 * The pure half of the PostgreSQL introspector: catalog JSON (as the introspection query returns it)
 * → RawCatalog. Small hand-written inputs; the integration suite covers the query itself.
 */
import { describe, expect, it } from 'vitest';

import {
  mapPostgresIntrospection,
  parseIntrospectionJson,
  type PostgresIntrospection,
} from '../../../src/dialects/postgres/postgres-introspector.js';

type TypeRow = PostgresIntrospection['types'][number];
type ColumnRow = PostgresIntrospection['columns'][number];
type ProcedureRow = PostgresIntrospection['procedures'][number];

// Real pg_catalog oids, for realism only: the mapping never relies on them.
const INT4 = 23;
const INT8 = 20;
const TEXT = 25;
const VARCHAR = 1043;
const NUMERIC = 1700;
const RECORD = 2249;
const VOID = 2278;
const INT4_ARRAY = 1007;
// User types.
const MOOD = 90001;
const MOOD_ARRAY = 90002;
const MOOD_DOMAIN = 90003;
const MOOD_DOMAIN_ARRAY = 90004;
const MOOD_DOMAIN_DOMAIN = 90005;
const CODE = 90006;
const COUNT = 90007;
const COUNT_ALIAS = 90008;
const CYCLE_A = 90009;
const CYCLE_B = 90010;
const HSTORE = 90011;
const INT_LIST = 90012;
const INT_LIST_ARRAY = 90013;

function builtin(oid: number, name: string, formatted: string, extra: Partial<TypeRow> = {}): TypeRow {
  return {
    oid,
    name,
    namespace: 'pg_catalog',
    formatted,
    typtype: 'b',
    isArray: false,
    elemOid: 0,
    baseTypeOid: 0,
    typmod: -1,
    notNull: false,
    default: null,
    enumLabels: null,
    ...extra,
  };
}

function userType(oid: number, name: string, extra: Partial<TypeRow>): TypeRow {
  return { ...builtin(oid, name, name), namespace: 'app', ...extra };
}

const TYPES: TypeRow[] = [
  builtin(INT4, 'int4', 'integer'),
  builtin(INT8, 'int8', 'bigint'),
  builtin(TEXT, 'text', 'text'),
  builtin(VARCHAR, 'varchar', 'character varying'),
  builtin(NUMERIC, 'numeric', 'numeric'),
  builtin(RECORD, 'record', 'record', { typtype: 'p' }),
  builtin(VOID, 'void', 'void', { typtype: 'p' }),
  builtin(INT4_ARRAY, '_int4', 'integer[]', { isArray: true, elemOid: INT4 }),
  userType(MOOD, 'mood', { typtype: 'e', enumLabels: ['sad', 'meh', 'happy'] }),
  userType(MOOD_ARRAY, '_mood', { formatted: 'mood[]', isArray: true, elemOid: MOOD }),
  userType(MOOD_DOMAIN, 'mood_domain', { typtype: 'd', baseTypeOid: MOOD }),
  userType(MOOD_DOMAIN_ARRAY, '_mood_domain', { formatted: 'mood_domain[]', isArray: true, elemOid: MOOD_DOMAIN }),
  userType(MOOD_DOMAIN_DOMAIN, 'mood_domain_domain', { typtype: 'd', baseTypeOid: MOOD_DOMAIN }),
  userType(CODE, 'code', { typtype: 'd', baseTypeOid: VARCHAR, typmod: 8 + 4 }),
  userType(COUNT, 'visit_count', { typtype: 'd', baseTypeOid: INT4, notNull: true, default: '0' }),
  userType(COUNT_ALIAS, 'visit_count_alias', { typtype: 'd', baseTypeOid: COUNT, default: null }),
  userType(CYCLE_A, 'cycle_a', { typtype: 'd', baseTypeOid: CYCLE_B }),
  userType(CYCLE_B, 'cycle_b', { typtype: 'd', baseTypeOid: CYCLE_A }),
  userType(HSTORE, 'hstore', { namespace: 'public' }),
  userType(INT_LIST, 'int_list', { typtype: 'd', baseTypeOid: INT4_ARRAY }),
  userType(INT_LIST_ARRAY, '_int_list', { formatted: 'int_list[]', isArray: true, elemOid: INT_LIST }),
];

function col(table: string, attnum: number, name: string, typeOid: number, extra: Partial<ColumnRow> = {}): ColumnRow {
  return {
    table,
    attnum,
    name,
    typeOid,
    typmod: -1,
    notNull: false,
    identity: '',
    generated: '',
    default: null,
    defaultUsesOwnedSequence: false,
    comment: null,
    ...extra,
  };
}

function proc(name: string, extra: Partial<ProcedureRow>): ProcedureRow {
  return {
    name,
    prokind: 'f',
    returnsSet: false,
    volatility: 'v',
    returnTypeOid: INT4,
    argTypeOids: [],
    argNames: null,
    argModes: null,
    defaultCount: 0,
    comment: null,
    ...extra,
  };
}

function introspection(parts: Partial<PostgresIntrospection>): PostgresIntrospection {
  return {
    schemaExists: true,
    relations: [],
    columns: [],
    constraints: [],
    indexes: [],
    procedures: [],
    types: TYPES,
    ...parts,
  };
}

function map(parts: Partial<PostgresIntrospection>) {
  return mapPostgresIntrospection(introspection(parts), 'pglite', '18.6', 'app');
}

function columnOf(parts: Partial<PostgresIntrospection>, name: string) {
  const found = map(parts).columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

describe('mapPostgresIntrospection', () => {
  it('fills the header from its arguments', () => {
    expect(map({})).toEqual({
      engine: 'postgres',
      variant: 'pglite',
      serverVersion: '18.6',
      schema: 'app',
      introspectionVersion: 1,
      relations: [],
      columns: [],
      constraints: [],
      indexes: [],
      procedures: [],
    });
  });

  it('renumbers positions 1..n per table in attnum order, closing gaps left by dropped columns', () => {
    const catalog = map({
      columns: [
        col('b', 7, 'b_last', INT4),
        col('a', 4, 'a_second', INT4),
        col('b', 2, 'b_first', INT4),
        col('a', 1, 'a_first', INT4),
        col('a', 9, 'a_third', INT4),
      ],
    });
    expect(catalog.columns.map((c) => [c.table, c.name, c.position])).toEqual([
      ['a', 'a_first', 1],
      ['a', 'a_second', 2],
      ['a', 'a_third', 3],
      ['b', 'b_first', 1],
      ['b', 'b_last', 2],
    ]);
  });

  it('resolves enums through domains and arrays, keeping the labels', () => {
    const labels = ['sad', 'meh', 'happy'];
    const columns = [
      col('t', 1, 'plain', MOOD),
      col('t', 2, 'list', MOOD_ARRAY),
      col('t', 3, 'domain', MOOD_DOMAIN),
      col('t', 4, 'domain_list', MOOD_DOMAIN_ARRAY),
      col('t', 5, 'domain_of_domain', MOOD_DOMAIN_DOMAIN),
    ];
    const catalog = map({ columns });
    expect(catalog.columns.map((c) => [c.name, c.dbType, c.valueType, c.enumValues])).toEqual([
      ['plain', 'mood', 'enum', labels],
      ['list', 'mood[]', { kind: 'array', of: 'enum' }, labels],
      ['domain', 'mood_domain', 'enum', labels],
      ['domain_list', 'mood_domain[]', { kind: 'array', of: 'enum' }, labels],
      ['domain_of_domain', 'mood_domain_domain', 'enum', labels],
    ]);
  });

  it('flattens an array of a domain over an array to one array level', () => {
    expect(columnOf({ columns: [col('t', 1, 'x', INT_LIST)] }, 'x').valueType).toEqual({ kind: 'array', of: 'integer' });
    expect(columnOf({ columns: [col('t', 1, 'x', INT_LIST_ARRAY)] }, 'x').valueType).toEqual({ kind: 'array', of: 'integer' });
  });

  it('maps unknown, extension and cyclic types to string without failing', () => {
    const catalog = map({
      columns: [col('t', 1, 'missing', 123456), col('t', 2, 'ext', HSTORE), col('t', 3, 'cycle', CYCLE_A)],
    });
    expect(catalog.columns.map((c) => [c.name, c.dbType, c.valueType])).toEqual([
      ['missing', 'unknown', 'string'],
      ['ext', 'hstore', 'string'],
      ['cycle', 'cycle_a', 'string'],
    ]);
  });

  it('decodes varchar and numeric typmods, also from a domain, including negative numeric scales', () => {
    const modsOf = (row: ColumnRow) => {
      const c = columnOf({ columns: [row] }, row.name);
      return [c.maxLength, c.precision, c.scale];
    };
    expect(modsOf(col('t', 1, 'v', VARCHAR, { typmod: 20 + 4 }))).toEqual([20, null, null]);
    expect(modsOf(col('t', 1, 'v', VARCHAR))).toEqual([null, null, null]);
    expect(modsOf(col('t', 1, 'c', CODE))).toEqual([8, null, null]);
    expect(modsOf(col('t', 1, 'n', NUMERIC, { typmod: ((10 << 16) | 2) + 4 }))).toEqual([null, 10, 2]);
    // numeric(3, -2): scale is an 11-bit two's complement field.
    expect(modsOf(col('t', 1, 'n', NUMERIC, { typmod: ((3 << 16) | (-2 & 0x7ff)) + 4 }))).toEqual([null, 3, -2]);
    expect(modsOf(col('t', 1, 'n', NUMERIC))).toEqual([null, null, null]);
    expect(modsOf(col('t', 1, 'i', INT4, { typmod: 99 }))).toEqual([null, null, null]);
  });

  it('takes NOT NULL from the domain chain and the default from the column or its own domain', () => {
    expect(columnOf({ columns: [col('t', 1, 'c', COUNT)] }, 'c')).toMatchObject({ nullable: false, defaultValue: '0' });
    expect(columnOf({ columns: [col('t', 1, 'c', COUNT, { default: '5' })] }, 'c')).toMatchObject({ defaultValue: '5' });
    // The outer domain dropped its default: the inner one's does not apply, its NOT NULL does.
    expect(columnOf({ columns: [col('t', 1, 'c', COUNT_ALIAS)] }, 'c')).toMatchObject({ nullable: false, defaultValue: null });
  });

  it('classifies generated columns', () => {
    const catalog = map({
      columns: [
        col('t', 1, 'always', INT4, { identity: 'a', notNull: true }),
        col('t', 2, 'by_default', INT4, { identity: 'd', notNull: true }),
        col('t', 3, 'serial', INT4, { default: "nextval('t_serial_seq'::regclass)", defaultUsesOwnedSequence: true }),
        col('t', 4, 'borrowed', INT8, { default: "nextval('shared_seq'::regclass)" }),
        col('t', 5, 'stored', INT4, { generated: 's', default: '(always * 2)' }),
        col('t', 6, 'virtual', INT4, { generated: 'v', default: '(always * 3)' }),
        col('t', 7, 'owned_but_other_default', INT4, { default: '42', defaultUsesOwnedSequence: true }),
      ],
    });
    expect(catalog.columns.map((c) => [c.name, c.generated, c.defaultValue])).toEqual([
      ['always', 'identity', null],
      ['by_default', 'identity', null],
      ['serial', 'serial', "nextval('t_serial_seq'::regclass)"],
      ['borrowed', null, "nextval('shared_seq'::regclass)"],
      ['stored', 'computed', null],
      ['virtual', 'computed', null],
      ['owned_but_other_default', null, '42'],
    ]);
  });

  it('reads view writability from the pg_relation_is_updatable bits', () => {
    const catalog = map({
      relations: [
        { name: 'v_all', relkind: 'v', updatableFlags: 4 | 8 | 16, comment: null },
        { name: 'v_insert', relkind: 'v', updatableFlags: 8, comment: null },
        { name: 'v_update', relkind: 'v', updatableFlags: 4, comment: null },
        { name: 'v_delete', relkind: 'v', updatableFlags: 16, comment: null },
        { name: 'v_none', relkind: 'v', updatableFlags: 0, comment: 'x' },
        { name: 'm', relkind: 'm', updatableFlags: null, comment: null },
        { name: 'f', relkind: 'f', updatableFlags: null, comment: null },
        { name: 'p', relkind: 'p', updatableFlags: null, comment: null },
      ],
    });
    expect(catalog.relations.map((r) => [r.name, r.kind, r.insertable, r.updatable, r.deletable])).toEqual([
      ['f', 'table', true, true, true],
      ['m', 'materializedView', false, false, false],
      ['p', 'table', true, true, true],
      ['v_all', 'view', true, true, true],
      ['v_delete', 'view', false, false, true],
      ['v_insert', 'view', true, false, false],
      ['v_none', 'view', false, false, false],
      ['v_update', 'view', false, true, false],
    ]);
  });

  it('maps constraint kinds and foreign key actions', () => {
    const catalog = map({
      constraints: [
        {
          table: 't',
          name: 't_fk',
          contype: 'f',
          columns: ['b', 'a'],
          targetTable: 'u',
          targetColumns: ['y', 'x'],
          onUpdate: 'c',
          onDelete: 'n',
        },
        { table: 't', name: 't_pkey', contype: 'p', columns: ['id'], targetTable: null, targetColumns: null, onUpdate: ' ', onDelete: ' ' },
        { table: 't', name: 't_key', contype: 'u', columns: ['a', 'b'], targetTable: null, targetColumns: null, onUpdate: ' ', onDelete: ' ' },
        { table: 'a', name: 'a_fk', contype: 'f', columns: ['x'], targetTable: 'a', targetColumns: ['id'], onUpdate: 'r', onDelete: 'd' },
      ],
    });
    expect(catalog.constraints.map((c) => [c.table, c.name, c.kind, c.columns, c.targetTable, c.targetColumns, c.onUpdate, c.onDelete])).toEqual([
      ['a', 'a_fk', 'foreignKey', ['x'], 'a', ['id'], 'RESTRICT', 'SET DEFAULT'],
      ['t', 't_fk', 'foreignKey', ['b', 'a'], 'u', ['y', 'x'], 'CASCADE', 'SET NULL'],
      ['t', 't_key', 'unique', ['a', 'b'], null, null, null, null],
      ['t', 't_pkey', 'primaryKey', ['id'], null, null, null, null],
    ]);
  });

  it('maps parameters: modes, names, defaults on the last input parameters', () => {
    const catalog = map({
      procedures: [
        proc('f', {
          // f(a int, OUT o int, b int DEFAULT, INOUT c int DEFAULT, OUT p text)
          returnTypeOid: RECORD,
          argTypeOids: [INT4, INT4, INT4, INT4, TEXT],
          argNames: ['a', 'o', 'b', 'c', 'p'],
          argModes: ['i', 'o', 'i', 'b', 'o'],
          defaultCount: 2,
        }),
      ],
    });
    const [f] = catalog.procedures;
    expect(f?.parameters.map((p) => [p.name, p.position, p.mode, p.hasDefault])).toEqual([
      ['a', 1, 'in', false],
      ['o', 2, 'out', false],
      ['b', 3, 'in', true],
      ['c', 4, 'inout', true],
      ['p', 5, 'out', false],
    ]);
    expect(f).toMatchObject({ returnType: 'record', returnValueType: 'string', kind: 'function', volatility: 'volatile' });
  });

  it('defaults missing modes to IN and missing names to empty strings', () => {
    const catalog = map({
      procedures: [proc('g', { argTypeOids: [INT4, MOOD_DOMAIN], defaultCount: 1, volatility: 'i' })],
    });
    expect(catalog.procedures[0]?.parameters).toEqual([
      { name: '', position: 1, mode: 'in', dbType: 'integer', valueType: 'integer', hasDefault: false },
      { name: '', position: 2, mode: 'in', dbType: 'mood_domain', valueType: 'enum', hasDefault: true },
    ]);
    expect(catalog.procedures[0]?.volatility).toBe('immutable');
  });

  it('reports no return type for procedures and void functions', () => {
    const catalog = map({
      procedures: [
        proc('p', { prokind: 'p', returnTypeOid: RECORD, argTypeOids: [INT4], argModes: ['b'], argNames: ['x'] }),
        proc('v', { returnTypeOid: VOID, volatility: 's' }),
        proc('s', { returnTypeOid: INT4_ARRAY, returnsSet: true }),
      ],
    });
    expect(catalog.procedures.map((p) => [p.name, p.kind, p.returnType, p.returnValueType, p.returnsSet, p.volatility])).toEqual([
      ['p', 'procedure', null, null, false, 'volatile'],
      ['s', 'function', 'integer[]', { kind: 'array', of: 'integer' }, true, 'volatile'],
      ['v', 'function', null, null, false, 'stable'],
    ]);
  });

  it('sorts deterministically by code unit: names, then parameter count, then parameter types', () => {
    const catalog = map({
      relations: [
        { name: 'b', relkind: 'r', updatableFlags: null, comment: null },
        { name: 'B', relkind: 'r', updatableFlags: null, comment: null },
        { name: 'a', relkind: 'r', updatableFlags: null, comment: null },
      ],
      indexes: [
        { table: 'b', name: 'z', columns: ['x'], unique: false, primary: false, method: 'btree', predicate: null },
        { table: 'a', name: 'y', columns: ['x'], unique: false, primary: false, method: 'btree', predicate: null },
        { table: 'b', name: 'a', columns: ['lower(x)'], unique: true, primary: false, method: 'btree', predicate: null },
      ],
      procedures: [
        proc('f', { argTypeOids: [TEXT, TEXT] }),
        proc('f', { argTypeOids: [INT4, INT4] }),
        proc('f', { argTypeOids: [INT4] }),
        proc('E', {}),
      ],
    });
    expect(catalog.relations.map((r) => r.name)).toEqual(['B', 'a', 'b']);
    expect(catalog.indexes.map((i) => `${i.table}.${i.name}`)).toEqual(['a.y', 'b.a', 'b.z']);
    expect(catalog.procedures.map((p) => `${p.name}(${p.parameters.map((x) => x.dbType).join(',')})`)).toEqual([
      'E()',
      'f(integer)',
      'f(integer,integer)',
      'f(text,text)',
    ]);
  });
});

describe('parseIntrospectionJson', () => {
  it('accepts the parsed value and its JSON text alike', () => {
    const value = introspection({ columns: [col('t', 1, 'a', INT4)] });
    expect(parseIntrospectionJson(value)).toEqual(value);
    expect(parseIntrospectionJson(JSON.stringify(value))).toEqual(value);
  });

  it('rejects a value of the wrong shape with a descriptive error', () => {
    expect(() => parseIntrospectionJson({ relations: [] })).toThrow(/unexpected shape/);
    expect(() => parseIntrospectionJson(null)).toThrow(/unexpected shape/);
  });
});
