/**
 * The one place that writes error responses: `{"error": {"code", "message", "context"}}` with the
 * matching HTTP status. ApiErrors are shown as they are (their messages are safe by construction);
 * anything else is logged with the request id and answered with a generic 500 — never a stack
 * trace, SQL text or HTML page.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ApiError, asApiError, requestErrors } from '../errors.js';
import { sendJson } from './exchange.js';

/** Errors raised by express/body-parser carry a `status` and a `type`; map the ones clients cause. */
function fromFrameworkError(error: unknown): ApiError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { status?: unknown; type?: unknown; message?: unknown; limit?: unknown };
  if (e.type === 'entity.too.large') return requestErrors.bodyTooLarge(String(e.limit ?? 'the limit'));
  if (e.type === 'entity.parse.failed') return requestErrors.malformedBody('the body is not valid JSON');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return requestErrors.malformedBody('unsupported encoding');
  if (e.type === 'request.aborted') return new ApiError(400, 'The request was aborted by the client', 'requestAborted');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && typeof e.message === 'string') {
    return new ApiError(e.status, e.message, 'badRequest');
  }
  return undefined;
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return fromFrameworkError(error) ?? asApiError(error);
}

export function sendError(res: ServerResponse, error: unknown, logger: Logger, requestId: string | undefined): void {
  const apiError = toApiError(error);
  if (apiError.status >= 500) {
    logger.error({ requestId, err: apiError.cause ?? error, reason: apiError.reason }, apiError.message);
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (apiError.status === 405 && Array.isArray(apiError.context.allowed)) res.setHeader('Allow', apiError.context.allowed.join(', '));
  sendJson(res, apiError.status, apiError.toEnvelope());
}
