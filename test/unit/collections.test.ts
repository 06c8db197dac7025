/**
 * The bounded maps shared by the request path's memos and caches (src/collections.ts).
 */
import { describe, expect, it } from 'vitest';
import { memoized, setBounded } from '../../src/collections.js';

describe('setBounded', () => {
  it('drops the oldest entry when a new key arrives in a full map, and only then', () => {
    const map = new Map([['a', 1], ['b', 2]]);
    setBounded(map, 'b', 20, 2); // an existing key: nothing dropped
    expect([...map]).toEqual([['a', 1], ['b', 20]]);
    setBounded(map, 'c', 3, 2);
    expect([...map]).toEqual([['b', 20], ['c', 3]]);
  });
});

describe('memoized', () => {
  it('computes a value once, keeps undefined values too, and starts over when full', () => {
    const memo = new Map<string, number | undefined>();
    const calls: string[] = [];
    const compute = (key: string) => {
      calls.push(key);
      return key === 'none' ? undefined : key.length;
    };
    expect(memoized(memo, 'abc', 2, compute)).toBe(3);
    expect(memoized(memo, 'abc', 2, compute)).toBe(3);
    expect(memoized(memo, 'none', 2, compute)).toBeUndefined();
    expect(memoized(memo, 'none', 2, compute)).toBeUndefined();
    expect(calls).toEqual(['abc', 'none']);
    expect(memoized(memo, 'de', 2, compute)).toBe(2);
    expect([...memo.keys()]).toEqual(['de']);
  });
});
