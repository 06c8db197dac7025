/**
 * Statement plans of GraphQL read fields (what Hasura's plan cache does, kept by the resolvers): a
 * field's authorized statement, compiled once and reused by later requests of the same caller view,
 * so that a request asking what an earlier one asked builds no IR, applies no grant and compiles no
 * SQL: its own values are bound to the kept statement and it runs. The SQL text is then the same
 * string object every time, which is also what the drivers' prepared statements are found by.
 *
 * What a plan depends on, and so what it is kept by:
 * - the schema (one per catalog and visibility): each field of a schema keeps its own plans;
 * - the grants its statement was authorized with: the caller view's, which the handler presets for
 *   every request of the view (graphql-handler.ts). `GraphqlContext.planScope` is that view's grant
 *   map; plans are kept per scope, weakly, so a view built for one request only (a role whose row
 *   filters read the caller's claims) takes its plans along when it goes;
 * - the field's arguments: by-key reads bind them (the key's values are the plan's slots, which the
 *   statement's text does not depend on). List reads keep a plan per statement shape (see
 *   query/statement-shape.ts: the statement its arguments make, values left out), whose slots take
 *   each request's values: arguments that differ only in values (a variable's value, most often)
 *   share one plan, while those that shape the text (an `_in` list's length, `_is_null`, `limit`)
 *   get their own. In front of that, the arguments seen last are remembered with their plan and
 *   values, so that repeating them builds no statement at all. Connections (`T_connection`) keep
 *   theirs by shape as well: a cursor's values are slots of the page's keyset condition;
 * - the dialect: a plan is compiled again if another executor's dialect meets it (Executor.runPlan).
 *
 * A request without a plan scope builds its statement as before, and failures (a refused grant, a
 * bad value) are never kept: only statements that were authorized become plans.
 *
 * May import: executor, query, collections, graphql-scalars (types).
 */
import { setBounded } from '../collections.js';
import type { StatementPlan } from '../executor/executor.js';
import type { ParamValue } from '../query/ir.js';
import type { GraphqlContext } from './graphql-scalars.js';

/** Plans per field and caller view: a screen's few distinct reads of a table fit many times over. */
const MAX_PLANS_PER_VIEW = 100;

/** A list read's arguments as the plan of their statement's shape and the values its slots take. */
export interface BoundPlan {
  readonly plan: StatementPlan;
  readonly values: readonly ParamValue[];
}

/** The plans of one field (or what it keeps with them), by caller view (`GraphqlContext.planScope`) and key. */
export class FieldPlans<Kept = StatementPlan> {
  readonly #byScope = new WeakMap<object, Map<string, Kept>>();

  constructor(private readonly maxPerView: number = MAX_PLANS_PER_VIEW) {}

  /** The plan kept for `key` under the request's view, if any. */
  find(gctx: GraphqlContext, key: string): Kept | undefined {
    return gctx.planScope ? this.#byScope.get(gctx.planScope)?.get(key) : undefined;
  }

  /** Keeps `plan` for `key` under the request's view (nothing without a view); the oldest go past the bound. */
  keep(gctx: GraphqlContext, key: string, plan: Kept): void {
    const scope = gctx.planScope;
    if (!scope) return;
    let plans = this.#byScope.get(scope);
    if (!plans) {
      plans = new Map();
      this.#byScope.set(scope, plans);
    }
    setBounded(plans, key, plan, this.maxPerView);
  }
}

/**
 * The key of a list read's arguments: their JSON. Coerced GraphQL arguments are JSON values (the
 * scalars parse to strings, numbers, booleans and JSON), in the order of the field's arguments, so
 * equal arguments give equal keys. (An absent argument and an explicit null get different keys, and
 * so separate plans of the same statement.)
 */
export function argumentsKey(args: object): string {
  return JSON.stringify(args);
}
