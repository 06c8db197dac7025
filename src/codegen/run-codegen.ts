/**
 * `sluice codegen`: checks the options, fetches the service's OpenAPI document and GraphQL schema from
 * a running server with the given credentials, generates the REST SDK (under `rest/`) and the GraphQL
 * one (under `graphql/`, with typed documents for `--documents GLOB`), and writes them under the
 * output directory. Loaded by the CLI only when the command runs, since openapi-typescript and
 * GraphQL Code Generator bring the TypeScript compiler along.
 *
 * May import: config (the service-name rule).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { SERVICE_NAME } from '../config/config-schema.js';
import { CodegenError } from './codegen-error.js';
import { fetchGraphqlSchema, graphqlUrl } from './fetch-graphql-schema.js';
import { documentUrl, fetchServiceDocument } from './fetch-service-document.js';
import { generateGraphqlSdk } from './generate-graphql-sdk.js';
import { generateRestSdk } from './generate-rest-sdk.js';
import { rootOperations } from './graphql-root-operations.js';
import { listableTables } from './rest-client-source.js';

/** The command's options as commander hands them over. */
export interface CodegenOptions {
  readonly url?: string;
  readonly service?: string;
  readonly apiKey?: string;
  readonly token?: string;
  readonly out?: string;
  /** A glob of `.graphql` documents to generate typed document nodes for, relative to the working directory. */
  readonly documents?: string;
}

const optionsSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'expected the server URL, e.g. http://localhost:8080' }),
    service: z.string().regex(SERVICE_NAME, 'service names are letters, digits, _ and -, starting with a letter'),
    apiKey: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    out: z.string().min(1, 'expected a directory'),
    documents: z.string().min(1, 'expected a glob of .graphql files, e.g. "src/**/*.graphql"').optional(),
  })
  .refine((o) => !(o.apiKey && o.token), { message: 'give --api-key or --token, not both', path: ['token'] });

const FLAGS: Record<string, string> = { url: '--url', service: '--service', apiKey: '--api-key', token: '--token', out: '--out', documents: '--documents' };

export interface CodegenResult {
  readonly files: readonly string[];
  readonly tables: readonly string[];
  /** The root fields the GraphQL SDK has a method for. */
  readonly rootFields: readonly string[];
}

export async function runCodegen(raw: CodegenOptions, cwd: string = process.cwd()): Promise<CodegenResult> {
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    throw new CodegenError(`Invalid option ${FLAGS[key] ?? key}: ${issue?.message ?? 'invalid'}`);
  }
  const options = parsed.data;
  const [document, schema] = await Promise.all([fetchServiceDocument(options), fetchGraphqlSchema(options)]);
  const files = [
    ...(await generateRestSdk(document, { service: options.service, documentUrl: documentUrl(options.url, options.service) })),
    ...(await generateGraphqlSdk(schema, {
      service: options.service,
      endpoint: graphqlUrl(options.url, options.service),
      cwd,
      ...(options.documents !== undefined ? { documents: options.documents } : {}),
    })),
  ];
  const out = path.resolve(cwd, options.out);
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(out, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.contents);
    written.push(target);
  }
  return { files: written, tables: listableTables(document, options.service).map((t) => t.name), rootFields: rootOperations(schema).fields };
}
