/**
 * The syntax tree of the Faucet/DreamFactory filter grammar, before names are resolved against a
 * catalog. `filter-parser.ts` produces it from text; `resolve-filter.ts` turns it into IR `Expr`
 * (checking every column and value type). Also the trees of the `order` and `fields` parameters,
 * which share the lexer.
 *
 * Every node carries the 0-based character `position` of its first token, for error messages.
 *
 * Pure types. Imports nothing.
 */

/** A column name, optionally qualified `table.column`. Quoted forms (`"Name"`, `` `Name` ``) keep their case. */
export interface Identifier {
  readonly kind: 'identifier';
  readonly table?: string;
  readonly name: string;
  readonly position: number;
}

/**
 * Literal values. Numbers keep their source text (`-12.50`, `9007199254740993`) so that bigint and
 * decimal values are never rounded through a JavaScript number.
 */
export type Literal =
  | { readonly kind: 'string'; readonly value: string; readonly position: number }
  | { readonly kind: 'number'; readonly text: string; readonly position: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly position: number }
  | { readonly kind: 'null'; readonly position: number };

export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';

/**
 * `LIKE` keeps the user's pattern as written (`%`/`_` are wildcards); `contains`, `startsWith` and
 * `endsWith` take a plain value whose own `%`/`_` are matched literally.
 */
export type MatchMode = 'like' | 'contains' | 'startsWith' | 'endsWith';

export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly items: readonly FilterNode[]; readonly position: number }
  | { readonly kind: 'not'; readonly item: FilterNode; readonly position: number }
  | {
      readonly kind: 'compare';
      readonly column: Identifier;
      /** `!=` is normalised to `<>`. */
      readonly op: ComparisonOperator;
      readonly value: Literal;
      readonly position: number;
    }
  | {
      readonly kind: 'match';
      readonly column: Identifier;
      readonly mode: MatchMode;
      readonly value: Literal;
      readonly negated: boolean;
      readonly position: number;
    }
  | {
      readonly kind: 'in';
      readonly column: Identifier;
      readonly values: readonly Literal[];
      readonly negated: boolean;
      readonly position: number;
    }
  | { readonly kind: 'isNull'; readonly column: Identifier; readonly negated: boolean; readonly position: number }
  | {
      readonly kind: 'between';
      readonly column: Identifier;
      readonly low: Literal;
      readonly high: Literal;
      readonly negated: boolean;
      readonly position: number;
    };

export interface OrderTerm {
  readonly column: Identifier;
  readonly direction: 'asc' | 'desc';
  readonly nulls?: 'first' | 'last';
}

/** Limits that keep a hostile filter from costing more than a normal one. */
export interface FilterLimits {
  /** Maximum length of the filter text, in characters. */
  readonly maxLength: number;
  /** Maximum nesting depth of parentheses and NOT. */
  readonly maxDepth: number;
  /** Maximum number of values in one IN list. */
  readonly maxInListSize: number;
  /** Maximum number of predicates (comparisons, IN, IS NULL, …) in one filter. */
  readonly maxPredicates: number;
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = Object.freeze({
  maxLength: 8192,
  maxDepth: 32,
  maxInListSize: 1000,
  maxPredicates: 256,
});
