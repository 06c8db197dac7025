/**
 * The executor's statement plans (`plan`/`runPlan`) against a recording driver: a plan's runs send
 * the plan's one SQL text with each run's values, and every failure, a statement the dialect cannot
 * write included, comes back as a rejected promise, as `run`'s do.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { applyGrant } from '../../../src/auth/apply-grant.js';
import { FULL_GRANT } from '../../../src/auth/authorizer.js';
import type { CompiledQuery, Driver, QueryResult, Row } from '../../../src/dialects/dialect.js';
import { createPostgresDialect } from '../../../src/dialects/postgres/postgres-dialect.js';
import { Executor } from '../../../src/executor/executor.js';
import { RequestContext } from '../../../src/executor/request-context.js';
import { columnItem, columnRef, param, tableRef } from '../../../src/query/ir-factories.js';
import type { Select } from '../../../src/query/ir.js';
import { tinyCatalog } from '../../support/tiny-catalog.js';

const books = tinyCatalog().tables.get('books')!;
const id = columnRef(books, books.columnsByName.get('id')!);

function recordingExecutor(): { executor: Executor; sent: CompiledQuery[] } {
  const sent: CompiledQuery[] = [];
  const driver = {
    engine: 'postgres',
    variant: 'postgres',
    query: async <R = Row>(query: CompiledQuery): Promise<QueryResult<R>> => {
      sent.push(query);
      return { rows: [{ id: String(query.params[0]) }] as R[] };
    },
  } as unknown as Driver;
  return { executor: new Executor({ service: 'lib', driver, dialect: createPostgresDialect(), logger: pino({ level: 'silent' }) }), sent };
}

const ctx = () => new RequestContext('test', { kind: 'admin', adminId: 1, sessionId: 's' });

describe('statement plans', () => {
  it('runs one SQL text with each run’s values in its slots', async () => {
    const { executor, sent } = recordingExecutor();
    const key = param('1', 'bigint');
    const select: Select = { kind: 'select', from: tableRef(books), items: [columnItem(id)], where: { kind: 'compare', left: id, op: '=', right: key }, orderBy: [] };
    const plan = executor.plan(applyGrant(select, FULL_GRANT), [key]);
    for (const value of ['7', '8', '7']) expect((await executor.runPlan(plan, [value], ctx())).rows).toEqual([{ id: value }]);
    expect(sent.map((q) => q.params)).toEqual([['7'], ['8'], ['7']]);
    expect(new Set(sent.map((q) => q.sql)).size).toBe(1);
  });

  it('fails with a rejected promise, never a throw, for values that do not fit the plan and statements the dialect cannot write', async () => {
    const { executor, sent } = recordingExecutor();
    const key = param('1', 'bigint');
    const select: Select = { kind: 'select', from: tableRef(books), items: [columnItem(id)], where: { kind: 'compare', left: id, op: '=', right: key }, orderBy: [] };
    const plan = executor.plan(applyGrant(select, FULL_GRANT), [key]);
    let pending: Promise<unknown> | undefined;
    expect(() => (pending = executor.runPlan(plan, [], ctx()))).not.toThrow();
    await expect(pending).rejects.toThrow(/bound with 0 values/);
    const unwritable = applyGrant({ ...select, limit: -1 }, FULL_GRANT);
    expect(() => (pending = executor.run(unwritable, ctx()))).not.toThrow();
    await expect(pending).rejects.toThrow(/non-negative/);
    expect(sent).toEqual([]);
  });
});
