/**
 * The semantic layer: display names and descriptions of tables and columns. A description comes from
 * the database comment unless an override (set through `PUT /api/v1/system/service/{name}/semantic`,
 * kept in the metadata store) gives one; a display name comes from overrides only. The merged values
 * live on the catalog model (`Table.displayName`/`description`, `Column.displayName`/`description`),
 * so that every surface — GraphQL descriptions, OpenAPI schemas and the SDKs generated from them,
 * the schema endpoints, MCP's `describe_table` — reads them in one place.
 *
 * Overrides naming a table or column the database no longer has are ignored when applied (the
 * schema may change after they were set); `PUT` refuses them.
 *
 * Pure. May import: catalog-types.
 */
import type { Catalog, Column, Table } from './catalog-types.js';

/** One entry's override: a field left out (or null) falls back to the database. */
export interface SemanticEntry {
  readonly displayName?: string | null;
  readonly description?: string | null;
}

export interface SemanticColumnOverride extends SemanticEntry {
  readonly name: string;
}

export interface SemanticTableOverride extends SemanticEntry {
  readonly name: string;
  readonly columns?: readonly SemanticColumnOverride[];
}

/** A service's overrides, in hs-sql-agent's shape. */
export interface SemanticOverrides {
  readonly tables: readonly SemanticTableOverride[];
}

/** Reads a service's stored overrides (empty when none were set). */
export type SemanticSource = (service: string) => Promise<SemanticOverrides>;

export const NO_OVERRIDES: SemanticOverrides = { tables: [] };

/** Where a merged value comes from. */
export type SemanticOrigin = 'override' | 'comment' | null;

export interface SemanticViewEntry {
  readonly name: string;
  readonly displayName: string | null;
  readonly description: string | null;
  readonly source: { readonly displayName: SemanticOrigin; readonly description: SemanticOrigin };
}

export interface SemanticTableView extends SemanticViewEntry {
  readonly columns: readonly SemanticViewEntry[];
}

/** The merged view of a service (`GET …/semantic`): every table and column, in catalog order. */
export interface SemanticView {
  readonly tables: readonly SemanticTableView[];
}

/** A catalog with `overrides` merged over the database comments. Idempotent: it starts from `comment` each time. */
export function applySemantics(catalog: Catalog, overrides: SemanticOverrides): Catalog {
  const byTable = new Map(overrides.tables.map((t) => [t.name, t]));
  const tables = new Map<string, Table>();
  for (const [name, table] of catalog.tables) {
    const override = byTable.get(name);
    const byColumn = new Map((override?.columns ?? []).map((c) => [c.name, c]));
    const columns = table.columns.map((column) => merged(column, byColumn.get(column.name)));
    tables.set(name, { ...merged(table, override), columns, columnsByName: new Map(columns.map((c) => [c.name, c])) });
  }
  return { ...catalog, tables };
}

/** Every table and column of `catalog` with its merged display name and description, and where each comes from. */
export function semanticView(catalog: Catalog, overrides: SemanticOverrides): SemanticView {
  const byTable = new Map(overrides.tables.map((t) => [t.name, t]));
  return {
    tables: [...catalog.tables.values()].map((table) => {
      const override = byTable.get(table.name);
      const byColumn = new Map((override?.columns ?? []).map((c) => [c.name, c]));
      return { ...viewEntry(table, override), columns: table.columns.map((column) => viewEntry(column, byColumn.get(column.name))) };
    }),
  };
}

/**
 * What `overrides` names that `catalog` does not have, as `table` and `table.column` strings (for
 * the 400 of a `PUT`), plus duplicates (a table or column given twice).
 */
export function unknownSemanticTargets(catalog: Catalog, overrides: SemanticOverrides): { unknown: string[]; duplicate: string[] } {
  const unknown: string[] = [];
  const duplicate: string[] = [];
  const seenTables = new Set<string>();
  for (const t of overrides.tables) {
    if (seenTables.has(t.name)) duplicate.push(t.name);
    seenTables.add(t.name);
    const table = catalog.tables.get(t.name);
    if (!table) {
      unknown.push(t.name);
      continue;
    }
    const seenColumns = new Set<string>();
    for (const c of t.columns ?? []) {
      if (seenColumns.has(c.name)) duplicate.push(`${t.name}.${c.name}`);
      seenColumns.add(c.name);
      if (!table.columnsByName.has(c.name)) unknown.push(`${t.name}.${c.name}`);
    }
  }
  return { unknown, duplicate };
}

function merged<T extends Table | Column>(item: T, override: SemanticEntry | undefined): T {
  const { displayName: _displayName, description: _description, ...rest } = item;
  const displayName = override?.displayName ?? undefined;
  const description = override?.description ?? item.comment;
  return { ...rest, ...(displayName !== undefined ? { displayName } : {}), ...(description !== undefined ? { description } : {}) } as T;
}

function viewEntry(item: Table | Column, override: SemanticEntry | undefined): SemanticViewEntry {
  const displayName = override?.displayName ?? null;
  const overridden = override?.description ?? null;
  const description = overridden ?? item.comment ?? null;
  return {
    name: item.name,
    displayName,
    description,
    source: {
      displayName: displayName !== null ? 'override' : null,
      description: overridden !== null ? 'override' : description !== null ? 'comment' : null,
    },
  };
}
