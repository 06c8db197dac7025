/**
 * The loader's key text: parents and loaded rows must meet under the same text whatever form the
 * driver gave each key part in, and different keys must never meet.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyString } from '../../../src/executor/relation-loader.js';

describe('relation loader keys', () => {
  it('matches an integer key given as a number and as a string (int4 against int8)', () => {
    expect(keyString([42])).toBe(keyString(['42']));
    expect(keyString([42, 'a'])).toBe(keyString(['42', 'a']));
    expect(keyString([9007199254740993n])).toBe(keyString(['9007199254740993']));
  });

  it('tells different keys of the same shape apart', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(keyString([a])).not.toBe(keyString([b]));
      }),
    );
    fc.assert(
      fc.property(fc.tuple(fc.string(), fc.integer()), fc.tuple(fc.string(), fc.integer()), (a, b) => {
        fc.pre(a[0] !== b[0] || a[1] !== b[1]);
        expect(keyString(a)).not.toBe(keyString(b));
      }),
    );
    expect(keyString([{ a: 1 }])).not.toBe(keyString([{ a: 2 }]));
  });
});
