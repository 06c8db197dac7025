/**
 * A role's row filter → IR for one table. The filter is written in the REST filter grammar and may
 * name claims of the caller's token as `{claims.NAME}` (dotted paths allowed: `{claims.org.id}`).
 * Each placeholder becomes a string literal holding the claim's value — escaped for the grammar,
 * and, like every literal, bound as a parameter after parsing — then the filter is parsed and
 * resolved against the table like any request filter — conditions through relations included, given
 * the catalog's tables (the rule is the administrator's, so the related tables' grants do not apply
 * inside it). A claim that is missing or not a scalar denies the request: a filter that cannot be
 * evaluated must not silently widen access.
 *
 * May import: catalog, query, errors.
 */
import type { Table } from '../catalog/catalog-types.js';
import { ApiError, isApiError } from '../errors.js';
import type { FilterLimits } from '../query/filter/filter-ast.js';
import { parseFilter } from '../query/filter/filter-parser.js';
import { resolveFilter } from '../query/filter/resolve-filter.js';
import type { Expr } from '../query/ir.js';
import type { TableLookup } from '../query/relation-paths.js';

const PLACEHOLDER = /\{claims\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}/g;

function claimValue(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Replaces each placeholder by a quoted literal of the claim's value; throws 403 for a missing claim. */
export function substituteClaims(filter: string, claims: Readonly<Record<string, unknown>>, role: string): string {
  return filter.replace(PLACEHOLDER, (_match, path: string) => {
    const value = claimValue(claims, path);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ApiError(403, `The row filter of role '${role}' needs the claim '${path}', which the credentials do not carry`, 'claimMissing', {
        role,
        claim: path,
      });
    }
    return `'${String(value).replace(/'/g, "''")}'`;
  });
}

/** The IR of a role's row filter on `table`, or a 403 when it cannot apply there. */
export function rowFilterFor(
  filter: string,
  table: Table,
  claims: Readonly<Record<string, unknown>>,
  role: string,
  limits?: FilterLimits,
  tables?: TableLookup,
): Expr {
  const text = substituteClaims(filter, claims, role);
  try {
    return resolveFilter(table, parseFilter(text, limits), tables);
  } catch (error) {
    if (!isApiError(error)) throw error;
    // The rule is the administrator's, not the caller's: do not echo its details as a 400.
    throw new ApiError(403, `The row filter of role '${role}' cannot be applied to table '${table.name}'`, 'rowFilterNotApplicable', {
      role,
      table: table.name,
    });
  }
}
