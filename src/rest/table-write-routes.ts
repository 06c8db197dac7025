/**
 * REST writes of the Faucet contract:
 *   POST   /api/v1/{service}/_table/{table}        insert one record, an array, or {"resource": [...]}; upsert
 *   PUT    /api/v1/{service}/_table/{table}        replace records by key, or by filter/ids
 *   PATCH  /api/v1/{service}/_table/{table}        update fields by filter/ids (query or body), or by key
 *   DELETE /api/v1/{service}/_table/{table}        delete by filter/ids, or body ids / keyed records
 *   PUT|PATCH|DELETE /api/v1/{service}/_table/{table}/{id}   one record by primary key
 * Each handler: parse the body → authorize → resolve → validate records against the catalog → run
 * through the TableWriter (one transaction) → envelope. A write addressing no rows at all (no filter,
 * no ids, no keys) is refused: whole-table writes need an explicit `filter=true`-style condition.
 *
 * May import: query, auth, executor, catalog, errors, config, system (and the request context).
 */
import { z } from 'zod';
import type { Authorizer, Grant, Verb } from '../auth/authorizer.js';
import type { Table } from '../catalog/catalog-types.js';
import { resolveTable } from '../catalog/resolve.js';
import type { Limits } from '../config/config-schema.js';
import type { Row } from '../dialects/dialect.js';
import { catalogErrors, requestErrors, withRecordIndex, type ErrorEnvelope } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import { TableWriter, type KeyedUpdate, type WriteScope } from '../executor/table-writer.js';
import { contextOf, headerOf, queryOf, routeParam, sendJson, type DataRequest, type DataResponse } from '../http/exchange.js';
import type { RouteTable } from '../http/route-table.js';
import { and } from '../query/ir-factories.js';
import type { Expr } from '../query/ir.js';
import { columnConditions } from '../query/postgrest-params.js';
import { idsCondition, readCondition, recordCondition, resolveFields, type ReadLimits } from '../query/rest-params.js';
import { keysCondition, keyValues, primaryKey, recordValues, setList, type ConflictResolution, type RecordValues } from '../query/rest-writes.js';
import type { ServiceRegistry } from '../system/service-registry.js';
import { tookMs } from './envelopes.js';
import { flag, parseQuery, readLimits, selectedFields, text } from './request-params.js';

export interface TableWriteDeps {
  readonly registry: ServiceRegistry;
  readonly authorizer: Authorizer;
  readonly limits: Limits;
}

const writeQuerySchema = z.looseObject({
  filter: text.optional(),
  ids: text.optional(),
  fields: text.optional(),
  select: text.optional(),
  upsert: flag.optional(),
  rollback: flag.optional(),
});
type WriteQuery = z.output<typeof writeQuerySchema>;

type JsonRecord = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is JsonRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The JSON body, required for POST/PUT/PATCH (express.json leaves it undefined for other media types). */
function jsonBody(req: DataRequest, required: boolean): unknown {
  if (req.body === undefined && required) {
    throw requestErrors.invalidBody('expected a JSON body with Content-Type: application/json', { contentType: headerOf(req, 'content-type') ?? null });
  }
  return req.body;
}

/**
 * The records of a body: one object, an array of objects, or `{"resource": [...]}` (recognised when
 * `resource` is the only key and holds an array, and the table has no column of that name).
 */
function bodyRecords(body: unknown, table: Table, max: number): JsonRecord[] {
  const list: unknown[] =
    Array.isArray(body) ? body
    : isRecord(body) && Object.keys(body).length === 1 && Array.isArray(body.resource) && !table.columnsByName.has('resource') ? body.resource
    : [body];
  if (list.length === 0) throw requestErrors.invalidBody('no records given');
  if (list.length > max) throw requestErrors.tooManyRecords(max, list.length);
  return list.map((item, index) => {
    if (!isRecord(item)) throw withRecordIndex(requestErrors.invalidBody(`record ${index} is not a JSON object`), index);
    return item;
  });
}

/** The rows a request addresses through `filter`, `{column}.{op}` conditions and/or `ids` (ANDed), if it names any. */
function queryTarget(table: Table, query: WriteQuery, limits: ReadLimits): Expr | undefined {
  const params = { ...(query.filter !== undefined ? { filter: query.filter } : {}), ...(query.ids !== undefined ? { ids: query.ids } : {}) };
  return readCondition(table, { ...params, conditions: columnConditions(query) }, limits.filter);
}

/** `ids` in a body (`{"ids": [1, 2], ...fields}`), when the table has no column of that name. */
function bodyIds(table: Table, body: unknown, limits: ReadLimits): Expr | undefined {
  if (!isRecord(body) || !Array.isArray(body.ids) || table.columnsByName.has('ids')) return undefined;
  return idsCondition(table, JSON.stringify(body.ids), limits.filter.maxInListSize);
}

function conflictResolution(req: DataRequest, query: WriteQuery): ConflictResolution | undefined {
  const prefer = (headerOf(req, 'prefer') ?? '').toLowerCase();
  if (/\bresolution=merge-duplicates\b/.test(prefer) || query.upsert === true) return 'merge';
  if (/\bresolution=ignore-duplicates\b/.test(prefer)) return 'ignore';
  return undefined;
}

export function assertCapable(table: Table, method: string): void {
  const capable =
    method === 'POST' ? table.capabilities.insertable
    : method === 'DELETE' ? table.capabilities.deletable
    : table.capabilities.updatable;
  if (capable) return;
  const allowed = ['GET', ...(table.capabilities.insertable ? ['POST'] : []), ...(table.capabilities.updatable ? ['PUT', 'PATCH'] : []), ...(table.capabilities.deletable ? ['DELETE'] : [])];
  throw requestErrors.notWritable(table.name, method, allowed);
}

interface WriteContext {
  readonly table: Table;
  readonly executor: Executor;
  readonly grant: Grant;
  readonly scope: WriteScope;
  readonly query: WriteQuery;
  readonly started: number;
}

export function registerTableWrites(router: RouteTable, deps: TableWriteDeps): void {
  const limits = readLimits(deps.limits);
  const maxRecords = deps.limits.maxRecordsPerWrite;

  /** Authorize (before any name resolution), resolve the table, check it can take the verb. */
  const prepare = async (req: DataRequest, res: DataResponse, verb: Verb): Promise<WriteContext> => {
    const started = performance.now();
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const query = parseQuery(writeQuerySchema, queryOf(req));
    const tableName = routeParam(req, 'table');
    const grant = await deps.authorizer.authorize(ctx.principal, { service, resource: { kind: 'table', name: tableName }, verb });
    const { catalog, executor } = deps.registry.snapshot(service);
    const table = resolveTable(catalog, tableName);
    assertCapable(table, verb);
    const returning = resolveFields(table, selectedFields(query), grant.columns);
    return { table, executor, grant, query, started, scope: { ctx, grant, returning } };
  };

  const list = (res: DataResponse, status: number, rows: readonly Row[], started: number) =>
    sendJson(res, status, { resource: rows, meta: { count: rows.length, took_ms: tookMs(started) } });

  /** Keyed records (PUT/PATCH without filter): each must carry its whole primary key. */
  const keyedUpdates = (w: WriteContext, records: readonly JsonRecord[], replace: boolean, method: string): KeyedUpdate[] => {
    const key = primaryKey(w.table);
    const exclude = new Set(w.table.primaryKey);
    return records.map((record, index) => {
      const values = recordValues(w.table, record, index);
      const keyParams = keyValues(values, key);
      if (!keyParams) throw withRecordIndex(requestErrors.unboundedWrite(method, w.table.name), index);
      try {
        return { index, key: keyParams, set: setList(w.table, values.values, { replace, exclude, writable: w.grant.columns }) };
      } catch (error) {
        throw withRecordIndex(error, index);
      }
    });
  };

  router.post('/:table', async (req: DataRequest, res: DataResponse) => {
    const body = jsonBody(req, true);
    const w = await prepare(req, res, 'POST');
    const records: RecordValues[] = bodyRecords(body, w.table, maxRecords).map((record, index) => recordValues(w.table, record, index));
    const onConflict = conflictResolution(req, w.query);
    const outcome = await new TableWriter(w.executor, w.table).insert(records, w.scope, {
      atomic: w.query.rollback !== false,
      ...(onConflict ? { onConflict } : {}),
    });
    w.scope.ctx.noteAudit({ affectedRows: outcome.rows.length });
    if (outcome.errors.length === 0) {
      list(res, 201, outcome.rows, w.started);
      return;
    }
    const errors = outcome.errors.map(({ index, error }) => ({ index, error: error.toEnvelope().error }));
    const envelope: { resource: readonly Row[]; errors: { index: number; error: ErrorEnvelope['error'] }[]; meta: Record<string, number> } = {
      resource: outcome.rows,
      errors,
      meta: { count: outcome.rows.length, failed: errors.length, took_ms: tookMs(w.started) },
    };
    sendJson(res, 207, envelope);
  });

  /** PUT and PATCH on the table: by filter/ids (one record of fields for every matching row) or by keyed records. */
  const update = (method: 'PUT' | 'PATCH') => async (req: DataRequest, res: DataResponse) => {
    const body = jsonBody(req, true);
    const w = await prepare(req, res, method);
    const replace = method === 'PUT';
    const idsInBody = method === 'PATCH' ? bodyIds(w.table, body, limits) : undefined;
    const target = and(queryTarget(w.table, w.query, limits), idsInBody);
    const writer = new TableWriter(w.executor, w.table);
    if (target) {
      if (!isRecord(body)) throw requestErrors.invalidBody('with filter or ids, the body is one object of fields to set');
      const values = recordValues(w.table, body, 0, idsInBody ? new Set(['ids']) : new Set());
      const set = setList(w.table, values.values, { replace, exclude: new Set(), writable: w.grant.columns });
      const outcome = await writer.updateWhere(set, target, w.scope);
      w.scope.ctx.noteAudit({ affectedRows: outcome.count });
      sendJson(res, 200, { resource: outcome.rows, meta: { count: outcome.count, took_ms: tookMs(w.started) } });
      return;
    }
    const updates = keyedUpdates(w, bodyRecords(body, w.table, maxRecords), replace, method);
    const outcome = await writer.updateRecords(updates, w.scope);
    w.scope.ctx.noteAudit({ affectedRows: outcome.count });
    list(res, 200, outcome.rows, w.started);
  };
  router.put('/:table', update('PUT'));
  router.patch('/:table', update('PATCH'));

  router.delete('/:table', async (req: DataRequest, res: DataResponse) => {
    const body = jsonBody(req, false);
    const w = await prepare(req, res, 'DELETE');
    let target = queryTarget(w.table, w.query, limits);
    if (!target && body !== undefined && !(isRecord(body) && Object.keys(body).length === 0)) {
      target = bodyIds(w.table, body, limits);
      if (!target) {
        const key = primaryKey(w.table);
        const keys = bodyRecords(body, w.table, maxRecords).map((record, index) => {
          const values = keyValues(recordValues(w.table, record, index), key);
          if (!values) throw withRecordIndex(requestErrors.unboundedWrite('DELETE', w.table.name), index);
          return values;
        });
        target = keysCondition(w.table, key, keys);
      }
    }
    if (!target) throw requestErrors.unboundedWrite('DELETE', w.table.name);
    const outcome = await new TableWriter(w.executor, w.table).deleteWhere(target, w.scope, { returnRows: false });
    w.scope.ctx.noteAudit({ affectedRows: outcome.count });
    sendJson(res, 200, { meta: { count: outcome.count, took_ms: tookMs(w.started) } });
  });

  // ----- one record by primary key ---------------------------------------------------------------

  const recordUpdate = (method: 'PUT' | 'PATCH') => async (req: DataRequest, res: DataResponse) => {
    const body = jsonBody(req, true);
    const w = await prepare(req, res, method);
    if (!isRecord(body)) throw requestErrors.invalidBody('expected one JSON object of fields');
    const id = routeParam(req, 'id');
    const where = recordCondition(w.table, id);
    const values = recordValues(w.table, body, 0);
    const set = setList(w.table, values.values, { replace: method === 'PUT', exclude: new Set(), writable: w.grant.columns });
    const outcome = await new TableWriter(w.executor, w.table).updateWhere(set, where, w.scope);
    w.scope.ctx.noteAudit({ affectedRows: outcome.count });
    const row = outcome.rows[0];
    if (outcome.count === 0 || !row) throw catalogErrors.recordNotFound(w.executor.service, w.table.name, id);
    sendJson(res, 200, row);
  };
  router.put('/:table/:id', recordUpdate('PUT'));
  router.patch('/:table/:id', recordUpdate('PATCH'));

  router.delete('/:table/:id', async (req: DataRequest, res: DataResponse) => {
    const w = await prepare(req, res, 'DELETE');
    const id = routeParam(req, 'id');
    const outcome = await new TableWriter(w.executor, w.table).deleteWhere(recordCondition(w.table, id), w.scope, { returnRows: true });
    w.scope.ctx.noteAudit({ affectedRows: outcome.count });
    const row = outcome.rows[0];
    if (outcome.count === 0 || !row) throw catalogErrors.recordNotFound(w.executor.service, w.table.name, id);
    sendJson(res, 200, row);
  });
}
