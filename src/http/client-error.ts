/**
 * Requests Node's HTTP parser refuses before express sees them (headers or URL beyond
 * `maxHeaderSize`, malformed request lines, header timeouts) are answered here, in the same error
 * envelope and with an `X-Request-ID` like every other answer, instead of Node's bare status line.
 * The connection is closed afterwards: after a parse error the stream position is unknown.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { requestErrors, type ApiError } from '../errors.js';

/** The answer to a parser error code (Node's own choices: 431 for oversized headers, 408 for timeouts). */
function errorOf(code: string | undefined): { error: ApiError; statusText: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { error: requestErrors.headersTooLarge(), statusText: 'Request Header Fields Too Large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { error: requestErrors.requestTimeout(), statusText: 'Request Timeout' };
  return { error: requestErrors.malformedRequest(), statusText: 'Bad Request' };
}

export function answerClientError(error: Error & { code?: string }, socket: Duplex, logger: Logger): void {
  // Nothing can be written to a connection that is gone or already has (part of) an answer on it.
  const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  const { error: answer, statusText } = errorOf(error.code);
  const requestId = randomUUID();
  logger.info({ requestId, code: error.code, status: answer.status }, 'refused a request the HTTP parser could not accept');
  const body = JSON.stringify(answer.toEnvelope());
  socket.end(
    `HTTP/1.1 ${answer.status} ${statusText}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-ID: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
