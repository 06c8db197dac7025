/**
 * The base compiler: visits IR statements and writes parameterized SQL text (Kysely's
 * default-query-compiler). Engines subclass it and override the hooks: identifier quoting,
 * placeholders, parameter encoding, and the few constructs the engines spell differently (NULLS
 * FIRST/LAST, case-insensitive LIKE, upsert, RETURNING, calls).
 *
 * Rules it enforces: every value is a bound parameter (`addParam`); identifiers come only from
 * IR references (which were resolved against the catalog) and always pass through
 * `quoteIdentifier`; LIMIT/OFFSET are validated non-negative safe integers, written inline.
 *
 * Subqueries (`exists`, `relatedValue`) get private aliases (`__sluice_r1`, …) and open a scope:
 * a column reference resolves to the innermost scope of its table (see the IR's scoping rule), and
 * to the bare table name outside every subquery — so statements without subqueries compile exactly
 * as before, and a self-referencing subquery never confuses its row with the outer one.
 *
 * A writer holds the state of one compilation: create a new one per statement.
 *
 * May import: catalog, query, errors, dialects/dialect.
 */
import type { ValueType } from '../catalog/catalog-types.js';
import type {
  Call,
  ColumnRef,
  Correlation,
  Delete,
  Expr,
  Insert,
  OrderItem,
  Param,
  ParamValue,
  RelatedValue,
  Select,
  SelectItem,
  Statement,
  TableRef,
  Update,
} from '../query/ir.js';
import type { CompiledQuery, DialectCapabilities, StatementTemplate } from './dialect.js';

/** Name of the row-number column of per-partition paging; never a user column (reserved prefix). */
export const ROW_NUMBER_COLUMN = '__sluice_rn';
const PARTITION_ALIAS = '__sluice_p';
/** Alias, row-number column and order-value prefix of DISTINCT ON written with ROW_NUMBER(). */
const DISTINCT_ALIAS = '__sluice_d';
const DISTINCT_NUMBER_COLUMN = '__sluice_dn';
const ORDER_VALUE_PREFIX = '__sluice_o';
/** Prefix of subquery aliases; the reserved `__sluice_` prefix keeps them apart from user names. */
const SUBQUERY_ALIAS = '__sluice_r';

export abstract class SqlWriter {
  private readonly params: unknown[] = [];
  /** The IR node of each parameter, in placeholder order (templates find their slots by it). */
  private readonly paramNodes: Param[] = [];
  /** Open subquery scopes, innermost last: the table each one reads and the alias it has. */
  private readonly scopes: { readonly table: string; readonly alias: string }[] = [];
  private subqueries = 0;

  constructor(protected readonly capabilities: DialectCapabilities) {}

  // ----- hooks ---------------------------------------------------------------------------------

  /** Quotes an identifier, escaping the quote character inside it. */
  protected abstract quoteIdentifier(name: string): string;
  /** The placeholder for the parameter at 1-based `index`. */
  protected abstract placeholder(index: number): string;
  /** Converts a parameter's JSON-form value into what the driver binds. */
  protected abstract encodeParam(value: Param['value'], type: ValueType): unknown;
  /** The left operand of LIKE for a column (PostgreSQL casts non-text columns to text). */
  protected abstract likeOperand(column: ColumnRef): string;
  /** `left ILIKE pattern` or its emulation. */
  protected abstract caseInsensitiveLike(left: string, pattern: string, negated: boolean): string;
  /**
   * One ORDER BY item (or several, where NULLS FIRST/LAST must be emulated). `value` writes the
   * ordered expression, binding its parameters: call it once per time the text appears.
   */
  protected abstract orderItem(value: () => string, item: OrderItem): string;
  /** The ON CONFLICT / ON DUPLICATE KEY clause of an upsert. */
  protected abstract upsertClause(insert: Insert, onConflict: NonNullable<Insert['onConflict']>): string;
  protected abstract call(call: Call): string;
  /** `INSERT INTO t DEFAULT VALUES` or its spelling. */
  protected abstract defaultValuesInsert(into: string): string;
  /** JSON containment (`jsonContains`): the column contains the value, or is contained in it. */
  protected abstract jsonContains(left: ColumnRef, value: Param, direction: 'contains' | 'containedIn'): string;
  /** The column's JSON value has one key (an object key or an array's string element). */
  protected abstract jsonHasKey(left: ColumnRef, key: Param): string;

  /**
   * A select with `distinctOn` (and no per-partition paging). The default keeps the first row of
   * each group with ROW_NUMBER(); PostgreSQL overrides it with DISTINCT ON.
   */
  protected distinctSelect(select: Select, distinctOn: readonly ColumnRef[]): string {
    const { sql, orderColumns } = this.distinctRows(select, distinctOn);
    const alias = this.quoteIdentifier(DISTINCT_ALIAS);
    const names = this.itemNames(select).map((name) => `${alias}.${this.quoteIdentifier(name)}`);
    const order = select.orderBy.map((item, i) => this.orderItem(() => `${alias}.${this.quoteIdentifier(orderColumns[i] as string)}`, item));
    let out = `SELECT ${names.join(', ')} FROM (${sql}) ${alias} WHERE ${alias}.${this.quoteIdentifier(DISTINCT_NUMBER_COLUMN)} = 1`;
    if (order.length > 0) out += ` ORDER BY ${order.join(', ')}`;
    return out + this.limitClause(select.limit, select.offset);
  }

  // ----- entry point ---------------------------------------------------------------------------

  compile(statement: Statement): CompiledQuery {
    const sql = this.statement(statement);
    return Object.freeze({ sql, params: Object.freeze([...this.params]) });
  }

  /** See `Dialect.compileTemplate`. */
  compileTemplate(statement: Statement, slots: readonly Param[]): StatementTemplate {
    const sql = this.statement(statement);
    const params = Object.freeze([...this.params]);
    const bindings: { readonly index: number; readonly slot: number; readonly type: ValueType }[] = [];
    const bound = new Set<number>();
    this.paramNodes.forEach((node, index) => {
      const slot = slots.indexOf(node);
      if (slot < 0) return;
      bindings.push({ index, slot, type: node.type });
      bound.add(slot);
    });
    // A slot missing from the text would run every time with the value it was compiled with.
    if (bound.size !== slots.length) throw new Error(`A template slot does not occur in the statement (${bound.size} of ${slots.length} found)`);
    if (bindings.length === 0) {
      const compiled: CompiledQuery = Object.freeze({ sql, params });
      return { sql, bind: () => compiled };
    }
    return {
      sql,
      bind: (values) => {
        if (values.length !== slots.length) throw new Error(`A template with ${slots.length} slots was bound with ${values.length} values`);
        const run = [...params];
        for (const { index, slot, type } of bindings) run[index] = this.encodeParam(values[slot] as ParamValue, type);
        return { sql, params: run };
      },
    };
  }

  protected statement(statement: Statement): string {
    switch (statement.kind) {
      case 'select':
        return this.select(statement);
      case 'insert':
        return this.insert(statement);
      case 'update':
        return this.update(statement);
      case 'delete':
        return this.delete(statement);
      case 'call':
        return this.call(statement);
    }
  }

  // ----- building blocks -----------------------------------------------------------------------

  protected addParam(param: Param): string {
    this.params.push(this.encodeParam(param.value, param.type));
    this.paramNodes.push(param);
    return this.placeholder(this.params.length);
  }

  protected table(ref: TableRef): string {
    return `${this.quoteIdentifier(ref.schema)}.${this.quoteIdentifier(ref.name)}`;
  }

  protected column(ref: ColumnRef): string {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const scope = this.scopes[i] as { table: string; alias: string };
      if (scope.table === ref.table) return `${this.quoteIdentifier(scope.alias)}.${this.quoteIdentifier(ref.name)}`;
    }
    return `${this.quoteIdentifier(ref.table)}.${this.quoteIdentifier(ref.name)}`;
  }

  /**
   * `SELECT <value> FROM table AS alias WHERE <correlation> AND <where>`, in a new scope. The outer
   * sides of the correlation are written before the scope opens, so they resolve outwards even when
   * the subquery reads the same table. `value` is written first, as parameters bind in text order.
   */
  protected correlatedSelect(
    table: TableRef,
    correlation: readonly Correlation[],
    where: Expr | undefined,
    value: () => string,
  ): string {
    const outer = correlation.map((c) => this.column(c.outer));
    const alias = `${SUBQUERY_ALIAS}${++this.subqueries}`;
    this.scopes.push({ table: table.name, alias });
    try {
      const selected = value();
      const conditions = correlation.map((c, i) => `${this.column(c.inner)} = ${outer[i] as string}`);
      if (where) conditions.push(this.expr(where));
      const filter = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
      return `SELECT ${selected} FROM ${this.table(table)} AS ${this.quoteIdentifier(alias)}${filter}`;
    } finally {
      this.scopes.pop();
    }
  }

  /** A column of this scope, or the scalar subquery of a to-one related row's column. */
  protected orderValue(value: ColumnRef | RelatedValue): string {
    if (value.kind === 'columnRef') return this.column(value);
    return `(${this.correlatedSelect(value.table, value.correlation, value.where, () => this.orderValue(value.value))})`;
  }

  protected integer(value: number, what: string): string {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
    return String(value);
  }

  protected selectItem(item: SelectItem): string {
    if (item.kind === 'column') return this.column(item.column);
    const argument = item.column ? this.column(item.column) : '*';
    return `${item.fn.toUpperCase()}(${argument}) AS ${this.quoteIdentifier(item.alias)}`;
  }

  protected orderByClause(items: readonly OrderItem[]): string {
    return items.length === 0 ? '' : ` ORDER BY ${items.map((i) => this.orderItem(() => this.orderValue(i.column), i)).join(', ')}`;
  }

  protected limitClause(limit: number | undefined, offset: number | undefined): string {
    let sql = '';
    if (limit !== undefined) sql += ` LIMIT ${this.integer(limit, 'limit')}`;
    if (offset !== undefined && offset > 0) {
      // MySQL has no OFFSET without LIMIT; its documented idiom is the largest BIGINT UNSIGNED.
      if (limit === undefined) sql += this.limitForOffsetOnly();
      sql += ` OFFSET ${this.integer(offset, 'offset')}`;
    }
    return sql;
  }

  /** What to write before OFFSET when there is no LIMIT (PostgreSQL: nothing). */
  protected limitForOffsetOnly(): string {
    return '';
  }

  protected returningClause(columns: readonly ColumnRef[], supported: boolean): string {
    if (!supported || columns.length === 0) return '';
    return ` RETURNING ${columns.map((c) => this.quoteIdentifier(c.name)).join(', ')}`;
  }

  // ----- statements ----------------------------------------------------------------------------

  protected select(select: Select): string {
    if (select.limitPerPartition) return this.partitionedSelect(select, select.limitPerPartition);
    if (select.distinctOn && select.distinctOn.length > 0) return this.distinctSelect(select, select.distinctOn);
    return this.plainSelect(select, '');
  }

  /** `SELECT <distinct><items> FROM … WHERE … GROUP BY … ORDER BY … LIMIT …`. */
  protected plainSelect(select: Select, distinct: string): string {
    let sql = `SELECT ${distinct}${select.items.map((i) => this.selectItem(i)).join(', ')} FROM ${this.table(select.from)}`;
    if (select.where) sql += ` WHERE ${this.expr(select.where)}`;
    if (select.groupBy && select.groupBy.length > 0) sql += ` GROUP BY ${select.groupBy.map((c) => this.column(c)).join(', ')}`;
    sql += this.orderByClause(select.orderBy);
    sql += this.limitClause(select.limit, select.offset);
    return sql;
  }

  /**
   * Per-partition paging in one statement: number the rows of each partition with ROW_NUMBER() in
   * the requested order, keep the wanted window, and return them grouped by partition in that order.
   */
  protected partitionedSelect(select: Select, paging: NonNullable<Select['limitPerPartition']>): string {
    if (select.limit !== undefined || select.offset !== undefined) {
      throw new Error('A select with limitPerPartition cannot also have a statement-level limit or offset');
    }
    let sql: string;
    const rowNumberAs = `AS ${this.quoteIdentifier(ROW_NUMBER_COLUMN)}`;
    if (select.distinctOn && select.distinctOn.length > 0) {
      // The first row per (partition, distinct columns) group, then paged per partition.
      const rows = this.distinctRows(select, [...paging.partitionBy, ...select.distinctOn]);
      const d = this.quoteIdentifier(DISTINCT_ALIAS);
      const inD = (name: string) => `${d}.${this.quoteIdentifier(name)}`;
      const order = select.orderBy.map((item, i) => this.orderItem(() => inD(rows.orderColumns[i] as string), item));
      const over = `PARTITION BY ${paging.partitionBy.map((c) => inD(c.name)).join(', ')}${order.length > 0 ? ` ORDER BY ${order.join(', ')}` : ''}`;
      sql = `SELECT ${this.itemNames(select).map(inD).join(', ')}, ROW_NUMBER() OVER (${over}) ${rowNumberAs} FROM (${rows.sql}) ${d} WHERE ${inD(DISTINCT_NUMBER_COLUMN)} = 1`;
    } else {
      const inner = this.itemNames(select).map((_, i) => this.selectItem(select.items[i] as SelectItem));
      const over =
        `PARTITION BY ${paging.partitionBy.map((c) => this.column(c)).join(', ')}` +
        this.orderByClause(select.orderBy);
      sql = `SELECT ${inner.join(', ')}, ROW_NUMBER() OVER (${over}) ${rowNumberAs} FROM ${this.table(select.from)}`;
      if (select.where) sql += ` WHERE ${this.expr(select.where)}`;
    }
    const alias = this.quoteIdentifier(PARTITION_ALIAS);
    const outer = (ref: ColumnRef) => `${alias}.${this.quoteIdentifier(ref.name)}`;
    const names = select.items.map((i) => (i.kind === 'column' ? outer(i.column) : ''));
    const rowNumber = `${alias}.${this.quoteIdentifier(ROW_NUMBER_COLUMN)}`;
    const offset = paging.offset ?? 0;
    const upper = this.integer(offset + paging.limit, 'limit');
    let where = `${rowNumber} <= ${upper}`;
    if (offset > 0) where = `${rowNumber} > ${this.integer(offset, 'offset')} AND ${where}`;
    const partitionOrder = paging.partitionBy.map((c) => `${outer(c)} ASC`).join(', ');
    return `SELECT ${names.join(', ')} FROM (${sql}) ${alias} WHERE ${where} ORDER BY ${partitionOrder}, ${rowNumber} ASC`;
  }

  /** The output names of a select of plain columns (what windowed selects read from their derived table). */
  protected itemNames(select: Select): string[] {
    return select.items.map((i) => {
      if (i.kind !== 'column') throw new Error('Windowed selects (limitPerPartition, distinctOn) support plain columns only');
      return i.column.name;
    });
  }

  /**
   * The rows of `select` numbered within each group of equal `groupBy` values in `orderBy` order,
   * with each ORDER BY value as a column of its own (named in `orderColumns`, in order) so that an
   * enclosing select can order by it: `SELECT items, o1…, ROW_NUMBER() OVER (…) AS dn FROM t WHERE …`.
   * The first row of a group has the number 1.
   */
  protected distinctRows(select: Select, groupBy: readonly ColumnRef[]): { readonly sql: string; readonly orderColumns: readonly string[] } {
    const items = this.itemNames(select).map((_, i) => this.selectItem(select.items[i] as SelectItem));
    const orderColumns = select.orderBy.map((_, i) => `${ORDER_VALUE_PREFIX}${i + 1}`);
    const values = select.orderBy.map((item, i) => `${this.orderValue(item.column)} AS ${this.quoteIdentifier(orderColumns[i] as string)}`);
    const over = `PARTITION BY ${groupBy.map((c) => this.column(c)).join(', ')}${this.orderByClause(select.orderBy)}`;
    let sql = `SELECT ${[...items, ...values].join(', ')}, ROW_NUMBER() OVER (${over}) AS ${this.quoteIdentifier(DISTINCT_NUMBER_COLUMN)} FROM ${this.table(select.from)}`;
    if (select.where) sql += ` WHERE ${this.expr(select.where)}`;
    return { sql, orderColumns };
  }

  protected insert(insert: Insert): string {
    const into = this.table(insert.into);
    let sql: string;
    if (insert.columns.length === 0) {
      if (insert.rows.length !== 1) throw new Error('An insert without columns must insert exactly one row');
      sql = this.defaultValuesInsert(into);
    } else {
      const columns = insert.columns.map((c) => this.quoteIdentifier(c.name)).join(', ');
      const rows = insert.rows.map((row) => {
        if (row.length !== insert.columns.length) throw new Error('Insert row length does not match its column list');
        return `(${row.map((v) => (v.kind === 'default' ? 'DEFAULT' : this.addParam(v))).join(', ')})`;
      });
      sql = `INSERT INTO ${into} (${columns}) VALUES ${rows.join(', ')}`;
    }
    if (insert.onConflict) sql += this.upsertClause(insert, insert.onConflict);
    return sql + this.returningClause(insert.returning, this.capabilities.returning !== 'none');
  }

  protected update(update: Update): string {
    if (update.set.length === 0) throw new Error('An update must set at least one column');
    const assignments = update.set.map(({ column, value }) => {
      const target = this.quoteIdentifier(column.name);
      if (value.kind === 'increment') return `${target} = ${target} + ${this.addParam(value.by)}`;
      if (value.kind === 'default') return `${target} = DEFAULT`;
      return `${target} = ${this.addParam(value)}`;
    });
    let sql = `UPDATE ${this.table(update.table)} SET ${assignments.join(', ')} WHERE ${this.expr(update.where)}`;
    sql += this.returningClause(update.returning, this.capabilities.returning === 'all');
    return sql;
  }

  protected delete(del: Delete): string {
    const sql = `DELETE FROM ${this.table(del.from)} WHERE ${this.expr(del.where)}`;
    return sql + this.returningClause(del.returning, this.capabilities.returning !== 'none');
  }

  // ----- expressions ---------------------------------------------------------------------------

  protected expr(expr: Expr): string {
    switch (expr.kind) {
      case 'and':
      case 'or': {
        if (expr.items.length === 0) return expr.kind === 'and' ? 'TRUE' : 'FALSE';
        const joiner = expr.kind === 'and' ? ' AND ' : ' OR ';
        return `(${expr.items.map((i) => this.expr(i)).join(joiner)})`;
      }
      case 'not':
        return `NOT (${this.expr(expr.item)})`;
      case 'constant':
        return expr.value ? 'TRUE' : 'FALSE';
      case 'compare':
        return `${this.column(expr.left)} ${expr.op} ${this.addParam(expr.right)}`;
      case 'like': {
        const pattern = this.addParam(expr.pattern);
        if (expr.caseInsensitive) return this.caseInsensitiveLike(this.likeOperand(expr.left), pattern, expr.negated);
        return `${this.likeOperand(expr.left)} ${expr.negated ? 'NOT LIKE' : 'LIKE'} ${pattern} ESCAPE '!'`;
      }
      case 'in': {
        if (expr.values.length === 0) return expr.negated ? 'TRUE' : 'FALSE';
        const values = expr.values.map((v) => this.addParam(v)).join(', ');
        return `${this.column(expr.left)} ${expr.negated ? 'NOT IN' : 'IN'} (${values})`;
      }
      case 'tupleIn': {
        if (expr.rows.length === 0) return 'FALSE';
        const [only] = expr.left;
        if (expr.left.length === 1 && only) {
          return `${this.column(only)} IN (${expr.rows.map((r) => this.addParam(r[0] as Param)).join(', ')})`;
        }
        const left = `(${expr.left.map((c) => this.column(c)).join(', ')})`;
        const rows = expr.rows.map((row) => {
          if (row.length !== expr.left.length) throw new Error('tupleIn row length does not match its columns');
          return `(${row.map((v) => this.addParam(v)).join(', ')})`;
        });
        return `${left} IN (${rows.join(', ')})`;
      }
      case 'isNull':
        return `${this.column(expr.operand)} IS ${expr.negated ? 'NOT NULL' : 'NULL'}`;
      case 'between':
        return `${this.column(expr.operand)} ${expr.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${this.addParam(expr.low)} AND ${this.addParam(expr.high)}`;
      case 'jsonContains':
        return this.jsonContains(expr.left, expr.value, expr.direction);
      case 'jsonHasKeys': {
        if (expr.keys.length === 0) return expr.match === 'all' ? 'TRUE' : 'FALSE';
        const tests = expr.keys.map((key) => this.jsonHasKey(expr.left, key));
        return tests.length === 1 ? (tests[0] as string) : `(${tests.join(expr.match === 'all' ? ' AND ' : ' OR ')})`;
      }
      case 'exists':
        return `EXISTS (${this.correlatedSelect(expr.table, expr.correlation, expr.where, () => '1')})`;
    }
  }
}
