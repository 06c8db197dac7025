/**
 * Query documents that differ only in values written inline — `customers_by_pk(id: 7)` and
 * `customers_by_pk(id: 8)` — share one compiled query: each inline value is lifted into a variable
 * of the type its position has, the document with variables is compiled once (graphql-jit.ts), and
 * each text runs it with its own values.
 *
 * Why: graphql-jit compiles a document into JavaScript of its own. A client that writes ids inline
 * sends a new document per id, and each compiled copy runs a few dozen times at most, never long
 * enough for V8 to optimize it: a read by primary key cost about a third more CPU than the same read
 * with a variable (see BENCHMARKS.md), besides one compilation per id.
 *
 * Only what cannot change a result is lifted:
 * - queries with a single operation (a mutation's arguments stay inline: nothing runs twice);
 * - values of enums and of the built-in scalars (Int, Float, String, Boolean, ID), whose inline and
 *   variable forms are coerced alike (a custom scalar's `parseLiteral` and `parseValue` may differ);
 * - not directive arguments (`@include(if: true)` shapes the compiled code), nor variable defaults.
 *
 * Error locations: graphql-jit writes the locations of the document it compiled into its code, and a
 * shared document's are those of the first text that had that shape. `relocated` puts an error's
 * locations back at the same places in the text that was sent.
 */
import {
  getLocation,
  getNamedType,
  GraphQLError,
  isEnumType,
  isSpecifiedScalarType,
  Kind,
  parse,
  parseType,
  print,
  Source,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SourceLocation,
  type ValueNode,
  type VariableDefinitionNode,
  type VariableNode,
} from 'graphql';

/** A document whose inline values became variables. */
export interface LiftedDocument {
  /** The document with variables in place of the lifted values (it keeps the original's locations). */
  readonly document: DocumentNode;
  /** Its printed form: documents with the same shape have the same key. */
  readonly shape: string;
  /** The lifted values, by variable name, in the form a client would send them as variables. */
  readonly values: Readonly<Record<string, unknown>>;
}

type LeafLiteral = Extract<ValueNode, { kind: Kind.INT | Kind.FLOAT | Kind.STRING | Kind.BOOLEAN | Kind.ENUM }>;

/** The variable value that coerces to what the literal does, for an enum or a built-in scalar. */
function variableValueOf(literal: LeafLiteral, typeName: string): unknown {
  switch (literal.kind) {
    case Kind.BOOLEAN:
      return literal.value;
    case Kind.INT:
    case Kind.FLOAT:
      // An ID written as a number keeps its digits (it is coerced to a string, past 2^53 too).
      return typeName === 'ID' ? literal.value : Number(literal.value);
    default:
      return literal.value; // a string, or an enum value's name
  }
}

function singleQuery(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  let found: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (found) return undefined;
    found = definition;
  }
  if (found?.operation !== 'query') return undefined;
  if (operationName && found.name?.value !== operationName) return undefined;
  return found;
}

/**
 * `document` with its liftable inline values turned into variables, or undefined when nothing is
 * lifted (not a single query, or no such value). `document` must have passed validation.
 */
export function liftLiterals(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): LiftedDocument | undefined {
  const operation = singleQuery(document, operationName);
  if (!operation) return undefined;
  const taken = new Set((operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value));
  let counter = 0;
  const fresh = (): string => {
    let name: string;
    do name = `_lit${counter++}`;
    while (taken.has(name));
    return name;
  };
  const values: Record<string, unknown> = {};
  const definitions: VariableDefinitionNode[] = [];
  const typeInfo = new TypeInfo(schema);
  const lift = (literal: LeafLiteral): VariableNode | undefined => {
    const type = typeInfo.getInputType();
    const named = type && getNamedType(type);
    if (!type || !named || !(isEnumType(named) || isSpecifiedScalarType(named))) return undefined;
    const name = fresh();
    values[name] = variableValueOf(literal, named.name);
    const variable: VariableNode = { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name }, ...(literal.loc ? { loc: literal.loc } : {}) };
    definitions.push({ kind: Kind.VARIABLE_DEFINITION, variable, type: parseType(String(type), { noLocation: true }) });
    return variable;
  };
  const edited = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Directive: () => false,
      VariableDefinition: () => false,
      IntValue: lift,
      FloatValue: lift,
      StringValue: lift,
      BooleanValue: lift,
      EnumValue: lift,
    }),
  );
  if (definitions.length === 0) return undefined;
  const lifted: DocumentNode = {
    ...edited,
    definitions: edited.definitions.map((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION ? { ...definition, variableDefinitions: [...(definition.variableDefinitions ?? []), ...definitions] } : definition,
    ),
  };
  return { document: lifted, shape: print(lifted), values };
}

const isNode = (value: unknown): value is ASTNode => typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';

/**
 * Where each node of `shaped` (a lifted document) is in `sent` (a text of the same shape): a map from
 * "line:column" in the text `shaped` was lifted from to the offset in `sent`. The two trees are the
 * same but for lifted values, which are leaves, and the variable definitions added at the end.
 */
function positionsIn(shaped: DocumentNode, sent: DocumentNode): Map<string, number> {
  const positions = new Map<string, number>();
  const walk = (a: unknown, b: unknown): void => {
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.min(a.length, b.length); i++) walk(a[i], b[i]);
      return;
    }
    if (!isNode(a) || !isNode(b)) return;
    if (a.loc && b.loc) {
      const at = getLocation(a.loc.source, a.loc.start);
      positions.set(`${at.line}:${at.column}`, b.loc.start);
    }
    if (a.kind !== b.kind) return;
    for (const key of Object.keys(a)) if (key !== 'loc') walk((a as unknown as Record<string, unknown>)[key], (b as unknown as Record<string, unknown>)[key]);
  };
  walk(shaped, sent);
  return positions;
}

/** Errors that carry locations (graphql-jit's) with those locations moved from `shaped`'s text into `text`. */
export function relocated(errors: readonly GraphQLError[], shaped: DocumentNode, text: string): GraphQLError[] {
  if (!errors.some((error) => error.locations?.length)) return [...errors];
  const source = new Source(text);
  const positions = positionsIn(shaped, parse(source));
  return errors.map((error) => {
    if (!error.locations?.length) return error;
    const moved = error.locations.map((location: SourceLocation) => positions.get(`${location.line}:${location.column}`));
    if (moved.some((position) => position === undefined)) return error;
    return new GraphQLError(error.message, {
      source,
      positions: moved as number[],
      ...(error.path ? { path: error.path } : {}),
      ...(error.originalError ? { originalError: error.originalError } : {}),
      ...(error.extensions && Object.keys(error.extensions).length ? { extensions: error.extensions } : {}),
    });
  });
}
