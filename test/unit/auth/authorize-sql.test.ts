/**
 * authorizeSql: raw SQL (MCP's run_sql) passes only with an unrestricted grant, and never when it
 * would change the pooled connection's session — whatever comments or parentheses come first.
 */
import { describe, expect, it } from 'vitest';
import { authorizeSql } from '../../../src/auth/apply-grant.js';
import { FULL_GRANT } from '../../../src/auth/authorizer.js';
import { isApiError } from '../../../src/errors.js';

function reason(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isApiError(error) ? error.reason : 'not an ApiError';
  }
}

describe('authorizeSql', () => {
  it('passes data statements with a full grant, keeping the mode', () => {
    for (const sql of ['SELECT 1', '  (SELECT 1)', '-- note\nselect 1', '/* why */ WITH x AS (SELECT 1) SELECT * FROM x', 'INSERT INTO t VALUES (1)', 'settings_report()']) {
      expect(authorizeSql(sql, FULL_GRANT, { readOnly: true })).toMatchObject({ sql, readOnly: true });
    }
    expect(authorizeSql('DELETE FROM t', FULL_GRANT, { readOnly: false }).readOnly).toBe(false);
  });

  it('refuses statements that change the session, behind comments and parentheses too', () => {
    for (const sql of [
      'SET statement_timeout = 0',
      'set role postgres',
      'RESET ALL',
      'DISCARD ALL',
      'USE other_db',
      'COMMIT',
      'begin',
      'START TRANSACTION',
      'ROLLBACK',
      'END',
      'SAVEPOINT a',
      'LOCK TABLES t WRITE',
      'PREPARE s FROM "DELETE FROM t"',
      '/* hi */ SET x = 1',
      '-- hi\n  SET x = 1',
      '# mysql comment\nSET x = 1',
      '( SET x = 1)',
      '/*!50000 SELECT 1 */',
      '/*M!100000 SELECT 1 */',
    ]) {
      expect(reason(() => authorizeSql(sql, FULL_GRANT, { readOnly: true })), sql).toBe('invalidParameter');
    }
  });

  it('refuses an empty statement and a restricted grant', () => {
    expect(reason(() => authorizeSql('  -- nothing', FULL_GRANT, { readOnly: true }))).toBe('invalidParameter');
    expect(reason(() => authorizeSql('SELECT 1', { columns: new Set(['a']) }, { readOnly: true }))).toBe('forbidden');
  });
});
