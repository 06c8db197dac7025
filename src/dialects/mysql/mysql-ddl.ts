/**
 * MySQL/MariaDB spelling of the DDL IR (query/schema-change.ts), and the error numbers of refused
 * DDL.
 *
 * DDL takes no bind parameters, so the only text written besides keywords is: identifiers, always
 * through `quoteIdentifier`; type names, spelled here from the structured `ColumnType`; and default
 * literals. String literals are written as hex, `X'…'` (their UTF-8 bytes; the server converts them
 * to the column's character set): no quote or backslash can occur in them, so their meaning does not
 * depend on `sql_mode` (NO_BACKSLASH_ESCAPES), and nothing changes when the server stores a default
 * as an expression and re-parses its own printout later. That matters: MariaDB stores TEXT/BLOB/JSON
 * defaults as expressions and prints a `_utf8mb4 X'…'` introducer literal back as `_utf8mb4'…'`
 * without escaping quotes, so a quote in the value would break (or worse, rewrite) the stored
 * default. JSON defaults are `CONVERT(X'…' USING utf8mb4)`, as MySQL builds no JSON from binary
 * strings. Numbers and hex are re-checked against their shape.
 *
 * MySQL commits every DDL statement by itself: the changes of one request run one statement each,
 * in order, and a failure leaves the earlier ones applied (the caller reports which one failed).
 *
 * `modify_column` is `MODIFY COLUMN`, which restates the whole column: the type is required (400
 * otherwise, unless only the default changes: `ALTER COLUMN … SET/DROP DEFAULT`), nullability and
 * AUTO_INCREMENT are kept unless changed, and the current default is restated when it is one this
 * module can write back (NULL, a number, a string literal, CURRENT_TIMESTAMP, CURDATE(), UUID());
 * otherwise the request must give `default` itself. Column comments are not kept by MODIFY.
 */
import { dbErrors, schemaErrors, type ApiError } from '../../errors.js';
import { describeColumnType } from '../../query/column-types.js';
import type {
  AlterChange,
  ColumnDefault,
  ColumnDefinition,
  ColumnType,
  CurrentColumn,
  ForeignKeyDefinition,
  SchemaChange,
} from '../../query/schema-change.js';
import { compileSchemaChangeWith, NUMBER_LITERAL, typeArgument } from '../ddl-writer.js';
import type { CompiledSchemaChange } from '../dialect.js';
import { quoteMysqlIdentifier } from './mysql-compiler.js';
import { mapMysqlError } from './mysql-errors.js';
import { readWholeLiteral } from './mysql-introspector.js';

const quoteIdentifier = quoteMysqlIdentifier;

/** Fractional-second digits written for time types: 6 unless given, as PostgreSQL's default. */
const fraction = (precision: number | undefined) => typeArgument(precision ?? 6);

function mysqlTypeName(type: ColumnType): string {
  const refuse = (detail: string) => schemaErrors.unsupportedType(describeColumnType(type), detail);
  switch (type.kind) {
    case 'integer':
      return { small: 'SMALLINT', regular: 'INT', big: 'BIGINT' }[type.size];
    case 'decimal':
      if ((type.precision ?? 10) > 65 || (type.scale ?? 0) > 30) throw refuse('MySQL decimals have at most 65 digits, 30 after the point');
      return type.precision === undefined ? 'DECIMAL' : `DECIMAL(${typeArgument(type.precision)}${type.scale !== undefined ? `,${typeArgument(type.scale)}` : ''})`;
    case 'float':
      return type.size === 'single' ? 'FLOAT' : 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'varchar':
      if (type.length === undefined) throw refuse('MySQL needs a length: varchar(n)');
      if (type.length > 65_535) throw refuse('MySQL varchar holds at most 65535 characters; use text');
      return `VARCHAR(${typeArgument(type.length)})`;
    case 'char':
      if ((type.length ?? 1) > 255) throw refuse('MySQL char holds at most 255 characters');
      return `CHAR(${typeArgument(type.length ?? 1)})`;
    case 'text':
      // Unbounded like PostgreSQL's text (TEXT would stop at 64 KB).
      return 'LONGTEXT';
    case 'date':
      return 'DATE';
    case 'time':
      return `TIME(${fraction(type.precision)})`;
    case 'timestamp':
      // DATETIME is a wall-clock value; TIMESTAMP stores an instant (read back in the session's UTC).
      return `${type.withTimeZone ? 'TIMESTAMP' : 'DATETIME'}(${fraction(type.precision)})`;
    case 'uuid':
      throw refuse('MySQL has no uuid type; use char(36)');
    case 'json':
      if (type.binary) throw refuse('jsonb is PostgreSQL-only; use json');
      return 'JSON';
    case 'bytes':
      return 'LONGBLOB';
  }
}

/** MySQL refuses plain literal defaults on BLOB/TEXT/JSON columns; an expression in parentheses is accepted. */
const needsParentheses = (type: ColumnType) => type.kind === 'text' || type.kind === 'json' || type.kind === 'bytes';

/** `X'…'`: the string's UTF-8 bytes in hex, so no quoting or escaping is involved. */
function mysqlStringLiteral(value: string): string {
  return `X'${Buffer.from(value, 'utf8').toString('hex')}'`;
}

function defaultSql(column: string, type: ColumnType, value: ColumnDefault): string {
  const refuse = (detail: string) => schemaErrors.invalidDefault(column, detail);
  const wrap = (sql: string) => (needsParentheses(type) ? `(${sql})` : sql);
  switch (value.kind) {
    case 'null':
      return 'NULL';
    case 'expression':
      switch (value.expression) {
        case 'currentTimestamp':
          if (type.kind !== 'timestamp') throw refuse(`now() applies to timestamp columns, not ${describeColumnType(type)}`);
          // The precision must match the column's.
          return `CURRENT_TIMESTAMP(${fraction(type.precision)})`;
        case 'currentDate':
          if (type.kind !== 'date') throw refuse(`current_date applies to date columns, not ${describeColumnType(type)}`);
          return '(CURRENT_DATE)';
        case 'randomUuid':
          if (type.kind !== 'char' && type.kind !== 'varchar') throw refuse(`uuid() applies to char(36) or varchar columns on MySQL, not ${describeColumnType(type)}`);
          return '(UUID())';
      }
      break;
    case 'literal':
      switch (value.form) {
        case 'number':
          if (!NUMBER_LITERAL.test(value.text)) throw new Error('Refusing to write a malformed number literal');
          return wrap(value.text);
        case 'boolean':
          if (value.text !== 'true' && value.text !== 'false') throw new Error('Refusing to write a malformed boolean literal');
          return wrap(value.text.toUpperCase());
        case 'hex':
          if (!/^(?:[0-9a-f]{2})*$/.test(value.text)) throw new Error('Refusing to write a malformed hex literal');
          return wrap(`X'${value.text}'`);
        case 'string':
          return type.kind === 'json' ? `(CONVERT(${mysqlStringLiteral(value.text)} USING utf8mb4))` : wrap(mysqlStringLiteral(value.text));
      }
  }
  throw new Error('unreachable');
}

function columnSql(name: string, type: ColumnType, nullable: boolean, value: ColumnDefault | undefined, autoIncrement: boolean): string {
  const parts = [quoteIdentifier(name), mysqlTypeName(type), nullable ? 'NULL' : 'NOT NULL'];
  if (value) parts.push(`DEFAULT ${defaultSql(name, type, value)}`);
  if (autoIncrement) parts.push('AUTO_INCREMENT');
  return parts.join(' ');
}

function definitionSql(column: ColumnDefinition): string {
  const autoIncrement = column.type.kind === 'integer' && column.type.autoIncrement;
  const sql = columnSql(column.name, column.type, column.nullable, column.default, autoIncrement);
  return column.unique ? `${sql} UNIQUE` : sql;
}

/** InnoDB parses SET DEFAULT but refuses to create such a key. */
function checkForeignKey(fk: ForeignKeyDefinition): void {
  if (fk.onDelete === 'setDefault' || fk.onUpdate === 'setDefault') {
    throw schemaErrors.invalidDefinition("MySQL foreign keys do not support 'set default'");
  }
}

const CURRENT_TIMESTAMP = /^(?:current_timestamp|now)\((\d?)\)$|^current_timestamp$/i;

/**
 * The current default of a column as a `ColumnDefault`, for restating it in MODIFY; undefined when
 * it cannot be written back safely (the request must then give `default`).
 */
function restateDefault(current: CurrentColumn['default']): ColumnDefault | undefined | 'unknown' {
  if (current === undefined) return undefined;
  if (current.kind !== 'reported') return current;
  const text = current.text.trim();
  if (/^null$/i.test(text)) return undefined;
  if (NUMBER_LITERAL.test(text)) return { kind: 'literal', form: 'number', text };
  if (CURRENT_TIMESTAMP.test(text)) return { kind: 'expression', expression: 'currentTimestamp' };
  if (/^(?:curdate\(\)|current_date(?:\(\))?)$/i.test(text)) return { kind: 'expression', expression: 'currentDate' };
  if (/^uuid\(\)$/i.test(text)) return { kind: 'expression', expression: 'randomUuid' };
  const hex = /^x'((?:[0-9a-f]{2})*)'$/i.exec(text);
  if (hex?.[1] !== undefined) return { kind: 'literal', form: 'hex', text: hex[1].toLowerCase() };
  // A string literal, possibly with a charset introducer (_utf8mb4'…').
  const literal = readWholeLiteral(text.replace(/^_[a-z0-9]+(?=')/i, ''));
  if (literal !== null) return { kind: 'literal', form: 'string', text: literal };
  return 'unknown';
}

function alterSql(table: string, change: AlterChange): string {
  const alter = (action: string) => `ALTER TABLE ${table} ${action}`;
  switch (change.kind) {
    case 'addColumn':
      return alter(`ADD COLUMN ${definitionSql(change.column)}`);
    case 'dropColumn':
      return alter(`DROP COLUMN ${quoteIdentifier(change.column)}`);
    case 'renameColumn':
      return alter(`RENAME COLUMN ${quoteIdentifier(change.column)} TO ${quoteIdentifier(change.newName)}`);
    case 'modifyColumn': {
      const column = quoteIdentifier(change.column);
      if (!change.type && change.nullable === undefined && change.default) {
        return change.default.kind === 'null'
          ? alter(`ALTER COLUMN ${column} DROP DEFAULT`)
          : alter(`ALTER COLUMN ${column} SET DEFAULT ${defaultSql(change.column, change.current.type, change.default)}`);
      }
      if (!change.type) {
        throw schemaErrors.invalidDefinition(
          `MySQL restates the whole column to change its nullability: give 'type' too for column '${change.column}'`,
          { column: change.column },
        );
      }
      let value = change.default;
      if (value === undefined) {
        const restated = restateDefault(change.current.default);
        if (restated === 'unknown') {
          throw schemaErrors.invalidDefinition(
            `MySQL restates the whole column, and the current default of '${change.column}' cannot be restated: give 'default' too`,
            { column: change.column },
          );
        }
        value = restated;
      }
      const nullable = change.nullable ?? change.current.nullable;
      const autoIncrement = change.current.autoIncrement && change.type.kind === 'integer';
      return alter(`MODIFY COLUMN ${columnSql(change.column, change.type, nullable, value?.kind === 'null' ? undefined : value, autoIncrement)}`);
    }
  }
}

export function compileMysqlSchemaChange(change: SchemaChange): CompiledSchemaChange {
  const alter = (table: string, c: AlterChange) => [alterSql(table, c)];
  return compileSchemaChangeWith({ quoteIdentifier, columnDefinition: definitionSql, alter, checkForeignKey, transactional: false }, change);
}

const SCHEMA_ERRNOS: ReadonlyMap<number, readonly [number, string]> = new Map<number, readonly [number, string]>([
  [1050, [409, 'tableExists']],
  [1060, [409, 'columnExists']],
  [1061, [409, 'duplicateObject']],
  [1826, [409, 'duplicateObject']],
  [1451, [409, 'dependentObjects']], // MariaDB: dropping a table that foreign keys reference
  [3730, [409, 'dependentObjects']], // MySQL: the same
  [1828, [409, 'dependentObjects']],
  [1553, [409, 'dependentObjects']],
  [1146, [404, 'tableNotFound']],
  [1054, [400, 'unknownColumn']],
  [1091, [400, 'unknownColumn']],
  [1072, [400, 'unknownColumn']],
  [1005, [400, 'invalidForeignKey']],
  [1215, [400, 'invalidForeignKey']],
  [1822, [400, 'invalidForeignKey']],
  [1824, [400, 'invalidForeignKey']],
  [3780, [400, 'invalidForeignKey']],
  [1830, [400, 'invalidForeignKey']],
  [1068, [400, 'invalidSchemaChange']],
  [1075, [400, 'invalidSchemaChange']],
  [1063, [400, 'invalidSchemaChange']],
  [1067, [400, 'invalidDefault']],
  [1101, [400, 'invalidDefault']],
  [1074, [400, 'invalidSchemaChange']],
  [1118, [400, 'invalidSchemaChange']],
  [1170, [400, 'invalidSchemaChange']],
  [1071, [400, 'invalidSchemaChange']],
  [1166, [400, 'invalidName']],
  [1103, [400, 'invalidName']],
  [1059, [400, 'invalidName']],
  [1090, [400, 'invalidSchemaChange']],
]);

const INVALID_FOREIGN_KEY =
  'The database refused the foreign key: the referenced table must exist with a primary key or unique index on the referenced columns, and the column types on both sides must match';

export function mapMysqlSchemaError(error: unknown, context: { readonly service: string }): ApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { errno, sqlMessage } = error as { errno?: unknown; sqlMessage?: unknown };
  const known = typeof errno === 'number' ? SCHEMA_ERRNOS.get(errno) : undefined;
  if (known) {
    const [status, reason] = known;
    // MariaDB words a bad foreign key as "Can't create table `db`.`t` (errno: 150 …)": the server's
    // own text, naming the database; say what is wrong instead.
    if (reason === 'invalidForeignKey') return schemaErrors.rejected(status, reason, INVALID_FOREIGN_KEY);
    return schemaErrors.rejected(status, reason, `The database refused the schema change: ${typeof sqlMessage === 'string' ? sqlMessage : 'no reason given'}`);
  }
  if (errno === 1138) return dbErrors.notNullViolation(undefined);
  return mapMysqlError(error, context);
}
