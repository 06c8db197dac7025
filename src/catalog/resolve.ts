/**
 * Turns names from requests into catalog objects, or into 400/404 errors with a "did you mean" hint
 * (PostgREST's noRelBetweenHint). The only way request strings become table and column references:
 * an IR can only name things that exist.
 *
 * May import: catalog-types, errors.
 */
import { catalogErrors, requestErrors } from '../errors.js';
import type { Catalog, Column, Procedure, Table } from './catalog-types.js';

export function resolveTable(catalog: Catalog, name: string): Table {
  const table = catalog.tables.get(name);
  if (table) return table;
  throw catalogErrors.tableNotFound(catalog.service, name, closestMatch(name, catalog.tables.keys()));
}

export function resolveProcedure(catalog: Catalog, name: string): Procedure {
  const procedure = catalog.procedures.get(name);
  if (procedure) return procedure;
  throw catalogErrors.procedureNotFound(catalog.service, name, closestMatch(name, catalog.procedures.keys()));
}

export function resolveColumn(table: Table, name: string): Column {
  const column = table.columnsByName.get(name);
  if (column) return column;
  throw requestErrors.unknownColumn(table.name, name, closestMatch(name, table.columnsByName.keys()));
}

/**
 * The candidate closest to `input` by edit distance (case-insensitive), if it is close enough to be a
 * plausible typo: at most a third of the input's length, and at most 3 edits.
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(needle.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase(), limit);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a.length > 256 || b.length > 256) return limit + 1; // names this long are not typos worth the cost
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}
