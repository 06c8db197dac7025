/**
 * The query IR: what every surface (REST, GraphQL, MCP) builds and every dialect compiles.
 *
 * Nodes are frozen, `kind`-tagged plain data (Kysely operation nodes; PostgREST plan types). They
 * name only things that exist: `TableRef`/`ColumnRef` are made by `catalog/resolve.ts` and
 * `ir-factories.ts` from catalog objects, never from raw request strings. Every value is a `Param`
 * and reaches the database as a bound parameter.
 *
 * Subqueries (`exists`, `relatedValue`) open a scope: inside one — its correlations' `inner` side,
 * its `where` and anything nested in it — a `ColumnRef` whose `table` is the subquery's table means
 * the subquery's row, exactly like SQL's own name resolution; other references resolve outwards to
 * the nearest enclosing scope with that table. Only a correlation's `outer` side reaches past a
 * same-named scope, which is what makes self-references (`categories.parent_id → categories.id`)
 * expressible without aliases in the IR: the compilers give each subquery a private alias.
 *
 * May import: catalog.
 */
import type { ValueType } from '../catalog/catalog-types.js';

export interface TableRef {
  readonly kind: 'tableRef';
  readonly schema: string;
  readonly name: string;
}

export interface ColumnRef {
  readonly kind: 'columnRef';
  /** The SQL name of the table the column belongs to (used to qualify it). */
  readonly table: string;
  readonly name: string;
  /** Carried so compilers can cast and codecs can decode without a catalog lookup. */
  readonly valueType: ValueType;
}

/** A JSON-compatible value, as bound to a parameter. */
export type ParamValue = string | number | boolean | null | readonly ParamValue[] | { readonly [key: string]: ParamValue };

export interface Param {
  readonly kind: 'param';
  readonly value: ParamValue;
  /** The type of the column the value is compared with or written to. */
  readonly type: ValueType;
}

/**
 * One equality that ties a subquery's row to the enclosing row: `inner` is a column of the
 * subquery's table, `outer` a column of the enclosing scope (for a foreign key, one column pair).
 */
export interface Correlation {
  readonly outer: ColumnRef;
  readonly inner: ColumnRef;
}

/**
 * `EXISTS (SELECT 1 FROM table WHERE <correlation> AND <where>)`: the enclosing row has a related row
 * in `table` (matching `where`, a condition on `table`). Filters through relations: many-to-one,
 * one-to-many and one-to-one are one `exists`; many-to-many is an `exists` on the junction whose
 * `where` is an `exists` on the target.
 */
export interface Exists {
  readonly kind: 'exists';
  readonly table: TableRef;
  readonly correlation: readonly Correlation[];
  readonly where?: Expr;
}

/**
 * `(SELECT value FROM table WHERE <correlation> AND <where>)`: a column of the related row of a to-one
 * relation (many-to-one, or one-to-one), or NULL when there is none. Only for to-one relations,
 * where the correlation matches at most one row; `value` may itself be one, for paths of to-one hops.
 */
export interface RelatedValue {
  readonly kind: 'relatedValue';
  readonly table: TableRef;
  readonly correlation: readonly Correlation[];
  /** A condition on `table`; `applyGrant` puts the related table's row filter here. */
  readonly where?: Expr;
  readonly value: ColumnRef | RelatedValue;
}

export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { readonly kind: 'and' | 'or'; readonly items: readonly Expr[] }
  | { readonly kind: 'not'; readonly item: Expr }
  | { readonly kind: 'constant'; readonly value: boolean }
  | { readonly kind: 'compare'; readonly left: ColumnRef; readonly op: CompareOp; readonly right: Param }
  | {
      readonly kind: 'like';
      readonly left: ColumnRef;
      /** A LIKE pattern in which `!` is the escape character (see `escapeLikePattern`). */
      readonly pattern: Param;
      readonly negated: boolean;
      readonly caseInsensitive: boolean;
    }
  | { readonly kind: 'in'; readonly left: ColumnRef; readonly values: readonly Param[]; readonly negated: boolean }
  /** `(a, b) IN ((1, 2), (3, 4))` — composite keys and relation batching. */
  | { readonly kind: 'tupleIn'; readonly left: readonly ColumnRef[]; readonly rows: readonly (readonly Param[])[] }
  | { readonly kind: 'isNull'; readonly operand: ColumnRef; readonly negated: boolean }
  | { readonly kind: 'between'; readonly operand: ColumnRef; readonly low: Param; readonly high: Param; readonly negated: boolean }
  /**
   * JSON containment: the column's value contains `value` (`contains`, PostgreSQL `@>`) or is
   * contained in it (`containedIn`, `<@`); MySQL spells both with JSON_CONTAINS. `value` is a json Param.
   */
  | { readonly kind: 'jsonContains'; readonly left: ColumnRef; readonly value: Param; readonly direction: 'contains' | 'containedIn' }
  /**
   * The column's JSON value has the string keys (top-level object keys or array string elements,
   * PostgreSQL `?|` / `?&`): any of them (`any`) or all of them (`all`). `keys` are string Params.
   */
  | { readonly kind: 'jsonHasKeys'; readonly left: ColumnRef; readonly keys: readonly Param[]; readonly match: 'any' | 'all' }
  | Exists;

export type ExprKind = Expr['kind'];

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max';

export type SelectItem =
  | { readonly kind: 'column'; readonly column: ColumnRef }
  | {
      readonly kind: 'aggregate';
      readonly fn: AggregateFunction;
      /** Absent for `count(*)`. */
      readonly column?: ColumnRef;
      /** The output name, e.g. `count` or `sum_total`. */
      readonly alias: string;
    };

export interface OrderItem {
  /** A column of the statement's table, or of the related row of a to-one relation. */
  readonly column: ColumnRef | RelatedValue;
  readonly direction: 'asc' | 'desc';
  /** Absent: the engine's default (PostgreSQL: NULLS LAST for ASC; MySQL: NULLs first for ASC). */
  readonly nulls?: 'first' | 'last';
}

export interface Select {
  readonly kind: 'select';
  readonly from: TableRef;
  readonly items: readonly SelectItem[];
  readonly where?: Expr;
  readonly groupBy?: readonly ColumnRef[];
  readonly orderBy: readonly OrderItem[];
  readonly limit?: number;
  readonly offset?: number;
  /**
   * Per-partition paging for relation loads: at most `limit` rows (after `offset`) per distinct
   * value of `partitionBy`, in `orderBy` order, computed with a window function in one statement.
   * When set, the statement-level `limit`/`offset` must be absent.
   */
  readonly limitPerPartition?: { readonly partitionBy: readonly ColumnRef[]; readonly limit: number; readonly offset?: number };
  /**
   * `DISTINCT ON (columns)`: of each group of rows equal on these columns, only the first in
   * `orderBy` order (NULLs are equal here). `orderBy` must start with exactly these columns, in any
   * order. With `limitPerPartition`, groups are taken per partition. PostgreSQL compiles it natively;
   * MySQL/MariaDB with ROW_NUMBER() OVER (PARTITION BY columns ORDER BY …) = 1.
   */
  readonly distinctOn?: readonly ColumnRef[];
}

/** `DEFAULT` in an INSERT row: the column is omitted for this row but given for another. */
export interface DefaultValue {
  readonly kind: 'default';
}

export interface Insert {
  readonly kind: 'insert';
  readonly into: TableRef;
  readonly columns: readonly ColumnRef[];
  /** One entry per row, each in `columns` order. */
  readonly rows: readonly (readonly (Param | DefaultValue)[])[];
  /** Columns to return; dialects without RETURNING support compile without it (see capabilities). */
  readonly returning: readonly ColumnRef[];
  readonly onConflict?: {
    /** The unique key the conflict is detected on (PostgreSQL needs it; MySQL uses any unique key). */
    readonly target: readonly ColumnRef[];
    /** Columns overwritten with the proposed row's values; empty means DO NOTHING. */
    readonly update: readonly ColumnRef[];
    /**
     * Overwrite only existing rows matching this condition (on the table's columns), else keep them
     * (`DO UPDATE … WHERE`). PostgreSQL only: the MySQL compiler refuses it.
     */
    readonly where?: Expr;
  };
}

/** A new value, an increment, or the column's default (full-record replacement resets omitted columns). */
export type SetValue = Param | DefaultValue | { readonly kind: 'increment'; readonly by: Param };

export interface Update {
  readonly kind: 'update';
  readonly table: TableRef;
  readonly set: readonly { readonly column: ColumnRef; readonly value: SetValue }[];
  /** Required: a full-table update must say so with `{kind: 'constant', value: true}`. */
  readonly where: Expr;
  readonly returning: readonly ColumnRef[];
}

export interface Delete {
  readonly kind: 'delete';
  readonly from: TableRef;
  /** Required: a full-table delete must say so with `{kind: 'constant', value: true}`. */
  readonly where: Expr;
  readonly returning: readonly ColumnRef[];
}

export interface Call {
  readonly kind: 'call';
  readonly schema: string;
  readonly procedure: string;
  readonly procedureKind: 'function' | 'procedure';
  /** True for set-returning functions: compiled as `SELECT * FROM f(...)`. */
  readonly returnsSet: boolean;
  /**
   * Positional, in declared parameter order. `dbType` is the parameter's type as the catalog reports
   * it (never request text): PostgreSQL casts each argument to it so overloads resolve.
   */
  readonly args: readonly { readonly value: Param; readonly dbType: string }[];
  /** The result columns when the catalog knows them (scalar result, OUT parameters, SETOF a table), for decoding. */
  readonly returns?: readonly { readonly name: string; readonly valueType: ValueType }[];
}

export type Statement = Select | Insert | Update | Delete | Call;
export type StatementKind = Statement['kind'];
