/**
 * The rule-matching core of role-based access control: given a role's access rules and what a
 * request touches, which rule applies and whether it allows the request. Pure: no I/O, no database.
 *
 * A rule has three parts that decide, and two that ride along:
 * - `serviceName`: `*` (every service), an exact service name (`prod_shop`), or a prefix pattern
 *   (`prod_*`): one trailing `*` that matches zero or more characters, so `prod*` also matches the
 *   service `prod`. The part before the `*` must itself be a valid service name
 *   (`^[A-Za-z][A-Za-z0-9_-]{0,62}$`). Matching is case-sensitive, as service lookup is.
 * - `component`: `*` (everything in the service); `_table/*`, `_proc/*`, `_schema/*` (every table,
 *   procedure or schema entry, including the bare `_table`/`_proc`/`_schema` listing);
 *   `_table/NAME`, `_proc/NAME`, `_schema/NAME` (one object, case-sensitive, NAME taken verbatim
 *   after the first `/` so a table named `a/b` is `_table/a/b`); or `_sql`. A NAME is 1–128
 *   characters (code points), without control characters and without `*` (which would be ambiguous
 *   with the wildcard). Bare `_table`, `_table/`, `_sql/x` and anything else are not rules.
 * - `verbMask`: GET 1, POST 2, PUT 4, PATCH 8, DELETE 16 (all: 31); HEAD is GET. A mask of 0
 *   allows nothing. A request's verb bits must all be held by ONE rule: bits never combine across
 *   rules.
 * - `filter` and `fields` (row filter, column allow-list) are carried to the caller untouched.
 *
 * Deciding: among the rules whose service pattern and component both match the request, the most
 * specific decides — a specific rule can therefore restrict what a broad rule allows. Specificity
 * compares the service first (exact name > longer prefix > shorter prefix > `*`), then the component
 * (`_table/NAME` and `_sql` > `_table/*` > `*`). When several rules tie at the top, the request is
 * allowed if any of them holds every requested bit, and the first such rule (in rule order) is the
 * one returned; otherwise it is denied (`verbNotAllowed`, naming the first top rule). No matching
 * rule at all is `noMatchingRule`.
 *
 * Robustness: `decide` never throws. A stored rule that does not validate (bad pattern, component
 * or mask) never matches and takes no part in specificity. A malformed request target (unknown
 * component, invalid service name, verb bits that are not a non-empty subset of 31) matches no rule
 * / is held by no rule, so it is denied.
 *
 * May import: nothing (leaf module).
 */

/** The bit of each verb in a rule's `verbMask`. */
export const VERB_BITS = Object.freeze({ GET: 1, POST: 2, PUT: 4, PATCH: 8, DELETE: 16 } as const);

/** The mask that allows every verb. */
export const ALL_VERBS = 31;

/** A verb a rule can grant. */
export type HttpVerb = keyof typeof VERB_BITS;

const VERB_ORDER: readonly HttpVerb[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The component that names raw SQL execution. */
export const SQL_COMPONENT = '_sql';

/** The longest NAME a component may carry, in characters (code points). */
const MAX_NAME_LENGTH = 128;

/** Service names appear in URLs (`/api/v1/{service}`); same rule as the configuration's. */
const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * HTTP method → verb bit (HEAD counts as GET); undefined for methods rules cannot grant (OPTIONS,
 * TRACE, CONNECT, unknown). Case-insensitive.
 */
export function verbBit(method: string): number | undefined {
  if (typeof method !== 'string') return undefined;
  const upper = method.toUpperCase();
  if (upper === 'HEAD') return VERB_BITS.GET;
  return Object.hasOwn(VERB_BITS, upper) ? VERB_BITS[upper as HttpVerb] : undefined;
}

/** Names of the verbs in a mask, in bit order, e.g. 9 → ['GET', 'PATCH']; bits above 16 are ignored. */
export function verbNames(mask: number): HttpVerb[] {
  if (!Number.isSafeInteger(mask) || mask < 0) return [];
  return VERB_ORDER.filter((verb) => (mask & VERB_BITS[verb]) !== 0);
}

/** One access rule of a role, as stored. */
export interface AccessRule {
  /** `*`, an exact service name, or a prefix pattern with one trailing `*` (`prod_*`). */
  readonly serviceName: string;
  /** `*`, `_table/*`, `_table/NAME`, `_proc/*`, `_proc/NAME`, `_schema/*`, `_schema/NAME` or `_sql`. */
  readonly component: string;
  /** OR of VERB_BITS; 0 allows nothing, 31 everything. */
  readonly verbMask: number;
  /** A row filter, opaque here. */
  readonly filter?: string;
  /** A column allow-list, opaque here. */
  readonly fields?: readonly string[];
}

/** What a request touches: the component path as the REST API names it. */
export interface RequestTarget {
  readonly service: string;
  /** '_table' (listing), '_table/NAME', '_proc', '_proc/NAME', '_schema', '_schema/NAME', '_sql' */
  readonly component: string;
  /** OR of the VERB_BITS the request needs (usually one, from `verbBit`). */
  readonly verbBits: number;
}

/** The outcome of `decide`; `index` is the deciding rule's position in the rules given. */
export type RuleDecision =
  | { readonly allowed: true; readonly rule: AccessRule; readonly index: number }
  | {
      readonly allowed: false;
      readonly reason: 'noMatchingRule' | 'verbNotAllowed';
      readonly rule?: AccessRule;
      readonly index?: number;
    };

// ---------------------------------------------------------------------------------------------
// Parsing

type Family = 'table' | 'procedure' | 'schema';

const FAMILY_PREFIX: Readonly<Record<Family, string>> = { table: '_table', procedure: '_proc', schema: '_schema' };
const FAMILY_OF_PREFIX: ReadonlyMap<string, Family> = new Map([
  ['_table', 'table'],
  ['_proc', 'procedure'],
  ['_schema', 'schema'],
]);

/** A rule's component, parsed. */
type RuleComponent =
  | { readonly kind: 'everything' } // '*'
  | { readonly kind: 'family'; readonly family: Family } // '_table/*'
  | { readonly kind: 'named'; readonly family: Family; readonly name: string } // '_table/NAME'
  | { readonly kind: 'sql' }; // '_sql'

/** A request's component, parsed. */
type TargetComponent =
  | { readonly kind: 'listing'; readonly family: Family } // '_table'
  | { readonly kind: 'named'; readonly family: Family; readonly name: string } // '_table/NAME'
  | { readonly kind: 'sql' }; // '_sql'

/** A rule's service pattern, parsed; `*` is the prefix pattern with an empty prefix. */
type ServicePattern = { readonly kind: 'exact'; readonly name: string } | { readonly kind: 'prefix'; readonly prefix: string };

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

/** Splits at the first `/`: `_table/a/b` → ['_table', 'a/b']; no slash → [text, undefined]. */
function splitComponent(text: string): readonly [string, string | undefined] {
  const slash = text.indexOf('/');
  return slash < 0 ? [text, undefined] : [text.slice(0, slash), text.slice(slash + 1)];
}

function parseServicePattern(pattern: unknown): Parsed<ServicePattern> {
  if (typeof pattern !== 'string') return fail('Service pattern must be a string');
  if (pattern === '') return fail('Service pattern is empty; use `*` for every service');
  if (pattern === '*') return ok({ kind: 'prefix', prefix: '' });
  const star = pattern.indexOf('*');
  if (star >= 0 && star !== pattern.length - 1) {
    return fail(`Service pattern '${pattern}' may only contain one '*', at the end (a prefix pattern such as 'prod_*')`);
  }
  const name = star < 0 ? pattern : pattern.slice(0, -1);
  if (!SERVICE_NAME.test(name)) {
    return fail(
      `Service pattern '${pattern}' is not ${star < 0 ? 'a valid service name' : 'a valid service name prefix followed by *'}: ` +
        'a letter, then letters, digits, _ or -, at most 63 characters',
    );
  }
  return ok(star < 0 ? { kind: 'exact', name } : { kind: 'prefix', prefix: name });
}

const VALID_COMPONENTS = "'*', '_table/*', '_table/NAME', '_proc/*', '_proc/NAME', '_schema/*', '_schema/NAME' or '_sql'";

function nameProblem(name: string): string | undefined {
  if (name.includes('*')) return "may not contain '*' (use '/*' alone for every object)";
  if (CONTROL_CHARACTER.test(name)) return 'may not contain control characters';
  // Code units bound code points from above: only count when the cheap bound is exceeded.
  if (name.length > MAX_NAME_LENGTH && Array.from(name).length > MAX_NAME_LENGTH) {
    return `is longer than ${MAX_NAME_LENGTH} characters`;
  }
  return undefined;
}

function parseRuleComponent(component: unknown): Parsed<RuleComponent> {
  if (typeof component !== 'string') return fail('Component must be a string');
  if (component === '*') return ok({ kind: 'everything' });
  if (component === SQL_COMPONENT) return ok({ kind: 'sql' });
  const [head, rest] = splitComponent(component);
  if (head === SQL_COMPONENT) return fail(`Component '${component}' is invalid: '_sql' takes no name`);
  const family = FAMILY_OF_PREFIX.get(head);
  if (family === undefined) return fail(`Component '${component}' is invalid: expected ${VALID_COMPONENTS}`);
  if (rest === undefined) return fail(`Component '${component}' is invalid: use '${head}/*' to cover the listing and every object`);
  if (rest === '') return fail(`Component '${component}' names nothing: use '${head}/*' for every object, or '${head}/NAME'`);
  if (rest === '*') return ok({ kind: 'family', family });
  const problem = nameProblem(rest);
  if (problem !== undefined) return fail(`Component '${component}' is invalid: the name ${problem}`);
  return ok({ kind: 'named', family, name: rest });
}

/**
 * A request's component. Lenient on names (any non-empty text: the object exists in the database,
 * whatever it is called) — a name a rule cannot spell is simply reachable only through wildcards.
 */
function parseTargetComponent(component: unknown): TargetComponent | undefined {
  if (typeof component !== 'string') return undefined;
  if (component === SQL_COMPONENT) return { kind: 'sql' };
  const [head, rest] = splitComponent(component);
  const family = FAMILY_OF_PREFIX.get(head);
  if (family === undefined) return undefined;
  if (rest === undefined) return { kind: 'listing', family };
  return rest === '' ? undefined : { kind: 'named', family, name: rest };
}

// ---------------------------------------------------------------------------------------------
// Matching and specificity

interface ParsedRule {
  readonly service: ServicePattern;
  readonly component: RuleComponent;
  readonly verbMask: number;
}

function parseRule(rule: unknown): ParsedRule | undefined {
  if (typeof rule !== 'object' || rule === null) return undefined;
  const { serviceName, component, verbMask } = rule as Partial<Record<keyof AccessRule, unknown>>;
  if (typeof verbMask !== 'number' || validateVerbMask(verbMask) !== undefined) return undefined;
  const service = parseServicePattern(serviceName);
  if (!service.ok) return undefined;
  const parsedComponent = parseRuleComponent(component);
  if (!parsedComponent.ok) return undefined;
  return { service: service.value, component: parsedComponent.value, verbMask };
}

function serviceMatches(pattern: ServicePattern, service: string): boolean {
  return pattern.kind === 'exact' ? pattern.name === service : service.startsWith(pattern.prefix);
}

function componentMatches(rule: RuleComponent, target: TargetComponent): boolean {
  switch (rule.kind) {
    case 'everything':
      return true;
    case 'sql':
      return target.kind === 'sql';
    case 'family':
      return target.kind !== 'sql' && target.family === rule.family;
    case 'named':
      return target.kind === 'named' && target.family === rule.family && target.name === rule.name;
  }
}

/** Service: 0 `*`, 1 prefix, 2 exact. */
function serviceRank(pattern: ServicePattern): readonly [number, number] {
  if (pattern.kind === 'exact') return [2, pattern.name.length];
  return pattern.prefix === '' ? [0, 0] : [1, pattern.prefix.length];
}

/** Component: 0 `*`, 1 a whole family, 2 one object or `_sql`. */
function componentRank(component: RuleComponent): number {
  switch (component.kind) {
    case 'everything':
      return 0;
    case 'family':
      return 1;
    case 'named':
    case 'sql':
      return 2;
  }
}

function specificityOf(rule: ParsedRule): readonly [number, number, number] {
  const [kind, length] = serviceRank(rule.service);
  return [kind, length, componentRank(rule.component)];
}

/** One number ordered like the specificity tuple (length < 64, component rank < 3). */
function score(rule: ParsedRule): number {
  const [kind, length, component] = specificityOf(rule);
  return (kind * 64 + length) * 4 + component;
}

/** The specificity of an invalid rule: below every valid one. */
const UNMATCHABLE: readonly number[] = Object.freeze([-1, -1, -1]);

/**
 * A sortable specificity key: `[service kind, prefix length, component rank]`, compared
 * lexicographically (`compareSpecificity`); greater is more specific. Service kind is 0 for `*`,
 * 1 for a prefix pattern, 2 for an exact name (whose "prefix length" is the name's length);
 * component rank is 0 for `*`, 1 for `_table/*` (and the like), 2 for `_table/NAME` or `_sql`.
 * A rule that does not validate gets `[-1, -1, -1]`.
 */
export function specificity(rule: AccessRule): readonly number[] {
  const parsed = parseRule(rule);
  return parsed === undefined ? UNMATCHABLE : specificityOf(parsed);
}

/**
 * Lexicographic comparison of two specificity keys, usable as a sort comparator: negative when `a`
 * is less specific than `b`, 0 when they tie, positive when `a` is more specific.
 */
export function compareSpecificity(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const left = a[i] as number;
    const right = b[i] as number;
    if (left !== right) return left < right ? -1 : 1;
  }
  return a.length - b.length;
}

function isValidVerbBits(bits: unknown): bits is number {
  return typeof bits === 'number' && Number.isInteger(bits) && bits > 0 && bits <= ALL_VERBS;
}

/** Whether a rule's service pattern and component match the target (verbs aside). Never throws. */
export function ruleMatches(rule: AccessRule, target: RequestTarget): boolean {
  const parsed = parseRule(rule);
  if (parsed === undefined || typeof target !== 'object' || target === null) return false;
  const { service } = target;
  const component = parseTargetComponent(target.component);
  return (
    component !== undefined && typeof service === 'string' && SERVICE_NAME.test(service) && matches(parsed, service, component)
  );
}

function matches(rule: ParsedRule, service: string, component: TargetComponent): boolean {
  return serviceMatches(rule.service, service) && componentMatches(rule.component, component);
}

const NO_MATCHING_RULE: RuleDecision = Object.freeze({ allowed: false, reason: 'noMatchingRule' });

/**
 * Which rule decides a request, and whether it allows it: the most specific matching rule (see the
 * module comment); among equally specific ones, the first that holds every requested bit. One pass
 * over the rules; never throws.
 */
export function decide(rules: readonly AccessRule[], target: RequestTarget): RuleDecision {
  if (!Array.isArray(rules) || typeof target !== 'object' || target === null) return NO_MATCHING_RULE;
  const { service, verbBits } = target;
  const component = parseTargetComponent(target.component);
  if (component === undefined || typeof service !== 'string' || !SERVICE_NAME.test(service)) return NO_MATCHING_RULE;
  const bitsValid = isValidVerbBits(verbBits);

  let bestScore = -1;
  let bestIndex = -1; // first rule at the best score
  let allowingIndex = -1; // first rule at the best score holding every bit
  for (let index = 0; index < rules.length; index++) {
    const parsed = parseRule(rules[index]);
    if (parsed === undefined || !matches(parsed, service, component)) continue;
    const ruleScore = score(parsed);
    if (ruleScore < bestScore) continue;
    const holds = bitsValid && (parsed.verbMask & verbBits) === verbBits;
    if (ruleScore > bestScore) {
      bestScore = ruleScore;
      bestIndex = index;
      allowingIndex = holds ? index : -1;
    } else if (allowingIndex < 0 && holds) {
      allowingIndex = index;
    }
  }

  if (allowingIndex >= 0) return { allowed: true, rule: rules[allowingIndex] as AccessRule, index: allowingIndex };
  if (bestIndex >= 0) return { allowed: false, reason: 'verbNotAllowed', rule: rules[bestIndex] as AccessRule, index: bestIndex };
  return NO_MATCHING_RULE;
}

// ---------------------------------------------------------------------------------------------
// Building targets and validating rules

/**
 * The request component for an object: `componentFor('table')` → `'_table'` (the listing),
 * `componentFor('table', 'orders')` → `'_table/orders'`; `procedure` → `_proc`, `schema` → `_schema`.
 * The name is used verbatim (`'a/b'` → `'_table/a/b'`).
 */
export function componentFor(kind: 'table' | 'procedure' | 'schema', name?: string): string {
  const prefix = FAMILY_PREFIX[kind];
  return name === undefined ? prefix : `${prefix}/${name}`;
}

/**
 * Validates a rule's service pattern (`*`, an exact service name, or a name prefix followed by one
 * `*`): undefined when valid, else a message naming the problem.
 */
export function validateServicePattern(pattern: string): string | undefined {
  const parsed = parseServicePattern(pattern);
  return parsed.ok ? undefined : parsed.message;
}

/** Validates a rule's component (see the module comment): undefined when valid, else a message. */
export function validateComponent(component: string): string | undefined {
  const parsed = parseRuleComponent(component);
  return parsed.ok ? undefined : parsed.message;
}

/** Validates a rule's verb mask, an integer 0..31: undefined when valid, else a message. */
export function validateVerbMask(mask: number): string | undefined {
  if (typeof mask !== 'number' || !Number.isInteger(mask) || mask < 0 || mask > ALL_VERBS) {
    return `Verb mask must be an integer from 0 to ${ALL_VERBS} (GET 1, POST 2, PUT 4, PATCH 8, DELETE 16)`;
  }
  return undefined;
}
