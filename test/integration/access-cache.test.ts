/**
 * The access cache over a real (embedded PGlite) metadata store: a role loaded again with the same
 * definition is the same object (what is kept per definition, such as GraphQL caller views, outlives
 * the cache's TTL), and a changed definition is a new one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessCache } from '../../src/system/access-cache.js';
import type { MetaStore as MetaStoreType } from '../../src/system/store/meta-store.js';
import { MetaStore } from '../../src/system/store/meta-store.js';
import { createRole, updateRole } from '../../src/system/store/roles-repo.js';

describe('access cache: role views', () => {
  let dir: string;
  let store: MetaStoreType;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-access-cache-'));
    store = await MetaStore.open({ dataDir: dir });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('hands out the same view while the definition is unchanged, and a new one when it changes', async () => {
    const cache = new AccessCache(store, pino({ level: 'silent' }), 1);
    const role = await store.transaction((tx) =>
      createRole(tx, { name: 'stable_reader', description: '', isActive: true, access: [{ serviceName: 'shop', component: '_table/products', verbMask: 1 }] }),
    );
    const first = await cache.byId(role.id);
    expect(first?.access.map((rule) => rule.component)).toEqual(['_table/products']);
    await new Promise((resolve) => setTimeout(resolve, 5)); // past the 1 ms TTL: the store is read again
    expect(await cache.byId(role.id)).toBe(first);
    cache.invalidate();
    expect(await cache.byName('stable_reader')).toBe(first);

    await store.transaction((tx) => updateRole(tx, role.id, { access: [{ serviceName: 'shop', component: '_table/*', verbMask: 1 }] }));
    cache.invalidate();
    const changed = await cache.byId(role.id);
    expect(changed).not.toBe(first);
    expect(changed?.access.map((rule) => rule.component)).toEqual(['_table/*']);

    await store.transaction((tx) => updateRole(tx, role.id, { isActive: false }));
    cache.invalidate();
    const deactivated = await cache.byId(role.id);
    expect(deactivated).not.toBe(changed);
    expect(deactivated?.isActive).toBe(false);
  });
});
