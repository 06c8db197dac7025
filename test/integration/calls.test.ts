/**
 * `Call` statements on every engine, against the demo's routines: a scalar SQL function, and the
 * set-returning routine (a SETOF function on PostgreSQL, a procedure with a result set on MySQL).
 */
import { expect, it } from 'vitest';
import { applyGrant } from '../../src/auth/apply-grant.js';
import { ANONYMOUS } from '../../src/auth/principal.js';
import type { Procedure } from '../../src/catalog/catalog-types.js';
import { generateDemoData } from '../../src/demo/demo-data.js';
import { RequestContext } from '../../src/executor/request-context.js';
import { param } from '../../src/query/ir-factories.js';
import type { Call } from '../../src/query/ir.js';
import { describeEngines, SERVICE } from '../support/engines.js';

const data = generateDemoData();
const cents = (decimal: string) => Math.round(Number(decimal) * 100);

function call(procedure: Procedure, values: number[]): Call {
  return {
    kind: 'call',
    schema: procedure.schema,
    procedure: procedure.name,
    procedureKind: procedure.kind,
    returnsSet: procedure.returnsSet,
    args: procedure.parameters.map((p, i) => ({ value: param(values[i] ?? null, p.valueType), dbType: p.dbType })),
  };
}

describeEngines('calls', (fixture) => {
  const snapshot = () => fixture().server.registry.snapshot(SERVICE);

  it('calls a scalar function with typed arguments', async () => {
    const { catalog, executor } = snapshot();
    const procedure = catalog.procedures.get('customer_lifetime_value')!;
    for (const customerId of [1, 2, 4]) {
      const { rows } = await executor.run(applyGrant(call(procedure, [customerId]), { columns: 'all' }), new RequestContext('t', ANONYMOUS));
      expect(rows).toHaveLength(1);
      const value = Object.values(rows[0]!)[0];
      const expected = data.orders.filter((o) => o.customer_id === customerId && o.status !== 'cancelled').reduce((sum, o) => sum + cents(o.total), 0);
      expect(typeof value).toBe('string');
      expect(cents(String(value))).toBe(expected);
    }
  });

  it('calls the set-returning routine and gets its rows', async () => {
    const { catalog, executor } = snapshot();
    const procedure = catalog.procedures.get('products_in_category')!;
    const { rows } = await executor.run(applyGrant(call(procedure, [7]), { columns: 'all' }), new RequestContext('t', ANONYMOUS));
    const expected = data.products.filter((p) => p.category_id === 7).map((p) => p.id);
    expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(expected);
  });
});
