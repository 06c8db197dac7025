/**
 * Fetches the OpenAPI 3.1 document of one service from a running Sluice server
 * (`GET /api/v1/{service}/_doc`), with the credentials the SDK is generated for: the server answers
 * only what that key's or token's role may do, so the SDK holds exactly that.
 *
 * May import: nothing outside codegen.
 */
import { z } from 'zod';
import { CodegenError } from './codegen-error.js';

export interface DocumentSource {
  /** The server's base URL, e.g. `http://localhost:8080` (a path prefix is kept). */
  readonly url: string;
  readonly service: string;
  /** Sent as `X-API-Key`. */
  readonly apiKey?: string;
  /** Sent as `Authorization: Bearer …` (an admin session token or an end-user JWT). */
  readonly token?: string;
  readonly signal?: AbortSignal;
}

/** What the generators rely on; the rest of the document is handed to openapi-typescript as it is. */
const documentShape = z.looseObject({
  openapi: z.string().regex(/^3\.1\./, 'expected an OpenAPI 3.1 document'),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.looseObject({ schemas: z.record(z.string(), z.unknown()).optional() }).optional(),
});

export type ServiceDocument = z.infer<typeof documentShape>;

const envelopeShape = z.object({ error: z.object({ message: z.string() }) });

/** The `_doc` URL of `service` under `base` (which may carry a path prefix, e.g. behind a proxy). */
export function documentUrl(base: string, service: string): string {
  return serviceUrl(base, service, '_doc');
}

/** `{base}/api/v1/{service}/{endpoint}`. */
export function serviceUrl(base: string, service: string, endpoint: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/${encodeURIComponent(service)}/${endpoint}`;
  url.search = '';
  url.hash = '';
  return url.href;
}

/** The credential headers of `source`. */
export function credentialHeaders(source: DocumentSource): Record<string, string> {
  const headers: Record<string, string> = {};
  if (source.apiKey) headers['x-api-key'] = source.apiKey;
  if (source.token) headers.authorization = `Bearer ${source.token}`;
  return headers;
}

/** Sends a request to the server and parses the JSON answer; network failures and non-JSON bodies are CodegenErrors. */
export async function requestJson(url: string, init: RequestInit): Promise<{ readonly response: Response; readonly body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    // undici puts the system error (ECONNREFUSED, ENOTFOUND…) in `cause`, sometimes inside an AggregateError.
    const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
    throw new CodegenError(`Cannot reach ${url}: ${reason}`);
  }
  const text = await response.text();
  try {
    return { response, body: JSON.parse(text) as unknown };
  } catch {
    throw new CodegenError(`${url} answered ${response.status} with a body that is not JSON: is this a Sluice server?`);
  }
}

/** The error of a non-2xx answer, with the envelope's message and a hint for 401 and 404. */
export function answerError(url: string, response: Response, body: unknown): CodegenError {
  const envelope = envelopeShape.safeParse(body);
  const message = envelope.success ? envelope.data.error.message : `status ${response.status}`;
  const hint =
    response.status === 404
      ? ' (the service does not exist, or these credentials may do nothing with it)'
      : response.status === 401
        ? ' (check --api-key or --token)'
        : '';
  return new CodegenError(`${url} answered ${response.status}: ${message}${hint}`);
}

export async function fetchServiceDocument(source: DocumentSource): Promise<ServiceDocument> {
  const url = documentUrl(source.url, source.service);
  const { response, body } = await requestJson(url, {
    headers: { accept: 'application/json', ...credentialHeaders(source) },
    ...(source.signal ? { signal: source.signal } : {}),
  });
  if (!response.ok) throw answerError(url, response, body);
  const parsed = documentShape.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CodegenError(`${url} did not answer an OpenAPI 3.1 document: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
