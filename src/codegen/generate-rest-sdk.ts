/**
 * The REST part of an SDK, as files (no I/O here): the OpenAPI document itself, its TypeScript
 * types written by openapi-typescript (`paths`, `components`, `operations`), and the typed
 * openapi-fetch wrapper of rest-client-source.ts. The output depends only on the document, so the
 * same API always yields the same files.
 */
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import type { ServiceDocument } from './fetch-service-document.js';
import { restClientSource } from './rest-client-source.js';

export interface GeneratedFile {
  /** Relative to the output directory, with `/` separators. */
  readonly path: string;
  readonly contents: string;
}

export interface RestSdkOptions {
  readonly service: string;
  /** Where the document came from, for the header comments. */
  readonly documentUrl: string;
}

export async function generateRestSdk(document: ServiceDocument, options: RestSdkOptions): Promise<GeneratedFile[]> {
  // openapi-typescript may annotate the object it is given: hand it a copy.
  const ast = await openapiTS(structuredClone(document) as unknown as OpenAPI3, { silent: true });
  const header = [
    '/**',
    ` * Types of the REST API of Sluice service ${JSON.stringify(options.service)}, written by openapi-typescript`,
    ' * for `sluice codegen` from the OpenAPI document in ./openapi.json. Do not edit: run `sluice codegen` again.',
    ' */',
    '',
  ].join('\n');
  return [
    { path: 'rest/openapi.json', contents: `${JSON.stringify(document, null, 2)}\n` },
    { path: 'rest/schema.ts', contents: `${header}${astToString(ast)}` },
    { path: 'rest/client.ts', contents: restClientSource(document, options) },
  ];
}
