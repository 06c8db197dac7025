/**
 * SQLSTATE → ApiError, a reviewed table in the spirit of PostgREST's mapSQLtoHTTP. Messages are
 * rewritten or taken from fields that describe the client's own data (`detail` of a unique
 * violation); the SQL text, parameters and connection strings never reach the envelope. Errors not
 * listed here are unexpected and are masked (500) by the caller.
 */
import { ApiError, dbErrors } from '../../errors.js';

interface PgErrorFields {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly detail?: unknown;
  readonly constraint?: unknown;
  readonly column?: unknown;
  readonly table?: unknown;
}

const CONNECTION_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function mapPostgresError(error: unknown, context: { readonly service: string }): ApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as PgErrorFields;
  const code = str(e.code);
  const message = str(e.message) ?? '';
  if (code && CONNECTION_ERRNO.has(code)) return dbErrors.unavailable(context.service, 'connection failed');
  if (/Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message)) {
    return dbErrors.unavailable(context.service, 'connection lost');
  }
  if (!code || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  switch (code) {
    case '23505':
      return dbErrors.uniqueViolation(str(e.constraint), str(e.detail));
    case '23503':
      return dbErrors.foreignKeyViolation(str(e.constraint), str(e.detail));
    case '23502':
      return dbErrors.notNullViolation(str(e.column));
    case '23514':
    case '23P01':
      return dbErrors.checkViolation(str(e.constraint));
    case '42501':
      return dbErrors.permissionDenied('insufficient privilege');
    case '42P01':
      return new ApiError(404, 'The table no longer exists in the database; refresh the service', 'catalogStale', {
        service: context.service,
      });
    case '42703':
      return new ApiError(400, 'A column no longer exists in the database; refresh the service', 'catalogStale', {
        service: context.service,
      });
    case '57014':
      return dbErrors.timeout(context.service);
    case '40001':
    case '40P01':
      return dbErrors.serializationFailure();
    case '25006':
      return new ApiError(403, 'The database is in read-only mode', 'readOnlyTransaction');
  }
  const klass = code.slice(0, 2);
  // 22: data exceptions (bad input syntax, out of range, invalid datetime…): the message names the
  // offending value and type, which the client sent.
  if (klass === '22') return dbErrors.invalidData(message);
  if (klass === '08' || klass === '53' || klass === '57') return dbErrors.unavailable(context.service, 'the server cannot serve requests now');
  if (klass === '54') return new ApiError(400, 'The request exceeds a database limit', 'programLimitExceeded');
  return undefined;
}
