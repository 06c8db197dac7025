/**
 * The postgres dialect: compiler, introspector, codecs and error map for PostgreSQL servers and
 * PGlite alike (PGlite differs only in its driver).
 */
import type { Dialect, DialectCapabilities } from '../dialect.js';
import { createPostgresDecoder } from './postgres-codecs.js';
import { compilePostgresSchemaChange, mapPostgresSchemaError } from './postgres-ddl.js';
import { PostgresWriter } from './postgres-compiler.js';
import { mapPostgresError } from './postgres-errors.js';
import { introspectPostgres } from './postgres-introspector.js';

const CAPABILITIES: DialectCapabilities = Object.freeze({ returning: 'all', windowFunctions: true });

export function createPostgresDialect(): Dialect {
  return {
    engine: 'postgres',
    capabilities: CAPABILITIES,
    introspect: (driver, options) => introspectPostgres(driver, options),
    compile: (statement) => new PostgresWriter(CAPABILITIES).compile(statement),
    compileTemplate: (statement, slots) => new PostgresWriter(CAPABILITIES).compileTemplate(statement, slots),
    createDecoder: createPostgresDecoder,
    mapError: mapPostgresError,
    compileSchemaChange: compilePostgresSchemaChange,
    mapSchemaError: mapPostgresSchemaError,
  };
}
