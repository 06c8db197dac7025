/**
 * Batched relation loading on every engine: N parents cost ONE statement per relation level,
 * counted by the executor's statement counter. Per-parent limits use a window function in that same
 * statement; under the default cap alone, rows are first read without one (one more statement only
 * when that answer may be cut short). Results are checked against the
 * demo data generator.
 */
import { expect, it } from 'vitest';
import { applyGrant } from '../../src/auth/apply-grant.js';
import { ANONYMOUS } from '../../src/auth/principal.js';
import type { Table } from '../../src/catalog/catalog-types.js';
import { generateDemoData } from '../../src/demo/demo-data.js';
import type { Row } from '../../src/dialects/dialect.js';
import { loadRelated, type KeyedRelation } from '../../src/executor/relation-loader.js';
import { RequestContext } from '../../src/executor/request-context.js';
import { columnItem, columnRef, orderBy, tableRef } from '../../src/query/ir-factories.js';
import type { Select } from '../../src/query/ir.js';
import { describeEngines, SERVICE } from '../support/engines.js';

const data = generateDemoData();
const FULL = { columns: 'all' as const };

function selectAll(table: Table, columns: readonly string[], order: { column: string; direction: 'asc' | 'desc' }[] = [], limit?: number): Select {
  return {
    kind: 'select',
    from: tableRef(table),
    items: columns.map((name) => columnItem(columnRef(table, table.columnsByName.get(name)!))),
    orderBy: order.map((o) => orderBy(columnRef(table, table.columnsByName.get(o.column)!), o.direction)),
    ...(limit !== undefined ? { limit } : {}),
  };
}

describeEngines('relation loader', (fixture) => {
  const snapshot = () => fixture().server.registry.snapshot(SERVICE);
  const table = (name: string) => snapshot().catalog.tables.get(name)!;
  const relation = (from: string, name: string) => table(from).relationsByName.get(name) as KeyedRelation;
  const context = () => new RequestContext('test', ANONYMOUS);

  it('loads the orders of 300 customers in one statement, grouped and ordered per parent', async () => {
    const ctx = context();
    const { executor } = snapshot();
    const customers = (await executor.run(applyGrant(selectAll(table('customers'), ['id'], [{ column: 'id', direction: 'asc' }], 300), FULL), ctx)).rows;
    expect(ctx.statementCount).toBe(1);
    const orders = applyGrant(selectAll(table('orders'), ['id', 'status'], [{ column: 'id', direction: 'asc' }]), FULL);
    const related = await loadRelated(executor, ctx, { service: SERVICE, relation: relation('customers', 'orders'), target: table('orders'), select: orders }, customers);
    expect(ctx.statementCount).toBe(2);
    expect(related).toHaveLength(300);
    customers.forEach((customer, i) => {
      const expected = data.orders.filter((o) => o.customer_id === customer.id).map((o) => ({ id: String(o.id), status: o.status }));
      expect(related[i]).toEqual(expected);
    });
  });

  it('pages per parent with a window function in the same single statement', async () => {
    const ctx = context();
    const { executor } = snapshot();
    const customers = data.customers.slice(0, 250).map((c) => ({ id: c.id }) as Row);
    const latest = applyGrant(selectAll(table('orders'), ['id', 'placed_at'], [{ column: 'placed_at', direction: 'desc' }]), FULL);
    const related = await loadRelated(
      executor,
      ctx,
      { service: SERVICE, relation: relation('customers', 'orders'), target: table('orders'), select: latest, perParent: { limit: 2, offset: 1 } },
      customers,
    );
    expect(ctx.statementCount).toBe(1);
    customers.forEach((customer, i) => {
      const expected = data.orders
        .filter((o) => o.customer_id === customer.id)
        .sort((a, b) => b.placed_at.localeCompare(a.placed_at))
        .slice(1, 3)
        .map((o) => String(o.id));
      expect((related[i] as Row[]).map((o) => o.id)).toEqual(expected);
    });
  });

  for (const limit of [1, 3, 1000]) {
    it(`cuts each parent to the default cap (${limit}) with a window function only when the plain statement may come back cut short`, async () => {
      const ctx = context();
      const { executor } = snapshot();
      const customers = data.customers.slice(0, 120).map((c) => ({ id: c.id }) as Row);
      const latest = applyGrant(selectAll(table('orders'), ['id', 'placed_at'], [{ column: 'placed_at', direction: 'desc' }, { column: 'id', direction: 'asc' }]), FULL);
      const related = await loadRelated(
        executor,
        ctx,
        { service: SERVICE, relation: relation('customers', 'orders'), target: table('orders'), select: latest, perParent: { limit, limitIsDefault: true } },
        customers,
      );
      const ordersOf = (id: unknown) =>
        data.orders.filter((o) => o.customer_id === id).sort((a, b) => b.placed_at.localeCompare(a.placed_at) || a.id - b.id);
      const total = customers.reduce((sum, c) => sum + ordersOf(c.id).length, 0);
      // The plain statement holds every row when there are at most parents × limit of them.
      expect(ctx.statementCount).toBe(total <= customers.length * limit ? 1 : 2);
      customers.forEach((customer, i) => {
        expect((related[i] as Row[]).map((o) => o.id)).toEqual(ordersOf(customer.id).slice(0, limit).map((o) => String(o.id)));
      });
    });
  }

  it('reads three levels over hundreds of parents in depth + 1 statements', async () => {
    const ctx = context();
    const { executor } = snapshot();
    const customers = (await executor.run(applyGrant(selectAll(table('customers'), ['id'], [{ column: 'id', direction: 'asc' }], 400), FULL), ctx)).rows;
    const orders = (await loadRelated(executor, ctx, {
      service: SERVICE,
      relation: relation('customers', 'orders'),
      target: table('orders'),
      select: applyGrant(selectAll(table('orders'), ['id'], [{ column: 'id', direction: 'asc' }]), FULL),
    }, customers)) as Row[][];
    const flatOrders = orders.flat();
    expect(flatOrders.length).toBeGreaterThan(1000);
    const items = (await loadRelated(executor, ctx, {
      service: SERVICE,
      relation: relation('orders', 'order_items'),
      target: table('order_items'),
      select: applyGrant(selectAll(table('order_items'), ['product_id', 'quantity'], [{ column: 'product_id', direction: 'asc' }]), FULL),
      maxBatchSize: 5000,
    }, flatOrders)) as Row[][];
    const flatItems = items.flat();
    const products = await loadRelated(executor, ctx, {
      service: SERVICE,
      relation: relation('order_items', 'product'),
      target: table('products'),
      select: applyGrant(selectAll(table('products'), ['id', 'sku']), FULL),
      maxBatchSize: 5000,
    }, flatItems);
    // customers + orders + order_items + products: 3 relation levels, 4 statements, whatever the fan-out.
    expect(ctx.statementCount).toBe(4);
    const customerIds = new Set(customers.map((c) => Number(c.id)));
    const expectedItems = data.order_items.filter((i) => customerIds.has(data.orders[i.order_id - 1]!.customer_id));
    expect(flatItems).toHaveLength(expectedItems.length);
    expect(products.every((p) => p !== null && typeof (p as Row).sku === 'string')).toBe(true);
    expect((products as Row[]).map((p) => p.id)).toEqual(flatItems.map((i) => i.product_id));
    // Join keys the select did not ask for (order_id) were added for grouping and removed again.
    expect(Object.keys(flatItems[0]!)).toEqual(['product_id', 'quantity']);
  });

  it('answers to-one relations with a row or null, and skips NULL keys without a query', async () => {
    const ctx = context();
    const { executor } = snapshot();
    const categories = data.categories.map((c) => ({ id: c.id, parent_id: c.parent_id }) as Row);
    const parents = await loadRelated(executor, ctx, {
      service: SERVICE,
      relation: relation('categories', 'parent'),
      target: table('categories'),
      select: applyGrant(selectAll(table('categories'), ['id', 'slug']), FULL),
    }, categories);
    expect(ctx.statementCount).toBe(1);
    expect(parents).toEqual(
      data.categories.map((c) => {
        const parent = data.categories.find((p) => p.id === c.parent_id);
        return parent ? { id: parent.id, slug: parent.slug } : null;
      }),
    );
    const rootsOnly = await loadRelated(executor, context(), {
      service: SERVICE,
      relation: relation('categories', 'parent'),
      target: table('categories'),
      select: applyGrant(selectAll(table('categories'), ['id']), FULL),
    }, categories.filter((c) => c.parent_id === null));
    expect(rootsOnly.every((p) => p === null)).toBe(true);
  });

  it('caches per request: the same keys twice cost nothing more', async () => {
    const ctx = context();
    const { executor } = snapshot();
    const spec = {
      service: SERVICE,
      relation: relation('orders', 'customer'),
      target: table('customers'),
      select: applyGrant(selectAll(table('customers'), ['id', 'email']), FULL),
    };
    const orders = data.orders.slice(0, 50).map((o) => ({ customer_id: o.customer_id }) as Row);
    const first = await loadRelated(executor, ctx, spec, orders);
    const second = await loadRelated(executor, ctx, spec, orders);
    expect(ctx.statementCount).toBe(1);
    expect(second).toEqual(first);
    expect((first as Row[]).map((c) => c.id)).toEqual(orders.map((o) => o.customer_id));
  });
});
