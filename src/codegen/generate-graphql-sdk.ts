/**
 * The GraphQL part of an SDK, as files (no writes outside a temporary directory for the inputs):
 * - `graphql/schema.graphql` and `graphql/types.ts`: the service's schema as the role sees it, and its
 *   TypeScript types (descriptions as doc comments);
 * - `graphql/root-operations.graphql`, `graphql/root/…` and `graphql/sdk.ts`: one operation per root
 *   field (see graphql-root-operations.ts), typed document nodes for them by GraphQL Code Generator's
 *   client preset, and a ready `getSdk(requester)` with one method per operation (sdk-source.ts);
 * - `graphql/documents/…`: with `--documents GLOB`, typed document nodes for the user's own `.graphql`
 *   documents, by the client preset too;
 * - `graphql/client.ts`: a fetch-based client that runs both (graphql-client-source.ts).
 * Documents travel as strings (`documentMode: 'string'`), so the generated code needs no `graphql`
 * package at run time; everything compiles with `tsc --strict` under NodeNext resolution.
 *
 * May import: nothing outside codegen (and the graphql and @graphql-codegen packages).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureContext, executeCodegen } from '@graphql-codegen/cli';
import { printSchema, type GraphQLSchema } from 'graphql';
import { CodegenError } from './codegen-error.js';
import type { GeneratedFile } from './generate-rest-sdk.js';
import { graphqlClientSource, sdkSource } from './graphql-client-source.js';
import { rootOperations } from './graphql-root-operations.js';

export interface GraphqlSdkOptions {
  readonly service: string;
  /** The GraphQL endpoint the schema came from, for the header comments. */
  readonly endpoint: string;
  /** A glob of the user's `.graphql` documents, relative to `cwd`. */
  readonly documents?: string;
  readonly cwd: string;
}

/**
 * TypeScript types of Sluice's scalars (graphql/graphql-scalars.ts): exact numbers and 64-bit
 * integers travel as strings and are accepted as numbers too; temporal values, UUIDs and bytes
 * (base64) as strings; JSON as any JSON value. A scalar not listed becomes `unknown`.
 */
const SCALARS = {
  bigint: { input: 'string | number', output: 'string' },
  numeric: { input: 'string | number', output: 'string' },
  uuid: 'string',
  json: 'unknown',
  timestamptz: 'string',
  timestamp: 'string',
  date: 'string',
  time: 'string',
  bytea: 'string',
};

const TYPESCRIPT_CONFIG = {
  documentMode: 'string',
  useTypeImports: true,
  enumsAsTypes: true,
  scalars: SCALARS,
  defaultScalarType: 'unknown',
  strictScalars: false,
};

const header = (service: string, what: string) =>
  `/**\n * ${what} of Sluice service ${JSON.stringify(service)}, written for \`sluice codegen\`. Do not edit: run \`sluice codegen\` again.\n */\n`;

export async function generateGraphqlSdk(schema: GraphQLSchema, options: GraphqlSdkOptions): Promise<GeneratedFile[]> {
  const sdl = `# The GraphQL schema of Sluice service ${JSON.stringify(options.service)} as the credentials used by \`sluice codegen\` see it.\n${printSchema(schema)}\n`;
  const operations = rootOperations(schema);
  const inputs = await mkdtemp(path.join(os.tmpdir(), 'sluice-codegen-graphql-'));
  try {
    const schemaPath = path.join(inputs, 'schema.graphql');
    const operationsPath = path.join(inputs, 'root-operations.graphql');
    await writeFile(schemaPath, sdl);
    await writeFile(operationsPath, operations.document);
    // The client preset writes the input and enum types its operations use; the schema's types (with
    // the descriptions of the semantic layer as doc comments) go to a file of their own.
    const generates: Record<string, object> = {
      'graphql/types.ts': { plugins: ['typescript'], config: TYPESCRIPT_CONFIG },
    };
    const client = (documents: string) => ({ documents, preset: 'client', presetConfig: { fragmentMasking: false }, config: TYPESCRIPT_CONFIG });
    if (operations.fields.length > 0) generates['graphql/root/'] = client(operationsPath);
    if (options.documents !== undefined) generates['graphql/documents/'] = client(options.documents);
    const files = await runGenerator({ schema: schemaPath, generates, cwd: options.cwd, silent: true, emitLegacyCommonJSImports: false });
    const headed = files.map((f) => (f.path === 'graphql/types.ts' ? { ...f, contents: `${header(options.service, 'The types of the GraphQL schema')}${f.contents}` } : f));
    const rootDocuments = files.find((f) => f.path === 'graphql/root/graphql.ts');
    const sdk = rootDocuments ? [{ path: 'graphql/sdk.ts', contents: sdkSource(options.service, operations, rootDocuments.contents) }] : [];
    return [
      { path: 'graphql/schema.graphql', contents: sdl },
      { path: 'graphql/root-operations.graphql', contents: operations.document },
      ...headed,
      ...sdk,
      { path: 'graphql/client.ts', contents: graphqlClientSource({ service: options.service, endpoint: options.endpoint, withSdk: operations.fields.length > 0 }) },
    ];
  } finally {
    await rm(inputs, { recursive: true, force: true });
  }
}

/** Runs the generator in memory (`executeCodegen`, which logs nothing: `generate` prints to the console on errors). */
async function runGenerator(config: Parameters<typeof ensureContext>[0] & { readonly cwd: string }): Promise<GeneratedFile[]> {
  let outcome: Awaited<ReturnType<typeof executeCodegen>>;
  try {
    outcome = await executeCodegen(ensureContext(config));
  } catch (error) {
    throw new CodegenError(`GraphQL Code Generator failed: ${describeGeneratorError(error)}`);
  }
  if (outcome.error) throw new CodegenError(`GraphQL Code Generator failed: ${describeGeneratorError(outcome.error)}`);
  return outcome.result.map((o: { filename: string; content: string }) => ({ path: o.filename.split(path.sep).join('/'), contents: o.content }));
}

/** The generator's errors (often an AggregateError of validation errors per document), in one line each. */
function describeGeneratorError(error: unknown): string {
  const e = error as { errors?: unknown[]; message?: string; details?: string };
  const inner = Array.isArray(e.errors) && e.errors.length > 0 ? e.errors.map(describeGeneratorError) : [];
  const text = inner.length > 0 ? inner.join('; ') : (e.details ?? e.message ?? String(error));
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^at /.test(line))
    .join(' ');
}
