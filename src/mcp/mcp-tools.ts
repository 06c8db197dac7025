/**
 * The MCP tools: their names, descriptions, zod input schemas (published as JSON Schema) and what
 * each does. Every tool is a thin pipeline over the pieces the REST API runs — the same planners
 * (`planTableRead`, `readCondition`, `recordValues`/`setList`, `planCall`), the same Authorizer and
 * `applyGrant`, the same Executor/TableWriter — so a tool can do exactly what the caller's REST
 * request could, no more. Results are plain JSON (the server adds the text summary).
 *
 * Writes need a target: `update_rows` and `delete_rows` refuse to run without `filter` or `ids`
 * (a whole-table change needs an explicit condition such as `filter: "id > 0"`).
 *
 * May import: auth, catalog, config, executor, query, rest (pure helpers), system, errors.
 */
import { z } from 'zod';
import { applyGrant, authorizeSql } from '../auth/apply-grant.js';
import type { McpToolName } from '../auth/mcp-tools.js';
import { authorizeRelated } from '../auth/related-grants.js';
import type { Table } from '../catalog/catalog-types.js';
import { resolveProcedure, resolveTable } from '../catalog/resolve.js';
import { requestErrors } from '../errors.js';
import type { RequestContext } from '../executor/request-context.js';
import { TableWriter, type WriteScope } from '../executor/table-writer.js';
import { callableWithGet, planCall } from '../query/call-plan.js';
import { planTableRead, readCondition, resolveFields } from '../query/rest-params.js';
import { recordValues, setList } from '../query/rest-writes.js';
import { describeProcedure } from '../rest/proc-routes.js';
import { describeTable, relatedTables } from '../rest/schema-describe.js';
import { readVisibility } from '../rest/schema-routes.js';
import { assertCapable } from '../rest/table-write-routes.js';
import { readLimits } from '../rest/request-params.js';
import type { ServiceSnapshot } from '../system/service-registry.js';
import { authorizeCall, callableProcedures, readableTables, serviceFor, sqlMode, visibleServices, type McpCaller, type McpDeps } from './mcp-access.js';

/** The most rows one `query` or `run_sql` returns. */
export const MAX_TOOL_ROWS = 1000;

/** What a tool run produced: the structured result, a one-line summary, and the facts for the audit entry. */
export interface ToolOutcome {
  readonly result: Record<string, unknown>;
  readonly summary: string;
  readonly service?: string;
  readonly target?: string;
  readonly affectedRows?: number;
}

/** What a tool sees while it runs. */
export interface ToolEnv {
  readonly deps: McpDeps;
  readonly caller: McpCaller;
  readonly ctx: RequestContext;
  /** Notes the service/target as soon as they are known, so refusals are audited with them. */
  note(facts: { readonly service?: string; readonly target?: string }): void;
}

export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly name: McpToolName;
  readonly title: string;
  readonly description: string;
  readonly input: S;
  /** Changes nothing (MCP's `readOnlyHint`). */
  readonly readOnly: boolean;
  /** May delete or overwrite data (MCP's `destructiveHint`). */
  readonly destructive: boolean;
  run(env: ToolEnv, args: z.output<S>): Promise<ToolOutcome>;
}

const name = z.string().min(1).max(128);
const service = z
  .string()
  .min(1)
  .max(63)
  .optional()
  .describe('The service (database) to use; may be left out when only one is served or the server is scoped to one');
const filter = z.string().max(16_384).optional().describe("A Sluice filter, e.g. \"status = 'open' and total > 100\" (the REST filter grammar)");
const key = z.union([z.string(), z.number(), z.boolean()]);
const ids = z
  .array(z.union([key, z.array(key)]))
  .min(1)
  .optional()
  .describe('Primary key values; for a composite key, arrays of values in key order');
const row = z.record(z.string(), z.unknown());

const define = <S extends z.ZodObject>(tool: ToolDefinition<S>): ToolDefinition<S> => tool;

/** The description agents see for a table, column or procedure: the semantic layer's (override, else database comment). */
const descriptionOf = (item: { readonly description?: string | undefined; readonly comment?: string | undefined }): string | null => item.description ?? item.comment ?? null;
/** The display name the semantic layer gives a table or column, if any. */
const displayNameOf = (item: { readonly displayName?: string | undefined }): string | null => item.displayName ?? null;

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** Authorize, then take the snapshot: callers without access learn nothing from a 404 (as in REST). */
async function tableAccess(env: ToolEnv, serviceArg: string | undefined, tableName: string, verb: 'GET' | 'POST' | 'PATCH' | 'DELETE') {
  const svc = serviceFor(env.deps, env.caller, serviceArg);
  env.note({ service: svc, target: tableName });
  const grant = await env.deps.authorizer.authorize(env.caller.principal, { service: svc, resource: { kind: 'table', name: tableName }, verb });
  const snapshot = env.deps.registry.snapshot(svc);
  const table = resolveTable(snapshot.catalog, tableName);
  return { service: svc, grant, snapshot, table };
}

/** The rows a write addresses: `filter` and/or `ids`; refused when neither is given. */
function writeTarget(env: ToolEnv, table: Table, args: { readonly filter?: string | undefined; readonly ids?: readonly unknown[] | undefined }, verb: string) {
  const limits = readLimits(env.deps.limits);
  const target = readCondition(
    table,
    { ...(args.filter !== undefined ? { filter: args.filter } : {}), ...(args.ids !== undefined ? { ids: JSON.stringify(args.ids) } : {}) },
    limits.filter,
  );
  if (!target) throw requestErrors.unboundedWrite(verb, table.name);
  return target;
}

function writeScope(env: ToolEnv, table: Table, grant: WriteScope['grant']): WriteScope {
  return { ctx: env.ctx, grant, returning: resolveFields(table, undefined, grant.columns) };
}

function tableSummary(table: Table) {
  return {
    name: table.name,
    type: table.kind === 'materializedView' ? 'materialized_view' : table.kind,
    display_name: displayNameOf(table),
    description: descriptionOf(table),
    primary_key: [...table.primaryKey],
    insertable: table.capabilities.insertable,
    updatable: table.capabilities.updatable,
    deletable: table.capabilities.deletable,
  };
}

/** The catalog a caller may see of one service: its readable tables (described) and callable procedures. */
export async function schemaView(env: Pick<ToolEnv, 'deps' | 'caller'>, svc: string): Promise<Record<string, unknown>> {
  const { principal } = env.caller;
  const { catalog } = env.deps.registry.snapshot(svc);
  const tables = await readableTables(env.deps, principal, svc, catalog);
  const described = [];
  for (const table of tables) described.push(await describeFor(env, svc, table));
  const procedures = (await callableProcedures(env.deps, principal, svc, catalog)).map((p) => ({ ...describeProcedure(p), description: descriptionOf(p) }));
  return { service: svc, engine: catalog.variant, tables: described, procedures };
}

async function describeFor(env: Pick<ToolEnv, 'deps' | 'caller'>, svc: string, table: Table) {
  const own = (await env.deps.authorizer.authorize(env.caller.principal, { service: svc, resource: { kind: 'table', name: table.name }, verb: 'GET' })).columns;
  const visibility = await readVisibility(env.deps.authorizer, env.caller.principal, svc, relatedTables(table), new Map([[table.name, own]]));
  const description = describeTable(table, visibility);
  return {
    ...description,
    display_name: displayNameOf(table),
    description: descriptionOf(table),
    columns: description.columns.map((column) => {
      const known = table.columnsByName.get(column.name);
      return { ...column, display_name: known ? displayNameOf(known) : null, description: descriptionOf(known ?? column) };
    }),
  };
}

/** Service facts the caller may see (list_services and the `sluice://services` resource). */
export async function servicesView(env: Pick<ToolEnv, 'deps' | 'caller'>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const svc of await visibleServices(env.deps, env.caller)) {
    const settings = env.deps.registry.settings(svc);
    const status = env.deps.registry.status(svc) ?? 'unknown';
    const snapshot: ServiceSnapshot | undefined = status === 'ok' ? env.deps.registry.snapshot(svc) : undefined;
    const sql = await sqlMode(env.deps, env.caller.principal, svc);
    out.push({
      name: svc,
      label: settings?.label ?? null,
      status,
      engine: snapshot?.catalog.variant ?? null,
      read_only: settings?.readOnly ?? false,
      raw_sql: sql.allowed ? (sql.readOnly ? 'read' : 'read_write') : 'none',
      tables: snapshot ? (await readableTables(env.deps, env.caller.principal, svc, snapshot.catalog)).length : null,
    });
  }
  return out;
}

export const TOOLS = [
  define({
    name: 'list_services',
    title: 'List services',
    description: 'Lists the databases (services) you can use, with their engine, status, whether they are read-only, and whether you may run raw SQL there.',
    input: z.strictObject({}),
    readOnly: true,
    destructive: false,
    async run(env) {
      const services = await servicesView(env);
      return { result: { services }, summary: `${plural(services.length, 'service')}: ${services.map((s) => s.name).join(', ') || 'none'}` };
    },
  }),
  define({
    name: 'list_tables',
    title: 'List tables',
    description: 'Lists the tables and views of a service you may read, with their descriptions and primary keys.',
    input: z.strictObject({ service }),
    readOnly: true,
    destructive: false,
    async run(env, args) {
      const svc = serviceFor(env.deps, env.caller, args.service);
      env.note({ service: svc });
      // The listing is refused (403) when nothing is readable, as the REST listing.
      const listing = await env.deps.authorizer
        .authorize(env.caller.principal, { service: svc, resource: { kind: 'table' }, verb: 'GET' })
        .then(() => undefined, (error: unknown) => error);
      const { catalog } = env.deps.registry.snapshot(svc);
      const tables = await readableTables(env.deps, env.caller.principal, svc, catalog);
      if (tables.length === 0 && listing !== undefined) throw listing;
      return {
        result: { service: svc, tables: tables.map(tableSummary) },
        summary: `${plural(tables.length, 'table')} in ${svc}: ${tables.map((t) => t.name).join(', ') || 'none'}`,
        service: svc,
      };
    },
  }),
  define({
    name: 'describe_table',
    title: 'Describe a table',
    description: 'Describes a table or view: columns (types, nullability, keys, descriptions), primary key, foreign keys, indexes and relations to other tables.',
    input: z.strictObject({ service, table: name }),
    readOnly: true,
    destructive: false,
    async run(env, args) {
      const { service: svc, table } = await tableAccess(env, args.service, args.table, 'GET');
      const described = await describeFor(env, svc, table);
      return { result: described, summary: `${table.name}: ${plural(described.columns.length, 'column')}`, service: svc, target: table.name };
    },
  }),
  define({
    name: 'query',
    title: 'Query rows',
    description:
      'Reads rows of a table or view: filter (Sluice filter grammar), fields (columns, or aggregates such as count(*), sum(total) with group), order ("total desc, id"), limit (at most 1000), offset.',
    input: z.strictObject({
      service,
      table: name,
      filter,
      fields: z.union([z.string().max(4096), z.array(z.string().max(256)).min(1)]).optional().describe('Columns to return (default: all), or aggregates with group'),
      order: z.string().max(4096).optional().describe('e.g. "created_at desc, id"'),
      group: z.string().max(4096).optional().describe('Columns to group by, comma-separated (with aggregates in fields)'),
      limit: z.number().int().min(1).max(MAX_TOOL_ROWS).optional(),
      offset: z.number().int().min(0).optional(),
      ids,
      include_count: z.boolean().optional().describe('Also return the total number of matching rows'),
    }),
    readOnly: true,
    destructive: false,
    async run(env, args) {
      const { service: svc, grant, snapshot, table } = await tableAccess(env, args.service, args.table, 'GET');
      const { catalog, executor } = snapshot;
      const limits = readLimits(env.deps.limits);
      const plan = planTableRead(
        table,
        {
          ...(args.filter !== undefined ? { filter: args.filter } : {}),
          ...(args.fields !== undefined ? { fields: Array.isArray(args.fields) ? args.fields.join(',') : args.fields } : {}),
          ...(args.order !== undefined ? { order: args.order } : {}),
          ...(args.group !== undefined ? { group: args.group } : {}),
          ...(args.limit !== undefined ? { limit: args.limit } : {}),
          ...(args.offset !== undefined ? { offset: args.offset } : {}),
          ...(args.ids !== undefined ? { ids: JSON.stringify(args.ids) } : {}),
          ...(args.include_count !== undefined ? { includeCount: args.include_count } : {}),
        },
        { ...limits, maxLimit: Math.min(limits.maxLimit, MAX_TOOL_ROWS) },
        { visible: grant.columns, tables: (other) => resolveTable(catalog, other) },
      );
      const throughRelations = { related: await authorizeRelated(env.deps.authorizer, env.caller.principal, svc, [plan.page, plan.count]) };
      const total = plan.count ? Number((await executor.run(applyGrant(plan.count, grant, throughRelations), env.ctx)).rows[0]?.count ?? 0) : undefined;
      const { rows } = await executor.run(applyGrant(plan.page, grant, throughRelations), env.ctx);
      return {
        result: { rows, count: rows.length, ...(total !== undefined ? { total } : {}), limit: plan.limit ?? null, offset: plan.offset },
        summary: `${plural(rows.length, 'row')} from ${table.name}${total !== undefined ? ` (${total} matching)` : ''}`,
        service: svc,
        target: table.name,
      };
    },
  }),
  define({
    name: 'insert_rows',
    title: 'Insert rows',
    description: 'Inserts rows into a table, all in one transaction; returns the created rows. upsert: true updates rows whose primary key exists.',
    input: z.strictObject({
      service,
      table: name,
      rows: z.array(row).min(1).describe('Objects of column names to values'),
      upsert: z.boolean().optional(),
    }),
    readOnly: false,
    destructive: false,
    async run(env, args) {
      const { service: svc, grant, snapshot, table } = await tableAccess(env, args.service, args.table, 'POST');
      assertCapable(table, 'POST');
      const max = env.deps.limits.maxRecordsPerWrite;
      if (args.rows.length > max) throw requestErrors.tooManyRecords(max, args.rows.length);
      const records = args.rows.map((record, index) => recordValues(table, record, index));
      const outcome = await new TableWriter(snapshot.executor, table).insert(records, writeScope(env, table, grant), {
        atomic: true,
        ...(args.upsert ? { onConflict: 'merge' as const } : {}),
      });
      return {
        result: { rows: outcome.rows, count: outcome.rows.length },
        summary: `Inserted ${plural(outcome.rows.length, 'row')} into ${table.name}`,
        service: svc,
        target: table.name,
        affectedRows: outcome.rows.length,
      };
    },
  }),
  define({
    name: 'update_rows',
    title: 'Update rows',
    description: 'Sets columns of the rows matching filter and/or ids (one of them is required); returns the updated rows.',
    input: z.strictObject({ service, table: name, set: row.describe('Columns to set, with their new values'), filter, ids }),
    readOnly: false,
    destructive: true,
    async run(env, args) {
      const { service: svc, grant, snapshot, table } = await tableAccess(env, args.service, args.table, 'PATCH');
      assertCapable(table, 'PATCH');
      const target = writeTarget(env, table, args, 'PATCH');
      const set = setList(table, recordValues(table, args.set, 0).values, { replace: false, exclude: new Set(), writable: grant.columns });
      const outcome = await new TableWriter(snapshot.executor, table).updateWhere(set, target, writeScope(env, table, grant));
      return {
        result: { rows: outcome.rows, count: outcome.count },
        summary: `Updated ${plural(outcome.count, 'row')} of ${table.name}`,
        service: svc,
        target: table.name,
        affectedRows: outcome.count,
      };
    },
  }),
  define({
    name: 'delete_rows',
    title: 'Delete rows',
    description: 'Deletes the rows matching filter and/or ids (one of them is required); returns how many were deleted.',
    input: z.strictObject({ service, table: name, filter, ids }),
    readOnly: false,
    destructive: true,
    async run(env, args) {
      const { service: svc, grant, snapshot, table } = await tableAccess(env, args.service, args.table, 'DELETE');
      assertCapable(table, 'DELETE');
      const target = writeTarget(env, table, args, 'DELETE');
      const outcome = await new TableWriter(snapshot.executor, table).deleteWhere(target, writeScope(env, table, grant), { returnRows: false });
      return {
        result: { count: outcome.count },
        summary: `Deleted ${plural(outcome.count, 'row')} of ${table.name}`,
        service: svc,
        target: table.name,
        affectedRows: outcome.count,
      };
    },
  }),
  define({
    name: 'call_procedure',
    title: 'Call a procedure',
    description:
      'Calls a stored procedure or function with named arguments; returns its rows (or its value). A role allowed only GET calls side-effect-free functions, in a read-only transaction.',
    input: z.strictObject({ service, procedure: name, arguments: row.optional().describe('Argument names to values') }),
    readOnly: false,
    destructive: true,
    async run(env, args) {
      const svc = serviceFor(env.deps, env.caller, args.service);
      env.note({ service: svc, target: args.procedure });
      let procedure: ReturnType<typeof resolveProcedure> | undefined;
      const lookup = () => (procedure ??= resolveProcedure(env.deps.registry.snapshot(svc).catalog, args.procedure));
      // Authorize before resolving the name (no 404 oracle); GET only for side-effect-free functions.
      const { grant, verb } = await authorizeCall(env.deps, env.caller.principal, svc, args.procedure, () => {
        try {
          return callableWithGet(lookup());
        } catch {
          return false;
        }
      });
      const { catalog, executor } = env.deps.registry.snapshot(svc);
      const statement = applyGrant(planCall(catalog, lookup(), args.arguments ?? {}), grant);
      const { rows } =
        verb === 'GET' ? await executor.transaction(env.ctx, (scope) => scope.run(statement, env.ctx), { readOnly: true }) : await executor.run(statement, env.ctx);
      return {
        result: { rows, count: rows.length },
        summary: `${args.procedure} returned ${plural(rows.length, 'row')}`,
        service: svc,
        target: args.procedure,
      };
    },
  }),
  define({
    name: 'run_sql',
    title: 'Run SQL',
    description:
      'Runs one SQL statement on a service that allows raw SQL, if your role has a _sql rule: in a READ ONLY transaction unless the rule allows POST (writes). Returns at most 1000 rows.',
    input: z.strictObject({ service, sql: z.string().min(1).max(100_000).describe('One SQL statement') }),
    readOnly: false,
    destructive: true,
    async run(env, args) {
      const svc = serviceFor(env.deps, env.caller, args.service);
      env.note({ service: svc });
      const mode = await sqlMode(env.deps, env.caller.principal, svc);
      if (!mode.allowed) throw mode.reason;
      const { executor } = env.deps.registry.snapshot(svc);
      const outcome = await executor.runSql(authorizeSql(args.sql, mode.grant, { readOnly: mode.readOnly }), env.ctx, MAX_TOOL_ROWS);
      return {
        result: { rows: outcome.rows, count: outcome.rows.length, truncated: outcome.truncated, read_only: mode.readOnly },
        summary: `${plural(outcome.rows.length, 'row')}${outcome.truncated ? ' (truncated)' : ''} (${mode.readOnly ? 'read-only' : 'read-write'} transaction)`,
        service: svc,
      };
    },
  }),
] as const;

export const TOOLS_BY_NAME: ReadonlyMap<string, ToolDefinition> = new Map(TOOLS.map((tool) => [tool.name, tool as unknown as ToolDefinition]));

/** A tool's input schema as JSON Schema (an object schema, as MCP requires). */
export function toolJsonSchema(tool: ToolDefinition): { type: 'object'; [key: string]: unknown } {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.input, { io: 'input' }) as Record<string, unknown>;
  return { ...schema, type: 'object' };
}
