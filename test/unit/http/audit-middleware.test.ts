/** Which requests the audit hook records, and how it names their action, service and target. */
import { describe, expect, it } from 'vitest';
import { classifyRoute } from '../../../src/http/audit-middleware.js';

describe('classifyRoute', () => {
  it.each([
    ['POST', '/api/v1/shop/_table/orders', { surface: 'rest', isChange: true, service: 'shop', component: '_table', target: 'orders' }],
    ['PATCH', '/api/v1/shop/_table/orders/17', { surface: 'rest', isChange: true, component: '_table', target: 'orders' }],
    ['DELETE', '/api/v1/shop/_table/order%20lines', { isChange: true, target: 'order lines' }],
    ['GET', '/api/v1/shop/_table/orders', { surface: 'rest', isChange: false, target: 'orders' }],
    ['POST', '/api/v1/shop/_schema', { isChange: true, component: '_schema' }],
    ['PUT', '/api/v1/shop/_schema/orders', { isChange: true, component: '_schema', target: 'orders' }],
    ['POST', '/api/v1/shop/_proc/restock', { isChange: true, component: '_proc', target: 'restock' }],
    ['GET', '/api/v1/shop/_proc/restock', { isChange: false, component: '_proc' }],
    ['GET', '/api/v1/shop/_doc', { surface: 'rest', isChange: false, service: 'shop' }],
    ['POST', '/api/v1/system/admin/session', { surface: 'system', isChange: true, component: 'system/admin/session' }],
    ['PUT', '/api/v1/system/service/shop', { surface: 'system', isChange: true, component: 'system/service/shop', service: 'shop' }],
    ['GET', '/api/v1/system/role', { surface: 'system', isChange: false, component: 'system/role' }],
    ['POST', '/mcp', { surface: 'mcp', isChange: false }],
  ] as const)('%s %s', (method, path, expected) => {
    expect(classifyRoute(method, path)).toMatchObject(expected);
  });

  // The hook skips classifying reads that did not end in 401: that holds only while no read is a change.
  it.each(['GET', 'HEAD', 'OPTIONS'])('never counts a %s as a change', (method) => {
    const paths = ['/api/v1/shop/_table/orders', '/api/v1/shop/_schema/orders', '/api/v1/shop/_proc/restock', '/api/v1/shop/_graphql', '/api/v1/system/service/shop', '/api/v1/system/admin/session', '/api/v1/system', '/mcp', '/openapi.json'];
    for (const path of paths) expect(classifyRoute(method, path).isChange).toBe(false);
  });

  it('keeps names bounded and survives bad percent-encoding', () => {
    expect(classifyRoute('POST', `/api/v1/shop/_table/${'x'.repeat(5000)}`).target).toHaveLength(256);
    expect(classifyRoute('POST', '/api/v1/shop/_table/%E0%A4%A').target).toBe('%E0%A4%A');
  });
});
