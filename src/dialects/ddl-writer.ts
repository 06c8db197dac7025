/**
 * What the two DDL spellings (postgres/postgres-ddl.ts, mysql/mysql-ddl.ts) share: the statement
 * list of a schema change, foreign-key clauses, table names, and the checks on the few non-keyword
 * tokens DDL text may contain. Each dialect passes its spelling of identifiers, column definitions
 * and ALTER actions, and whether its DDL runs in a transaction.
 *
 * May import: query (schema-change types), errors, dialects/dialect.
 */
import { isApiError, schemaErrors } from '../errors.js';
import type { AlterChange, ColumnDefinition, ForeignKeyDefinition, ReferentialAction, SchemaChange, SchemaTableRef } from '../query/schema-change.js';
import type { CompiledSchemaChange, SchemaStatement } from './dialect.js';

export interface DdlSpelling {
  quoteIdentifier(name: string): string;
  /** One column of CREATE TABLE. */
  columnDefinition(column: ColumnDefinition): string;
  /** The statements of one ALTER change, given the quoted table name. */
  alter(table: string, change: AlterChange): readonly string[];
  /** Refuses a foreign key the engine cannot create (throws an ApiError), before any SQL is written. */
  checkForeignKey?(fk: ForeignKeyDefinition): void;
  /** True where DDL is transactional (PostgreSQL): all statements of one change commit together. */
  readonly transactional: boolean;
}

/** A non-negative integer written into SQL text (lengths, precisions): anything else is a bug. */
export function typeArgument(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`Refusing to write ${String(value)} as a type argument`);
  return String(value);
}

/** The shape a numeric default must have before it is written into DDL text. */
export const NUMBER_LITERAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

const ACTION_SQL: Readonly<Record<ReferentialAction, string>> = {
  noAction: 'NO ACTION',
  restrict: 'RESTRICT',
  cascade: 'CASCADE',
  setNull: 'SET NULL',
  setDefault: 'SET DEFAULT',
};

export function qualifiedTableName(spelling: Pick<DdlSpelling, 'quoteIdentifier'>, table: SchemaTableRef): string {
  return `${spelling.quoteIdentifier(table.schema)}.${spelling.quoteIdentifier(table.name)}`;
}

function foreignKeySql(spelling: DdlSpelling, schema: string, fk: ForeignKeyDefinition): string {
  spelling.checkForeignKey?.(fk);
  const quote = (name: string) => spelling.quoteIdentifier(name);
  const name = fk.name === undefined ? '' : `CONSTRAINT ${quote(fk.name)} `;
  const target = qualifiedTableName(spelling, { schema, name: fk.targetTable });
  return `${name}FOREIGN KEY (${fk.columns.map(quote).join(', ')}) REFERENCES ${target} (${fk.targetColumns.map(quote).join(', ')}) ON UPDATE ${ACTION_SQL[fk.onUpdate]} ON DELETE ${ACTION_SQL[fk.onDelete]}`;
}

/** The statements of a schema change, each tagged with the index of the change it belongs to. */
export function compileSchemaChangeWith(spelling: DdlSpelling, change: SchemaChange): CompiledSchemaChange {
  const statements: SchemaStatement[] = [];
  const table = qualifiedTableName(spelling, change.table);
  switch (change.kind) {
    case 'createTable': {
      const parts = change.columns.map((column) => spelling.columnDefinition(column));
      if (change.primaryKey.length > 0) parts.push(`PRIMARY KEY (${change.primaryKey.map((n) => spelling.quoteIdentifier(n)).join(', ')})`);
      for (const fk of change.foreignKeys) parts.push(foreignKeySql(spelling, change.table.schema, fk));
      statements.push({ sql: `CREATE TABLE ${table} (${parts.join(', ')})`, change: 0 });
      break;
    }
    case 'alterTable':
      change.changes.forEach((c, index) => {
        try {
          for (const sql of spelling.alter(table, c)) statements.push({ sql, change: index });
        } catch (error) {
          throw isApiError(error) ? schemaErrors.atChange(error, index) : error;
        }
      });
      break;
    case 'dropTable':
      statements.push({ sql: `DROP TABLE ${table}`, change: 0 });
      break;
  }
  return Object.freeze({ statements: Object.freeze(statements), transactional: spelling.transactional });
}
