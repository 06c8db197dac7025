/**
 * MySQL/MariaDB spelling of the IR: `` `quoted` `` identifiers, `?` placeholders, emulated NULLS
 * FIRST/LAST and ILIKE, ON DUPLICATE KEY UPDATE, and RETURNING only where the server has it (MariaDB:
 * INSERT/DELETE; MySQL: never — see DialectCapabilities).
 *
 * Values are always bound (`?`), so the backslash-escaping of MySQL string literals never applies to
 * user data. The only literals written are `'!'` (the LIKE escape character, chosen because it needs
 * no escaping under any sql_mode) and validated integers.
 */
import type { ValueType } from '../../catalog/catalog-types.js';
import type { Call, ColumnRef, Insert, OrderItem, Param } from '../../query/ir.js';
import { SqlWriter } from '../sql-writer.js';
import { encodeMysqlParam } from './mysql-codecs.js';

/** `` `name` `` with inner backticks doubled; the one spelling of identifiers for queries and DDL. */
export function quoteMysqlIdentifier(name: string): string {
  if (name.includes('\u0000')) throw new Error('Identifiers cannot contain NUL');
  // Most names have no backtick to double: tested first, since every statement quotes a dozen or more.
  return `\`${name.includes('`') ? name.replaceAll('`', '``') : name}\``;
}

export class MysqlWriter extends SqlWriter {
  protected quoteIdentifier(name: string): string {
    return quoteMysqlIdentifier(name);
  }

  protected placeholder(): string {
    return '?';
  }

  protected encodeParam(value: Param['value'], type: ValueType): unknown {
    return encodeMysqlParam(value, type);
  }

  protected likeOperand(column: ColumnRef): string {
    return this.column(column);
  }

  protected caseInsensitiveLike(left: string, pattern: string, negated: boolean): string {
    return `LOWER(${left}) ${negated ? 'NOT LIKE' : 'LIKE'} LOWER(${pattern}) ESCAPE '!'`;
  }

  /**
   * MySQL sorts NULLs first in ascending order and has no NULLS FIRST/LAST: sort on `IS NULL` first.
   * The value is written twice then, each time with its own parameters (`?` binds by position).
   */
  protected orderItem(value: () => string, item: OrderItem): string {
    const direction = item.direction.toUpperCase();
    if (!item.nulls) return `${value()} ${direction}`;
    const isNull = `(${value()} IS NULL) ${item.nulls === 'first' ? 'DESC' : 'ASC'}`;
    return `${isNull}, ${value()} ${direction}`;
  }

  protected override limitForOffsetOnly(): string {
    return ' LIMIT 18446744073709551615';
  }

  protected upsertClause(insert: Insert, onConflict: NonNullable<Insert['onConflict']>): string {
    // MySQL detects conflicts on any unique key; `target` only matters for "do nothing", where a
    // no-op assignment replaces INSERT IGNORE (which would also swallow unrelated errors).
    // Assignments run left to right and see earlier ones, so a condition cannot be spread over them.
    if (onConflict.where) throw new Error('MySQL has no conditional upsert (ON DUPLICATE KEY UPDATE … WHERE)');
    const update = onConflict.update.length > 0 ? onConflict.update : onConflict.target.slice(0, 1);
    if (update.length === 0) throw new Error(`Upsert into ${insert.into.name} needs a conflict target or columns to update`);
    const set = update.map((c) => {
      const name = this.quoteIdentifier(c.name);
      return onConflict.update.length > 0 ? `${name} = VALUES(${name})` : `${name} = ${name}`;
    });
    return ` ON DUPLICATE KEY UPDATE ${set.join(', ')}`;
  }

  protected call(call: Call): string {
    const args = call.args.map(({ value }) => this.addParam(value)).join(', ');
    const name = `${this.quoteIdentifier(call.schema)}.${this.quoteIdentifier(call.procedure)}`;
    return call.procedureKind === 'procedure'
      ? `CALL ${name}(${args})`
      : `SELECT ${name}(${args}) AS ${this.quoteIdentifier(call.procedure)}`;
  }

  protected defaultValuesInsert(into: string): string {
    return `INSERT INTO ${into} () VALUES ()`;
  }

  protected jsonContains(left: ColumnRef, value: Param, direction: 'contains' | 'containedIn'): string {
    const column = this.column(left);
    return direction === 'contains' ? `JSON_CONTAINS(${column}, ${this.addParam(value)})` : `JSON_CONTAINS(${this.addParam(value)}, ${column})`;
  }

  /**
   * PostgreSQL's `?`: a top-level key of an object, or a string element of an array; NULL for a NULL
   * column, false for other JSON values. The key travels as a bound string, quoted into JSON by the server.
   */
  protected jsonHasKey(left: ColumnRef, key: Param): string {
    const column = this.column(left);
    const asObject = `JSON_CONTAINS(JSON_KEYS(${column}), JSON_QUOTE(${this.addParam(key)}))`;
    const asArray = `JSON_CONTAINS(${column}, JSON_QUOTE(${this.addParam(key)}))`;
    return `(CASE WHEN ${column} IS NULL THEN NULL WHEN JSON_TYPE(${column}) = 'OBJECT' THEN ${asObject} WHEN JSON_TYPE(${column}) = 'ARRAY' THEN ${asArray} ELSE FALSE END)`;
  }
}
