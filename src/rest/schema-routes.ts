/**
 * The schema endpoints of the Faucet contract:
 *   GET    /api/v1/{service}/_schema           every table and view the caller may describe (list envelope)
 *   GET    /api/v1/{service}/_schema/{table}   one table: columns, keys, indexes, relations
 *   POST   /api/v1/{service}/_schema           create a table → 201 with its schema
 *   PUT    /api/v1/{service}/_schema/{table}   add/drop/rename/modify columns → 200 with the new schema
 *   DELETE /api/v1/{service}/_schema/{table}   drop the table → 200 {"success": true, "message"}
 *
 * Reading: describing a table needs GET on `_schema/{table}` AND GET on `_table/{table}`, and only
 * the columns the caller's table grant lets it read are described (with the keys, indexes and
 * relations among them), so a schema never names what a read would refuse. Changing: POST/PUT/DELETE
 * on `_schema/{table}` (read-only services refuse them in the authorizer); the answer describes the
 * whole table, as a caller that may change a table's columns is trusted with their names.
 *
 * Each change reaches the database as DDL compiled by the service's dialect from the DDL IR
 * (types and defaults from allow-lists, names quoted), and the service's catalog is reloaded after it
 * (`ServiceRegistry.refresh`: requests in flight finish on the old one). PostgreSQL runs the changes
 * of one request in a transaction; MySQL/MariaDB commit each DDL statement by itself, so a PUT with
 * several changes may stop part-way: the error names the failing change (`context.index`) and how
 * many were applied (`context.applied`), and the catalog is reloaded either way.
 *
 * May import: query, auth, executor, catalog, errors, system (and http helpers for the request context).
 */
import { z } from 'zod';
import { authorizeSchemaChange } from '../auth/apply-grant.js';
import { denial, type Authorizer } from '../auth/authorizer.js';
import type { Principal } from '../auth/principal.js';
import type { Table } from '../catalog/catalog-types.js';
import { resolveTable } from '../catalog/resolve.js';
import { isApiError, requestErrors, schemaErrors } from '../errors.js';
import { contextOf, pathOf, routeParam, sendJson, type DataRequest, type DataResponse } from '../http/exchange.js';
import type { RouteTable } from '../http/route-table.js';
import type { JsonValue } from '../query/column-types.js';
import { planAlterTable, planCreateTable, planDropTable } from '../query/schema-plan.js';
import type { ServiceRegistry } from '../system/service-registry.js';
import type { ListEnvelope } from './envelopes.js';
import { describeTable, relatedTables, SEE_ALL, type TableSchema, type Visibility } from './schema-describe.js';

export interface SchemaRouteDeps {
  readonly registry: ServiceRegistry;
  readonly authorizer: Authorizer;
}

// ---------------------------------------------------------------------------------------------
// Request bodies (shape only: names, types and defaults are checked by query/schema-plan.ts)

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);
const name = z.string().min(1).max(256);
const names = z.array(name).min(1).max(64);
const action = z
  .string()
  .transform((v) => v.trim().toLowerCase().replace(/[\s_]+/g, ' '))
  .pipe(z.enum(['no action', 'restrict', 'cascade', 'set null', 'set default']));

const columnSpec = z.strictObject({
  name,
  type: z.string().min(1).max(200),
  is_primary_key: z.boolean().optional(),
  is_nullable: z.boolean().optional(),
  nullable: z.boolean().optional(),
  is_unique: z.boolean().optional(),
  is_auto_increment: z.boolean().optional(),
  default: jsonValue.optional(),
});

const foreignKeySpec = z.strictObject({
  name: name.optional(),
  columns: z.union([name.transform((c) => [c]), names]),
  referenced_table: name,
  referenced_columns: z.union([name.transform((c) => [c]), names]),
  on_update: action.optional(),
  on_delete: action.optional(),
});

const createBody = z.strictObject({
  name,
  columns: z.array(columnSpec).min(1).max(1000),
  primary_key: names.optional(),
  foreign_keys: z.array(foreignKeySpec).max(64).optional(),
});

const changeSpec = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('add_column'), column: name.optional(), definition: columnSpec }),
  z.strictObject({ type: z.literal('drop_column'), column: name }),
  z.strictObject({ type: z.literal('rename_column'), column: name, new_name: name }),
  z.strictObject({
    type: z.literal('modify_column'),
    column: name,
    definition: z.strictObject({
      type: z.string().min(1).max(200).optional(),
      is_nullable: z.boolean().optional(),
      nullable: z.boolean().optional(),
      default: jsonValue.optional(),
    }),
  }),
]);

const alterBody = z.strictObject({ changes: z.array(changeSpec).min(1).max(100) });

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (body === undefined) throw requestErrors.malformedBody('expected a JSON object (Content-Type: application/json)');
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') || 'body';
  throw schemaErrors.invalidDefinition(`${path}: ${issue?.message ?? 'invalid'}`, { field: path });
}

// ---------------------------------------------------------------------------------------------


/**
 * What the caller may read of each table, asked of the authorizer once per table and request: the
 * grant's columns, or undefined when reading the table is refused. `known` holds answers already
 * obtained (the described table's own grant).
 */
export async function readVisibility(
  authorizer: Authorizer,
  principal: Principal,
  service: string,
  tables: Iterable<string>,
  known: Map<string, ReadonlySet<string> | 'all' | undefined> = new Map(),
): Promise<Visibility> {
  for (const table of tables) {
    if (known.has(table)) continue;
    try {
      known.set(table, (await authorizer.authorize(principal, { service, resource: { kind: 'table', name: table }, verb: 'GET' })).columns);
    } catch (error) {
      if (!(isApiError(error) && error.status === 403)) throw error;
      known.set(table, undefined);
    }
  }
  return (table) => known.get(table);
}

/** Defines the routes on `router` and returns it. */
export function schemaRoutes(deps: SchemaRouteDeps, router: RouteTable): RouteTable {
  const { authorizer, registry } = deps;


  /**
   * The description of `table` for a reader whose grant on it is `own` (undefined: not readable),
   * with the grants on its related tables applied too.
   */
  const describeFor = async (principal: Principal, service: string, table: Table, own: ReadonlySet<string> | 'all' | undefined) => {
    if (own === undefined) return undefined;
    const visibility = await readVisibility(authorizer, principal, service, relatedTables(table), new Map([[table.name, own]]));
    return describeTable(table, visibility);
  };

  router.get('/', async (req: DataRequest, res: DataResponse) => {
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    // Under a rule covering `_schema` every table may be described; otherwise those named one by one.
    const listingDenied = await denial(authorizer, ctx.principal, { service, resource: { kind: 'schema' }, verb: 'GET' });
    const { catalog } = registry.snapshot(service);
    const resource: TableSchema[] = [];
    for (const table of catalog.tables.values()) {
      if (listingDenied && (await denial(authorizer, ctx.principal, { service, resource: { kind: 'schema', name: table.name }, verb: 'GET' }))) {
        continue;
      }
      const own = (await readVisibility(authorizer, ctx.principal, service, [table.name]))(table.name);
      const described = await describeFor(ctx.principal, service, table, own);
      if (described) resource.push(described);
    }
    if (listingDenied && resource.length === 0) throw listingDenied;
    const body: ListEnvelope<TableSchema> = { resource, meta: { count: resource.length } };
    sendJson(res, 200, body);
  });

  router.get('/:table', async (req: DataRequest, res: DataResponse) => {
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const tableName = routeParam(req, 'table');
    // Both before resolving the name, so callers without access learn nothing from a 404.
    await authorizer.authorize(ctx.principal, { service, resource: { kind: 'schema', name: tableName }, verb: 'GET' });
    const grant = await authorizer.authorize(ctx.principal, { service, resource: { kind: 'table', name: tableName }, verb: 'GET' });
    const table = resolveTable(registry.snapshot(service).catalog, tableName);
    sendJson(res, 200, await describeFor(ctx.principal, service, table, grant.columns));
  });

  router.post('/', async (req: DataRequest, res: DataResponse) => {
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const body = parseBody(createBody, req.body);
    ctx.noteAudit({ target: body.name });
    const grant = await authorizer.authorize(ctx.principal, { service, resource: { kind: 'schema', name: body.name }, verb: 'POST' });
    const { catalog, executor } = registry.snapshot(service);
    const change = authorizeSchemaChange(planCreateTable(catalog, body), grant);
    await executor.applySchemaChange(change, ctx);
    const { catalog: updated } = await registry.refresh(service);
    sendJson(res, 201, describeTable(resolveTable(updated, change.table.name), SEE_ALL));
  });

  router.put('/:table', async (req: DataRequest, res: DataResponse) => {
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const tableName = routeParam(req, 'table');
    const grant = await authorizer.authorize(ctx.principal, { service, resource: { kind: 'schema', name: tableName }, verb: 'PUT' });
    const body = parseBody(alterBody, req.body);
    const { catalog, executor } = registry.snapshot(service);
    const change = authorizeSchemaChange(planAlterTable(catalog, tableName, body.changes), grant);
    try {
      await executor.applySchemaChange(change, ctx);
    } catch (error) {
      // Without transactional DDL some changes may have been applied: the catalog must show them.
      await registry.refresh(service).catch(() => undefined);
      throw error;
    }
    const { catalog: updated } = await registry.refresh(service);
    sendJson(res, 200, describeTable(resolveTable(updated, change.table.name), SEE_ALL));
  });

  router.delete('/:table', async (req: DataRequest, res: DataResponse) => {
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const tableName = routeParam(req, 'table');
    const grant = await authorizer.authorize(ctx.principal, { service, resource: { kind: 'schema', name: tableName }, verb: 'DELETE' });
    const { catalog, executor } = registry.snapshot(service);
    const change = authorizeSchemaChange(planDropTable(catalog, tableName), grant);
    await executor.applySchemaChange(change, ctx);
    await registry.refresh(service);
    sendJson(res, 200, { success: true, message: `Table '${change.table.name}' dropped successfully` });
  });

  router.all('/', (req: DataRequest) => {
    throw requestErrors.methodNotAllowed(req.method ?? '', pathOf(req), ['GET', 'HEAD', 'POST']);
  });
  router.all('/:table', (req: DataRequest) => {
    throw requestErrors.methodNotAllowed(req.method ?? '', pathOf(req), ['GET', 'HEAD', 'PUT', 'DELETE']);
  });
  return router;
}
