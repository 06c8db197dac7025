/**
 * Execution through graphql-jit: a query document is compiled once, per schema, into a JavaScript
 * function that resolves and serializes exactly its selection, instead of being walked field by
 * field on every request (the default executor's cost grows with every field of every row: about
 * a third of a 25-row list read, more on nested reads; see BENCHMARKS.md).
 *
 * Compiled queries are kept per schema object and document object: a caller's schema is built for
 * its role (graphql-handler.ts), and a document compiled against one role's schema must never run
 * against another's. (`@envelop/graphql-jit` keys its cache on the document alone, which is why
 * this plugin stands in for it.) Both keys are weak: a catalog reload or an evicted document frees
 * their compiled queries.
 *
 * Queries that differ only in values written inline share one compiled query per schema: the values
 * are lifted into variables first (graphql-literals.ts), and each document runs the shared code with
 * its own values. The shapes are kept per schema, the oldest dropped past a bound.
 *
 * Each compiled operation is also handed to the fast path (graphql-fast-path.ts), which runs it
 * directly the next time the same schema receives the same query text and operation name.
 *
 * Some documents run on yoga's own executor instead, decided once per schema and document:
 * operations with a variable of an input object type (graphql-jit 0.8 generates its variable
 * coercion by unfolding the input type, which never ends for a recursive one such as `T_bool_exp`
 * with its `_and`/`_not`: the compiler runs out of stack), and documents graphql-jit cannot compile
 * (an unknown operation name, which the default executor reports in its own words). Arguments
 * written inline, input objects included, are compiled.
 */
import { getOperationAST, GraphQLError, isInputObjectType, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema, type TypeNode } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { setBounded } from '../collections.js';
import type { KnownOperations, RunCompiled } from './graphql-fast-path.js';
import { liftLiterals, relocated } from './graphql-literals.js';

/** A compiled query ready to run for one document, or null: this document runs on the default executor. */
type Compiled = RunCompiled | null;

/** A compiled shape: the lifted document and the text it was lifted from (see graphql-literals.ts). */
interface Shape {
  readonly run: RunCompiled | null;
  readonly document: DocumentNode;
  readonly text: string | undefined;
}

/** Shapes per schema: a few hundred distinct ones is typical of an app; past this the oldest go. */
const MAX_SHAPES_PER_SCHEMA = 1000;

function unwrapped(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : unwrapped(type.type);
}

function hasInputObjectVariable(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  return (operation?.variableDefinitions ?? []).some((definition) => isInputObjectType(schema.getType(unwrapped(definition.type))));
}

/**
 * A result without `data` is graphql-jit's answer to variables that do not coerce: the operation did
 * not run. Its errors are request errors, marked as yoga's own executor marks them, so that yoga's
 * result processor answers 400 under `application/graphql-response+json` (the GraphQL-over-HTTP
 * spec's "no data, 4xx") and 200 under `application/json` (`spec`: the status is the spec's, which
 * legacy JSON clients do not get).
 */
function asRequestErrors(result: ExecutionResult): ExecutionResult {
  if ('data' in result || !result.errors?.length) return result;
  return {
    errors: result.errors.map(
      (error) =>
        new GraphQLError(error.message, {
          nodes: error.nodes ?? null,
          source: error.source ?? null,
          positions: error.positions ?? null,
          path: error.path ?? null,
          originalError: error.originalError ?? null,
          extensions: { ...error.extensions, http: { spec: true, status: 400 } },
        }),
    ),
  };
}

function compile(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): RunCompiled | null {
  if (hasInputObjectVariable(schema, document, operationName)) return null;
  let query: RunCompiled;
  try {
    const result = compileQuery(schema, document, operationName ?? undefined);
    if (!isCompiledQuery(result)) return null;
    query = result.query as RunCompiled;
  } catch {
    return null;
  }
  return (root, context, variables) => {
    const result = query(root, context, variables);
    return result instanceof Promise ? result.then(asRequestErrors) : asRequestErrors(result);
  };
}

/** Runs `shape` with `values` (the lifted literals of one text) under the request's own variables. */
function withValues(shape: Shape, values: Readonly<Record<string, unknown>>, text: string | undefined): RunCompiled | null {
  const run = shape.run;
  if (!run) return null;
  const withLifted = (variables: Record<string, unknown> | null | undefined) => (variables ? { ...variables, ...values } : values);
  // The text the shape was compiled from has its own locations already.
  if (text === undefined || text === shape.text) return (root, context, variables) => run(root, context, withLifted(variables));
  return async (root, context, variables) => {
    const result = await run(root, context, withLifted(variables));
    return result.errors?.length ? { ...result, errors: relocated(result.errors as GraphQLError[], shape.document, text) } : result;
  };
}

/** `known`: where each compiled operation yoga executes is remembered for the fast path (graphql-fast-path.ts). */
export function jitExecution(known?: KnownOperations): Plugin {
  const compiled = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Compiled>>>();
  const shapes = new WeakMap<GraphQLSchema, Map<string, Shape>>();

  const shapeOf = (schema: GraphQLSchema, key: string, document: DocumentNode, operationName: string | null | undefined, text: string | undefined): Shape => {
    let bySchema = shapes.get(schema);
    if (!bySchema) {
      bySchema = new Map();
      shapes.set(schema, bySchema);
    }
    let shape = bySchema.get(key);
    if (!shape) {
      shape = { run: compile(schema, document, operationName), document, text };
      setBounded(bySchema, key, shape, MAX_SHAPES_PER_SCHEMA);
    }
    return shape;
  };

  const compileFor = (args: ExecutionArgs, text: string | undefined): Compiled => {
    const lifted = liftLiterals(args.schema, args.document, args.operationName);
    if (!lifted) return compile(args.schema, args.document, args.operationName);
    const shape = shapeOf(args.schema, `${args.operationName ?? ''}\u0000${lifted.shape}`, lifted.document, args.operationName, text);
    return withValues(shape, lifted.values, text);
  };

  const compiledFor = (args: ExecutionArgs, text: string | undefined): Compiled => {
    let bySchema = compiled.get(args.schema);
    if (!bySchema) {
      bySchema = new WeakMap();
      compiled.set(args.schema, bySchema);
    }
    let byOperation = bySchema.get(args.document);
    if (!byOperation) {
      byOperation = new Map();
      bySchema.set(args.document, byOperation);
    }
    const operation = args.operationName ?? '';
    let entry = byOperation.get(operation);
    if (entry === undefined) {
      entry = compileFor(args, text);
      byOperation.set(operation, entry);
    }
    return entry;
  };

  return {
    onExecute: ({ args, setExecuteFn }) => {
      // Yoga puts the request's parameters in the context: the text this document was parsed from.
      const params = (args.contextValue as { params?: { query?: unknown } } | undefined)?.params;
      const text = typeof params?.query === 'string' ? params.query : undefined;
      const run = compiledFor(args as ExecutionArgs, text);
      if (!run) return;
      if (known && text !== undefined) known.remember(args.schema, text, args.operationName, run);
      const execute = (call: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult => run(call.rootValue, call.contextValue, call.variableValues);
      setExecuteFn(execute as Parameters<typeof setExecuteFn>[0]);
    },
  };
}
