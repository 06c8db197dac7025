/**
 * What one caller may do in one service, asked of the authorizer action by action, so a generated
 * document describes exactly the operations the caller would be allowed (and, for reads, only the
 * columns its grant shows). A refusal (401/403, including a read-only service refusing writes)
 * just leaves the operation out; other errors propagate.
 *
 * May import: catalog, query, auth, errors.
 */
import type { Authorizer, Grant, Verb } from '../auth/authorizer.js';
import type { Principal } from '../auth/principal.js';
import type { Catalog, Procedure, Table } from '../catalog/catalog-types.js';
import { isApiError } from '../errors.js';
import { callableWithGet } from '../query/call-plan.js';

export interface TableAccess {
  readonly table: Table;
  /** Data verbs on `_table/{name}` the caller may use (and the table supports), with their grants. */
  readonly verbs: ReadonlyMap<Verb, Grant>;
  /** Verbs on `_schema/{name}`. */
  readonly schemaVerbs: ReadonlySet<'GET' | 'PUT' | 'DELETE'>;
}

export interface ProcedureAccess {
  readonly procedure: Procedure;
  readonly verbs: ReadonlySet<'GET' | 'POST'>;
}

export interface ServiceAccess {
  readonly service: string;
  readonly catalog: Catalog;
  readonly tables: readonly TableAccess[];
  readonly procedures: readonly ProcedureAccess[];
  /** Verbs on the bare `_schema` (GET: the whole schema; POST: create a table). */
  readonly schemaRoot: ReadonlySet<'GET' | 'POST'>;
}

const DATA_VERBS: readonly Verb[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function supports(table: Table, verb: Verb): boolean {
  switch (verb) {
    case 'GET':
      return true;
    case 'POST':
      return table.capabilities.insertable;
    case 'PUT':
    case 'PATCH':
      return table.capabilities.updatable;
    case 'DELETE':
      return table.capabilities.deletable;
  }
}

export function isEmptyAccess(access: ServiceAccess): boolean {
  return access.tables.length === 0 && access.procedures.length === 0 && access.schemaRoot.size === 0;
}

export async function collectAccess(authorizer: Authorizer, principal: Principal, catalog: Catalog): Promise<ServiceAccess> {
  const service = catalog.service;
  const grantFor = async (resource: { kind: 'table' | 'procedure' | 'schema'; name?: string }, verb: Verb): Promise<Grant | undefined> => {
    try {
      return await authorizer.authorize(principal, { service, resource, verb });
    } catch (error) {
      if (isApiError(error) && (error.status === 401 || error.status === 403)) return undefined;
      throw error;
    }
  };

  const tables: TableAccess[] = [];
  for (const table of catalog.tables.values()) {
    const verbs = new Map<Verb, Grant>();
    for (const verb of DATA_VERBS) {
      if (!supports(table, verb)) continue;
      const grant = await grantFor({ kind: 'table', name: table.name }, verb);
      // Inserts under a row filter are checked against it by primary key; without one they are refused.
      if (grant && !(verb === 'POST' && grant.rowFilter && table.primaryKey.length === 0)) verbs.set(verb, grant);
    }
    const schemaVerbs = new Set<'GET' | 'PUT' | 'DELETE'>();
    for (const verb of ['GET', 'PUT', 'DELETE'] as const) {
      if (await grantFor({ kind: 'schema', name: table.name }, verb)) schemaVerbs.add(verb);
    }
    if (verbs.size > 0 || schemaVerbs.size > 0) tables.push({ table, verbs, schemaVerbs });
  }

  const procedures: ProcedureAccess[] = [];
  for (const procedure of catalog.procedures.values()) {
    const verbs = new Set<'GET' | 'POST'>();
    if (await grantFor({ kind: 'procedure', name: procedure.name }, 'POST')) verbs.add('POST');
    if (callableWithGet(procedure) && (await grantFor({ kind: 'procedure', name: procedure.name }, 'GET'))) verbs.add('GET');
    if (verbs.size > 0) procedures.push({ procedure, verbs });
  }

  const schemaRoot = new Set<'GET' | 'POST'>();
  for (const verb of ['GET', 'POST'] as const) if (await grantFor({ kind: 'schema' }, verb)) schemaRoot.add(verb);
  return { service, catalog, tables, procedures, schemaRoot };
}
