/**
 * RawCatalog → Catalog: engine-neutral, pure (PostgREST SchemaCache.hs; pg-introspection's
 * augmentIntrospection). Builds lookups, unique keys, capabilities and the relations derived from
 * foreign keys, so that every surface sees the same relation names.
 *
 * Relation naming (SQL-style names, used by REST `related=`; GraphQL derives its names from these
 * through naming.ts). For a foreign key from table S to table T:
 * - on S, a many-to-one (or one-to-one, when the key's columns are unique on S) relation named after
 *   the key column minus its `_id` suffix (`customer_id` → `customer`); for a composite key or a
 *   column without that suffix, the target table's name (`categories`);
 * - on T, a one-to-many (or one-to-one) relation named after S (`orders`);
 * - for a junction table J whose primary key is exactly the columns of its two foreign keys (to A
 *   and B), a many-to-many relation on A named after B and on B named after A.
 * A name that collides with a column or with another relation of the same table is replaced, for
 * every relation that shares it, by a longer unique form: `<table>_by_<column>[_and_<column>…]`
 * for key-based relations and `<target>_via_<junction>` for many-to-many ones. Candidates are
 * processed in constraint-name order, so names are deterministic.
 *
 * May import: catalog-types, raw-catalog.
 */
import { groupBy } from '../collections.js';
import type {
  Catalog,
  Column,
  ColumnPair,
  ForeignKey,
  Index,
  Procedure,
  Relation,
  Table,
} from './catalog-types.js';
import type { RawCatalog, RawColumn, RawConstraint, RawProcedure } from './raw-catalog.js';

export function buildCatalog(raw: RawCatalog, service: string): Catalog {
  const columnsByTable = groupBy(raw.columns, (c) => c.table);
  const constraintsByTable = groupBy(raw.constraints, (c) => c.table);
  const indexesByTable = groupBy(raw.indexes, (i) => i.table);

  const partial = new Map<string, Omit<Table, 'relations' | 'relationsByName'>>();
  for (const object of [...raw.relations].sort((a, b) => compareStrings(a.name, b.name))) {
    const columns = (columnsByTable.get(object.name) ?? []).slice().sort((a, b) => a.position - b.position).map(toColumn);
    const constraints = constraintsByTable.get(object.name) ?? [];
    const primary = constraints.find((c) => c.kind === 'primaryKey');
    const indexes: Index[] = (indexesByTable.get(object.name) ?? []).map((i) => ({
      name: i.name,
      columns: i.columns,
      unique: i.unique,
      primary: i.primary,
      ...(i.method ? { method: i.method } : {}),
      ...(i.predicate ? { predicate: i.predicate } : {}),
    }));
    const columnNames = new Set(columns.map((c) => c.name));
    const uniqueKeys = dedupeKeys([
      ...constraints.filter((c) => c.kind === 'unique').map((c) => c.columns),
      // Unique indexes count only when every member is a plain column (not an expression) and the
      // index covers every row (a partial index does not).
      ...(indexesByTable.get(object.name) ?? [])
        .filter((i) => i.unique && !i.primary && i.predicate === null && i.columns.every((c) => columnNames.has(c)))
        .map((i) => i.columns),
    ]).filter((key) => !sameColumns(key, primary?.columns ?? []));
    const foreignKeys: ForeignKey[] = constraints
      .filter((c): c is RawConstraint & { targetTable: string; targetColumns: readonly string[] } =>
        c.kind === 'foreignKey' && c.targetTable !== null && c.targetColumns !== null,
      )
      .map((c) => ({
        name: c.name,
        columns: c.columns.map((from, i) => ({ from, to: c.targetColumns[i] ?? from })),
        targetTable: c.targetTable,
        onUpdate: c.onUpdate ?? 'NO ACTION',
        onDelete: c.onDelete ?? 'NO ACTION',
      }))
      .sort((a, b) => compareStrings(a.name, b.name));
    partial.set(object.name, {
      kind: object.kind,
      schema: raw.schema,
      name: object.name,
      ...(object.comment ? { comment: object.comment, description: object.comment } : {}),
      columns,
      columnsByName: new Map(columns.map((c) => [c.name, c])),
      primaryKey: primary?.columns ?? [],
      uniqueKeys,
      foreignKeys,
      indexes,
      capabilities: { insertable: object.insertable, updatable: object.updatable, deletable: object.deletable },
    });
  }

  const relations = deriveRelations(partial);
  const tables = new Map<string, Table>();
  for (const [name, table] of partial) {
    const own = relations.get(name) ?? [];
    tables.set(name, { ...table, relations: own, relationsByName: new Map(own.map((r) => [r.name, r])) });
  }

  return {
    service,
    engine: raw.engine,
    variant: raw.variant,
    serverVersion: raw.serverVersion,
    schema: raw.schema,
    introspectionVersion: raw.introspectionVersion,
    tables,
    procedures: buildProcedures(raw.procedures, raw.schema),
  };
}

function toColumn(raw: RawColumn): Column {
  return {
    name: raw.name,
    position: raw.position,
    dbType: raw.dbType,
    valueType: raw.valueType,
    nullable: raw.nullable,
    defaultValue: raw.defaultValue,
    hasDefault: raw.defaultValue !== null || raw.generated !== null,
    generated: raw.generated,
    ...(raw.maxLength !== null ? { maxLength: raw.maxLength } : {}),
    ...(raw.precision !== null ? { precision: raw.precision } : {}),
    ...(raw.scale !== null ? { scale: raw.scale } : {}),
    ...(raw.enumValues !== null ? { enumValues: raw.enumValues } : {}),
    ...(raw.comment ? { comment: raw.comment, description: raw.comment } : {}),
  };
}

type PartialTable = Omit<Table, 'relations' | 'relationsByName'>;

/** A relation before its final name is chosen. */
interface Candidate {
  readonly table: string;
  readonly baseName: string;
  readonly longName: string;
  /** Sort key: constraint name(s), then direction, for deterministic naming. */
  readonly order: string;
  readonly build: (name: string) => Relation;
}

function deriveRelations(tables: ReadonlyMap<string, PartialTable>): Map<string, Relation[]> {
  const candidates: Candidate[] = [];

  for (const source of tables.values()) {
    for (const fk of source.foreignKeys) {
      const target = tables.get(fk.targetTable);
      if (!target) continue;
      const fromColumns = fk.columns.map((p) => p.from);
      const isOneToOne = isUniqueOn(source, fromColumns);
      const reversed: ColumnPair[] = fk.columns.map((p) => ({ from: p.to, to: p.from }));

      // Child side: this table's row points at one target row.
      const single = fromColumns.length === 1 ? fromColumns[0] : undefined;
      const stripped = single && /_id$/i.test(single) && single.length > 3 ? single.slice(0, -3) : undefined;
      candidates.push({
        table: source.name,
        baseName: stripped ?? target.name,
        longName: `${target.name}_by_${fromColumns.join('_and_')}`,
        order: `${fk.name}\u0000a`,
        build: (name) =>
          isOneToOne
            ? { kind: 'oneToOne', name, target: target.name, columns: fk.columns, constraint: fk.name, isParent: false }
            : { kind: 'manyToOne', name, target: target.name, columns: fk.columns, constraint: fk.name },
      });
      // Parent side: the target row is pointed at by many (or one) rows of this table.
      candidates.push({
        table: target.name,
        baseName: source.name,
        longName: `${source.name}_by_${fromColumns.join('_and_')}`,
        order: `${fk.name}\u0000b`,
        build: (name) =>
          isOneToOne
            ? { kind: 'oneToOne', name, target: source.name, columns: reversed, constraint: fk.name, isParent: true }
            : { kind: 'oneToMany', name, target: source.name, columns: reversed, constraint: fk.name },
      });
    }

    // Many-to-many through a junction: exactly two foreign keys whose columns together are the primary key.
    const [first, second] = source.foreignKeys;
    if (source.foreignKeys.length === 2 && first && second && source.primaryKey.length > 0) {
      const keyColumns = [...first.columns, ...second.columns].map((p) => p.from);
      if (sameColumns(keyColumns, source.primaryKey)) {
        for (const [from, to] of [
          [first, second],
          [second, first],
        ] as const) {
          const a = tables.get(from.targetTable);
          const b = tables.get(to.targetTable);
          if (!a || !b) continue;
          candidates.push({
            table: a.name,
            baseName: b.name,
            longName: `${b.name}_via_${source.name}`,
            order: `${from.name}\u0000${to.name}\u0000m`,
            build: (name) => ({
              kind: 'manyToMany',
              name,
              target: b.name,
              junction: {
                table: source.name,
                sourceColumns: from.columns,
                targetColumns: to.columns,
                sourceConstraint: from.name,
                targetConstraint: to.name,
              },
            }),
          });
        }
      }
    }
  }

  const byTable = groupBy(candidates, (c) => c.table);
  const result = new Map<string, Relation[]>();
  for (const [tableName, list] of byTable) {
    const table = tables.get(tableName);
    if (!table) continue;
    list.sort((a, b) => compareStrings(a.order, b.order));
    const columnNames = new Set(table.columns.map((c) => c.name));
    const baseCounts = groupBy(list, (c) => c.baseName);
    const taken = new Set<string>(columnNames);
    const relations: Relation[] = [];
    for (const candidate of list) {
      const clashes = columnNames.has(candidate.baseName) || (baseCounts.get(candidate.baseName)?.length ?? 0) > 1;
      let name = clashes ? candidate.longName : candidate.baseName;
      // The long form can still clash (two junctions between the same pair): number the rest.
      for (let n = 2; taken.has(name); n++) name = `${clashes ? candidate.longName : candidate.baseName}_${n}`;
      taken.add(name);
      relations.push(candidate.build(name));
    }
    result.set(tableName, relations);
  }
  return result;
}

function isUniqueOn(table: PartialTable, columns: readonly string[]): boolean {
  if (table.primaryKey.length > 0 && sameColumns(columns, table.primaryKey)) return true;
  return table.uniqueKeys.some((key) => sameColumns(key, columns));
}

function buildProcedures(raw: readonly RawProcedure[], schema: string): Map<string, Procedure> {
  const inputs = (p: RawProcedure) => p.parameters.filter((param) => param.mode !== 'out' && param.mode !== 'table').length;
  const sorted = [...raw].sort((a, b) => compareStrings(a.name, b.name) || inputs(a) - inputs(b));
  const procedures = new Map<string, Procedure>();
  for (const p of sorted) {
    if (procedures.has(p.name)) continue; // overloads: keep the one with the fewest input parameters
    procedures.set(p.name, {
      name: p.name,
      schema,
      kind: p.kind,
      parameters: p.parameters
        .filter((param) => param.mode !== 'table')
        .map((param) => ({
          name: param.name,
          position: param.position,
          mode: param.mode === 'table' ? 'out' : param.mode,
          dbType: param.dbType,
          valueType: param.valueType,
          hasDefault: param.hasDefault,
        })),
      returnType: p.returnType,
      returnValueType: p.returnValueType,
      returnsSet: p.returnsSet,
      volatility: p.volatility,
      ...(p.comment ? { comment: p.comment } : {}),
    });
  }
  return procedures;
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return set.size === a.length && b.every((c) => set.has(c));
}

function dedupeKeys(keys: readonly (readonly string[])[]): (readonly string[])[] {
  const out: (readonly string[])[] = [];
  for (const key of keys) if (!out.some((k) => sameColumns(k, key))) out.push(key);
  return out;
}



/** Code-unit order: deterministic regardless of the process locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
