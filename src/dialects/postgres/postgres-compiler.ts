/**
 * PostgreSQL spelling of the IR: `"quoted"` identifiers, `$n` placeholders, ILIKE, native
 * NULLS FIRST/LAST, ON CONFLICT, RETURNING, and calls with arguments cast to their declared types.
 */
import type { ValueType } from '../../catalog/catalog-types.js';
import type { Call, ColumnRef, Insert, OrderItem, Param, Select } from '../../query/ir.js';
import { SqlWriter } from '../sql-writer.js';

/** A type name as `format_type` prints it; anything else is refused before it reaches SQL text. */
const CATALOG_TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_ .$"]*(\(\d+(,\d+)?\))?(\[\])*$/;

/** `"name"` with inner quotes doubled; the one spelling of identifiers for queries and DDL. */
export function quotePostgresIdentifier(name: string): string {
  if (name.includes('\u0000')) throw new Error('Identifiers cannot contain NUL');
  // Most names have no quote to double: tested first, since every statement quotes a dozen or more.
  return `"${name.includes('"') ? name.replaceAll('"', '""') : name}"`;
}

export class PostgresWriter extends SqlWriter {
  protected quoteIdentifier(name: string): string {
    return quotePostgresIdentifier(name);
  }

  protected placeholder(index: number): string {
    return `$${index}`;
  }

  protected encodeParam(value: Param['value'], type: ValueType): unknown {
    if (value === null) return null;
    // pg would turn a JS array into a PostgreSQL array literal; a json value must travel as JSON text.
    if (type === 'json') return JSON.stringify(value);
    if (type === 'bytes' && typeof value === 'string') return Buffer.from(value, 'base64');
    if (typeof type !== 'string' && type.of === 'bytes' && Array.isArray(value)) {
      return value.map((v) => (typeof v === 'string' ? Buffer.from(v, 'base64') : v));
    }
    if (typeof type !== 'string' && type.of === 'json' && Array.isArray(value)) return value.map((v) => JSON.stringify(v));
    return value;
  }

  protected likeOperand(column: ColumnRef): string {
    // LIKE is defined on text only: enums, uuids, numbers and dates are matched on their text form.
    return column.valueType === 'string' ? this.column(column) : `CAST(${this.column(column)} AS text)`;
  }

  protected caseInsensitiveLike(left: string, pattern: string, negated: boolean): string {
    return `${left} ${negated ? 'NOT ILIKE' : 'ILIKE'} ${pattern} ESCAPE '!'`;
  }

  protected orderItem(value: () => string, item: OrderItem): string {
    const nulls = item.nulls ? ` NULLS ${item.nulls.toUpperCase()}` : '';
    return `${value()} ${item.direction.toUpperCase()}${nulls}`;
  }

  protected upsertClause(_insert: Insert, onConflict: NonNullable<Insert['onConflict']>): string {
    const target = onConflict.target.map((c) => this.quoteIdentifier(c.name)).join(', ');
    if (onConflict.update.length === 0) return ` ON CONFLICT (${target}) DO NOTHING`;
    const set = onConflict.update.map((c) => `${this.quoteIdentifier(c.name)} = EXCLUDED.${this.quoteIdentifier(c.name)}`);
    const where = onConflict.where ? ` WHERE ${this.expr(onConflict.where)}` : '';
    return ` ON CONFLICT (${target}) DO UPDATE SET ${set.join(', ')}${where}`;
  }

  protected call(call: Call): string {
    const args = call.args.map(({ value, dbType }) => {
      if (!CATALOG_TYPE_NAME.test(dbType)) throw new Error(`Refusing to cast to unexpected type name ${JSON.stringify(dbType)}`);
      return `CAST(${this.addParam(value)} AS ${dbType})`;
    });
    const name = `${this.quoteIdentifier(call.schema)}.${this.quoteIdentifier(call.procedure)}(${args.join(', ')})`;
    // SELECT * FROM f() expands composite and SETOF results into columns; a scalar result becomes one column named after f.
    return call.procedureKind === 'procedure' ? `CALL ${name}` : `SELECT * FROM ${name}`;
  }

  protected defaultValuesInsert(into: string): string {
    return `INSERT INTO ${into} DEFAULT VALUES`;
  }

  /** Native DISTINCT ON; the IR guarantees `orderBy` starts with the distinct columns. */
  protected override distinctSelect(select: Select, distinctOn: readonly ColumnRef[]): string {
    return this.plainSelect(select, `DISTINCT ON (${distinctOn.map((c) => this.column(c)).join(', ')}) `);
  }

  // json and jsonb columns alike: the cast is a no-op on jsonb (and keeps its indexes usable).
  protected jsonContains(left: ColumnRef, value: Param, direction: 'contains' | 'containedIn'): string {
    return `CAST(${this.column(left)} AS jsonb) ${direction === 'contains' ? '@>' : '<@'} CAST(${this.addParam(value)} AS jsonb)`;
  }

  protected jsonHasKey(left: ColumnRef, key: Param): string {
    return `CAST(${this.column(left)} AS jsonb) ? CAST(${this.addParam(key)} AS text)`;
  }
}
