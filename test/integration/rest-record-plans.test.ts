/**
 * Plans of REST record reads (`GET /_table/{table}/{id}`, src/rest/table-routes.ts) over real HTTP on
 * every engine: a caller with the full grant reads every key of a table through one kept statement
 * per `fields` list, the key bound per request, and gets what a list read filtered on the same key
 * answers; a caller whose grant hides columns never reads through those plans. Whether a plan was
 * made is read from `Executor.plan` calls.
 */
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { Executor } from '../../src/executor/executor.js';
import { createRoleKeys, describeEngines, SERVICE } from '../support/engines.js';

type Row = Record<string, unknown>;

describeEngines('REST record plans', (fixture) => {
  let planned: MockInstance<Executor['plan']>;
  beforeAll(() => {
    planned = vi.spyOn(Executor.prototype, 'plan');
  });
  afterAll(() => planned.mockRestore());

  const list = async (table: string, params: Record<string, string>, headers?: Record<string, string>): Promise<Row[]> => {
    const res = await fixture().table<{ resource: Row[] }>(table, params, headers ? { headers } : undefined);
    expect(res.status, res.text).toBe(200);
    return res.body.resource;
  };
  const record = (path: string, headers?: Record<string, string>) => fixture().get<Row>(`/api/v1/${SERVICE}/_table/${path}`, headers ? { headers } : undefined);

  it('reads every key of a table through one plan per fields list, the key bound per request', async () => {
    const products = await list('products', { order: 'id asc', limit: '4' });
    expect(products.length).toBe(4);
    const before = planned.mock.calls.length;
    // Back and forth, so that a key kept from an earlier request would show.
    for (const product of [products[1], products[0], ...products.slice(2), products[1]] as Row[]) {
      const whole = await record(`products/${String(product.id)}`);
      expect(whole.status, whole.text).toBe(200);
      expect(whole.body).toEqual(product);
      const some = await record(`products/${String(product.id)}?fields=name,id`);
      expect(some.body).toEqual({ name: product.name, id: product.id });
    }
    expect(planned.mock.calls.length).toBe(before + 2);
    const missing = await record('products/987654321');
    expect(missing.status, missing.text).toBe(404);
    const bad = await record('products/not-a-number');
    expect(bad.status, bad.text).toBe(400);
    expect(planned.mock.calls.length).toBe(before + 2);
  });

  it('binds every column of a composite key, in key order', async () => {
    const links = await list('product_tags', { order: 'product_id asc,tag_id asc', limit: '3' });
    expect(links.length).toBe(3);
    const before = planned.mock.calls.length;
    for (const link of [...links, ...links]) {
      const res = await record(`product_tags/${String(link.product_id)},${String(link.tag_id)}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual(link);
    }
    const swapped = links.find((l) => l.product_id !== l.tag_id) as Row;
    const reversed = await record(`product_tags/${String(swapped.tag_id)},${String(swapped.product_id)}`);
    if (reversed.status === 200) expect(reversed.body).toEqual({ product_id: swapped.tag_id, tag_id: swapped.product_id });
    else expect(reversed.status).toBe(404);
    expect(planned.mock.calls.length).toBe(before + 1);
  });

  describe('a caller whose grant hides columns', () => {
    let key = '';
    beforeAll(async () => {
      const keys = await createRoleKeys(fixture(), {
        record_plans_narrow: [{ service_name: SERVICE, component: '_table/products', verb_mask: 1, fields: ['id', 'name'] }],
      });
      key = keys.record_plans_narrow as string;
    });

    it('reads without the full grant’s plans and sees only its columns, before and after an admin’s read', async () => {
      const [product] = await list('products', { order: 'id asc', limit: '1' });
      expect((await record(`products/${String(product?.id)}`)).body).toEqual(product); // the admin's plan exists
      const before = planned.mock.calls.length;
      for (let i = 0; i < 2; i++) {
        const res = await record(`products/${String(product?.id)}`, { 'X-API-Key': key });
        expect(res.status, res.text).toBe(200);
        expect(res.body).toEqual({ id: product?.id, name: product?.name });
      }
      expect(planned.mock.calls.length).toBe(before);
    });
  });
});
