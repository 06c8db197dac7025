/**
 * The catalog Sluice builds for the demo shop, per engine: the facts every surface relies on,
 * asserted by hand (keys, relations and their names, value types, enums, routines, comments).
 */
import { expect, it } from 'vitest';
import type { Catalog, Table } from '../../src/catalog/catalog-types.js';
import { describeEngines, SERVICE } from '../support/engines.js';

describeEngines('introspection of the demo shop', (fixture) => {
  let catalog: Catalog;
  const table = (name: string): Table => {
    catalog ??= fixture().server.registry.snapshot(SERVICE).catalog;
    const t = catalog.tables.get(name);
    if (!t) throw new Error(`no table ${name}`);
    return t;
  };
  const column = (t: string, c: string) => table(t).columnsByName.get(c);

  it('finds the tables and the view with their kinds and capabilities', () => {
    expect(table('customers').kind).toBe('table');
    expect(table('customer_order_summary').kind).toBe('view');
    expect(table('customers').capabilities).toEqual({ insertable: true, updatable: true, deletable: true });
    expect(table('customer_order_summary').primaryKey).toEqual([]);
    expect(catalog.engine).toBe(fixture().engine === 'mariadb' ? 'mysql' : 'postgres');
    expect(catalog.variant).toBe(fixture().engine);
  });

  it('reads simple and composite primary keys and unique keys', () => {
    expect(table('customers').primaryKey).toEqual(['id']);
    expect(table('order_items').primaryKey).toEqual(['order_id', 'product_id']);
    expect(table('product_tags').primaryKey).toEqual(['product_id', 'tag_id']);
    expect(table('customers').uniqueKeys).toEqual(expect.arrayContaining([['email'], ['uuid']]));
    expect(table('products').uniqueKeys).toEqual([['sku']]);
  });

  it('maps every column type to its value type', () => {
    expect(column('customers', 'id')).toMatchObject({ valueType: 'integer', nullable: false, position: 1 });
    expect(column('customers', 'id')?.generated).toBe(fixture().engine === 'mariadb' ? 'autoIncrement' : 'identity');
    expect(column('categories', 'id')?.generated).toBe(fixture().engine === 'mariadb' ? 'autoIncrement' : 'serial');
    expect(column('orders', 'id')?.valueType).toBe('bigint');
    expect(column('customers', 'tier')).toMatchObject({ valueType: 'enum', enumValues: ['bronze', 'silver', 'gold', 'platinum'], hasDefault: true });
    expect(column('orders', 'status')?.enumValues).toEqual(['pending', 'paid', 'shipped', 'delivered', 'cancelled']);
    expect(column('customers', 'marketing_opt_in')?.valueType).toBe('boolean');
    expect(column('customers', 'preferences')).toMatchObject({ valueType: 'json', nullable: true });
    expect(column('customers', 'tags')?.valueType).toEqual(fixture().engine === 'mariadb' ? 'json' : { kind: 'array', of: 'string' });
    expect(column('customers', 'uuid')?.valueType).toBe(fixture().engine === 'mariadb' ? 'string' : 'uuid');
    expect(column('customers', 'birth_date')?.valueType).toBe('date');
    expect(column('customers', 'avatar')?.valueType).toBe('bytes');
    expect(column('customers', 'created_at')).toMatchObject({ valueType: 'timestamptz', hasDefault: true, nullable: false });
    expect(column('customers', 'email')).toMatchObject({ valueType: 'string', maxLength: 255 });
    expect(column('products', 'price')).toMatchObject({ valueType: 'decimal', precision: 10, scale: 2 });
    expect(column('products', 'weight_kg')?.valueType).toBe('float');
    expect(column('products', 'description')?.valueType).toBe('string');
    expect(table('customers').columns.map((c) => c.name)).toEqual([
      'id', 'uuid', 'email', 'full_name', 'tier', 'marketing_opt_in', 'preferences', 'tags', 'birth_date', 'avatar', 'created_at',
    ]);
  });

  it('reads foreign keys, composite and self-referencing, with their rules', () => {
    expect(table('order_items').foreignKeys.map((fk) => [fk.name, fk.targetTable, fk.columns, fk.onDelete])).toEqual([
      ['order_items_order_id_fkey', 'orders', [{ from: 'order_id', to: 'id' }], 'CASCADE'],
      ['order_items_product_id_fkey', 'products', [{ from: 'product_id', to: 'id' }], 'RESTRICT'],
    ]);
    expect(table('categories').foreignKeys).toEqual([
      { name: 'categories_parent_id_fkey', columns: [{ from: 'parent_id', to: 'id' }], targetTable: 'categories', onUpdate: 'NO ACTION', onDelete: 'SET NULL' },
    ]);
  });

  it('derives relations in both directions with stable names', () => {
    const summary = (t: string) => table(t).relations.map((r) => `${r.kind}:${r.name}->${r.target}`);
    // order_items' primary key is exactly its two foreign keys: it is also a junction orders ↔ products.
    expect(summary('orders')).toEqual(['oneToMany:order_items->order_items', 'manyToMany:products->products', 'manyToOne:customer->customers']);
    expect(summary('categories')).toEqual(['manyToOne:parent->categories', 'oneToMany:categories->categories', 'oneToMany:products->products']);
    expect(summary('products')).toEqual(
      expect.arrayContaining([
        'manyToOne:category->categories',
        'oneToMany:order_items->order_items',
        'manyToMany:orders->orders',
        'oneToMany:product_tags->product_tags',
        'manyToMany:tags->tags',
      ]),
    );
    expect(table('tags').relationsByName.get('products')).toMatchObject({ kind: 'manyToMany', junction: { table: 'product_tags' } });
    expect(table('customers').relationsByName.get('orders')).toEqual({
      kind: 'oneToMany',
      name: 'orders',
      target: 'orders',
      columns: [{ from: 'id', to: 'customer_id' }],
      constraint: 'orders_customer_id_fkey',
    });
  });

  it('reads indexes', () => {
    const names = table('orders').indexes.map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['orders_customer_id_idx', 'orders_status_placed_at_idx']));
    expect(table('orders').indexes.find((i) => i.name === 'orders_status_placed_at_idx')?.columns).toEqual(['status', 'placed_at']);
  });

  it('reads the routines with parameters and return types', () => {
    const clv = catalog.procedures.get('customer_lifetime_value');
    expect(clv).toMatchObject({ kind: 'function', returnsSet: false, returnValueType: 'decimal', volatility: 'stable' });
    expect(clv?.parameters).toEqual([
      expect.objectContaining({ name: 'p_customer_id', position: 1, mode: 'in', valueType: 'integer' }),
    ]);
    const byCategory = catalog.procedures.get('products_in_category');
    expect(byCategory?.kind).toBe(fixture().engine === 'mariadb' ? 'procedure' : 'function');
    if (fixture().engine !== 'mariadb') expect(byCategory?.returnsSet).toBe(true);
  });

  it('reads table and column comments', () => {
    expect(table('customers').comment).toEqual(expect.any(String));
    expect(table('customers').columns.some((c) => typeof c.comment === 'string' && c.comment.length > 0)).toBe(true);
  });
});
