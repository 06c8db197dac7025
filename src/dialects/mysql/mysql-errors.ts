/**
 * MySQL/MariaDB error numbers → ApiError (the MySQL counterpart of postgres-errors.ts). mysql2 puts
 * the failing SQL on `error.sql`: it is never copied into the envelope. Errors not listed are
 * unexpected and are masked (500) by the caller.
 */
import { ApiError, dbErrors } from '../../errors.js';

interface MysqlErrorFields {
  readonly errno?: unknown;
  readonly code?: unknown;
  readonly sqlMessage?: unknown;
  readonly sqlState?: unknown;
  readonly message?: unknown;
  readonly fatal?: unknown;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'POOL_CLOSED',
  'ER_CON_COUNT_ERROR',
]);

/** Messages whose text only describes the client's own values (column names, the offending value). */
const DATA_ERRNOS = new Set([1264, 1265, 1292, 1366, 1367, 1406, 1411, 1416, 1690, 3140, 4078, 1138, 1263]);

/** `Duplicate entry 'x' for key 'customers_email_key'` → `customers_email_key`. */
function keyName(message: string): string | undefined {
  return /for key '(?:[^'.]*\.)?([^']+)'/.exec(message)?.[1];
}

function foreignKeyName(message: string): string | undefined {
  return /CONSTRAINT `([^`]+)`/.exec(message)?.[1];
}

function columnName(message: string): string | undefined {
  return /Column '([^']+)'|Field '([^']+)'/.exec(message)?.slice(1).find(Boolean);
}

export function mapMysqlError(error: unknown, context: { readonly service: string }): ApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as MysqlErrorFields;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  const message = typeof e.sqlMessage === 'string' ? e.sqlMessage : typeof e.message === 'string' ? e.message : '';
  if (code && CONNECTION_CODES.has(code)) return dbErrors.unavailable(context.service, 'connection failed');
  switch (errno) {
    case 1062:
    case 1586:
      return dbErrors.uniqueViolation(keyName(message), message.replace(/ for key .*/, ''));
    case 1451:
    case 1452:
    case 1216:
    case 1217:
      return dbErrors.foreignKeyViolation(foreignKeyName(message));
    case 1048:
    case 1364:
      return dbErrors.notNullViolation(columnName(message));
    case 3819: // MySQL: check constraint violated
    case 4025: // MariaDB: CONSTRAINT `x` failed
      return dbErrors.checkViolation(/[Cc]onstraint '?`?([^'`]+)/.exec(message)?.[1]);
    case 1142:
    case 1143:
    case 1044:
    case 1227:
      return dbErrors.permissionDenied('insufficient privilege');
    case 1045:
    case 1040:
    case 1053:
    case 1927:
    case 2002:
    case 2003:
    case 2006:
    case 2013:
      return dbErrors.unavailable(context.service, 'the server cannot serve requests now');
    case 1146:
      return new ApiError(404, 'The table no longer exists in the database; refresh the service', 'catalogStale', {
        service: context.service,
      });
    case 1054:
      return new ApiError(400, 'A column no longer exists in the database; refresh the service', 'catalogStale', {
        service: context.service,
      });
    case 1969: // MariaDB max_statement_time
    case 3024: // MySQL max_execution_time
    case 1317: // query interrupted (KILL QUERY after a cancelled request)
      return dbErrors.timeout(context.service);
    case 1205:
    case 1213:
      return dbErrors.serializationFailure();
    case 1792:
      return new ApiError(403, 'The database refused a write in a read-only transaction', 'readOnlyTransaction');
  }
  if (errno !== undefined && DATA_ERRNOS.has(errno)) return dbErrors.invalidData(message);
  // SQLSTATE class 22 (data exception: division by zero, out of range, bad value…), as on PostgreSQL:
  // the message describes the client's own values.
  if (typeof e.sqlState === 'string' && e.sqlState.startsWith('22')) return dbErrors.invalidData(message);
  if (e.fatal === true) return dbErrors.unavailable(context.service, 'connection lost');
  return undefined;
}
