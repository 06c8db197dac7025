/**
 * Stored procedures and functions of the Faucet contract:
 *   GET  /api/v1/{service}/_proc          the routines the caller may call
 *   POST /api/v1/{service}/_proc/{name}   call one; arguments from the JSON body and the query string
 *   GET  /api/v1/{service}/_proc/{name}   call a side-effect-free function (immutable/stable) from the query string
 *
 * Arguments are merged from the body (an object) and the query string; a name given in both is a
 * 400 rather than one silently winning. Results: `{"resource": rows, "meta": {"count","took_ms"}}` —
 * the rows of a set-returning routine, `[{"<function>": value}]` for a scalar function, the OUT
 * parameters as one row for a PostgreSQL procedure.
 *
 * GET calls run in a read-only transaction: volatility is a declaration (on MySQL an unchecked
 * one), so the database, not the declaration, guarantees that a GET changes nothing.
 *
 * May import: query, auth, executor, catalog, errors (and http helpers for the request context).
 */
import { applyGrant } from '../auth/apply-grant.js';
import type { Authorizer, Verb } from '../auth/authorizer.js';
import type { Procedure } from '../catalog/catalog-types.js';
import { resolveProcedure } from '../catalog/resolve.js';
import { isApiError, requestErrors } from '../errors.js';
import { contextOf, pathOf, queryOf, routeParam, sendJson, type DataRequest, type DataResponse } from '../http/exchange.js';
import type { RouteTable } from '../http/route-table.js';
import { callableWithGet, planCall } from '../query/call-plan.js';
import type { ServiceRegistry } from '../system/service-registry.js';
import { tookMs, type ListEnvelope } from './envelopes.js';

export interface ProcRouteDeps {
  readonly registry: ServiceRegistry;
  readonly authorizer: Authorizer;
}

/** One routine in the `_proc` listing. */
export interface ProcedureListing {
  readonly name: string;
  readonly type: 'function' | 'procedure';
  readonly return_type: string | null;
  readonly returns_set: boolean;
  readonly volatility: Procedure['volatility'];
  readonly parameters: readonly { readonly name: string; readonly type: string; readonly mode: string; readonly has_default: boolean }[];
}

export function describeProcedure(procedure: Procedure): ProcedureListing {
  return {
    name: procedure.name,
    type: procedure.kind,
    return_type: procedure.returnType,
    returns_set: procedure.returnsSet,
    volatility: procedure.volatility,
    parameters: procedure.parameters.map((p) => ({ name: p.name, type: p.dbType, mode: p.mode, has_default: p.hasDefault })),
  };
}

/** The query string as arguments: each name at most once. */
function queryArguments(query: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string') throw requestErrors.invalidParameter(name, 'given more than once');
    out[name] = value;
  }
  return out;
}

function bodyArguments(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw requestErrors.malformedBody('the arguments of a call must be a JSON object of parameter names to values');
  }
  return body as Record<string, unknown>;
}

/** Defines the routes on `router` and returns it. */
export function procRoutes(deps: ProcRouteDeps, router: RouteTable): RouteTable {


  // The listing: everything under a rule covering `_proc`; otherwise the routines the caller may
  // call one by one (POST, or GET for side-effect-free functions), or 403 if none.
  router.get('/', async (req: DataRequest, res: DataResponse) => {
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const denial = (name: string | undefined, verb: Verb) =>
      deps.authorizer.authorize(ctx.principal, { service, resource: { kind: 'procedure', ...(name !== undefined ? { name } : {}) }, verb }).then(
        () => undefined,
        (error: unknown) => {
          if (isApiError(error) && error.status === 403) return error;
          throw error;
        },
      );
    const listingDenied = await denial(undefined, 'GET');
    const { catalog } = deps.registry.snapshot(service);
    let procedures = [...catalog.procedures.values()];
    if (listingDenied) {
      const callable: Procedure[] = [];
      for (const procedure of procedures) {
        if (!(await denial(procedure.name, 'POST')) || (callableWithGet(procedure) && !(await denial(procedure.name, 'GET')))) {
          callable.push(procedure);
        }
      }
      if (callable.length === 0) throw listingDenied;
      procedures = callable;
    }
    const resource = procedures.map(describeProcedure);
    const body: ListEnvelope<ProcedureListing> = { resource, meta: { count: resource.length } };
    sendJson(res, 200, body);
  });

  const call = (verb: 'GET' | 'POST') => async (req: DataRequest, res: DataResponse) => {
    const started = performance.now();
    const ctx = contextOf(res);
    const service = routeParam(req, 'service');
    const name = routeParam(req, 'name');
    const fromQuery = queryArguments(queryOf(req));
    const fromBody = verb === 'POST' ? bodyArguments(req.body) : {};
    for (const key of Object.keys(fromBody)) {
      if (Object.hasOwn(fromQuery, key)) throw requestErrors.invalidParameter(key, 'given both in the query string and in the body');
    }
    // Authorize before resolving names, so callers without access learn nothing from a 404.
    const grant = await deps.authorizer.authorize(ctx.principal, { service, resource: { kind: 'procedure', name }, verb });
    const { catalog, executor } = deps.registry.snapshot(service);
    const procedure = resolveProcedure(catalog, name);
    if (verb === 'GET' && !callableWithGet(procedure)) {
      throw requestErrors.methodNotAllowed('GET', pathOf(req), ['POST']);
    }
    const statement = applyGrant(planCall(catalog, procedure, { ...fromQuery, ...fromBody }), grant);
    const { rows } =
      verb === 'GET' ? await executor.transaction(ctx, (scope) => scope.run(statement, ctx), { readOnly: true }) : await executor.run(statement, ctx);
    const body: ListEnvelope = { resource: rows, meta: { count: rows.length, took_ms: tookMs(started) } };
    sendJson(res, 200, body);
  };

  router.get('/:name', call('GET'));
  router.post('/:name', call('POST'));
  router.all('/', (req: DataRequest) => {
    throw requestErrors.methodNotAllowed(req.method ?? '', pathOf(req), ['GET', 'HEAD']);
  });
  router.all('/:name', (req: DataRequest) => {
    throw requestErrors.methodNotAllowed(req.method ?? '', pathOf(req), ['GET', 'HEAD', 'POST']);
  });
  return router;
}
