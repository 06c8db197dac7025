/**
 * Execution through graphql-jit: a query document is compiled once, per schema, into a JavaScript
 * function that resolves and serializes exactly its selection, instead of being walked field by
 * field on every request (the default executor's cost grows with every field of every row: about
 * half of a 25-row list read, more on nested reads; see BENCHMARKS.md).
 *
 * Compiled queries are kept per schema object and document object: a caller's schema is built for
 * its role (graphql-handler.ts), and a document compiled against one role's schema must never run
 * against another's. (`@envelop/graphql-jit` keys its cache on the document alone, which is why
 * this plugin stands in for it.) Both keys are weak: a catalog reload or an evicted document frees
 * their compiled queries. Subscriptions are not served, so only `execute` is replaced.
 */
import type { DocumentNode, ExecutionArgs, ExecutionResult, GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

type Compiled = Pick<CompiledQuery, 'query'> | { readonly failed: ExecutionResult };

export function jitExecution(): Plugin {
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
    if (!entry) {
      const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
      // Not compiled: the document's own error (no such operation, bad variables definition).
      entry = isCompiledQuery(result) ? result : { failed: result };
      byOperation.set(operation, entry);
    }
    return entry;
  };

  const execute = (args: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult => {
    const entry = compiledFor(args);
    if ('failed' in entry) return entry.failed;
    return entry.query(args.rootValue, args.contextValue, args.variableValues);
  };

  return {
    onExecute: ({ setExecuteFn }) => {
      setExecuteFn(execute as Parameters<typeof setExecuteFn>[0]);
    },
  };
}
