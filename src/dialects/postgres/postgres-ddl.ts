/**
 * PostgreSQL spelling of the DDL IR (query/schema-change.ts), and the SQLSTATEs of refused DDL.
 *
 * DDL takes no bind parameters, so the only text written besides keywords is: identifiers, always
 * through `quoteIdentifier`; type names, spelled here from the structured `ColumnType`; and default
 * literals, written by `literal` from values `column-types.ts` already checked against the column's
 * type, re-checked here against the shape their form allows (numbers must look like numbers, hex
 * like hex) and quoted as `E'…'` strings, whose escaping does not depend on
 * `standard_conforming_strings`. All statements of one change request run in one transaction.
 */
import { dbErrors, schemaErrors, type ApiError } from '../../errors.js';
import { describeColumnType } from '../../query/column-types.js';
import type {
  AlterChange,
  ColumnDefault,
  ColumnDefinition,
  ColumnType,
  SchemaChange,
} from '../../query/schema-change.js';
import { compileSchemaChangeWith, NUMBER_LITERAL, typeArgument } from '../ddl-writer.js';
import type { CompiledSchemaChange } from '../dialect.js';
import { quotePostgresIdentifier } from './postgres-compiler.js';
import { mapPostgresError } from './postgres-errors.js';

const quoteIdentifier = quotePostgresIdentifier;

function postgresTypeName(type: ColumnType): string {
  switch (type.kind) {
    case 'integer':
      return type.autoIncrement
        ? { small: 'smallserial', regular: 'serial', big: 'bigserial' }[type.size]
        : { small: 'smallint', regular: 'integer', big: 'bigint' }[type.size];
    case 'decimal':
      return type.precision === undefined ? 'numeric' : `numeric(${typeArgument(type.precision)}${type.scale !== undefined ? `,${typeArgument(type.scale)}` : ''})`;
    case 'float':
      return type.size === 'single' ? 'real' : 'double precision';
    case 'boolean':
      return 'boolean';
    case 'varchar':
      return type.length === undefined ? 'varchar' : `varchar(${typeArgument(type.length)})`;
    case 'char':
      return type.length === undefined ? 'char' : `char(${typeArgument(type.length)})`;
    case 'text':
      return 'text';
    case 'date':
      return 'date';
    case 'time':
      return type.precision === undefined ? 'time' : `time(${typeArgument(type.precision)})`;
    case 'timestamp': {
      const base = type.withTimeZone ? 'timestamptz' : 'timestamp';
      return type.precision === undefined ? base : `${base}(${typeArgument(type.precision)})`;
    }
    case 'uuid':
      return 'uuid';
    case 'json':
      return type.binary ? 'jsonb' : 'json';
    case 'bytes':
      return 'bytea';
  }
}

/** `E'…'`: backslashes and quotes escaped, NUL refused (PostgreSQL text cannot hold it). */
function postgresStringLiteral(value: string): string {
  if (value.includes('\u0000')) throw schemaErrors.invalidDefinition('text cannot contain NUL characters');
  return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function defaultSql(column: string, type: ColumnType, value: ColumnDefault): string {
  const refuse = (detail: string) => schemaErrors.invalidDefault(column, detail);
  switch (value.kind) {
    case 'null':
      return 'NULL';
    case 'expression':
      switch (value.expression) {
        case 'currentTimestamp':
          if (type.kind !== 'timestamp') throw refuse(`now() applies to timestamp columns, not ${describeColumnType(type)}`);
          return 'CURRENT_TIMESTAMP';
        case 'currentDate':
          if (type.kind !== 'date') throw refuse(`current_date applies to date columns, not ${describeColumnType(type)}`);
          return 'CURRENT_DATE';
        case 'randomUuid':
          if (type.kind !== 'uuid') throw refuse(`gen_random_uuid() applies to uuid columns, not ${describeColumnType(type)}`);
          return 'gen_random_uuid()';
      }
      break;
    case 'literal':
      switch (value.form) {
        case 'number':
          if (!NUMBER_LITERAL.test(value.text)) throw new Error('Refusing to write a malformed number literal');
          return value.text;
        case 'boolean':
          if (value.text !== 'true' && value.text !== 'false') throw new Error('Refusing to write a malformed boolean literal');
          return value.text.toUpperCase();
        case 'hex':
          if (!/^(?:[0-9a-f]{2})*$/.test(value.text)) throw new Error('Refusing to write a malformed hex literal');
          return `decode('${value.text}', 'hex')`;
        case 'string':
          // Zone-aware timestamps arrive normalised to UTC without a zone.
          return type.kind === 'timestamp' && type.withTimeZone ? postgresStringLiteral(`${value.text}+00`) : postgresStringLiteral(value.text);
      }
  }
  throw new Error('unreachable');
}

function columnSql(column: ColumnDefinition): string {
  const parts = [quoteIdentifier(column.name), postgresTypeName(column.type)];
  if (!column.nullable) parts.push('NOT NULL');
  if (column.default) parts.push(`DEFAULT ${defaultSql(column.name, column.type, column.default)}`);
  if (column.unique) parts.push('UNIQUE');
  return parts.join(' ');
}

function alterSql(table: string, change: AlterChange): string[] {
  const alter = (action: string) => `ALTER TABLE ${table} ${action}`;
  switch (change.kind) {
    case 'addColumn':
      return [alter(`ADD COLUMN ${columnSql(change.column)}`)];
    case 'dropColumn':
      return [alter(`DROP COLUMN ${quoteIdentifier(change.column)}`)];
    case 'renameColumn':
      return [alter(`RENAME COLUMN ${quoteIdentifier(change.column)} TO ${quoteIdentifier(change.newName)}`)];
    case 'modifyColumn': {
      const column = quoteIdentifier(change.column);
      const out: string[] = [];
      if (change.type) {
        const type = postgresTypeName(change.type);
        // A new default replaces the old one, which is dropped first so that the type change does
        // not have to convert it.
        if (change.default) out.push(alter(`ALTER COLUMN ${column} DROP DEFAULT`));
        out.push(alter(`ALTER COLUMN ${column} TYPE ${type} USING ${column}::${type}`));
      }
      if (change.nullable !== undefined) out.push(alter(`ALTER COLUMN ${column} ${change.nullable ? 'DROP' : 'SET'} NOT NULL`));
      if (change.default) {
        out.push(
          change.default.kind === 'null'
            ? alter(`ALTER COLUMN ${column} DROP DEFAULT`)
            : alter(`ALTER COLUMN ${column} SET DEFAULT ${defaultSql(change.column, change.type ?? change.current.type, change.default)}`),
        );
      }
      return out;
    }
  }
}

export function compilePostgresSchemaChange(change: SchemaChange): CompiledSchemaChange {
  return compileSchemaChangeWith({ quoteIdentifier, columnDefinition: columnSql, alter: alterSql, transactional: true }, change);
}

export function mapPostgresSchemaError(error: unknown, context: { readonly service: string }): ApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const detail = `The database refused the schema change: ${typeof message === 'string' ? message : 'no reason given'}`;
  switch (code) {
    case '42P07':
      return schemaErrors.rejected(409, 'tableExists', detail);
    case '42701':
      return schemaErrors.rejected(409, 'columnExists', detail);
    case '42710':
      return schemaErrors.rejected(409, 'duplicateObject', detail);
    case '2BP01':
      return schemaErrors.rejected(409, 'dependentObjects', detail);
    case '42P01':
      return schemaErrors.rejected(404, 'tableNotFound', detail);
    case '42703':
      return schemaErrors.rejected(400, 'unknownColumn', detail);
    case '42804':
    case '42846':
      return schemaErrors.rejected(400, 'incompatibleType', detail);
    case '42830':
      return schemaErrors.rejected(400, 'invalidForeignKey', detail);
    case '42P16':
    case '42611':
    case '42P10':
    case '0A000':
    case '42809':
    case '42883':
      return schemaErrors.rejected(400, 'invalidSchemaChange', detail);
    case '23502':
      return dbErrors.notNullViolation(undefined);
  }
  return mapPostgresError(error, context);
}
