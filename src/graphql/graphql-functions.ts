/**
 * SQL routines as root fields: functions without side effects (STABLE/IMMUTABLE) become Query
 * fields, run in a read-only transaction; other functions and procedures become Mutation fields,
 * with one audit entry each. Only routines the caller may call appear, decided as `_proc` decides:
 * GET or POST on `_proc/NAME` for side-effect-free functions, POST for the others; routines `_proc`
 * cannot call (unnamed or VARIADIC parameters, MySQL procedures with OUT parameters) are left out.
 *
 * Arguments are the routine's inputs by name (required unless they have a default) and are bound and
 * checked by the REST planner (`planCall`), so values and errors are `_proc`'s. Results:
 * - a set-returning function of a table's row type, when the caller may read the table: `[T!]!`;
 * - another set-returning function: `[json!]!`, one object per row;
 * - a scalar function: its value's type; a function with OUT parameters (or returning a record or
 *   nothing): `json`, the first row; a procedure: `[json!]!`, the rows it answers.
 * Names follow `functionFieldName` (graphql-names.ts): a function keeps its field name unless that is
 * a table's root field in the same root type.
 *
 * May import: catalog, query, auth, executor, errors.
 */
import type { ArgumentRef, InputFieldMap } from '@pothos/core';
import { applyGrant } from '../auth/apply-grant.js';
import type { Authorizer, Grant, Verb } from '../auth/authorizer.js';
import type { Principal } from '../auth/principal.js';
import type { Catalog, Procedure, ProcedureParameter, ScalarValueType, ValueType } from '../catalog/catalog-types.js';
import type { Row } from '../dialects/dialect.js';
import { isApiError } from '../errors.js';
import { callableWithGet, inputParameters, planCall, uncallableReason } from '../query/call-plan.js';
import { DERIVED_SUFFIXES, fieldName, functionFieldName, MUTATION_PREFIXES, MUTATION_SUFFIXES, tableTypeName } from './graphql-names.js';
import { SCALAR_NAMES, type BuilderTypes, type GraphqlContext } from './graphql-scalars.js';
import { recordedMutation } from './graphql-mutations.js';
import type { ColumnScalar, SchemaExtension, SchemaParts } from './graphql-types.js';

/** The routines the caller may call, by SQL name, with the verb that was granted. */
export type RoutineAccess = ReadonlyMap<string, Verb>;

/** Where a request keeps its grant on a routine. */
export function routineGrantCacheKey(service: string, name: string, verb: Verb): string {
  return `graphql-routine:${verb}:${service}:${name}`;
}

/** The routines `principal` may call (GET, then POST, for side-effect-free functions; POST for the others). */
export async function callableRoutines(
  authorizer: Authorizer,
  principal: Principal,
  catalog: Catalog,
  remember: (name: string, verb: Verb, grant: Grant) => void,
): Promise<RoutineAccess> {
  const access = new Map<string, Verb>();
  for (const procedure of catalog.procedures.values()) {
    if (uncallableReason(catalog, procedure)) continue;
    for (const verb of callableWithGet(procedure) ? (['GET', 'POST'] as const) : (['POST'] as const)) {
      try {
        const grant = await authorizer.authorize(principal, { service: catalog.service, resource: { kind: 'procedure', name: procedure.name }, verb });
        remember(procedure.name, verb, grant);
        access.set(procedure.name, verb);
        break;
      } catch (error) {
        if (!isApiError(error) || (error.status !== 401 && error.status !== 403)) throw error;
      }
    }
  }
  return access;
}

/** Root field names derived from the catalog's tables, per root type (whatever the caller may see, so names are stable). */
function tableRootNames(catalog: Catalog): { query: Set<string>; mutation: Set<string> } {
  const query = new Set<string>();
  const mutation = new Set<string>();
  for (const name of catalog.tables.keys()) {
    const typeName = tableTypeName(name);
    for (const suffix of ['', ...DERIVED_SUFFIXES]) query.add(`${typeName}${suffix}`);
    for (const prefix of MUTATION_PREFIXES) for (const suffix of MUTATION_SUFFIXES) mutation.add(`${prefix}${typeName}${suffix}`);
  }
  return { query, mutation };
}

type Shape = { kind: 'rows'; table: string } | { kind: 'jsonRows' } | { kind: 'scalar'; type: ValueType } | { kind: 'firstRow' };

function shapeOf(catalog: Catalog, procedure: Procedure, parts: SchemaParts): Shape {
  if (procedure.kind === 'procedure') return { kind: 'jsonRows' };
  if (procedure.returnsSet) {
    const typeName = (procedure.returnType ?? '').split('.').pop()?.replace(/^"|"$/g, '') ?? '';
    return parts.models.has(typeName) && catalog.tables.has(typeName) ? { kind: 'rows', table: typeName } : { kind: 'jsonRows' };
  }
  const outputs = procedure.parameters.some((p) => p.mode === 'out' || p.mode === 'inout');
  if (procedure.returnValueType !== null && !(catalog.engine === 'postgres' && outputs) && procedure.returnType !== 'record') {
    return { kind: 'scalar', type: procedure.returnValueType };
  }
  return { kind: 'firstRow' };
}

/** The GraphQL type of a parameter or scalar result (enum labels are not known for routines: String). */
function scalarOf(type: ValueType): ColumnScalar | [ColumnScalar] {
  const one = (t: ScalarValueType): ColumnScalar => (t === 'enum' ? 'String' : SCALAR_NAMES[t]) as ColumnScalar;
  return typeof type === 'string' ? one(type) : [one(type.of)];
}

/** The routine fields of the routines in `access`. */
export function routineFields(catalog: Catalog, access: RoutineAccess): SchemaExtension {
  return (parts) => {
    const taken = tableRootNames(catalog);
    const queries: Record<string, (t: Parameters<Parameters<SchemaParts['builder']['queryFields']>[0]>[0]) => unknown> = {};
    const mutations: Record<string, (t: Parameters<Parameters<SchemaParts['mutationFields']>[0]>[0]) => unknown> = {};
    for (const [name, verb] of access) {
      const procedure = catalog.procedures.get(name);
      if (!procedure) continue;
      const isQuery = callableWithGet(procedure);
      const fieldKey = functionFieldName(procedure.name, (candidate) => (isQuery ? taken.query : taken.mutation).has(candidate));
      const shape = shapeOf(catalog, procedure, parts);
      const inputs = inputParameters(procedure);
      const byField = new Map(inputs.map((p) => [fieldName(p.name), p]));

      const run = async (gctx: GraphqlContext, args: Readonly<Record<string, unknown>>): Promise<Row[]> => {
        const grant = await gctx.ctx.cached(routineGrantCacheKey(gctx.service, procedure.name, verb), () =>
          gctx.authorizer.authorize(gctx.ctx.principal, { service: gctx.service, resource: { kind: 'procedure', name: procedure.name }, verb }),
        );
        const named = Object.fromEntries(Object.entries(args).map(([key, value]) => [(byField.get(key) as ProcedureParameter).name, value]));
        const statement = applyGrant(planCall(gctx.catalog, procedure, named), grant);
        const { rows } = isQuery
          ? await gctx.executor.transaction(gctx.ctx, (scope) => scope.run(statement, gctx.ctx), { readOnly: true })
          : await gctx.executor.run(statement, gctx.ctx);
        return rows;
      };
      const result = (rows: Row[]): unknown => {
        if (shape.kind === 'rows' || shape.kind === 'jsonRows') return rows;
        if (shape.kind === 'scalar') return rows[0]?.[procedure.name] ?? null;
        return rows[0] ?? null;
      };

      const field = (t: Parameters<(typeof queries)[string]>[0]) => {
        const args: InputFieldMap = Object.fromEntries(
          [...byField].map(([argName, p]): [string, ArgumentRef<BuilderTypes, unknown>] => [argName, t.arg({ type: scalarOf(p.valueType), required: !p.hasDefault })]),
        );
        const description = procedure.comment ?? `${isQuery ? 'Calls' : 'Calls (may change data)'} the SQL ${procedure.kind} ${procedure.name}`;
        const common = { description, args };
        // A Mutation field records one audit entry (affected rows: the rows it answered).
        const resolveRows = (_root: unknown, a: Readonly<Record<string, unknown>>, gctx: GraphqlContext): Promise<Row[]> =>
          isQuery ? run(gctx, a) : recordedMutation(gctx, fieldKey, procedure.name, async () => {
                const rows = await run(gctx, a);
                return { value: rows, affectedRows: rows.length };
              });
        if (shape.kind === 'rows') {
          const model = parts.models.get(shape.table);
          if (!model) throw new Error(`table ${shape.table} vanished`);
          return t.field({ ...common, type: [parts.objectOf(model)], nullable: false, resolve: async (r, a, g) => (await resolveRows(r, a, g)) as Row[] });
        }
        if (shape.kind === 'jsonRows') return t.field({ ...common, type: ['json'], nullable: false, resolve: async (r, a, g) => (await resolveRows(r, a, g)) as never });
        const type = shape.kind === 'scalar' ? scalarOf(shape.type) : 'json';
        return t.field({ ...common, type, resolve: async (r, a, g) => result(await resolveRows(r, a, g)) as never });
      };
      (isQuery ? queries : mutations)[fieldKey] = field as (typeof queries)[string];
    }
    if (Object.keys(queries).length > 0) {
      parts.builder.queryFields((t) => Object.fromEntries(Object.entries(queries).map(([key, make]) => [key, make(t)])) as never);
    }
    if (Object.keys(mutations).length > 0) {
      parts.mutationFields((t) => Object.fromEntries(Object.entries(mutations).map(([key, make]) => [key, make(t)])) as never);
    }
  };
}
