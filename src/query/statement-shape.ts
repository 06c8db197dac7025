/**
 * The shape of an IR statement: everything in it but its values. Two statements with the same shape
 * compile to the same SQL text in every dialect, because compilers read a `Param` only to bind its
 * value (sql-writer.ts) and everything else in the IR — references, operators, flags, limits, list
 * lengths — is written into the key. So a statement compiled once can run any statement of its
 * shape, with the other's values in its slots (`Dialect.compileTemplate`); GraphQL list reads keep
 * their plans by shape (graphql/graphql-plans.ts).
 *
 * The key is written generically, over whatever plain data the IR holds, so that a node or field
 * added to the IR later is part of it without anyone remembering to add it here.
 *
 * May import: query/ir.
 */
import type { Param } from './ir.js';

export interface StatementShape {
  /** Equal for two statements exactly when they differ in `Param` values only. */
  readonly key: string;
  /** The statement's `Param` nodes, in the order the key meets them: the same positions for every statement of the shape. */
  readonly slots: readonly Param[];
}

function isParam(node: object): node is Param {
  return (node as { kind?: unknown }).kind === 'param';
}

/**
 * The key of `value`, its `Param` nodes appended to `slots`. Each kind of value has its own mark, and
 * a string is written with its length first, so that no name can pass for structure or a mark. A
 * property that is `undefined` is left out, as compilers treat it as absent. Property names are the
 * IR's own field names, never request text.
 */
function write(value: unknown, slots: Param[]): string {
  if (typeof value === 'string') return `${value.length}"${value}`;
  if (typeof value === 'number') return `#${value};`;
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  if (value === null) return 'N';
  if (typeof value !== 'object') return '~';
  if (Array.isArray(value)) {
    let key = '[';
    for (const item of value) key += write(item, slots);
    return `${key}]`;
  }
  if (isParam(value)) {
    slots.push(value);
    return `?${write(value.type, slots)}`;
  }
  let key = '{';
  for (const name in value) {
    const field = (value as Record<string, unknown>)[name];
    if (field !== undefined) key += `${name}:${write(field, slots)}`;
  }
  return `${key}}`;
}

/** The shape of `statement` (or of any part of one). */
export function statementShape(statement: object): StatementShape {
  const slots: Param[] = [];
  return { key: write(statement, slots), slots };
}
