import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { namePart, procedureComponent, tableComponent } from '../../../src/openapi/names.js';

const COMPONENT_NAME = /^[a-zA-Z0-9._-]+$/;

describe('OpenAPI component names', () => {
  it('keeps plain SQL names readable and escapes everything else as -HH bytes', () => {
    expect(tableComponent('shop', 'order_items')).toBe('shop.table.order_items');
    expect(tableComponent('shop', 'order_items', 'insert')).toBe('shop.table.order_items.insert');
    expect(procedureComponent('my-db', 'calc.total')).toBe('my-2Ddb.proc.calc-2Etotal.args');
    expect(namePart('odd name/é')).toBe('odd-20name-2F-C3-A9');
  });

  it('is a valid component name and never contains a dot, for any name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (name) => {
        const part = namePart(name);
        expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(tableComponent(name, name)).toMatch(COMPONENT_NAME);
      }),
    );
  });

  it('is injective: different names never share a component', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        fc.pre(a !== b);
        expect(namePart(a)).not.toBe(namePart(b));
      }),
    );
    // The escape character itself and look-alikes of escapes stay apart.
    const tricky = ['-', '-2D', ' ', '-20', 'a b', 'a-20b', 'a.b', 'a-2Eb'];
    expect(new Set(tricky.map(namePart)).size).toBe(tricky.length);
  });
});
