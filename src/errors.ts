/**
 * The one error type every layer throws on purpose, and the envelope it is written as.
 *
 * An `ApiError` carries an HTTP status (also the envelope's numeric `code`, as the Faucet reference
 * shows `"code": 404`), a message that is safe to show to clients, a stable `reason` string that
 * tests and clients can switch on, and structured `context` (table/column names, hints). The
 * original error, if any, stays on `cause`: it is logged, never serialised.
 *
 * Anything thrown that is not an `ApiError` is unexpected: the HTTP layer answers 500 with a generic
 * message and logs the original. Errors are built by the named factories below, grouped by family
 * (PostgREST's ApiRequestError / SchemaCacheError split), never with `new ApiError` in feature code.
 *
 * Leaf module: imports nothing.
 */

export type ErrorContext = Readonly<Record<string, unknown>>;

/** `{"error": {"code", "message", "context"}}` — the shape of every error response body. */
export interface ErrorEnvelope {
  readonly error: {
    readonly code: number;
    readonly message: string;
    readonly context?: ErrorContext;
  };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status, also the envelope's `code`. */
    readonly status: number,
    message: string,
    /** Stable machine-readable reason, copied into `context.reason`. */
    readonly reason: string,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { code: this.status, message: this.message, context: { ...this.context, reason: this.reason } } };
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/** Problems with what the client sent: parameters, filter syntax, unknown names. All 400 unless said. */
export const requestErrors = {
  invalidParameter: (parameter: string, message: string, extra: ErrorContext = {}) =>
    new ApiError(400, `Invalid value for parameter '${parameter}': ${message}`, 'invalidParameter', { parameter, ...extra }),
  filterSyntax: (parameter: string, message: string, position: number) =>
    new ApiError(400, `Invalid ${parameter}: ${message} at position ${position}`, 'filterSyntax', { parameter, position }),
  filterTooComplex: (parameter: string, message: string) =>
    new ApiError(400, `Invalid ${parameter}: ${message}`, 'filterTooComplex', { parameter }),
  relationFilterUnavailable: (table: string, relation: string) =>
    new ApiError(400, `Conditions through the relation '${relation}' of '${table}' are available in reads only`, 'relationFilterUnavailable', {
      table,
      relation,
    }),
  unknownColumn: (table: string, column: string, suggestion?: string) =>
    new ApiError(
      400,
      `Unknown column '${column}' in table '${table}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
      'unknownColumn',
      suggestion ? { table, column, hint: `Did you mean '${suggestion}'?` } : { table, column },
    ),
  invalidValue: (table: string, column: string, expected: string, got: string) =>
    new ApiError(400, `Invalid value for column '${column}': expected ${expected}, got ${got}`, 'invalidValue', {
      table,
      column,
      expected,
    }),
  unsupportedOperator: (table: string, column: string, operator: string, detail: string) =>
    new ApiError(400, `Operator ${operator} cannot be used on column '${column}': ${detail}`, 'unsupportedOperator', {
      table,
      column,
      operator,
    }),
  invalidId: (table: string, message: string) =>
    new ApiError(400, `Invalid id for table '${table}': ${message}`, 'invalidId', { table }),
  noPrimaryKey: (table: string) =>
    new ApiError(400, `Table '${table}' has no primary key, so rows cannot be addressed by id`, 'noPrimaryKey', { table }),
  /**
   * The client went away while its statements ran (they are cancelled on the server). Nobody reads
   * the answer; the status is nginx's 499, for logs and request metrics.
   */
  clientClosedRequest: () => new ApiError(499, 'The client closed the request before it was answered', 'clientClosedRequest'),
  notAcceptable: (accept: string) =>
    new ApiError(406, `Cannot produce any of the requested media types: ${accept}`, 'notAcceptable', { accept }),
  methodNotAllowed: (method: string, path: string, allowed: readonly string[]) =>
    new ApiError(405, `Method ${method} is not allowed on ${path}`, 'methodNotAllowed', { method, allowed }),
  routeNotFound: (method: string, path: string) =>
    new ApiError(404, `No route for ${method} ${path}`, 'routeNotFound', { method, path }),
  unknownArgument: (procedure: string, parameter: string, suggestion?: string) =>
    new ApiError(
      400,
      `Unknown parameter '${parameter}' of '${procedure}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
      'unknownParameter',
      suggestion ? { procedure, parameter, hint: `Did you mean '${suggestion}'?` } : { procedure, parameter },
    ),
  missingArgument: (procedure: string, parameter: string) =>
    new ApiError(400, `Missing value for parameter '${parameter}' of '${procedure}', which has no default`, 'missingParameter', {
      procedure,
      parameter,
    }),
  invalidArgument: (procedure: string, parameter: string, expected: string, got: string) =>
    new ApiError(400, `Invalid value for parameter '${parameter}' of '${procedure}': expected ${expected}, got ${got}`, 'invalidValue', {
      procedure,
      parameter,
      expected,
    }),
  unsupportedCall: (procedure: string, detail: string) =>
    new ApiError(400, `'${procedure}' cannot be called through the API: ${detail}`, 'unsupportedCall', { procedure }),
  malformedBody: (message: string) => new ApiError(400, `Malformed request body: ${message}`, 'malformedBody'),
  bodyTooLarge: (limit: string) =>
    new ApiError(413, `Request body is larger than the limit of ${limit}`, 'bodyTooLarge', { limit }),
  /** Refused by Node's HTTP parser before routing (see http/client-error.ts). */
  headersTooLarge: () => new ApiError(431, 'The request line or headers are larger than the server accepts', 'headersTooLarge'),
  requestTimeout: () => new ApiError(408, 'The request was not received in time', 'requestTimeout'),
  malformedRequest: () => new ApiError(400, 'The request is not valid HTTP', 'malformedRequest'),
  invalidBody: (message: string, extra: ErrorContext = {}) => new ApiError(400, `Invalid request body: ${message}`, 'invalidBody', extra),
  tooManyRecords: (max: number, got: number) =>
    new ApiError(400, `Too many records in one request: at most ${max}, got ${got}`, 'tooManyRecords', { max, got }),
  readOnlyColumn: (table: string, column: string) =>
    new ApiError(400, `Column '${column}' of '${table}' is computed by the database and cannot be written`, 'readOnlyColumn', { table, column }),
  upsertWithoutKey: (table: string, keys: readonly (readonly string[])[]) =>
    new ApiError(
      400,
      `An upsert into '${table}' needs every record to carry the primary key or a unique key${keys.length > 0 ? ` (${keys.map((k) => `(${k.join(', ')})`).join(' or ')})` : ', and the table has none'}`,
      'upsertWithoutKey',
      { table },
    ),
  emptyWrite: (table: string) => new ApiError(400, `Nothing to write to '${table}': the record names no columns to change`, 'emptyWrite', { table }),
  unboundedWrite: (method: string, table: string) =>
    new ApiError(
      400,
      `${method} on '${table}' needs a filter, ids, or records carrying their primary key; whole-table writes are refused`,
      'unboundedWrite',
      { table, method },
    ),
  notWritable: (table: string, method: string, allowed: readonly string[]) =>
    new ApiError(405, `'${table}' does not support ${method}`, 'methodNotAllowed', { table, method, allowed }),
  /** 429; `policy` names the limit that was reached (`api` or `login`), as the RateLimit headers do. */
  rateLimited: (policy: string, limit: number, windowSeconds: number, retryAfterSeconds: number) =>
    new ApiError(
      429,
      `Too many requests: the limit is ${limit} per ${windowSeconds} s; retry in ${retryAfterSeconds} s`,
      'rateLimited',
      { policy, limit, windowSeconds, retryAfterSeconds },
    ),
};

/**
 * The same error, naming the body record it is about: `context.index` is the record's 0-based
 * position and the message starts with `Record N:`. Non-ApiErrors pass through untouched.
 */
export function withRecordIndex(error: unknown, index: number): unknown {
  if (!(error instanceof ApiError) || error.context.index !== undefined) return error;
  return new ApiError(error.status, `Record ${index}: ${error.message}`, error.reason, { ...error.context, index }, { cause: error.cause });
}

/** Names that do not resolve against a service's catalog. */
export const catalogErrors = {
  serviceNotFound: (service: string, suggestion?: string) =>
    new ApiError(
      404,
      `Service not found: ${service}`,
      'serviceNotFound',
      suggestion ? { service, hint: `Did you mean '${suggestion}'?` } : { service },
    ),
  tableNotFound: (service: string, table: string, suggestion?: string) =>
    new ApiError(
      404,
      `Table not found: ${table}`,
      'tableNotFound',
      suggestion ? { service, table, hint: `Did you mean '${suggestion}'?` } : { service, table },
    ),
  recordNotFound: (service: string, table: string, id: string) =>
    new ApiError(404, `Record not found: ${table} ${id}`, 'recordNotFound', { service, table, id }),
  procedureNotFound: (service: string, procedure: string, suggestion?: string) =>
    new ApiError(
      404,
      `Procedure not found: ${procedure}`,
      'procedureNotFound',
      suggestion ? { service, procedure, hint: `Did you mean '${suggestion}'?` } : { service, procedure },
    ),
};

/**
 * Database errors after a dialect mapped them. Messages are rewritten: SQL text, parameters and
 * DSNs go to the log (on `cause`), never into the envelope.
 */
export const dbErrors = {
  uniqueViolation: (constraint: string | undefined, detail?: string) =>
    new ApiError(409, 'Duplicate value violates a unique constraint', 'uniqueViolation', compact({ constraint, detail })),
  foreignKeyViolation: (constraint: string | undefined, detail?: string) =>
    new ApiError(409, 'Foreign key constraint violated', 'foreignKeyViolation', compact({ constraint, detail })),
  notNullViolation: (column: string | undefined) =>
    new ApiError(400, `Missing value for required column${column ? ` '${column}'` : ''}`, 'notNullViolation', compact({ column })),
  checkViolation: (constraint: string | undefined) =>
    new ApiError(400, 'Value violates a check constraint', 'checkViolation', compact({ constraint })),
  invalidData: (detail: string) => new ApiError(400, `Invalid data: ${detail}`, 'invalidData'),
  permissionDenied: (detail: string) => new ApiError(403, `The database refused access: ${detail}`, 'dbPermissionDenied'),
  unavailable: (service: string, detail: string) =>
    new ApiError(503, `Database for service '${service}' is unavailable: ${detail}`, 'databaseUnavailable', { service }),
  timeout: (service: string) =>
    new ApiError(504, `Query on service '${service}' was cancelled: statement timeout`, 'statementTimeout', { service }),
  serializationFailure: () =>
    new ApiError(409, 'Transaction could not be serialised; retry the request', 'serializationFailure'),
  /** Raw SQL (MCP `run_sql`) the database refused: the text is the caller's own, so its message is shown. */
  sqlRefused: (detail: string, code: string | undefined) =>
    new ApiError(400, `The database refused the statement: ${detail}`, 'sqlRefused', compact({ code })),
};

/**
 * Schema changes (`POST/PUT/DELETE /_schema`): what the request asked for cannot be done, before or
 * after it reached the database. `context.index` names the failing change of a multi-change PUT.
 */
export const schemaErrors = {
  unsupportedType: (type: string, detail: string, extra: ErrorContext = {}) =>
    new ApiError(400, `Unsupported column type '${type}': ${detail}`, 'unsupportedType', { type, ...extra }),
  invalidDefault: (column: string, detail: string, extra: ErrorContext = {}) =>
    new ApiError(400, `Invalid default for column '${column}': ${detail}`, 'invalidDefault', { column, ...extra }),
  invalidName: (what: string, detail: string, extra: ErrorContext = {}) =>
    new ApiError(400, `Invalid ${what} name: ${detail}`, 'invalidName', extra),
  invalidDefinition: (detail: string, extra: ErrorContext = {}) =>
    new ApiError(400, `Invalid schema change: ${detail}`, 'invalidSchemaChange', extra),
  tableExists: (service: string, table: string) =>
    new ApiError(409, `Table already exists: ${table}`, 'tableExists', { service, table }),
  columnExists: (table: string, column: string, extra: ErrorContext = {}) =>
    new ApiError(409, `Column '${column}' already exists in table '${table}'`, 'columnExists', { table, column, ...extra }),
  notATable: (table: string, kind: string) =>
    new ApiError(400, `'${table}' is a ${kind}, not a table: only tables can be changed here`, 'notATable', { table, kind }),
  /** A database refusal of DDL that the dialect recognised (the statement text stays in the log). */
  rejected: (status: number, reason: string, detail: string) => new ApiError(status, detail, reason),
  /** `error` with the position of the failing change (and how many were applied before it) added to its context. */
  atChange: (error: ApiError, index: number, applied?: number) =>
    new ApiError(
      error.status,
      error.message,
      error.reason,
      { ...error.context, index, ...(applied !== undefined ? { applied } : {}) },
      { cause: error.cause ?? error },
    ),
};

/** Unexpected failures. Only this message reaches the client; the cause is logged. */
export const internalErrors = {
  unexpected: (cause: unknown) => new ApiError(500, 'Unexpected error', 'unexpected', {}, { cause }),
};

/** The error itself when it is an ApiError, else the generic 500 that masks it (original on `cause`). */
export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : internalErrors.unexpected(error);
}

function compact(context: Record<string, string | undefined>): ErrorContext {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * Authentication (401: who are you?) and authorization (403: you may not) failures. 401 messages
 * are deliberately uninformative about *which* part of a credential was wrong: `invalidCredentials`
 * never says whether the email exists, `invalidApiKey` never says whether the key id is known.
 * `invalidToken` carries a short, fixed reason (expired, wrong audience, bad signature, …) chosen by
 * the verifier, never text copied from the token.
 */
export const authErrors = {
  noCredentials: () => new ApiError(401, 'Authentication required', 'noCredentials'),
  invalidCredentials: () => new ApiError(401, 'Invalid credentials', 'invalidCredentials'),
  invalidToken: (detail: string) => new ApiError(401, `Invalid or expired token: ${detail}`, 'invalidToken'),
  invalidApiKey: () => new ApiError(401, 'Invalid API key', 'invalidApiKey'),
  apiKeyInQuery: () => new ApiError(401, 'API keys are accepted only in the X-API-Key header', 'apiKeyInQuery'),
  forbidden: (message: string, context: ErrorContext) => new ApiError(403, message, 'forbidden', context),
  adminRequired: () => new ApiError(403, 'This endpoint requires an admin', 'adminRequired'),
  columnNotAllowed: (table: string, column: string) =>
    new ApiError(403, `Access to column '${column}' of '${table}' is not allowed`, 'columnNotAllowed', { table, column }),
  rowFilterViolation: (table: string) =>
    new ApiError(403, `The written rows would fall outside the rows of '${table}' this role may change`, 'rowFilterViolation', { table }),
  upsertUnderRowFilter: (table: string) =>
    new ApiError(403, `Upserts into '${table}' are not allowed for a role limited to some of its rows`, 'upsertUnderRowFilter', { table }),
  relatedTableNotAuthorized: (table: string) =>
    new ApiError(403, `Reading the related table '${table}' was not authorized for this request`, 'relatedTableNotAllowed', { table }),
  toolNotAllowed: (tool: string) =>
    new ApiError(403, `This API key may not call the MCP tool '${tool}' (it is not in the key's allowed_tools)`, 'toolNotAllowed', { tool }),
  rowFilterWithoutKey: (table: string) =>
    new ApiError(403, `Writing '${table}' under a row filter needs a primary key to check the written rows against it`, 'rowFilterOnInsert', { table }),
};
