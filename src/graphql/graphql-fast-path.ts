/**
 * The GraphQL fast path: a POST of JSON whose operation the caller's schema has already run is
 * executed directly — its graphql-jit compiled query, the same context, errors masked by the same
 * function, the answer (status, headers, body) made by yoga's own result processor — without
 * yoga's Fetch-API server around it.
 *
 * Why: yoga's server wraps every Node request and response in Fetch `Request`/`Response` objects and
 * runs its plugin chain through promise helpers; for a read by primary key that was about three
 * quarters of the CPU of the whole request (see BENCHMARKS.md), more than the query itself.
 *
 * What it serves is only what yoga has already accepted once for the same schema object, query text
 * and operation name: parsing, graphql-armor's limits and validation are functions of exactly these
 * (yoga's own parser and validation caches rely on the same), so their outcome is known. A caller's
 * schema is built for its role (graphql-handler.ts), so an operation accepted for one role is never
 * run on another's schema. Everything else goes through yoga as before: the first request of an
 * operation, GET, other content types, an `Accept` that picks a streaming answer, body parameters
 * other than `query`, `variables` and `operationName`, documents graphql-jit does not compile, and
 * subscriptions.
 */
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import { processRegularResult } from 'graphql-yoga';
import { memoized, setBounded } from '../collections.js';
import { headerOf, sendText, type DataRequest, type DataResponse } from '../http/exchange.js';

/** A compiled query (graphql-jit's `CompiledQuery.query`). */
export type RunCompiled = (root: unknown, context: unknown, variables: Record<string, unknown> | null | undefined) => Promise<ExecutionResult> | ExecutionResult;

/** Query texts per schema: a few hundred distinct ones is typical of an app; past this the oldest go. */
const MAX_OPERATIONS_PER_SCHEMA = 1000;

/**
 * The operations yoga has parsed, validated and compiled, per schema object, by query text and then
 * operation name (two lookups rather than one key joined from both: the text of every request is a
 * fresh string, and a joined key would copy it before hashing it).
 */
export class KnownOperations {
  readonly #bySchema = new WeakMap<GraphQLSchema, Map<string, Map<string, RunCompiled>>>();

  remember(schema: GraphQLSchema, query: string, operationName: string | null | undefined, run: RunCompiled): void {
    let operations = this.#bySchema.get(schema);
    if (!operations) {
      operations = new Map();
      this.#bySchema.set(schema, operations);
    }
    let byName = operations.get(query);
    if (!byName) {
      byName = new Map();
      setBounded(operations, query, byName, MAX_OPERATIONS_PER_SCHEMA);
    }
    const name = operationName ?? '';
    if (!byName.has(name)) byName.set(name, run);
  }

  find(schema: GraphQLSchema, query: string, operationName: string | null | undefined): RunCompiled | undefined {
    return this.#bySchema.get(schema)?.get(query)?.get(operationName ?? '');
  }
}

/** The parameters of a request the fast path may serve. */
export interface FastRequest {
  readonly query: string;
  readonly variables?: Record<string, unknown> | null;
  readonly operationName?: string | null;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `POST` with `Content-Type: application/json` (as yoga matches it), its body parsed by the API's
 * JSON body parser into an object of `query` (a string), `variables` (an object or null) and
 * `operationName` (a string or null) and nothing else; undefined for anything else.
 */
export function fastRequestOf(req: DataRequest): FastRequest | undefined {
  if (req.method !== 'POST') return undefined;
  const contentType = headerOf(req, 'content-type')?.split(',')[0];
  if (contentType !== 'application/json' && !contentType?.startsWith('application/json;')) return undefined;
  const body = req.body;
  if (!isPlainObject(body) || typeof body.query !== 'string') return undefined;
  for (const name in body) {
    const value = body[name];
    if (name === 'query') continue;
    if (name === 'variables' && (value === null || isPlainObject(value))) continue;
    if (name === 'operationName' && (value === null || typeof value === 'string')) continue;
    return undefined;
  }
  return body as unknown as FastRequest;
}

/** The media types of a single (non-streamed) GraphQL answer. */
export type MediaType = 'application/json' | 'application/graphql-response+json';

/** Yoga's result processors in the order it tries them (use-result-processor.js); the last match wins. */
const PROCESSOR_MEDIA_TYPES: readonly (readonly string[])[] = [['text/event-stream'], ['multipart/mixed'], ['application/graphql-response+json', 'application/json']];

function matches(processorType: string, requested: string): boolean {
  const [type, subtype] = processorType.split('/');
  const [askedType, askedSubtype] = requested.split('/');
  return (askedType === '*' || askedType === type) && (askedSubtype === '*' || askedSubtype === subtype);
}

/** The media type yoga answers a single (non-streamed) result in for this `Accept`, or undefined when it would stream or refuse. */
function chooseMediaType(accept: string | undefined): MediaType | undefined {
  const requested: string[] = [];
  for (const entry of (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',')) {
    const [mediaType, ...params] = entry.split(';');
    const charset = params.find((param) => param.includes('charset=')) ?? 'charset=utf-8';
    if (charset === 'charset=utf-8') requested.push(mediaType as string);
  }
  requested.reverse();
  let chosen: string | undefined;
  for (const group of PROCESSOR_MEDIA_TYPES) {
    for (const asked of requested) for (const processorType of group) if (matches(processorType, asked)) chosen = processorType;
  }
  return chosen === 'application/json' || chosen === 'application/graphql-response+json' ? chosen : undefined;
}

const mediaTypes = new Map<string, MediaType | undefined>();
const MAX_ACCEPT_VALUES = 256;

/** `chooseMediaType`, remembered per `Accept` value (clients send a handful). */
export function acceptedMediaType(req: DataRequest): MediaType | undefined {
  return memoized(mediaTypes, headerOf(req, 'accept') ?? '', MAX_ACCEPT_VALUES, chooseMediaType);
}

/** What yoga's result processor builds its response from: captured instead of a Fetch `Response`. */
class CapturedResponse {
  constructor(
    readonly body: string | null,
    readonly init: { readonly status?: number; readonly headers?: Readonly<Record<string, string>> } = {},
  ) {}
}

const CAPTURE = { Response: CapturedResponse } as unknown as Parameters<typeof processRegularResult>[1];

/** Writes `result` as yoga would: its status rules, headers and JSON (without yoga's internal extensions). */
export function sendResult(res: DataResponse, result: ExecutionResult, mediaType: MediaType): void {
  const captured = processRegularResult(result, CAPTURE, mediaType) as unknown as CapturedResponse;
  sendText(res, captured.init.status ?? 200, captured.body ?? '', captured.init.headers);
}
