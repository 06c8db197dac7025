/**
 * The Mutation fields of the tables (Hasura's shapes): per table `T` that the caller may write,
 * `insert_T(objects, on_conflict)` and `insert_T_one(object, on_conflict)` (POST on `_table/T`),
 * `update_T(where, _set, _inc)` and `update_T_by_pk(pk_columns, _set, _inc)` (PATCH), and
 * `delete_T(where)` and `delete_T_by_pk(<key>)` (DELETE), with their input types `T_insert_input`,
 * `T_on_conflict`, `T_constraint`, `T_update_column`, `T_set_input`, `T_inc_input`,
 * `T_pk_columns_input` and the result `T_mutation_response { affected_rows returning }`.
 *
 * Why it looks like this: every write goes through the REST writer (`TableWriter`), so validation
 * (`recordValues`), column grants, row filters, upsert rules, transactions and error envelopes are
 * the REST API's, not a second implementation. Each field is one `TableWriter` call, hence one
 * transaction, and one audit entry. Inputs show only the columns the verb's grant covers;
 * `returning` has the table's read type `T` (relationships included) and can return the columns the
 * caller may both read and write — selecting another is a 403 before anything is written.
 *
 * May import: catalog, query, auth, executor, errors.
 */
import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import type { Authorizer, Grant, Verb } from '../auth/authorizer.js';
import type { Principal } from '../auth/principal.js';
import type { Column, Table } from '../catalog/catalog-types.js';
import type { Row } from '../dialects/dialect.js';
import { authErrors, isApiError, requestErrors } from '../errors.js';
import { TableWriter, type WriteScope } from '../executor/table-writer.js';
import { columnRef, param } from '../query/ir-factories.js';
import type { ColumnRef, Expr, Update } from '../query/ir.js';
import { recordValues, setList, writeValue, type ConflictResolution, type RecordValues } from '../query/rest-writes.js';
import { keyToExpr, whereToExpr, type BoolExp } from './graphql-filters.js';
import { conditionGrants } from './graphql-grants.js';
import { enumValueName, fieldName } from './graphql-names.js';
import type { BuilderTypes, GraphqlContext } from './graphql-scalars.js';
import { NUMERIC, ORDERED, type ColumnScalar, type SchemaExtension, type SchemaParts, type TableModel } from './graphql-types.js';
import type { EnumRef, InputFieldMap, InputObjectRef } from '@pothos/core';

/** Columns a grant covers. */
export type GrantColumns = ReadonlySet<string> | 'all';

/** What the caller may do to one table beyond reading it: the column set of each granted verb. */
export interface TableWrites {
  readonly insert?: GrantColumns;
  readonly update?: GrantColumns;
  readonly delete?: GrantColumns;
}

/** Writes the caller may make, by table name. */
export type WriteAccess = ReadonlyMap<string, TableWrites>;

type WriteKind = keyof TableWrites;

const VERBS: Readonly<Record<WriteKind, Verb>> = { insert: 'POST', update: 'PATCH', delete: 'DELETE' };

const isCapable = (table: Table, kind: WriteKind): boolean =>
  table.kind === 'table' &&
  (kind === 'insert' ? table.capabilities.insertable : kind === 'update' ? table.capabilities.updatable : table.capabilities.deletable);

const covers = (columns: GrantColumns, name: string): boolean => columns === 'all' || columns.has(name);

/**
 * The writes `principal` may make on the tables of `readable` (a table must be readable: `where`
 * and `returning` are reads). A refusal (401/403, a read-only service included) leaves the verb out.
 * `remember` receives each grant, so resolvers reuse the answers the schema was built from.
 */
export async function writableTables(
  authorizer: Authorizer,
  principal: Principal,
  service: string,
  readable: Iterable<Table>,
  remember: (table: string, verb: Verb, grant: Grant) => void,
): Promise<WriteAccess> {
  const access = new Map<string, TableWrites>();
  for (const table of readable) {
    const writes: { -readonly [K in WriteKind]?: GrantColumns } = {};
    for (const kind of Object.keys(VERBS) as WriteKind[]) {
      if (!isCapable(table, kind)) continue;
      try {
        const grant = await authorizer.authorize(principal, { service, resource: { kind: 'table', name: table.name }, verb: VERBS[kind] });
        writes[kind] = grant.columns;
        remember(table.name, VERBS[kind], grant);
      } catch (error) {
        if (!isApiError(error) || (error.status !== 401 && error.status !== 403)) throw error;
      }
    }
    if (Object.keys(writes).length > 0) access.set(table.name, writes);
  }
  return access;
}

/** Where a request keeps its grant for `verb` on a table. */
export function writeGrantCacheKey(service: string, table: string, verb: Verb): string {
  return `graphql-grant:${verb}:${service}:${table}`;
}

function writeGrant(gctx: GraphqlContext, table: Table, verb: Verb): Promise<Grant> {
  return gctx.ctx.cached(writeGrantCacheKey(gctx.service, table.name, verb), () =>
    gctx.authorizer.authorize(gctx.ctx.principal, { service: gctx.service, resource: { kind: 'table', name: table.name }, verb }),
  );
}

// ----- selections -----------------------------------------------------------------------------

/** The fields selected directly in a selection set, through fragments. */
function selectedFields(selectionSet: SelectionSetNode | undefined, info: GraphQLResolveInfo): FieldNode[] {
  const out: FieldNode[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === 'Field') out.push(selection);
    else if (selection.kind === 'InlineFragment') out.push(...selectedFields(selection.selectionSet, info));
    else out.push(...selectedFields(info.fragments[selection.name.value]?.selectionSet, info));
  }
  return out;
}

/**
 * The rows a mutation field returns, as `T` objects: the `returning` selections of a
 * `T_mutation_response`, or the field's own selection for `*_one`/`*_by_pk`.
 */
function returnedSelections(info: GraphQLResolveInfo, wrapped: boolean): FieldNode[] {
  const own = info.fieldNodes.flatMap((node) => selectedFields(node.selectionSet, info));
  if (!wrapped) return own;
  return own.filter((f) => f.name.value === 'returning').flatMap((f) => selectedFields(f.selectionSet, info));
}

/** Runs one mutation field and records its audit entry, whatever the outcome. */
export async function recordedMutation<T>(
  gctx: GraphqlContext,
  action: string,
  target: string,
  run: () => Promise<{ readonly value: T; readonly affectedRows: number }>,
): Promise<T> {
  const started = performance.now();
  try {
    const { value, affectedRows } = await run();
    gctx.recordMutation?.({ action, target, affectedRows, status: 200, durationMs: performance.now() - started });
    return value;
  } catch (error) {
    gctx.recordMutation?.({ action, target, status: isApiError(error) ? error.status : 500, durationMs: performance.now() - started });
    throw error;
  }
}

// ----- the schema extension -------------------------------------------------------------------

export interface MutationOptions {
  /** Records one insert may carry (`SLUICE_MAX_RECORDS_PER_WRITE`, as for REST bodies). */
  readonly maxRecords: number;
  /** Whether `on_conflict` takes a `where` (PostgreSQL's `DO UPDATE … WHERE`; MySQL has none). */
  readonly conditionalUpsert: boolean;
}

interface MutationResult {
  readonly affected_rows: number;
  readonly returning: readonly Row[];
}

type Input = { readonly [field: string]: unknown };

/** The Mutation fields of every table in `access` that the schema shows. */
export function tableMutations(access: WriteAccess, options: MutationOptions): SchemaExtension {
  return (parts) => {
    for (const model of parts.models.values()) {
      const writes = access.get(model.table.name);
      if (writes && model.table.kind === 'table') addTableMutations(parts, model, writes, options);
    }
  };
}

function addTableMutations(parts: SchemaParts, model: TableModel, writes: TableWrites, options: MutationOptions): void {
  const { builder } = parts;
  const { table, typeName } = model;
  const type = (column: Column) => parts.columnType(model, column);
  const writable = (columns: GrantColumns) => table.columns.filter((c) => c.generated !== 'computed' && covers(columns, c.name));
  const keyColumns = table.primaryKey.map((name) => table.columnsByName.get(name) as Column);
  const keyUsable = (columns: GrantColumns) =>
    model.keyVisible && keyColumns.length > 0 && keyColumns.every((c) => covers(columns, c.name) && typeof c.valueType === 'string' && ORDERED.has(c.valueType));
  /** GraphQL input field name → column, for the columns of an input type. */
  const inputColumns = (columns: readonly Column[]) => new Map(columns.map((c) => [fieldName(c.name), c]));

  // Result type, shared by the three verbs.
  const response = builder.objectRef<MutationResult>(`${typeName}_mutation_response`).implement({
    description: `The result of a mutation of ${table.name}`,
    fields: (t) => ({
      affected_rows: t.int({ nullable: false, description: 'Rows inserted, updated or deleted', resolve: (r) => r.affected_rows }),
      returning: t.field({ type: [parts.objectOf(model)], nullable: false, description: 'The rows written (deleted rows as they were)', resolve: (r) => r.returning as Row[] }),
    }),
  });

  /** The write scope of a field: its grant, and the columns it returns (readable and writable ones). */
  /** The write's grant and returned columns, and the read grants its relationship conditions need. */
  const scopeOf = async (
    gctx: GraphqlContext,
    verb: Verb,
    info: GraphQLResolveInfo,
    wrapped: boolean,
    conditions: readonly (Expr | undefined)[] = [],
  ): Promise<{ scope: WriteScope; wantsRows: boolean }> => {
    const grant = await writeGrant(gctx, table, verb);
    const related = await conditionGrants(gctx, table, conditions);
    const selections = returnedSelections(info, wrapped);
    for (const selection of selections) {
      const name = selection.name.value;
      const column = model.fields.get(name);
      const relation = column ? undefined : table.relations.find((r) => r.kind !== 'manyToMany' && fieldName(r.name) === name);
      const needed = column ? [column.name] : relation && relation.kind !== 'manyToMany' ? relation.columns.map((pair) => pair.from) : [];
      for (const columnName of needed) if (!covers(grant.columns, columnName)) throw authErrors.columnNotAllowed(table.name, columnName);
    }
    const returning: ColumnRef[] = model.columns.filter((c) => covers(grant.columns, c.name)).map((c) => columnRef(table, c));
    return { scope: { ctx: gctx.ctx, grant, returning, ...(related.size > 0 ? { related } : {}) }, wantsRows: selections.length > 0 };
  };

  const audited = <T>(gctx: GraphqlContext, action: string, run: () => Promise<{ value: T; affectedRows: number }>) => recordedMutation(gctx, action, table.name, run);

  /** An input object keyed by GraphQL field names → the same object keyed by column names. */
  const byColumn = (fields: ReadonlyMap<string, Column>, input: Input): Record<string, unknown> =>
    Object.fromEntries(Object.entries(input).map(([key, value]) => [(fields.get(key) as Column).name, value]));

  const mutationFields: Record<string, (t: Parameters<Parameters<SchemaParts['mutationFields']>[0]>[0]) => unknown> = {};

  // Input types need fields: a verb whose grant leaves no column to write gets no fields.
  const insertColumns = writes.insert ? writable(writes.insert) : [];
  const updateColumns = writes.update ? writable(writes.update) : [];

  // ----- insert ------------------------------------------------------------------------------
  if (writes.insert && insertColumns.length > 0) {
    const columns = insertColumns;
    const fields = inputColumns(columns);
    const insertInput = builder.inputRef<Input>(`${typeName}_insert_input`).implement({
      description: `A row to insert into ${table.name}; omitted columns take their defaults`,
      fields: (t) => Object.fromEntries([...fields].map(([name, column]) => [name, t.field({ type: type(column) })])),
    });
    const keys = [table.primaryKey, ...table.uniqueKeys].filter((key) => key.length > 0 && key.every((name) => covers(writes.insert as GrantColumns, name)));
    let onConflict: InputObjectRef<BuilderTypes, Input> | undefined;
    const constraintKeys = new Map<string, readonly string[]>();
    if (keys.length > 0) {
      keys.forEach((key, i) => {
        let name = enumValueName(i === 0 && key === table.primaryKey ? `${table.name}_pkey` : `${table.name}_${key.join('_')}_key`);
        for (let n = 2; constraintKeys.has(name); n += 1) name = `${enumValueName(`${table.name}_${key.join('_')}_key`)}_${n}`;
        constraintKeys.set(name, key);
      });
      const constraintEnum = builder.enumType(`${typeName}_constraint`, {
        description: `Unique keys of ${table.name} an insert can detect conflicts on`,
        values: Object.fromEntries([...constraintKeys].map(([name, key]) => [name, { value: name, description: `Unique key (${key.join(', ')})` }])),
      }) as EnumRef<BuilderTypes, string>;
      const updateColumnEnum = builder.enumType(`${typeName}_update_column`, {
        description: `Columns of ${table.name} an upsert may overwrite`,
        values: Object.fromEntries([...fields].map(([name, column]) => [name, { value: column.name }])),
      }) as EnumRef<BuilderTypes, string>;
      onConflict = builder.inputRef<Input>(`${typeName}_on_conflict`).implement({
        description: 'On a duplicate key: overwrite update_columns of the existing row with the proposed values, or keep it as it is when update_columns is empty',
        fields: (t) => ({
          constraint: t.field({ type: constraintEnum, required: true }),
          update_columns: t.field({ type: [updateColumnEnum], required: true }),
          ...(options.conditionalUpsert
            ? { where: t.field({ type: parts.boolExpOf(model), description: 'Overwrite only existing rows matching this; keep the others' }) }
            : {}),
        }),
      });
    }
    const conflictOf = (input: Input | null | undefined): ConflictResolution | undefined => {
      if (!input) return undefined;
      const where = whereToExpr(table, model.fields, input.where as BoolExp | null | undefined, parts.filterLimits, parts.relationScope);
      return { key: constraintKeys.get(input.constraint as string) as readonly string[], update: input.update_columns as readonly string[], ...(where ? { where } : {}) };
    };

    const insert = async (gctx: GraphqlContext, info: GraphQLResolveInfo, objects: readonly Input[], conflict: Input | null | undefined, wrapped: boolean) => {
      if (objects.length > options.maxRecords) throw requestErrors.tooManyRecords(options.maxRecords, objects.length);
      const resolution = conflictOf(conflict);
      const { scope } = await scopeOf(gctx, 'POST', info, wrapped, [typeof resolution === 'object' ? resolution.where : undefined]);
      const records: RecordValues[] = objects.map((object, index) => recordValues(table, byColumn(fields, object), index));
      if (records.length === 0) return [];
      const outcome = await new TableWriter(gctx.executor, table).insert(records, scope, { atomic: true, ...(resolution ? { onConflict: resolution } : {}) });
      return outcome.rows as Row[];
    };
    const conflictArg = (t: Parameters<(typeof mutationFields)[string]>[0]): InputFieldMap => (onConflict ? { on_conflict: t.arg({ type: onConflict }) } : {});

    mutationFields[`insert_${typeName}`] = (t) =>
      t.field({
        type: response,
        description: `Inserts rows into ${table.name}, in one transaction`,
        args: { objects: t.arg({ type: [insertInput], required: true }), ...conflictArg(t) },
        resolve: (_root, args, gctx, info) =>
          audited(gctx, info.fieldName, async () => {
            const rows = await insert(gctx, info, args.objects as Input[], (args as { on_conflict?: Input | null }).on_conflict, true);
            return { value: { affected_rows: rows.length, returning: rows }, affectedRows: rows.length };
          }),
      });
    mutationFields[`insert_${typeName}_one`] = (t) =>
      t.field({
        type: parts.objectOf(model),
        description: `Inserts one row into ${table.name}; null when a conflict left the existing row as it was`,
        args: { object: t.arg({ type: insertInput, required: true }), ...conflictArg(t) },
        resolve: (_root, args, gctx, info) =>
          audited(gctx, info.fieldName, async () => {
            const rows = await insert(gctx, info, [args.object as Input], (args as { on_conflict?: Input | null }).on_conflict, false);
            return { value: rows[0] ?? null, affectedRows: rows.length };
          }),
      });
  }

  // ----- update ------------------------------------------------------------------------------
  if (writes.update && updateColumns.length > 0) {
    const columns = updateColumns;
    const setFields = inputColumns(columns);
    const incFields = inputColumns(columns.filter((c) => typeof c.valueType === 'string' && NUMERIC.has(c.valueType)));
    const setInput = builder.inputRef<Input>(`${typeName}_set_input`).implement({
      description: `New values for columns of ${table.name}`,
      fields: (t) => Object.fromEntries([...setFields].map(([name, column]) => [name, t.field({ type: type(column) })])),
    });
    const incInput =
      incFields.size > 0
        ? builder.inputRef<Input>(`${typeName}_inc_input`).implement({
            description: `Amounts to add to numeric columns of ${table.name} (column = column + amount)`,
            fields: (t) => Object.fromEntries([...incFields].map(([name, column]) => [name, t.field({ type: type(column) as ColumnScalar })])),
          })
        : undefined;

    /** `_set` and `_inc` → the SET list, values checked as REST checks them. */
    const setOf = (set: Input | null | undefined, inc: Input | null | undefined, grant: Grant): Update['set'] => {
      const assigned = set ? setList(table, recordValues(table, byColumn(setFields, set), 0).values, { replace: false, exclude: new Set(), writable: grant.columns }) : [];
      const increments: Update['set'][number][] = [];
      for (const [key, amount] of Object.entries(inc ?? {})) {
        const column = incFields.get(key) as Column;
        if (amount === null || amount === undefined) continue;
        if (assigned.some((s) => s.column.name === column.name)) {
          throw requestErrors.invalidParameter('_inc', `column '${column.name}' is also given in _set`);
        }
        increments.push({ column: columnRef(table, column), value: { kind: 'increment', by: param(writeValue(table, column, amount), column.valueType) } });
      }
      const all = [...assigned, ...increments];
      if (all.length === 0) throw requestErrors.emptyWrite(table.name);
      return all;
    };
    const update = async (gctx: GraphqlContext, info: GraphQLResolveInfo, where: Expr, args: Input, wrapped: boolean) => {
      const { scope } = await scopeOf(gctx, 'PATCH', info, wrapped, [where]);
      const set = setOf(args._set as Input | null | undefined, args._inc as Input | null | undefined, scope.grant);
      return new TableWriter(gctx.executor, table).updateWhere(set, where, scope);
    };
    const setArgs = (t: Parameters<(typeof mutationFields)[string]>[0]) => ({
      _set: t.arg({ type: setInput }),
      ...(incInput ? { _inc: t.arg({ type: incInput }) } : {}),
    });

    mutationFields[`update_${typeName}`] = (t) =>
      t.field({
        type: response,
        description: `Updates the rows of ${table.name} matching where ({} matches every row the caller may change), in one transaction`,
        args: { where: t.arg({ type: parts.boolExpOf(model), required: true }), ...setArgs(t) },
        resolve: (_root, args, gctx, info) =>
          audited(gctx, info.fieldName, async () => {
            const outcome = await update(gctx, info, whereOf(parts, model, args.where as BoolExp), args as Input, true);
            return { value: { affected_rows: outcome.count, returning: outcome.rows as Row[] }, affectedRows: outcome.count };
          }),
      });
    if (keyUsable(writes.update)) {
      const keyFields = keyColumns.map((c) => [fieldName(c.name), c] as const);
      const pkInput = builder.inputRef<Input>(`${typeName}_pk_columns_input`).implement({
        description: `The primary key of a row of ${table.name}`,
        fields: (t) => Object.fromEntries(keyFields.map(([name, column]) => [name, t.field({ type: type(column), required: true })])),
      });
      mutationFields[`update_${typeName}_by_pk`] = (t) =>
        t.field({
          type: parts.objectOf(model),
          description: `Updates the row of ${table.name} with this primary key; null when there is none (or the caller may not change it)`,
          args: { pk_columns: t.arg({ type: pkInput, required: true }), ...setArgs(t) },
          resolve: (_root, args, gctx, info) =>
            audited(gctx, info.fieldName, async () => {
              const outcome = await update(gctx, info, keyToExpr(table, keyFields, args.pk_columns as BoolExp), args as Input, false);
              return { value: outcome.rows[0] ?? null, affectedRows: outcome.count };
            }),
        });
    }
  }

  // ----- delete ------------------------------------------------------------------------------
  if (writes.delete) {
    const remove = async (gctx: GraphqlContext, info: GraphQLResolveInfo, where: Expr, wrapped: boolean) => {
      const { scope, wantsRows } = await scopeOf(gctx, 'DELETE', info, wrapped, [where]);
      return new TableWriter(gctx.executor, table).deleteWhere(where, scope, { returnRows: wantsRows });
    };
    mutationFields[`delete_${typeName}`] = (t) =>
      t.field({
        type: response,
        description: `Deletes the rows of ${table.name} matching where ({} matches every row the caller may delete), in one transaction`,
        args: { where: t.arg({ type: parts.boolExpOf(model), required: true }) },
        resolve: (_root, args, gctx, info) =>
          audited(gctx, info.fieldName, async () => {
            const outcome = await remove(gctx, info, whereOf(parts, model, args.where as BoolExp), true);
            return { value: { affected_rows: outcome.count, returning: outcome.rows as Row[] }, affectedRows: outcome.count };
          }),
      });
    if (keyUsable(writes.delete)) {
      const keyFields = keyColumns.map((c) => [fieldName(c.name), c] as const);
      mutationFields[`delete_${typeName}_by_pk`] = (t) =>
        t.field({
          type: parts.objectOf(model),
          description: `Deletes the row of ${table.name} with this primary key and returns it as it was; null when there is none`,
          args: Object.fromEntries(keyFields.map(([name, column]) => [name, t.arg({ type: type(column), required: true })])),
          resolve: (_root, args, gctx, info) =>
            audited(gctx, info.fieldName, async () => {
              const outcome = await remove(gctx, info, keyToExpr(table, keyFields, args as BoolExp), false);
              return { value: (outcome.rows[0] as Row | undefined) ?? null, affectedRows: outcome.count };
            }),
        });
    }
  }

  parts.mutationFields((t) => Object.fromEntries(Object.entries(mutationFields).map(([name, make]) => [name, make(t)])) as never);
}

/** `where` of update/delete: required, and `{}` means every row (still bounded by the row filter). */
function whereOf(parts: SchemaParts, model: TableModel, where: BoolExp): Expr {
  return whereToExpr(model.table, model.fields, where, parts.filterLimits, parts.relationScope) ?? { kind: 'constant', value: true };
}
