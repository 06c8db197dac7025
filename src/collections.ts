/**
 * Small collection helpers shared across layers. Leaf module: imports nothing.
 */

/** Items grouped by key, groups in first-seen order, items in input order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Sets `key` in a map bounded to `max` entries: a new key in a full map first drops the oldest (insertion order). */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max && !map.has(key)) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

/**
 * `memo`'s value for `key`, computed on first use and kept; a memo grown to `max` entries starts
 * over (for values that are cheap to compute again, asked for far more often than they are new).
 */
export function memoized<K, V>(memo: Map<K, V>, key: K, max: number, compute: (key: K) => V): V {
  const known = memo.get(key);
  if (known !== undefined || memo.has(key)) return known as V;
  const value = compute(key);
  if (memo.size >= max) memo.clear();
  memo.set(key, value);
  return value;
}
