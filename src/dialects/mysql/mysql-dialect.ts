/**
 * The mysql dialect, for MySQL and MariaDB. The two differ in capabilities, decided from the
 * connected server: MariaDB (10.5+) has INSERT … RETURNING and DELETE … RETURNING, MySQL has
 * neither; both have window functions (MySQL 8, MariaDB 10.2+).
 */
import type { Dialect, DialectCapabilities } from '../dialect.js';
import { createMysqlDecoder } from './mysql-codecs.js';
import { compileMysqlSchemaChange, mapMysqlSchemaError } from './mysql-ddl.js';
import { MysqlWriter } from './mysql-compiler.js';
import { mapMysqlError } from './mysql-errors.js';
import { introspectMysql } from './mysql-introspector.js';

/** Capabilities of a server from its variant and `VERSION()` string. */
export function mysqlCapabilities(variant: 'mysql' | 'mariadb', version: string): DialectCapabilities {
  const [major = 0, minor = 0] = version.split(/[.-]/).map((part) => Number.parseInt(part, 10));
  const mariadbReturning = variant === 'mariadb' && (major > 10 || (major === 10 && minor >= 5));
  return Object.freeze({ returning: mariadbReturning ? 'insertDelete' : 'none', windowFunctions: true });
}

export function createMysqlDialect(capabilities: DialectCapabilities): Dialect {
  return {
    engine: 'mysql',
    capabilities,
    introspect: (driver, options) => introspectMysql(driver, options),
    compile: (statement) => new MysqlWriter(capabilities).compile(statement),
    compileTemplate: (statement, slots) => new MysqlWriter(capabilities).compileTemplate(statement, slots),
    createDecoder: createMysqlDecoder,
    mapError: mapMysqlError,
    compileSchemaChange: compileMysqlSchemaChange,
    mapSchemaError: mapMysqlSchemaError,
  };
}
