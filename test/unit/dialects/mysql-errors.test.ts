/**
 * MySQL/MariaDB error mapping cases found by the HTTP fuzzer (test/integration/fuzz-writes.test.ts),
 * with the error objects mysql2 produces for them.
 */
import { describe, expect, it } from 'vitest';
import { mapMysqlSchemaError } from '../../../src/dialects/mysql/mysql-ddl.js';
import { mapMysqlError } from '../../../src/dialects/mysql/mysql-errors.js';

const context = { service: 'w' };

describe('mapMysqlError', () => {
  it('maps a data exception outside the listed errnos (MariaDB division by zero in a function) to 400 invalidData', () => {
    const error = Object.assign(new Error('Division by 0'), { code: 'ER_DIVISION_BY_ZERO', errno: 1365, sqlState: '22012', sqlMessage: 'Division by 0' });
    const mapped = mapMysqlError(error, context);
    expect(mapped?.status).toBe(400);
    expect(mapped?.reason).toBe('invalidData');
    expect(mapped?.message).toBe('Invalid data: Division by 0');
  });

  it('leaves errors of other classes unmapped (the caller masks them as 500)', () => {
    expect(mapMysqlError(Object.assign(new Error('x'), { errno: 9999, sqlState: 'HY000', sqlMessage: 'x' }), context)).toBeUndefined();
  });
});

describe('mapMysqlSchemaError', () => {
  it('rewrites MariaDB\'s "Can\'t create table `db`.`t` (errno: 150 …)" for a bad foreign key', () => {
    const sqlMessage = "Can't create table `shop`.`gadgets` (errno: 150 \"Foreign key constraint is incorrectly formed\")";
    const mapped = mapMysqlSchemaError(Object.assign(new Error(sqlMessage), { errno: 1005, sqlState: 'HY000', sqlMessage }), context);
    expect(mapped?.status).toBe(400);
    expect(mapped?.reason).toBe('invalidForeignKey');
    expect(mapped?.message).not.toMatch(/create table|`shop`/i);
  });
});
