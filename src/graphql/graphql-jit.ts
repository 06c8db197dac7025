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
import { getOperationAST, isInputObjectType, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema, type TypeNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import type { KnownOperations } from './graphql-fast-path.js';

/** A compiled query, or null: this document runs on the default executor. */
type Compiled = Pick<CompiledQuery, 'query'> | null;

function unwrapped(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : unwrapped(type.type);
}

function hasInputObjectVariable(args: ExecutionArgs): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  return (operation?.variableDefinitions ?? []).some((definition) => isInputObjectType(args.schema.getType(unwrapped(definition.type))));
}

function compile(args: ExecutionArgs): Compiled {
  if (hasInputObjectVariable(args)) return null;
  try {
    const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
    return isCompiledQuery(result) ? result : null;
  } catch {
    return null;
  }
}

/** `known`: where each compiled operation yoga executes is remembered for the fast path (graphql-fast-path.ts). */
export function jitExecution(known?: KnownOperations): Plugin {
  const compiled = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Compiled>>>();

  const compiledFor = (args: ExecutionArgs): Compiled => {
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
      entry = compile(args);
      byOperation.set(operation, entry);
    }
    return entry;
  };

  return {
    onExecute: ({ args, setExecuteFn }) => {
      const query = compiledFor(args as ExecutionArgs);
      if (!query) return;
      // Yoga puts the request's parameters in the context: the text this document was parsed from.
      const params = (args.contextValue as { params?: { query?: unknown } } | undefined)?.params;
      if (known && typeof params?.query === 'string') known.remember(args.schema, params.query, args.operationName, query.query);
      const execute = (run: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult => query.query(run.rootValue, run.contextValue, run.variableValues);
      setExecuteFn(execute as Parameters<typeof setExecuteFn>[0]);
    },
  };
}
