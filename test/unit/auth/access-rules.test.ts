import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_VERBS,
  compareSpecificity,
  componentFor,
  decide,
  ruleMatches,
  SQL_COMPONENT,
  specificity,
  validateComponent,
  validateServicePattern,
  validateVerbMask,
  VERB_BITS,
  verbBit,
  verbNames,
  type AccessRule,
  type RequestTarget,
  type RuleDecision,
} from '../../../src/auth/access-rules.js';

const { GET, POST, PUT, PATCH, DELETE } = VERB_BITS;

const rule = (serviceName: string, component: string, verbMask: number = ALL_VERBS, extra: Partial<AccessRule> = {}): AccessRule => ({
  serviceName,
  component,
  verbMask,
  ...extra,
});
const target = (service: string, component: string, verbBits: number = GET): RequestTarget => ({ service, component, verbBits });

describe('verb bits', () => {
  it.each([
    ['GET', 1],
    ['POST', 2],
    ['PUT', 4],
    ['PATCH', 8],
    ['DELETE', 16],
    ['HEAD', 1],
    ['get', 1],
    ['Delete', 16],
  ] as const)('%s → %i', (method, bit) => {
    expect(verbBit(method)).toBe(bit);
  });

  it.each(['OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', '', 'toString', '__proto__', 'constructor'])('%j grants nothing', (method) => {
    expect(verbBit(method)).toBeUndefined();
  });

  it('names the verbs of a mask in bit order', () => {
    expect(verbNames(9)).toEqual(['GET', 'PATCH']);
    expect(verbNames(0)).toEqual([]);
    expect(verbNames(ALL_VERBS)).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
    expect(verbNames(32 | DELETE)).toEqual(['DELETE']);
    expect(verbNames(-1)).toEqual([]);
    expect(verbNames(1.5)).toEqual([]);
    expect(GET | POST | PUT | PATCH | DELETE).toBe(ALL_VERBS);
  });
});

describe('componentFor', () => {
  it.each([
    ['table', undefined, '_table'],
    ['table', 'orders', '_table/orders'],
    ['table', 'a/b', '_table/a/b'],
    ['procedure', undefined, '_proc'],
    ['procedure', 'refund', '_proc/refund'],
    ['schema', undefined, '_schema'],
    ['schema', 'Orders', '_schema/Orders'],
  ] as const)('%s %s → %s', (kind, name, expected) => {
    expect(componentFor(kind, name)).toBe(expected);
  });

  it('exports the SQL component', () => {
    expect(SQL_COMPONENT).toBe('_sql');
  });
});

describe('component matching', () => {
  const TARGETS = [
    '_table',
    '_table/orders',
    '_table/Orders',
    '_table/other',
    '_table/a/b',
    '_proc',
    '_proc/orders',
    '_schema',
    '_schema/orders',
    '_sql',
  ] as const;
  /** Rule component → the targets it covers; every other target in TARGETS is not covered. */
  const COVERS: Record<string, readonly (typeof TARGETS)[number][]> = {
    '*': TARGETS,
    '_table/*': ['_table', '_table/orders', '_table/Orders', '_table/other', '_table/a/b'],
    '_table/orders': ['_table/orders'],
    '_table/Orders': ['_table/Orders'],
    '_table/a': [],
    '_table/a/b': ['_table/a/b'],
    '_proc/*': ['_proc', '_proc/orders'],
    '_proc/orders': ['_proc/orders'],
    '_schema/*': ['_schema', '_schema/orders'],
    '_schema/orders': ['_schema/orders'],
    _sql: ['_sql'],
  };
  const cases = Object.entries(COVERS).flatMap(([component, covered]) =>
    TARGETS.map((t) => [component, t, covered.includes(t)] as const),
  );

  it.each(cases)('rule %s against %s → %s', (component, targetComponent, expected) => {
    const r = rule('shop', component);
    const t = target('shop', targetComponent);
    expect(ruleMatches(r, t)).toBe(expected);
    const decision = decide([r], t);
    expect(decision.allowed).toBe(expected);
    if (!expected) expect(decision).toEqual({ allowed: false, reason: 'noMatchingRule' });
  });

  it('takes names verbatim after the first slash (a table named a/b)', () => {
    const rules = [rule('shop', '_table/a', GET), rule('shop', componentFor('table', 'a/b'), POST)];
    expect(decide(rules, target('shop', componentFor('table', 'a/b'), POST))).toMatchObject({ allowed: true, index: 1 });
    expect(decide(rules, target('shop', componentFor('table', 'a/b'), GET))).toMatchObject({ allowed: false, reason: 'verbNotAllowed', index: 1 });
    expect(decide(rules, target('shop', componentFor('table', 'a'), GET))).toMatchObject({ allowed: true, index: 0 });
    expect(decide(rules, target('shop', '_table/a/', GET))).toMatchObject({ allowed: false, reason: 'noMatchingRule' });
  });

  it('matches names verbatim, including spaces and non-ASCII', () => {
    expect(ruleMatches(rule('shop', '_table/ order lines '), target('shop', '_table/ order lines '))).toBe(true);
    expect(ruleMatches(rule('shop', '_table/ order lines '), target('shop', '_table/order lines'))).toBe(false);
    expect(ruleMatches(rule('shop', '_table/Bestellungen_ä'), target('shop', '_table/Bestellungen_ä'))).toBe(true);
  });

  it('reaches objects whose names no rule can spell only through wildcards', () => {
    const starTable = target('shop', '_table/*');
    expect(ruleMatches(rule('shop', '_table/*'), starTable)).toBe(true);
    expect(ruleMatches(rule('shop', '*'), starTable)).toBe(true);
    expect(ruleMatches(rule('shop', '_table/a*'), target('shop', '_table/a*'))).toBe(false);
  });

  it.each(['', '*', '_table/', '_tables', '_tables/x', '_sql/x', '/_table/x', '_TABLE/x', 'table/x', '_proc/'])(
    'matches no rule for the malformed target component %j',
    (component) => {
      expect(decide([rule('*', '*')], target('shop', component))).toEqual({ allowed: false, reason: 'noMatchingRule' });
    },
  );
});

describe('service patterns', () => {
  it.each([
    ['*', 'prod', true],
    ['*', 'x', true],
    ['prod', 'prod', true],
    ['prod', 'prod_eu', false],
    ['prod', 'pro', false],
    ['prod', 'Prod', false],
    ['Prod', 'prod', false],
    ['prod_*', 'prod_eu', true],
    ['prod_*', 'prod_', true],
    ['prod_*', 'prod', false],
    ['prod_*', 'production', false],
    ['prod*', 'prod', true], // a prefix that equals a full name matches it (`*` matches zero characters)
    ['prod*', 'production', true],
    ['prod*', 'Production', false],
    ['PROD*', 'prod_eu', false],
    ['p*', 'p', true],
    ['p*', 'q', false],
    [`${'a'.repeat(63)}*`, 'a'.repeat(63), true],
  ] as const)('%s against service %s → %s', (pattern, service, expected) => {
    expect(ruleMatches(rule(pattern, '*'), target(service, '_table'))).toBe(expected);
    expect(decide([rule(pattern, '*')], target(service, '_table')).allowed).toBe(expected);
  });

  it.each(['', 'system.x', '1prod', 'a'.repeat(64), 'prod*'])('matches no rule for the invalid target service %j', (service) => {
    expect(decide([rule('*', '*')], target(service, '_table'))).toEqual({ allowed: false, reason: 'noMatchingRule' });
  });
});

describe('verbs', () => {
  const sole = (verbMask: number, verbBits: number): RuleDecision => decide([rule('shop', '_table/*', verbMask)], target('shop', '_table/orders', verbBits));

  it.each([
    ['GET', GET],
    ['POST', POST],
    ['PUT', PUT],
    ['PATCH', PATCH],
    ['DELETE', DELETE],
  ] as const)('a mask with only %s allows it and nothing else', (_name, bit) => {
    for (const requested of [GET, POST, PUT, PATCH, DELETE]) {
      expect(sole(bit, requested).allowed).toBe(requested === bit);
    }
  });

  it('treats HEAD as GET', () => {
    expect(sole(GET, verbBit('HEAD') as number).allowed).toBe(true);
    expect(sole(POST, verbBit('HEAD') as number).allowed).toBe(false);
  });

  it('needs every requested bit in one rule, never combined across rules', () => {
    expect(sole(GET | POST, GET | POST).allowed).toBe(true);
    expect(sole(GET, GET | POST)).toMatchObject({ allowed: false, reason: 'verbNotAllowed', index: 0 });
    const split = [rule('shop', '_table/*', GET), rule('shop', '_table/*', POST)];
    expect(decide(split, target('shop', '_table/orders', GET | POST))).toMatchObject({ allowed: false, reason: 'verbNotAllowed', index: 0 });
    const withBoth = [...split, rule('shop', '_table/*', GET | POST | DELETE)];
    expect(decide(withBoth, target('shop', '_table/orders', GET | POST))).toMatchObject({ allowed: true, index: 2 });
  });

  it('denies everything under a mask of 0', () => {
    for (const requested of [GET, POST, PUT, PATCH, DELETE, ALL_VERBS]) {
      expect(sole(0, requested)).toMatchObject({ allowed: false, reason: 'verbNotAllowed', index: 0 });
    }
  });

  it.each([0, 32, -1, 1.5, Number.NaN])('holds no request for the malformed verb bits %s', (bits) => {
    expect(sole(ALL_VERBS, bits)).toMatchObject({ allowed: false, reason: 'verbNotAllowed' });
  });
});

describe('specificity', () => {
  it.each([
    [rule('*', '*'), [0, 0, 0]],
    [rule('*', '_table/*'), [0, 0, 1]],
    [rule('*', '_table/orders'), [0, 0, 2]],
    [rule('*', '_sql'), [0, 0, 2]],
    [rule('p*', '*'), [1, 1, 0]],
    [rule('prod_*', '_proc/*'), [1, 5, 1]],
    [rule('prod', '_schema/x'), [2, 4, 2]],
    [rule('prod*x', '*'), [-1, -1, -1]],
    [rule('prod', '_table/'), [-1, -1, -1]],
    [rule('prod', '*', 32), [-1, -1, -1]],
  ] as const)('%j → %j', (r, key) => {
    expect(specificity(r)).toEqual(key);
  });

  it('orders service before component', () => {
    const ordered = [
      rule('*', '*'),
      rule('*', '_table/*'),
      rule('*', '_table/orders'),
      rule('p*', '*'),
      rule('p*', '_table/orders'),
      rule('prod_*', '*'),
      rule('prod_*', '_table/*'),
      rule('prod_eu', '*'),
      rule('prod_eu', '_table/*'),
      rule('prod_eu', '_table/orders'),
    ];
    const shuffled = [...ordered].reverse();
    shuffled.sort((a, b) => compareSpecificity(specificity(a), specificity(b)));
    expect(shuffled).toEqual(ordered);
    expect(compareSpecificity(specificity(rule('prod_eu', '_sql')), specificity(rule('prod_eu', '_table/x')))).toBe(0);
    expect(compareSpecificity(specificity(rule('bad*x', '*')), specificity(rule('*', '*')))).toBeLessThan(0);
  });

  const request = target('prod_eu', '_table/orders', DELETE);
  it.each([
    ['a specific rule without the bit beats a broad allow', [rule('*', '*'), rule('prod_eu', '_table/orders', GET)], false, 1],
    ['… whatever the rule order', [rule('prod_eu', '_table/orders', GET), rule('*', '*')], false, 0],
    ['a specific allow beats a broad mask of 0', [rule('*', '*', 0), rule('prod_eu', '_table/orders', DELETE)], true, 1],
    ['an exact service beats a prefix with a more specific component', [rule('prod_*', '_table/orders'), rule('prod_eu', '*', GET)], false, 1],
    ['a longer prefix beats a shorter one', [rule('prod_*', '_table/orders', GET), rule('p*', '_table/orders')], false, 0],
    ['a prefix beats *', [rule('*', '_table/orders'), rule('prod*', '*', GET)], false, 1],
    ['a prefix equal to the name is still a prefix', [rule('prod_eu*', '_table/orders'), rule('prod_eu', '*', GET)], false, 1],
    ['on the same service, an exact component beats the family', [rule('prod_eu', '_table/*'), rule('prod_eu', '_table/orders', GET)], false, 1],
    ['… and the family beats *', [rule('prod_eu', '*'), rule('prod_eu', '_table/*', GET)], false, 1],
    ['non-matching specific rules are ignored', [rule('prod_eu', '_table/other', 0), rule('prod_us', '_table/orders', 0), rule('*', '*')], true, 2],
    ['invalid rules are ignored', [rule('prod_eu', '_table/orders*', 0), rule('prod_eu', '_table/orders', 64), rule('prod_eu', '*')], true, 2],
  ] as const)('%s', (_name, rules, allowed, index) => {
    expect(decide(rules, request)).toMatchObject({ allowed, index, rule: rules[index] });
  });

  it('on a tie, allows if any top rule holds every bit and returns the first such', () => {
    const rules = [rule('*', '*'), rule('shop', '_table/*', GET), rule('shop', '_table/*', POST), rule('shop', '_table/*', POST | DELETE)];
    expect(decide(rules, target('shop', '_table/orders', POST))).toEqual({ allowed: true, rule: rules[2], index: 2 });
    expect(decide(rules, target('shop', '_table/orders', GET))).toEqual({ allowed: true, rule: rules[1], index: 1 });
    expect(decide(rules, target('shop', '_table/orders', DELETE))).toEqual({ allowed: true, rule: rules[3], index: 3 });
  });

  it('on a tie with no top rule holding the bits, denies naming the first top rule', () => {
    const rules = [rule('*', '*'), rule('shop', '_table/*', GET), rule('shop', '_table/*', POST)];
    expect(decide(rules, target('shop', '_table/orders', GET | POST))).toEqual({
      allowed: false,
      reason: 'verbNotAllowed',
      rule: rules[1],
      index: 1,
    });
  });

  it('returns the rule itself, with its filter and fields', () => {
    const restricted = rule('shop', '_table/orders', GET, { filter: "status = 'open'", fields: ['id', 'status'] });
    const decision = decide([rule('shop', '*'), restricted], target('shop', '_table/orders'));
    expect(decision).toEqual({ allowed: true, rule: restricted, index: 1 });
    expect(decision.allowed && decision.rule).toBe(restricted);
  });

  it('denies with noMatchingRule when no rule matches, including an empty role', () => {
    expect(decide([], target('shop', '_table'))).toEqual({ allowed: false, reason: 'noMatchingRule' });
    expect(decide([rule('other', '*')], target('shop', '_table'))).toEqual({ allowed: false, reason: 'noMatchingRule' });
  });
});

describe('validation', () => {
  it.each(['*', 'prod', 'Prod-1', 'prod_*', 'p*', 'P*', 'a'.repeat(63), `${'a'.repeat(63)}*`, 'a-*'])('accepts the service pattern %j', (pattern) => {
    expect(validateServicePattern(pattern)).toBeUndefined();
  });

  it.each([
    ['prod*x', "only contain one '*', at the end"],
    ['**', "only contain one '*', at the end"],
    ['*prod', "only contain one '*', at the end"],
    ['pr*d*', "only contain one '*', at the end"],
    ['', 'empty'],
    ['a'.repeat(64), 'not a valid service name'],
    [`${'a'.repeat(64)}*`, 'not a valid service name prefix'],
    ['prod.shop', 'not a valid service name'],
    ['prod shop', 'not a valid service name'],
    ['1prod', 'not a valid service name'],
    ['_prod*', 'not a valid service name prefix'],
    ['prød', 'not a valid service name'],
    ['prod\n', 'not a valid service name'],
  ])('rejects the service pattern %j', (pattern, message) => {
    expect(validateServicePattern(pattern)).toContain(message);
  });

  it.each([
    '*',
    '_sql',
    '_table/*',
    '_table/orders',
    '_table/Orders',
    '_table/a/b',
    '_table/ spaced ',
    '_table/Bestellungen_ä',
    `_table/${'x'.repeat(128)}`,
    `_table/${'😀'.repeat(128)}`, // 128 characters, 256 UTF-16 code units
    '_proc/*',
    '_proc/refund',
    '_schema/*',
    '_schema/orders',
  ])('accepts the component %j', (component) => {
    expect(validateComponent(component)).toBeUndefined();
  });

  it.each([
    ['', 'expected'],
    ['**', 'expected'],
    ['_table/', 'names nothing'],
    ['_proc/', 'names nothing'],
    ['_table', "use '_table/*'"],
    ['_schema', "use '_schema/*'"],
    ['_tables/x', 'expected'],
    ['_TABLE/x', 'expected'],
    ['table/x', 'expected'],
    ['/_table/x', 'expected'],
    ['_sql/x', "'_sql' takes no name"],
    ['_sql/', "'_sql' takes no name"],
    ['_table/a*', "may not contain '*'"],
    ['_table/*a', "may not contain '*'"],
    ['_table/**', "may not contain '*'"],
    ['_table/a/*', "may not contain '*'"],
    ['_table/a\u0000b', 'control characters'],
    ['_table/a\nb', 'control characters'],
    ['_table/\t', 'control characters'],
    ['_table/\u007f', 'control characters'],
    ['_table/\u0085', 'control characters'],
    [`_table/${'x'.repeat(129)}`, 'longer than 128'],
    [`_table/${'😀'.repeat(129)}`, 'longer than 128'],
  ])('rejects the component %j', (component, message) => {
    const problem = validateComponent(component);
    expect(problem).toContain(message);
  });

  it.each([0, 1, 9, 31])('accepts the verb mask %s', (mask) => {
    expect(validateVerbMask(mask)).toBeUndefined();
  });

  it.each([-1, 32, 64, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects the verb mask %s', (mask) => {
    expect(validateVerbMask(mask)).toContain('integer from 0 to 31');
  });
});

describe('decide, robustness and speed', () => {
  it('never throws on malformed input', () => {
    const garbage = [null, undefined, 1, 'x', [], {}, { serviceName: 1 }, { serviceName: '*', component: '*' }, { serviceName: '*', component: '*', verbMask: '31' }];
    for (const r of garbage) {
      expect(decide([r as unknown as AccessRule], target('shop', '_table'))).toEqual({ allowed: false, reason: 'noMatchingRule' });
      expect(specificity(r as unknown as AccessRule)).toEqual([-1, -1, -1]);
      expect(ruleMatches(r as unknown as AccessRule, target('shop', '_table'))).toBe(false);
    }
    for (const t of garbage) {
      expect(decide([rule('*', '*')], t as unknown as RequestTarget)).toMatchObject({ allowed: false });
    }
    expect(decide(null as unknown as AccessRule[], target('shop', '_table'))).toEqual({ allowed: false, reason: 'noMatchingRule' });
  });

  it('decides over 100 rules quickly', () => {
    const rules = Array.from({ length: 100 }, (_, i) => rule(i % 2 === 0 ? `svc_${i}` : `svc_${i}*`, i % 3 === 0 ? '_table/*' : `_table/t${i}`, i % 32));
    const targets = Array.from({ length: 50 }, (_, i) => target(`svc_${i * 2}`, `_table/t${i * 2}`, 1 << i % 5));
    const started = performance.now();
    for (let round = 0; round < 200; round++) for (const t of targets) decide(rules, t);
    // 10,000 decisions: well under a millisecond each, with a generous margin for slow CI machines.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties, against an oracle written independently of the implementation.

const SERVICES = ['prod', 'prod_a', 'prod_ab', 'Prod', 'dev', 'p'] as const;
const PATTERNS = ['*', ...SERVICES, 'p*', 'pr*', 'prod*', 'prod_*', 'prod_a*', 'P*', 'd*', 'prod**', '', '*prod', 'prod*a'] as const;
const RULE_COMPONENTS = [
  '*',
  '_table/*',
  '_table/orders',
  '_table/Orders',
  '_table/a',
  '_table/a/b',
  '_proc/*',
  '_proc/orders',
  '_schema/*',
  '_schema/orders',
  '_sql',
  '_table',
  '_table/',
  '_sql/x',
  '_table/a*',
  'junk',
] as const;
const TARGET_COMPONENTS = [
  '_table',
  '_table/orders',
  '_table/Orders',
  '_table/a',
  '_table/a/b',
  '_proc',
  '_proc/orders',
  '_schema',
  '_schema/orders',
  '_sql',
] as const;

const maskArb = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 31 }) }, { weight: 1, arbitrary: fc.constantFrom(32, -1, 1.5, Number.NaN) });
const ruleArb: fc.Arbitrary<AccessRule> = fc.record({
  serviceName: fc.constantFrom(...PATTERNS),
  component: fc.constantFrom(...RULE_COMPONENTS),
  verbMask: maskArb,
});
const targetArb: fc.Arbitrary<RequestTarget> = fc.record({
  service: fc.constantFrom(...SERVICES),
  component: fc.constantFrom(...TARGET_COMPONENTS),
  verbBits: fc.integer({ min: 1, max: 31 }),
});

function oracleValid(r: AccessRule): boolean {
  return validateServicePattern(r.serviceName) === undefined && validateComponent(r.component) === undefined && validateVerbMask(r.verbMask) === undefined;
}

function oracleMatches(r: AccessRule, t: RequestTarget): boolean {
  if (!oracleValid(r)) return false;
  const p = r.serviceName;
  const serviceOk = p === t.service || (p.endsWith('*') && t.service.startsWith(p.slice(0, -1)));
  const c = r.component;
  const componentOk = c === '*' || c === t.component || (c.endsWith('/*') && (t.component === c.slice(0, -2) || t.component.startsWith(c.slice(0, -1))));
  return serviceOk && componentOk;
}

function oracleSpecificity(r: AccessRule): number[] {
  const p = r.serviceName;
  const serviceKind = p === '*' ? 0 : p.endsWith('*') ? 1 : 2;
  const component = r.component === '*' ? 0 : r.component.endsWith('/*') ? 1 : 2;
  return [serviceKind, p === '*' ? 0 : p.replace(/\*$/, '').length, component];
}

const holds = (r: AccessRule, bits: number): boolean => (r.verbMask & bits) === bits;

function oracleDecide(rules: readonly AccessRule[], t: RequestTarget): RuleDecision {
  const matching = rules.map((r, index) => ({ r, index })).filter(({ r }) => oracleMatches(r, t));
  if (matching.length === 0) return { allowed: false, reason: 'noMatchingRule' };
  const keyed = matching.map((m) => ({ ...m, key: oracleSpecificity(m.r).join(',') }));
  const best = [...keyed].sort((a, b) => compareSpecificity(oracleSpecificity(b.r), oracleSpecificity(a.r)))[0]!.key;
  const top = keyed.filter((m) => m.key === best);
  const allowing = top.find((m) => holds(m.r, t.verbBits));
  if (allowing) return { allowed: true, rule: allowing.r, index: allowing.index };
  return { allowed: false, reason: 'verbNotAllowed', rule: top[0]!.r, index: top[0]!.index };
}

/** Rules that match a target, from least to most specific forms available for it. */
function matchingRuleArb(t: RequestTarget): fc.Arbitrary<AccessRule> {
  const prefixes = Array.from({ length: t.service.length }, (_, i) => `${t.service.slice(0, i + 1)}*`);
  const components = ['*', ...(t.component === '_sql' ? ['_sql'] : [`${t.component.split('/')[0]}/*`]), ...(t.component.includes('/') || t.component === '_sql' ? [t.component] : [])];
  return fc.record({
    serviceName: fc.constantFrom('*', ...prefixes, t.service),
    component: fc.constantFrom(...components),
    verbMask: fc.integer({ min: 0, max: 31 }),
  });
}

describe('decide, properties', () => {
  it('never throws, whatever the input', () => {
    const looseRule = fc.oneof(
      fc.record({ serviceName: fc.string(), component: fc.string({ unit: 'grapheme' }), verbMask: fc.double() }),
      fc.record({ serviceName: fc.constantFrom(...PATTERNS), component: fc.string(), verbMask: fc.integer() }),
      fc.anything(),
    );
    const looseTarget = fc.oneof(
      fc.record({ service: fc.string(), component: fc.string(), verbBits: fc.double() }),
      fc.record({ service: fc.constantFrom(...SERVICES), component: fc.constantFrom(...TARGET_COMPONENTS), verbBits: fc.integer() }),
      fc.anything(),
    );
    fc.assert(
      fc.property(fc.array(looseRule, { maxLength: 20 }), looseTarget, (rules, t) => {
        const decision = decide(rules as AccessRule[], t as RequestTarget);
        expect(typeof decision.allowed).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('allows only through a rule that matches the target and holds every requested bit', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 30 }), targetArb, (rules, t) => {
        const decision = decide(rules, t);
        if (decision.allowed) {
          expect(rules[decision.index]).toBe(decision.rule);
          expect(oracleMatches(decision.rule, t)).toBe(true);
          expect(ruleMatches(decision.rule, t)).toBe(true);
          expect(holds(decision.rule, t.verbBits)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with the oracle', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 30 }), targetArb, (rules, t) => {
        expect(decide(rules, t)).toEqual(oracleDecide(rules, t));
        for (const r of rules) expect(ruleMatches(r, t)).toBe(oracleMatches(r, t));
      }),
      { numRuns: 1000 },
    );
  });

  it('lets a rule more specific than every matching rule decide the outcome', () => {
    const scenario = targetArb.chain((t) =>
      fc.record({ t: fc.constant(t), rules: fc.array(ruleArb, { maxLength: 30 }), added: matchingRuleArb(t), at: fc.nat() }),
    );
    fc.assert(
      fc.property(scenario, ({ t, rules, added, at }) => {
        const addedKey = specificity(added);
        expect(oracleMatches(added, t)).toBe(true);
        expect(addedKey).toEqual(oracleSpecificity(added));
        // Keep only the existing rules the added one out-ranks (or that do not match at all).
        const others = rules.filter((r) => !oracleMatches(r, t) || compareSpecificity(oracleSpecificity(r), addedKey) < 0);
        const position = at % (others.length + 1);
        const withAdded = [...others.slice(0, position), added, ...others.slice(position)];
        const decision = decide(withAdded, t);
        expect(decision.rule).toBe(added);
        expect(decision.index).toBe(position);
        expect(decision.allowed).toBe(holds(added, t.verbBits));
        if (!decision.allowed) expect(decision.reason).toBe('verbNotAllowed');
      }),
      { numRuns: 1000 },
    );
  });
});
