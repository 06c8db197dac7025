/**
 * Who an MCP caller is and what it may reach, asked of the one Authorizer the REST API uses: the
 * tables it may read, the procedures it may call, whether it may run raw SQL (and in which mode),
 * and which services it can see at all. Also which service a tool call addresses: its `service`
 * argument, else the service the stdio server is scoped to (`sluice mcp --service`), else the only
 * service there is.
 *
 * Raw SQL (`run_sql`) needs the service's `raw_sql_allowed` and a `_sql` rule on the caller's role:
 * a rule holding POST allows writes; one holding only GET allows reads, run in a READ ONLY
 * transaction. A read-only service refuses POST (to admins too), so raw SQL there is read-only.
 *
 * May import: auth, catalog, config, query, system, errors.
 */
import { denial, type Authorizer, type Grant, type Verb } from '../auth/authorizer.js';
import type { Principal } from '../auth/principal.js';
import type { Catalog, Procedure, Table } from '../catalog/catalog-types.js';
import type { Limits } from '../config/config-schema.js';
import type { CancelSignal } from '../executor/request-context.js';
import { ApiError, isApiError, requestErrors } from '../errors.js';
import type { AuditCredential, AuditRecorder } from '../system/audit-log.js';
import type { ServiceRegistry } from '../system/service-registry.js';
import { callableWithGet } from '../query/call-plan.js';

/** What the MCP server needs from the rest of Sluice. */
export interface McpDeps {
  readonly registry: ServiceRegistry;
  readonly authorizer: Authorizer;
  readonly audit: AuditRecorder;
  readonly limits: Limits;
  /** The MCP tool allow-list of an API key (by record id); null: no list. */
  readonly allowedTools: (keyId: number) => Promise<readonly string[] | null>;
}

/** One MCP client connection (stdio) or request (HTTP), as authentication established it. */
export interface McpCaller {
  readonly principal: Principal;
  readonly credential: AuditCredential;
  /** The HTTP request id; stdio calls get one each. */
  readonly requestId?: string;
  readonly clientIp?: string;
  /** `sluice mcp --service NAME`: every tool works on this service only. */
  readonly scope?: string;
  /** Cancels the caller's statements (the HTTP client went away). */
  readonly signal?: CancelSignal;
}


/**
 * The service a tool call addresses. With a scope (stdio `--service`), another name is refused;
 * without a `service` argument, the only service is used, else the caller must name one.
 */
export function serviceFor(deps: McpDeps, caller: McpCaller, requested: string | undefined): string {
  if (caller.scope !== undefined) {
    if (requested !== undefined && requested !== caller.scope) {
      throw requestErrors.invalidParameter('service', `this MCP server is scoped to service '${caller.scope}'`, { service: requested });
    }
    return caller.scope;
  }
  if (requested !== undefined) return requested;
  const names = deps.registry.names();
  if (names.length === 1) return names[0] as string;
  throw requestErrors.invalidParameter('service', `is required when several services are served (${names.join(', ')})`);
}

/** The tables of a service the caller may read (the REST `_table` listing's rule), in catalog order. */
export async function readableTables(deps: McpDeps, principal: Principal, service: string, catalog: Catalog): Promise<Table[]> {
  const tables = [...catalog.tables.values()];
  if (!(await denial(deps.authorizer, principal, { service, resource: { kind: 'table' }, verb: 'GET' }))) return tables;
  const readable: Table[] = [];
  for (const table of tables) {
    if (!(await denial(deps.authorizer, principal, { service, resource: { kind: 'table', name: table.name }, verb: 'GET' }))) readable.push(table);
  }
  return readable;
}

/** The procedures the caller may call: by POST, or by GET when side-effect free (as the REST `_proc` listing). */
export async function callableProcedures(deps: McpDeps, principal: Principal, service: string, catalog: Catalog): Promise<Procedure[]> {
  const all = [...catalog.procedures.values()];
  if (!(await denial(deps.authorizer, principal, { service, resource: { kind: 'procedure' }, verb: 'GET' }))) return all;
  const callable: Procedure[] = [];
  for (const procedure of all) {
    const name = procedure.name;
    if (
      !(await denial(deps.authorizer, principal, { service, resource: { kind: 'procedure', name }, verb: 'POST' })) ||
      (callableWithGet(procedure) && !(await denial(deps.authorizer, principal, { service, resource: { kind: 'procedure', name }, verb: 'GET' })))
    ) {
      callable.push(procedure);
    }
  }
  return callable;
}

/** How a procedure call is authorized: POST (may write), else GET for a side-effect-free function (read-only). */
export async function authorizeCall(deps: McpDeps, principal: Principal, service: string, name: string, readOnlyCapable: () => boolean): Promise<{ grant: Grant; verb: Verb }> {
  try {
    return { grant: await deps.authorizer.authorize(principal, { service, resource: { kind: 'procedure', name }, verb: 'POST' }), verb: 'POST' };
  } catch (error) {
    if (!(isApiError(error) && error.status === 403) || !readOnlyCapable()) throw error;
    const grant = await deps.authorizer.authorize(principal, { service, resource: { kind: 'procedure', name }, verb: 'GET' }).catch(() => {
      throw error;
    });
    return { grant, verb: 'GET' };
  }
}

export type SqlMode = { readonly allowed: true; readonly readOnly: boolean; readonly grant: Grant } | { readonly allowed: false; readonly reason: ApiError };

/** Whether the caller may run raw SQL on a service, and in which mode (see the module comment). */
export async function sqlMode(deps: McpDeps, principal: Principal, service: string): Promise<SqlMode> {
  const settings = deps.registry.settings(service);
  if (settings && settings.rawSqlAllowed !== true) {
    return {
      allowed: false,
      reason: new ApiError(403, `Raw SQL is not allowed on service '${service}' (raw_sql_allowed is off)`, 'rawSqlNotAllowed', { service }),
    };
  }
  try {
    return { allowed: true, readOnly: false, grant: await deps.authorizer.authorize(principal, { service, resource: { kind: 'sql' }, verb: 'POST' }) };
  } catch (error) {
    if (!(isApiError(error) && error.status === 403)) throw error;
  }
  try {
    return { allowed: true, readOnly: true, grant: await deps.authorizer.authorize(principal, { service, resource: { kind: 'sql' }, verb: 'GET' }) };
  } catch (error) {
    if (isApiError(error) && error.status === 403) return { allowed: false, reason: error };
    throw error;
  }
}

/** The services the caller can see: in its scope, and where it may read a table, call a procedure or run SQL. */
export async function visibleServices(deps: McpDeps, caller: McpCaller): Promise<string[]> {
  const names = caller.scope !== undefined ? [caller.scope] : deps.registry.names();
  if (caller.principal.kind === 'admin') return names;
  const visible: string[] = [];
  for (const name of names) {
    if (deps.registry.status(name) !== 'ok') {
      if ((await sqlMode(deps, caller.principal, name)).allowed) visible.push(name);
      continue;
    }
    const { catalog } = deps.registry.snapshot(name);
    if (
      (await readableTables(deps, caller.principal, name, catalog)).length > 0 ||
      (await callableProcedures(deps, caller.principal, name, catalog)).length > 0 ||
      (await sqlMode(deps, caller.principal, name)).allowed
    ) {
      visible.push(name);
    }
  }
  return visible;
}
