/**
 * Builds the GraphQL schema of one service for one caller's view: per table an object type, its
 * `T_bool_exp`, `T_order_by`, `T_select_column` and aggregate types, and the root fields `T`,
 * `T_by_pk`, `T_aggregate` and `T_connection` (Hasura's shapes; paging in graphql-connections.ts).
 * Only tables the caller may read appear, with only the columns its grant shows; relationships
 * appear when the caller may read their target (and junction) and their key.
 *
 * Resolvers build the query IR, ask the authorizer for the table's grant (once per request and
 * table), apply it with `applyGrant` and run the statement. Relationships load through the
 * executor's relation loader, which batches: all parent rows of one level cost one statement.
 * Many-to-many fields, `<rel>_aggregate` and the relationship scope of filters and orders are in
 * graphql-relations.ts; statements are authorized through graphql-grants.ts.
 * Extensions (`SchemaParts`) add the Mutation fields and the SQL routine fields on the same types.
 *
 * May import: catalog, query, auth, executor, errors.
 */
import type { EnumRef, ImplementableInputObjectRef, ImplementableObjectRef, InputFieldBuilder, InputObjectRef } from '@pothos/core';
import type { FieldNode, GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Column, ScalarValueType, Table } from '../catalog/catalog-types.js';
import type { Row } from '../dialects/dialect.js';
import { requestErrors } from '../errors.js';
import { loadRelatedTo, type KeyedRelation, type RelationLoadSpec } from '../executor/relation-loader.js';
import { and, columnItem, columnRef, tableRef } from '../query/ir-factories.js';
import type { Expr, Select, SelectItem, TableRef } from '../query/ir.js';
import { statementShape } from '../query/statement-shape.js';
import { connectionOf, planPage, type Connection, type ConnectionArgs, type PageInfo } from './graphql-connections.js';
import { keyCondition, keyParams, keyValues, ORDER_DIRECTIONS, orderAndDistinct, whereToExpr, type BoolExp, type ColumnFields, type FilterLimits, type RelationScope } from './graphql-filters.js';
import { authorizeSelect } from './graphql-grants.js';
import { argumentsKey, FieldPlans, type BoundPlan } from './graphql-plans.js';
import { jsonComparisonInput } from './graphql-json.js';
import { enumValueName, fieldName, tableTypeName } from './graphql-names.js';
import { manyToManyRows, relationAggregate, relationScope, usableRelations, type ManyToMany } from './graphql-relations.js';
import { createBuilder, registerScalars, SCALAR_NAMES, type Builder, type BuilderTypes, type GraphqlContext } from './graphql-scalars.js';

/** What one caller may read: tables by SQL name, with the columns their grant shows. */
export type Visibility = ReadonlyMap<string, ReadonlySet<string> | 'all'>;

export interface SchemaLimits extends FilterLimits {
  readonly maxLimit: number;
}

export type ObjectRef = ImplementableObjectRef<BuilderTypes, Row>;
type InputRef = InputObjectRef<BuilderTypes, BoolExp>;
export type ImplementableInputRef = ImplementableInputObjectRef<BuilderTypes, BoolExp>;
/** What a `T_aggregate` object resolves from: its arguments, and the parent row for `<rel>_aggregate`. */
interface AggregateParent {
  readonly args: ListArgs;
  readonly parent?: { readonly relation: KeyedRelation; readonly row: Row };
}
export type ColumnScalar = 'String' | 'Int' | 'Float' | 'Boolean' | keyof BuilderTypes['Scalars'] | EnumRef<BuilderTypes, string>;

export const NUMERIC = new Set<string>(['integer', 'bigint', 'decimal', 'float']);
/** Types that compare and order meaningfully on every engine (json, bytes and arrays do not). */
export const ORDERED = new Set<string>([...NUMERIC, 'string', 'enum', 'date', 'time', 'timestamp', 'timestamptz', 'uuid', 'boolean']);
const AGGREGATES = ['sum', 'avg', 'min', 'max'] as const;
/** Output names of aggregate statements: short (PostgreSQL cuts identifiers at 63 bytes) and reserved, so no join key column shares them. */
const COUNT_ALIAS = '__sluice_count';
const AGGREGATE_ALIAS = '__sluice_a';

/** Per-table facts shared by the builders below. */
export interface TableModel {
  readonly table: Table;
  readonly typeName: string;
  readonly columns: readonly Column[];
  /** GraphQL field name → column, for every shown column. */
  readonly fields: ColumnFields;
  /** Whether the whole primary key is shown (it then breaks ties in every order, and `T_by_pk` exists). */
  readonly keyVisible: boolean;
  /** SQL names of the shown columns. */
  readonly shown: ReadonlySet<string>;
  /** What every read of the table selects from and selects: the shown columns (made once: reads build no copies). */
  readonly from: TableRef;
  readonly items: readonly SelectItem[];
}

interface ListArgs {
  readonly where?: BoolExp | null;
  readonly order_by?: readonly BoolExp[] | null;
  readonly limit?: number | null;
  readonly offset?: number | null;
  readonly distinct_on?: readonly string[] | null;
}

/** Object relationships an `order_by` may follow in a row. */
const MAX_ORDER_HOPS = 4;

/** Where a request keeps the load specs of its relationship fields (RequestContext.cached). */
const RELATION_SPECS = 'graphql-relation-specs';

function checkedLimit(limit: number | null | undefined, maxLimit: number): number {
  if (limit === null || limit === undefined) return maxLimit;
  if (limit < 0) throw requestErrors.invalidParameter('limit', 'must not be negative');
  if (limit > maxLimit) throw requestErrors.invalidParameter('limit', `must be at most ${maxLimit}`);
  return limit;
}

function checkedOffset(offset: number | null | undefined): number | undefined {
  if (offset === null || offset === undefined || offset === 0) return undefined;
  if (offset < 0) throw requestErrors.invalidParameter('offset', 'must not be negative');
  return offset;
}

/** Reads every shown column: rows then carry whatever a selection or a relationship key needs. */
function baseSelect(model: TableModel, where: Expr | undefined, orderBy: Select['orderBy'], distinctOn?: Select['distinctOn']): Select {
  return {
    kind: 'select',
    from: model.from,
    items: model.items,
    ...(where ? { where } : {}),
    orderBy,
    ...(distinctOn ? { distinctOn } : {}),
  };
}

/** Whether `fn` applies to a column of this type, and the type of its result. */
function aggregateType(fn: (typeof AGGREGATES)[number], type: string, scalar: ColumnScalar): ColumnScalar | undefined {
  if (fn === 'sum') return !NUMERIC.has(type) ? undefined : type === 'integer' ? 'bigint' : type === 'float' ? 'Float' : 'numeric';
  if (fn === 'avg') return !NUMERIC.has(type) ? undefined : type === 'float' ? 'Float' : 'numeric';
  return ORDERED.has(type) && type !== 'boolean' && type !== 'uuid' ? scalar : undefined;
}

/**
 * What an extension (mutations, SQL functions) adds its types and fields with: the builder, the
 * shown tables, their object and `T_bool_exp` types, and the GraphQL type of a column's values.
 */
export interface SchemaParts {
  readonly builder: Builder;
  readonly models: ReadonlyMap<string, TableModel>;
  readonly filterLimits: FilterLimits;
  /** The relationships filters may go through (mutations' `where` as well as reads'). */
  readonly relationScope: RelationScope;
  objectOf(model: TableModel): ObjectRef;
  boolExpOf(model: TableModel): ImplementableInputRef;
  columnType(model: TableModel, column: Column): ColumnScalar | [ColumnScalar];
  /** Adds root Mutation fields (the Mutation type exists only when some extension adds one). */
  mutationFields: Builder['mutationFields'];
}

export type SchemaExtension = (parts: SchemaParts) => void;

export function buildSchema(
  visibility: Visibility,
  tables: ReadonlyMap<string, Table>,
  limits: SchemaLimits,
  logger?: Logger,
  extensions: readonly SchemaExtension[] = [],
): GraphQLSchema {
  const builder = createBuilder();
  registerScalars(builder);
  const filterLimits: FilterLimits = { maxDepth: limits.maxDepth, maxInList: limits.maxInList };

  const orderEnum = builder.enumType('order_by', {
    description: 'Sort direction; asc puts NULLs last and desc first, on every engine',
    values: Object.fromEntries(Object.keys(ORDER_DIRECTIONS).map((name) => [name, { value: name }])),
  });

  const models = new Map<string, TableModel>();
  const typeNames = new Set<string>(['order_by']);
  for (const [name, visible] of visibility) {
    const table = tables.get(name);
    if (!table) continue;
    const columns = table.columns.filter((c) => visible === 'all' || visible.has(c.name));
    if (columns.length === 0) continue;
    const keyVisible = table.primaryKey.length > 0 && table.primaryKey.every((k) => visible === 'all' || visible.has(k));
    const shown = new Set(columns.map((c) => c.name));
    const model: TableModel = {
      table,
      typeName: tableTypeName(table.name),
      columns,
      fields: new Map(columns.map((c) => [fieldName(c.name), c])),
      keyVisible,
      shown,
      from: tableRef(table),
      items: Object.freeze(columns.map((c) => columnItem(columnRef(table, c)))),
    };
    models.set(name, model);
    for (const suffix of ['', '_bool_exp', '_order_by', '_aggregate', '_aggregate_fields', '_sum_fields', '_avg_fields', '_min_fields', '_max_fields', '_select_column', '_connection', '_edge']) {
      typeNames.add(`${model.typeName}${suffix}`);
    }
  }
  const scope = relationScope(models, MAX_ORDER_HOPS);

  // Enums: one GraphQL enum per distinct (type name, labels); a name already taken gets `_2`, `_3`…
  const enums = new Map<string, EnumRef<BuilderTypes, string>>();
  const enumOf = (model: TableModel, column: Column): EnumRef<BuilderTypes, string> => {
    const labels = column.enumValues ?? [];
    // PostgreSQL enums have a type name; MySQL ones (`enum('a','b')`) are named after table and column.
    const base = /^enum\(/i.test(column.dbType) ? `${model.table.name}_${column.name}` : column.dbType.replace(/\[\]$/, '');
    const key = JSON.stringify([base, labels]);
    let ref = enums.get(key);
    if (!ref) {
      let name = `${tableTypeName(base)}_enum`;
      for (let i = 2; typeNames.has(name); i += 1) name = `${tableTypeName(base)}_enum_${i}`;
      typeNames.add(name);
      const values: Record<string, { value: string }> = {};
      for (const label of labels) values[enumValueName(label)] = { value: label };
      ref = builder.enumType(name, { values }) as EnumRef<BuilderTypes, string>;
      enums.set(key, ref);
    }
    return ref;
  };
  const scalarOf = (model: TableModel, column: Column, type: ScalarValueType): ColumnScalar => {
    if (type !== 'enum') return SCALAR_NAMES[type] as ColumnScalar;
    if (column.enumValues && column.enumValues.length > 0) return enumOf(model, column);
    logger?.warn({ table: model.table.name, column: column.name }, 'GraphQL: an enum column without known labels is typed String');
    return 'String';
  };
  const columnTypeOf = (model: TableModel, column: Column): ColumnScalar | [ColumnScalar] => {
    const type = column.valueType;
    return typeof type === 'string' ? scalarOf(model, column, type) : [scalarOf(model, column, type.of)];
  };
  const nameOf = (scalar: ColumnScalar): string => (typeof scalar === 'string' ? scalar : (scalar as unknown as { name: string }).name);

  // Comparison inputs, one per scalar or enum (Int_comparison_exp, order_status_enum_comparison_exp…).
  const comparisons = new Map<string, InputRef>();
  const comparisonOf = (scalar: ColumnScalar): InputRef => {
    const name = `${nameOf(scalar)}_comparison_exp`;
    const existing = comparisons.get(name);
    if (existing) return existing;
    // Decided by the GraphQL type, which is what the input is shared by (enums compare for equality only).
    const ordered = typeof scalar === 'string' && scalar !== 'Boolean';
    const like = scalar === 'String';
    const ref = builder.inputRef<BoolExp>(name).implement({
      description: `Conditions on a value of type ${nameOf(scalar)}; all given conditions must hold`,
      fields: (t) => ({
        _eq: t.field({ type: scalar }),
        _neq: t.field({ type: scalar }),
        ...(ordered ? { _gt: t.field({ type: scalar }), _gte: t.field({ type: scalar }), _lt: t.field({ type: scalar }), _lte: t.field({ type: scalar }) } : {}),
        _in: t.field({ type: [scalar] }),
        _nin: t.field({ type: [scalar] }),
        ...(like ? { _like: t.string(), _nlike: t.string(), _ilike: t.string({ description: 'LIKE ignoring case' }), _nilike: t.string() } : {}),
        _is_null: t.boolean(),
      }),
    });
    comparisons.set(name, ref);
    return ref;
  };

  const jsonComparison = jsonComparisonInput(builder);

  const objects = new Map<string, ObjectRef>();
  const boolExps = new Map<string, ImplementableInputRef>();
  const orderBys = new Map<string, ImplementableInputRef>();
  const aggregates = new Map<string, ImplementableObjectRef<BuilderTypes, AggregateParent>>();
  for (const model of models.values()) {
    objects.set(model.table.name, builder.objectRef<Row>(model.typeName));
    aggregates.set(model.table.name, builder.objectRef<AggregateParent>(`${model.typeName}_aggregate`));
    boolExps.set(model.table.name, builder.inputRef<BoolExp>(`${model.typeName}_bool_exp`));
    orderBys.set(model.table.name, builder.inputRef<BoolExp>(`${model.typeName}_order_by`));
  }
  const selectColumns = new Map<string, EnumRef<BuilderTypes, string>>();
  for (const model of models.values()) {
    const values = [...model.fields].filter(([, c]) => typeof c.valueType === 'string' && ORDERED.has(c.valueType)).map(([name]) => [name, { value: name }]);
    if (values.length > 0) selectColumns.set(model.table.name, builder.enumType(`${model.typeName}_select_column`, { description: `Columns of ${model.table.name} for distinct_on`, values: Object.fromEntries(values) }) as EnumRef<BuilderTypes, string>);
  }
  const objectOf = (model: TableModel) => objects.get(model.table.name) as ObjectRef;
  const aggregateOf = (model: TableModel) => aggregates.get(model.table.name) as ImplementableObjectRef<BuilderTypes, AggregateParent>;
  const boolExpOf = (model: TableModel) => boolExps.get(model.table.name) as ImplementableInputRef;
  const orderByOf = (model: TableModel) => orderBys.get(model.table.name) as ImplementableInputRef;

  const listArgs = (t: { arg: InputFieldBuilder<BuilderTypes, 'Arg'>['field'] & Pick<InputFieldBuilder<BuilderTypes, 'Arg'>, 'int'> }, model: TableModel, distinct = true) => ({
    where: t.arg({ type: boolExpOf(model) }),
    order_by: t.arg({ type: [orderByOf(model)], required: { list: false, items: true } }),
    limit: t.arg.int({ description: `At most this many rows (default and maximum ${limits.maxLimit})` }),
    offset: t.arg.int(),
    ...(distinct && selectColumns.has(model.table.name)
      ? {
          distinct_on: t.arg({
            type: [selectColumns.get(model.table.name) as EnumRef<BuilderTypes, string>],
            required: { list: false, items: true },
            description: 'Only the first row (in order_by order) of each group of rows equal on these columns; they must lead order_by',
          }),
        }
      : {}),
  });

  /** `where`, `order_by` and `distinct_on` of a list read of `model` → the select (before the grant). */
  const listSelect = (model: TableModel, args: ListArgs): Select => {
    const where = whereToExpr(model.table, model.fields, args.where, filterLimits, scope);
    const { orderBy, distinctOn } = orderAndDistinct(model.table, model.fields, args.order_by, args.distinct_on, model.keyVisible, scope);
    return baseSelect(model, where, orderBy, distinctOn);
  };

  /**
   * A read of `model` (`select`, made by `baseSelect`) as the plan of its statement's shape, kept in
   * `plans` under the caller's view or made now, and the values its slots take.
   */
  const shapedPlan = async (gctx: GraphqlContext, plans: FieldPlans, model: TableModel, select: Select): Promise<BoundPlan> => {
    // What it selects, and from where, is the model's own in every read of it, and plans are kept per
    // model: the shape of the rest is the statement's (and a much shorter key).
    if (select.items !== model.items || select.from !== model.from) throw new Error(`a read of ${model.table.name} selects other than its model's items`);
    const shape = statementShape({ ...select, from: undefined, items: undefined });
    let plan = plans.find(gctx, shape.key);
    if (!plan) {
      plan = gctx.executor.plan(await authorizeSelect(gctx, model.table, select), shape.slots);
      plans.keep(gctx, shape.key, plan);
    }
    return { plan, values: shape.slots.map((slot) => slot.value) };
  };

  /**
   * The list reads' plans per table (`T` and `T_aggregate.nodes` read the same statements): by
   * statement shape, and in front of them the plan and values of the arguments seen last.
   */
  const listPlans = new Map<TableModel, { readonly byShape: FieldPlans; readonly byArguments: FieldPlans<BoundPlan> }>();

  /** Rows of `model` for a list read: the plan of its statement's shape (kept, or made now), its values bound. */
  const listRows = async (gctx: GraphqlContext, model: TableModel, args: ListArgs): Promise<Row[]> => {
    let plans = listPlans.get(model);
    if (!plans) {
      plans = { byShape: new FieldPlans(), byArguments: new FieldPlans() };
      listPlans.set(model, plans);
    }
    const key = gctx.planScope ? argumentsKey(args) : '';
    let bound = plans.byArguments.find(gctx, key);
    if (!bound) {
      const offset = checkedOffset(args.offset);
      const select: Select = {
        ...listSelect(model, args),
        limit: checkedLimit(args.limit, limits.maxLimit),
        ...(offset !== undefined ? { offset } : {}),
      };
      bound = await shapedPlan(gctx, plans.byShape, model, select);
      plans.byArguments.keep(gctx, key, bound);
    }
    return (await gctx.executor.runPlan(bound.plan, bound.values, gctx.ctx)).rows;
  };

  /** Rows related to `parent`; the loader turns the calls of all parents of a level into one statement. */
  const relationSpec = async (gctx: GraphqlContext, relation: KeyedRelation, target: TableModel, args: ListArgs): Promise<RelationLoadSpec> => {
    const toMany = relation.kind === 'oneToMany';
    const offset = checkedOffset(args.offset);
    const perParent = { limit: checkedLimit(args.limit, limits.maxLimit), ...(offset !== undefined ? { offset } : {}), limitIsDefault: args.limit === undefined || args.limit === null };
    const select = await authorizeSelect(gctx, target.table, toMany ? listSelect(target, args) : baseSelect(target, undefined, []));
    return { service: gctx.service, relation, target: target.table, select, ...(toMany ? { perParent } : {}) };
  };
  // A relationship field resolves once per parent row, with the same arguments (same field node,
  // same variables, same request): its authorized select is built once per request, not per parent,
  // and once it is ready the parents' loads go straight to the loader (no promise of their own).
  interface SpecEntry {
    readonly relation: KeyedRelation;
    readonly spec: Promise<RelationLoadSpec>;
    ready?: RelationLoadSpec;
  }
  const specFor = (gctx: GraphqlContext, relation: KeyedRelation, target: TableModel, args: ListArgs, field: FieldNode | undefined): RelationLoadSpec | Promise<RelationLoadSpec> => {
    if (!field) return relationSpec(gctx, relation, target, args);
    const specs = gctx.ctx.cached(RELATION_SPECS, () => new Map<FieldNode, SpecEntry>());
    const known = specs.get(field);
    if (known && known.relation === relation) return known.ready ?? known.spec;
    const entry: SpecEntry = { relation, spec: relationSpec(gctx, relation, target, args) };
    entry.spec.then(
      (spec) => (entry.ready = spec),
      () => undefined, // each parent's resolver reports the failure through `entry.spec`
    );
    specs.set(field, entry);
    return entry.spec;
  };
  const relatedRows = (gctx: GraphqlContext, relation: KeyedRelation, target: TableModel, parent: Row, args: ListArgs, field?: FieldNode): Promise<Row[] | Row | null> => {
    const spec = specFor(gctx, relation, target, args, field);
    return spec instanceof Promise ? spec.then((ready) => loadRelatedTo(gctx.executor, gctx.ctx, ready, parent)) : loadRelatedTo(gctx.executor, gctx.ctx, spec, parent);
  };

  for (const model of models.values()) {
    const { table } = model;
    const columnType = (column: Column): ColumnScalar | [ColumnScalar] => columnTypeOf(model, column);
    const usable = usableRelations(model, models);
    const relations = usable.filter((r): r is KeyedRelation => r.kind !== 'manyToMany');
    const manyToMany = usable.filter((r): r is ManyToMany => r.kind === 'manyToMany');

    objectOf(model).implement({
      description: table.description ?? `${table.kind === 'table' ? 'Table' : 'View'} ${table.name}`,
      fields: (t) => {
        const out: Record<string, ReturnType<typeof t.field>> = {};
        for (const [name, column] of model.fields) {
          out[name] = t.field({
            type: columnType(column),
            nullable: column.nullable || table.kind !== 'table',
            ...(column.description ? { description: column.description } : {}),
            // Where the field is named as its column, Pothos leaves the field without a resolver
            // (as for `t.expose`), and graphql-jit reads `row[name]` inline instead of calling a
            // function per column of every row (a quarter of a 25-row list read's resolver calls).
            extensions: { pothosExposedField: column.name },
            resolve: (row) => row[column.name] as never,
          });
        }
        for (const relation of manyToMany) {
          const target = models.get(relation.target) as TableModel;
          const junction = (models.get(relation.junction.table) as TableModel).table;
          out[fieldName(relation.name)] = t.field({
            type: [objectOf(target)],
            nullable: false,
            description: `Rows of ${target.table.name} linked to this row through ${junction.name}`,
            // No distinct_on: the targets of all parents are read together, so groups would span parents.
            args: listArgs(t, target, false),
            resolve: (row, args, gctx) => {
              const offset = checkedOffset(args.offset);
              const page = { limit: checkedLimit(args.limit, limits.maxLimit), ...(offset !== undefined ? { offset } : {}) };
              return manyToManyRows(gctx, relation, junction, target.table, listSelect(target, args), page, row);
            },
          });
        }
        for (const relation of relations) {
          const target = models.get(relation.target) as TableModel;
          const aggregateName = `${fieldName(relation.name)}_aggregate`;
          if (relation.kind === 'oneToMany' && !model.fields.has(aggregateName) && !usable.some((r) => fieldName(r.name) === aggregateName)) {
            out[aggregateName] = t.field({
              type: aggregateOf(target),
              nullable: false,
              description: `Aggregates over the rows of ${target.table.name} referring to this row`,
              args: { where: t.arg({ type: boolExpOf(target) }) },
              resolve: (row, args) => ({ args, parent: { relation, row } }),
            });
          }
          out[fieldName(relation.name)] =
            relation.kind === 'oneToMany'
              ? t.field({
                  type: [objectOf(target)],
                  nullable: false,
                  description: `Rows of ${target.table.name} referring to this row`,
                  args: listArgs(t, target),
                  resolve: (row, args, gctx, info) => relatedRows(gctx, relation, target, row, args, info.fieldNodes[0]) as Promise<Row[]>,
                })
              : t.field({
                  type: objectOf(target),
                  description: `The row of ${target.table.name} this row refers to`,
                  resolve: (row, _args, gctx, info) => relatedRows(gctx, relation, target, row, {}, info.fieldNodes[0]) as Promise<Row | null>,
                });
        }
        return out;
      },
    });

    boolExpOf(model).implement({
      description: `Conditions on rows of ${table.name}; all given conditions must hold`,
      fields: (t) => {
        const self = boolExpOf(model);
        const out: Record<string, ReturnType<typeof t.field>> = {
          _and: t.field({ type: [self], required: { list: false, items: true } }),
          _or: t.field({ type: [self], required: { list: false, items: true } }),
          _not: t.field({ type: self }),
        };
        for (const [name, column] of model.fields) {
          const type = column.valueType;
          if (typeof type === 'string' && ORDERED.has(type)) out[name] = t.field({ type: comparisonOf(scalarOf(model, column, type)) });
          else if (type === 'json') out[name] = t.field({ type: jsonComparison });
        }
        for (const [name, { relation, target }] of scope.relationsOf(table.name)) {
          if (out[name]) continue;
          const description = relation.kind === 'manyToOne' || relation.kind === 'oneToOne' ? 'The related row matches' : 'Some related row matches';
          out[name] = t.field({ type: boolExpOf(models.get(target.name) as TableModel), description });
        }
        return out;
      },
    });

    orderByOf(model).implement({
      description: `Ordering of rows of ${table.name}`,
      fields: (t) => {
        const out: Record<string, ReturnType<typeof t.field>> = {};
        for (const [name, column] of model.fields) {
          if (typeof column.valueType === 'string' && ORDERED.has(column.valueType)) out[name] = t.field({ type: orderEnum });
        }
        for (const [name, { relation, target }] of scope.relationsOf(table.name)) {
          if (out[name] || (relation.kind !== 'manyToOne' && relation.kind !== 'oneToOne')) continue;
          out[name] = t.field({ type: orderByOf(models.get(target.name) as TableModel), description: `Order by a column of the related ${target.name}` });
        }
        return out;
      },
    });

    addAggregate(model, columnType);
    addConnection(model);
  }

  /**
   * `T_connection(first, after, last, before, where, order_by)`, for tables whose whole primary key
   * is shown and orderable (it makes every order total, which keyset cursors need).
   */
  function addConnection(model: TableModel): void {
    const { table, typeName } = model;
    const keyOrdered = table.primaryKey.every((name) => {
      const type = table.columnsByName.get(name)?.valueType;
      return typeof type === 'string' && ORDERED.has(type);
    });
    if (!model.keyVisible || !keyOrdered) return;
    const edgeRef = builder.objectRef<Connection['edges'][number]>(`${typeName}_edge`).implement({
      fields: (t) => ({
        cursor: t.string({ nullable: false, resolve: (edge) => edge.cursor }),
        node: t.field({ type: objectOf(model), nullable: false, resolve: (edge) => edge.node }),
      }),
    });
    // One plan per page shape: the cursor's values are the slots of the page's keyset condition.
    const connectionPlans = new FieldPlans();
    const connectionRef = builder.objectRef<Connection>(`${typeName}_connection`).implement({
      fields: (t) => ({
        edges: t.field({ type: [edgeRef], nullable: false, resolve: (c) => [...c.edges] }),
        pageInfo: t.field({ type: pageInfo(), nullable: false, resolve: (c) => c.pageInfo }),
      }),
    });
    builder.queryFields((t) => ({
      [`${typeName}_connection`]: t.field({
        type: connectionRef,
        nullable: false,
        description: `Rows of ${table.name} as a Relay connection (keyset pages; cursors are opaque)`,
        args: {
          first: t.arg.int({ description: `At most this many rows from the start or after \`after\` (default and maximum ${limits.maxLimit})` }),
          after: t.arg.string(),
          last: t.arg.int({ description: 'At most this many rows from the end or before `before`' }),
          before: t.arg.string(),
          where: t.arg({ type: boolExpOf(model) }),
          order_by: t.arg({ type: [orderByOf(model)], required: { list: false, items: true } }),
        },
        resolve: async (_root, args, gctx) => {
          const { orderBy } = orderAndDistinct(table, model.fields, args.order_by, undefined, true, scope);
          const page = planPage(table, orderBy, args as ConnectionArgs, limits.maxLimit);
          const where = whereToExpr(table, model.fields, args.where, filterLimits, scope);
          const select: Select = { ...baseSelect(model, and(where, page.where), page.orderBy), limit: page.limit };
          const { plan, values } = await shapedPlan(gctx, connectionPlans, model, select);
          const { rows } = await gctx.executor.runPlan(plan, values, gctx.ctx);
          return connectionOf(page, orderBy, rows, args as ConnectionArgs);
        },
      }),
    }));
  }

  let pageInfoRef: ImplementableObjectRef<BuilderTypes, PageInfo> | undefined;
  /** Relay's `PageInfo`, made on first use (a schema without connections has none). */
  function pageInfo(): ImplementableObjectRef<BuilderTypes, PageInfo> {
    if (pageInfoRef) return pageInfoRef;
    pageInfoRef = builder.objectRef<PageInfo>('PageInfo');
    pageInfoRef.implement({
      description: 'Where a page of a connection lies',
      fields: (t) => ({
        hasNextPage: t.boolean({ nullable: false, resolve: (p) => p.hasNextPage }),
        hasPreviousPage: t.boolean({ nullable: false, resolve: (p) => p.hasPreviousPage }),
        startCursor: t.string({ resolve: (p) => p.startCursor }),
        endCursor: t.string({ resolve: (p) => p.endCursor }),
      }),
    });
    return pageInfoRef;
  }

  /** `T_aggregate(where) { aggregate { count sum {…} avg {…} min {…} max {…} } nodes {…} }`. */
  function addAggregate(model: TableModel, columnType: (column: Column) => ColumnScalar | [ColumnScalar]): void {
    const { table, typeName } = model;
    type Aggregates = { readonly count: number } & Readonly<Record<(typeof AGGREGATES)[number], Row>>;
    const items: { fn: (typeof AGGREGATES)[number]; column: Column; field: string; type: ColumnScalar }[] = [];
    for (const [field, column] of model.fields) {
      const type = column.valueType;
      if (typeof type !== 'string') continue;
      const scalar = columnType(column) as ColumnScalar;
      for (const fn of AGGREGATES) {
        const resultType = aggregateType(fn, type, scalar);
        if (resultType) items.push({ fn, column, field, type: resultType });
      }
    }
    const perFunction = Object.fromEntries(
      AGGREGATES.map((fn) => {
        const mine = items.filter((i) => i.fn === fn);
        if (mine.length === 0) return [fn, undefined];
        const ref = builder.objectRef<Row>(`${typeName}_${fn}_fields`).implement({
          fields: (t) => Object.fromEntries(mine.map((i) => [i.field, t.field({ type: i.type, resolve: (row) => row[i.field] as never })])),
        });
        return [fn, ref];
      }),
    );
    const fieldsRef = builder.objectRef<Aggregates>(`${typeName}_aggregate_fields`).implement({
      fields: (t) => ({
        count: t.int({ nullable: false, resolve: (a) => a.count }),
        ...Object.fromEntries(
          AGGREGATES.flatMap((fn) => {
            const ref = perFunction[fn];
            return ref ? [[fn, t.field({ type: ref, nullable: false, resolve: (a: Aggregates) => a[fn] })]] : [];
          }),
        ),
      }),
    });
    const aggregateRef = aggregateOf(model).implement({
      fields: (t) => ({
        aggregate: t.field({
          type: fieldsRef,
          nullable: false,
          resolve: async ({ args, parent }, _args, gctx) => {
            const where = whereToExpr(table, model.fields, args.where, filterLimits, scope);
            // Short aliases: PostgreSQL cuts identifiers at 63 bytes, column names may be long.
            const selectItems: SelectItem[] = [
              { kind: 'aggregate', fn: 'count', alias: COUNT_ALIAS },
              ...items.map((i, n): SelectItem => ({ kind: 'aggregate', fn: i.fn, column: columnRef(table, i.column), alias: `${AGGREGATE_ALIAS}${n}` })),
            ];
            const select: Select = { kind: 'select', from: tableRef(table), items: selectItems, ...(where ? { where } : {}), orderBy: [] };
            const row = parent
              ? await relationAggregate(gctx, parent.relation, table, select, { [COUNT_ALIAS]: 0 }, parent.row)
              : ((await gctx.executor.run(await authorizeSelect(gctx, table, select), gctx.ctx)).rows[0] ?? {});
            const byFunction: Record<(typeof AGGREGATES)[number], Row> = { sum: {}, avg: {}, min: {}, max: {} };
            items.forEach((i, n) => {
              byFunction[i.fn as (typeof AGGREGATES)[number]][i.field] = row[`${AGGREGATE_ALIAS}${n}`] ?? null;
            });
            return { count: Number(row[COUNT_ALIAS] ?? 0), ...byFunction };
          },
        }),
        nodes: t.field({
          type: [objectOf(model)],
          nullable: false,
          resolve: async ({ args, parent }, _args, gctx) =>
            parent ? ((await relatedRows(gctx, parent.relation, model, parent.row, args)) as Row[]) : listRows(gctx, model, args),
        }),
      }),
    });

    builder.queryFields((t) => {
      const keyFields = table.primaryKey.map((name) => [fieldName(name), table.columnsByName.get(name) as Column] as const);
      // One plan per caller view, whose slots are the key's values.
      const byKeyPlans = new FieldPlans(1);
      return {
        [typeName]: t.field({
          type: [objectOf(model)],
          nullable: false,
          description: `Rows of ${table.name}`,
          args: listArgs(t, model),
          resolve: (_root, args, gctx) => listRows(gctx, model, args),
        }),
        [`${typeName}_aggregate`]: t.field({
          type: aggregateRef,
          nullable: false,
          description: `Aggregates over rows of ${table.name}`,
          args: { where: t.arg({ type: boolExpOf(model) }) },
          resolve: (_root, args) => ({ args }),
        }),
        ...(model.keyVisible && keyFields.every(([, c]) => typeof c.valueType === 'string' && ORDERED.has(c.valueType))
          ? {
              [`${typeName}_by_pk`]: t.field({
                type: objectOf(model),
                description: `The row of ${table.name} with this primary key`,
                args: Object.fromEntries(keyFields.map(([name, column]) => [name, t.arg({ type: columnType(column), required: true })])),
                resolve: async (_root, args, gctx) => {
                  const values = keyValues(table, keyFields, args as BoolExp);
                  let plan = byKeyPlans.find(gctx, '');
                  if (!plan) {
                    const slots = keyParams(keyFields, values);
                    const select = baseSelect(model, keyCondition(table, keyFields, slots), []);
                    plan = gctx.executor.plan(await authorizeSelect(gctx, table, select), slots);
                    byKeyPlans.keep(gctx, '', plan);
                  }
                  return (await gctx.executor.runPlan(plan, values, gctx.ctx)).rows[0] ?? null;
                },
              }),
            }
          : {}),
      };
    });
  }

  let hasMutations = false;
  const parts: SchemaParts = {
    builder,
    models,
    filterLimits,
    relationScope: scope,
    objectOf,
    boolExpOf,
    columnType: columnTypeOf,
    mutationFields: (fields) => {
      hasMutations = true;
      builder.mutationFields(fields);
    },
  };
  for (const extend of extensions) extend(parts);
  builder.queryType({ description: 'Reads of the tables and views the caller may see' });
  if (hasMutations) builder.mutationType({ description: 'Writes the caller may make; each field runs in a transaction of its own' });
  return builder.toSchema({ sortSchema: true });
}
