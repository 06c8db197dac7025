/**
 * REST reads of the Faucet contract (writes: table-write-routes.ts, registered on the same router):
 *   GET /api/v1/{service}/_table                 table and view names
 *   GET /api/v1/{service}/_table/{table}         rows: filter, fields, order, limit, offset, ids, include_count
 *   GET /api/v1/{service}/_table/{table}/{id}    one row by primary key (composite: values in key order, comma-separated)
 * Each handler reads like a pipeline: parse → resolve → authorize → execute → envelope.
 *
 * `Accept: application/x-ndjson` streams rows (no default limit, no cap); `include_count=true`
 * adds `meta.total` and an `X-Total-Count` header.
 *
 * May import: query, auth, executor, catalog, errors (and http helpers for the request context).
 */
import accepts from 'accepts';
import { z } from 'zod';
import { applyGrant } from '../auth/apply-grant.js';
import { authorizeRelated } from '../auth/related-grants.js';
import { FULL_GRANT, type Authorizer } from '../auth/authorizer.js';
import type { Catalog, Table } from '../catalog/catalog-types.js';
import { setBounded } from '../collections.js';
import type { Row } from '../dialects/dialect.js';
import { resolveTable } from '../catalog/resolve.js';
import type { Executor, StatementPlan } from '../executor/executor.js';
import type { RequestContext } from '../executor/request-context.js';
import type { Limits } from '../config/config-schema.js';
import { catalogErrors, isApiError, requestErrors } from '../errors.js';
import { contextOf, headerOf, pathOf, queryOf, routeParam, sendJson, type DataRequest, type DataResponse } from '../http/exchange.js';
import type { RouteTable } from '../http/route-table.js';
import { columnConditions } from '../query/postgrest-params.js';
import { planRecordRead, planTableRead, recordKeyParams, recordKeyValues } from '../query/rest-params.js';
import type { ServiceRegistry } from '../system/service-registry.js';
import { tookMs, type ListEnvelope } from './envelopes.js';
import { NDJSON, streamNdjson } from './ndjson.js';
import { embedRelated, parentKeyColumns, parseRelated, stripColumns, withColumns, type RelatedDeps } from './related.js';
import { count, flag, parseQuery, readLimits, selectedFields, text } from './request-params.js';
import { registerTableWrites } from './table-write-routes.js';

export interface TableRouteDeps {
  readonly registry: ServiceRegistry;
  readonly authorizer: Authorizer;
  readonly limits: Limits;
}

/** The query string of a table read, checked at the edge (each parameter at most once). */
const readQuerySchema = z.looseObject({
  filter: text.optional(),
  fields: text.optional(),
  select: text.optional(),
  group: text.optional(),
  order: text.optional(),
  limit: count.optional(),
  offset: count.optional(),
  include_count: flag.optional(),
  ids: text.optional(),
  related: text.optional(),
});

const recordQuerySchema = z.looseObject({ fields: text.optional(), select: text.optional(), related: text.optional() });

/** Record-read plans per table (distinct `fields` lists): an app's few fit many times over. */
const MAX_RECORD_PLANS_PER_TABLE = 100;

/** JSON unless the client asks for NDJSON; 406 when it accepts neither. */
function wantsNdjson(req: DataRequest): boolean {
  const accept = headerOf(req, 'accept');
  if (!accept) return false;
  const chosen = accepts(req).type(['application/json', NDJSON]);
  if (chosen === false) throw requestErrors.notAcceptable(accept);
  return chosen === NDJSON;
}

/** Defines the `_table` routes on `router` and returns it. */
export function tableRoutes(deps: TableRouteDeps, router: RouteTable): RouteTable {
  const limits = readLimits(deps.limits);
  const relatedDeps = (service: string, catalog: Catalog, executor: Executor, ctx: RequestContext): RelatedDeps => ({
    authorizer: deps.authorizer,
    service,
    catalog,
    runner: executor,
    ctx,
    principal: ctx.principal,
    defaultLimit: deps.limits.defaultLimit,
  });

  // The listing: everything under a rule covering `_table`; otherwise the tables the caller may read
  // one by one (a role granted only `_table/orders` still sees `orders`), or 403 if none.
  router.get('/', async (req: DataRequest, res: DataResponse) => {
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    /** The 403 refusing `resource`, or undefined when it is allowed (other errors propagate). */
    const denial = (resource: { kind: 'table'; name?: string }) =>
      deps.authorizer.authorize(ctx.principal, { service, resource, verb: 'GET' }).then(
        () => undefined,
        (error: unknown) => {
          if (isApiError(error) && error.status === 403) return error;
          throw error;
        },
      );
    const listingDenied = await denial({ kind: 'table' });
    const { catalog } = deps.registry.snapshot(service);
    let names = [...catalog.tables.keys()];
    if (listingDenied) {
      const readable: string[] = [];
      for (const name of names) if (!(await denial({ kind: 'table', name }))) readable.push(name);
      if (readable.length === 0) throw listingDenied;
      names = readable;
    }
    const resource = names.map((name) => ({ name }));
    const body: ListEnvelope<{ name: string }> = { resource, meta: { count: resource.length } };
    sendJson(res, 200, body);
  });

  router.get('/:table', async (req: DataRequest, res: DataResponse) => {
    const started = performance.now();
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const query = parseQuery(readQuerySchema, queryOf(req));
    const streaming = wantsNdjson(req);
    const tableName = routeParam(req, 'table');
    // Authorize before resolving names, so callers without access learn nothing from a 404.
    const grant = await deps.authorizer.authorize(ctx.principal, { service, resource: { kind: 'table', name: tableName }, verb: 'GET' });
    const { catalog, executor } = deps.registry.snapshot(service);
    const table = resolveTable(catalog, tableName);
    const plan = planTableRead(
      table,
      {
        filter: query.filter,
        fields: selectedFields(query),
        group: query.group,
        conditions: columnConditions(query),
        order: query.order,
        limit: query.limit,
        offset: query.offset,
        ids: query.ids,
        includeCount: query.include_count,
      },
      limits,
      { streaming, visible: grant.columns, tables: (name) => resolveTable(catalog, name) },
    );
    const related = parseRelated(table, query.related, query, deps.limits.maxLimit, catalog);
    if (related.length > 0 && streaming) throw requestErrors.invalidParameter('related', 'is not available with NDJSON streaming');
    if (related.length > 0 && plan.page.items.some((i) => i.kind === 'aggregate')) throw requestErrors.invalidParameter('related', 'cannot be combined with aggregates');
    const withKeys = withColumns(plan.page, parentKeyColumns(table, related));
    // Tables read through relations (filter=customer.tier = 'gold', order=customer.full_name) are authorized like reads of their own.
    const throughRelations = { related: await authorizeRelated(deps.authorizer, ctx.principal, service, [plan.page, plan.count]) };
    const page = applyGrant(withKeys.select, grant, throughRelations);
    const countStatement = plan.count ? applyGrant(plan.count, grant, throughRelations) : undefined;

    const total = countStatement ? Number((await executor.run(countStatement, ctx)).rows[0]?.count ?? 0) : undefined;
    const totalHeader: Record<string, string> = total !== undefined ? { 'X-Total-Count': String(total) } : {};
    if (streaming) {
      await streamNdjson(res, executor.stream(page, ctx, deps.limits.ndjsonChunkSize), totalHeader);
      return;
    }
    const { rows } = await executor.run(page, ctx);
    await embedRelated(relatedDeps(service, catalog, executor, ctx), related, rows);
    stripColumns(rows, withKeys.added);
    const body: ListEnvelope = {
      resource: rows,
      meta: {
        count: rows.length,
        ...(total !== undefined ? { total } : {}),
        ...(plan.limit !== undefined ? { limit: plan.limit } : {}),
        offset: plan.offset,
        took_ms: tookMs(started),
      },
    };
    sendJson(res, 200, body, totalHeader);
  });

  /**
   * Record reads of callers with the full grant on the table (admins, and roles whose rule names no
   * fields and no row filter), per table and `fields`: the authorized, compiled statement, whose
   * slots take each request's key (as GraphQL's `T_by_pk` plans do, see graphql/graphql-plans.ts).
   * Kept per table object, so a reloaded catalog starts afresh. Other grants are made per request,
   * and reads with `related` add join columns: those are built each time.
   */
  const recordPlans = new WeakMap<Table, Map<string, StatementPlan>>();

  router.get('/:table/:id', async (req: DataRequest, res: DataResponse) => {
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const query = parseQuery(recordQuerySchema, queryOf(req));
    const tableName = routeParam(req, 'table');
    const grant = await deps.authorizer.authorize(ctx.principal, { service, resource: { kind: 'table', name: tableName }, verb: 'GET' });
    const { catalog, executor } = deps.registry.snapshot(service);
    const table = resolveTable(catalog, tableName);
    const id = routeParam(req, 'id');
    const related = parseRelated(table, query.related, query, deps.limits.maxLimit, catalog);
    const key = recordKeyValues(table, id);
    const fields = selectedFields(query);
    let rows: Row[];
    if (grant === FULL_GRANT && related.length === 0) {
      let plans = recordPlans.get(table);
      if (!plans) {
        plans = new Map();
        recordPlans.set(table, plans);
      }
      const planKey = fields ?? '';
      let plan = plans.get(planKey);
      if (!plan) {
        const slots = recordKeyParams(table, key);
        plan = executor.plan(applyGrant(planRecordRead(table, slots, fields, grant.columns), grant), slots);
        setBounded(plans, planKey, plan, MAX_RECORD_PLANS_PER_TABLE);
      }
      ({ rows } = await executor.runPlan(plan, key, ctx));
    } else {
      const withKeys = withColumns(planRecordRead(table, recordKeyParams(table, key), fields, grant.columns), parentKeyColumns(table, related));
      ({ rows } = await executor.run(applyGrant(withKeys.select, grant), ctx));
      await embedRelated(relatedDeps(service, catalog, executor, ctx), related, rows);
      stripColumns(rows, withKeys.added);
    }
    const row = rows[0];
    if (!row) throw catalogErrors.recordNotFound(service, table.name, id);
    sendJson(res, 200, row);
  });

  registerTableWrites(router, deps);

  // Other methods: answer in the envelope with the methods the path has, not with a 404.
  const methods: Record<string, readonly string[]> = {
    '/': ['GET', 'HEAD'],
    '/:table': ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    '/:table/:id': ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'],
  };
  for (const [path, allowed] of Object.entries(methods)) {
    router.all(path, (req: DataRequest) => {
      throw requestErrors.methodNotAllowed(req.method ?? '', pathOf(req), allowed);
    });
  }
  return router;
}
