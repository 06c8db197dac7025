/**
 * The authorizer Sluice runs: admins may do everything; API keys and end users act through their
 * role's access rules (see access-rules.ts for the matching semantics); anonymous callers through
 * the configured anonymous role, else 401. Services marked read-only refuse every write, admins'
 * included. A matching rule's `fields` become the grant's column set (intersected with the table's
 * columns) and its `filter` the grant's row filter.
 *
 * May import: auth, catalog, query, errors.
 */
import type { Catalog } from '../catalog/catalog-types.js';
import { resolveTable } from '../catalog/resolve.js';
import { ApiError, authErrors } from '../errors.js';
import type { FilterLimits } from '../query/filter/filter-ast.js';
import { decide, SQL_COMPONENT, VERB_BITS, componentFor, type AccessRule } from './access-rules.js';
import { FULL_GRANT, type Action, type Authorizer, type Grant } from './authorizer.js';
import type { Principal } from './principal.js';
import { rowFilterFor } from './row-filter.js';

export interface RoleView {
  readonly id: number;
  readonly name: string;
  readonly isActive: boolean;
  readonly access: readonly AccessRule[];
}

/** Roles, as the metadata store holds them (cached by the implementation). */
export interface RoleSource {
  byId(id: number): Promise<RoleView | undefined>;
  byName(name: string): Promise<RoleView | undefined>;
}

/** What the authorizer needs to know about services. */
export interface ServiceFacts {
  isReadOnly(service: string): boolean;
  /** The service's current catalog (throws 404/503 like the data routes). */
  catalog(service: string): Catalog;
}

export interface RoleAuthorizerOptions {
  readonly roles: RoleSource;
  readonly services: ServiceFacts;
  /** The role anonymous requests act as; none: they get 401. */
  readonly anonymousRole?: string;
  readonly filterLimits?: FilterLimits;
}

function componentOf(action: Action): string {
  return action.resource.kind === 'sql' ? SQL_COMPONENT : componentFor(action.resource.kind, action.resource.name);
}

/** Decision scopes (see `Authorizer.decisionScope`): admins decide alike everywhere, but for read-only services. */
const ADMIN_SCOPE = { writable: Object.freeze({ admin: 'writable' }), readOnly: Object.freeze({ admin: 'readOnly' }) };

export class RoleAuthorizer implements Authorizer {
  /**
   * Scopes per role definition: the access cache hands out the same RoleView for as long as the
   * role's definition is unchanged, and a new one once it changes, so a scope lives as long as the
   * definition it stands for.
   */
  private readonly roleScopes = new WeakMap<RoleView, { readonly writable: object; readonly readOnly: object }>();

  constructor(private readonly options: RoleAuthorizerOptions) {}

  async decisionScope(principal: Principal, service: string): Promise<object | undefined> {
    const readOnly = this.options.services.isReadOnly(service);
    if (principal.kind === 'admin') return readOnly ? ADMIN_SCOPE.readOnly : ADMIN_SCOPE.writable;
    let role: RoleView;
    try {
      role = await this.roleOf(principal);
    } catch {
      return undefined; // authorize answers for it
    }
    // A user's claims may take part in row filters: those decisions are the request's own.
    if (principal.kind === 'user' && role.access.some((rule) => rule.filter !== undefined)) return undefined;
    let scopes = this.roleScopes.get(role);
    if (!scopes) {
      scopes = { writable: { role: role.id }, readOnly: { role: role.id } };
      this.roleScopes.set(role, scopes);
    }
    return readOnly ? scopes.readOnly : scopes.writable;
  }

  async authorize(principal: Principal, action: Action): Promise<Grant> {
    if (action.verb !== 'GET' && this.options.services.isReadOnly(action.service)) {
      throw new ApiError(403, `Service '${action.service}' is read-only`, 'readOnlyService', { service: action.service, verb: action.verb });
    }
    if (principal.kind === 'admin') return FULL_GRANT;
    const role = await this.roleOf(principal);
    const component = componentOf(action);
    const context = { role: role.name, service: action.service, component, verb: action.verb };
    if (!role.isActive) throw authErrors.forbidden(`Role '${role.name}' is inactive`, context);
    const decision = decide(role.access, { service: action.service, component, verbBits: VERB_BITS[action.verb] });
    if (!decision.allowed) {
      throw authErrors.forbidden(`Role '${role.name}' may not ${action.verb} ${component} on service '${action.service}'`, {
        ...context,
        denial: decision.reason,
      });
    }
    return this.grantFor(decision.rule, principal, action, role.name);
  }

  private async roleOf(principal: Exclude<Principal, { kind: 'admin' }>): Promise<RoleView> {
    switch (principal.kind) {
      case 'anonymous': {
        if (this.options.anonymousRole === undefined) throw authErrors.noCredentials();
        const role = await this.options.roles.byName(this.options.anonymousRole);
        if (!role) throw authErrors.noCredentials();
        return role;
      }
      case 'apiKey': {
        const role = await this.options.roles.byId(principal.roleId);
        if (!role) throw authErrors.forbidden('The role of this API key no longer exists', { roleId: principal.roleId });
        return role;
      }
      case 'user': {
        const role = await this.options.roles.byName(principal.roleName);
        if (!role) throw authErrors.forbidden(`Role '${principal.roleName}' does not exist`, { role: principal.roleName });
        return role;
      }
    }
  }

  private grantFor(rule: AccessRule, principal: Principal, action: Action, roleName: string): Grant {
    const { resource } = action;
    if (resource.kind !== 'table' || resource.name === undefined || (rule.fields === undefined && rule.filter === undefined)) {
      return FULL_GRANT;
    }
    const catalog = this.options.services.catalog(action.service);
    const table = catalog.tables.get(resource.name);
    if (!table) return FULL_GRANT; // the surface answers 404 for an unknown table
    const columns = rule.fields === undefined ? 'all' : new Set(rule.fields.filter((name) => table.columnsByName.has(name)));
    const claims = principal.kind === 'user' ? principal.claims : {};
    const rowFilter = rule.filter === undefined ? undefined : rowFilterFor(rule.filter, table, claims, roleName, this.options.filterLimits, (name) =>
          resolveTable(catalog, name),
        );
    return { columns, ...(rowFilter ? { rowFilter } : {}) };
  }
}
