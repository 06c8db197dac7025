/**
 * `sluice codegen`: checks the options, fetches the service's OpenAPI document from a running server
 * with the given credentials, generates the SDK and writes it under the output directory. Loaded by
 * the CLI only when the command runs, since openapi-typescript brings the TypeScript compiler along.
 *
 * May import: config (the service-name rule).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { SERVICE_NAME } from '../config/config-schema.js';
import { CodegenError } from './codegen-error.js';
import { documentUrl, fetchServiceDocument } from './fetch-service-document.js';
import { generateRestSdk } from './generate-rest-sdk.js';
import { listableTables } from './rest-client-source.js';

/** The command's options as commander hands them over. */
export interface CodegenOptions {
  readonly url?: string;
  readonly service?: string;
  readonly apiKey?: string;
  readonly token?: string;
  readonly out?: string;
}

const optionsSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'expected the server URL, e.g. http://localhost:8080' }),
    service: z.string().regex(SERVICE_NAME, 'service names are letters, digits, _ and -, starting with a letter'),
    apiKey: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    out: z.string().min(1, 'expected a directory'),
  })
  .refine((o) => !(o.apiKey && o.token), { message: 'give --api-key or --token, not both', path: ['token'] });

const FLAGS: Record<string, string> = { url: '--url', service: '--service', apiKey: '--api-key', token: '--token', out: '--out' };

export interface CodegenResult {
  readonly files: readonly string[];
  readonly tables: readonly string[];
}

export async function runCodegen(raw: CodegenOptions, cwd: string = process.cwd()): Promise<CodegenResult> {
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    throw new CodegenError(`Invalid option ${FLAGS[key] ?? key}: ${issue?.message ?? 'invalid'}`);
  }
  const options = parsed.data;
  const document = await fetchServiceDocument(options);
  const files = await generateRestSdk(document, { service: options.service, documentUrl: documentUrl(options.url, options.service) });
  const out = path.resolve(cwd, options.out);
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(out, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.contents);
    written.push(target);
  }
  return { files: written, tables: listableTables(document, options.service).map((t) => t.name) };
}
