/**
 * Streams rows as NDJSON (one JSON object per line) with backpressure: rows are pulled from a
 * database cursor chunk by chunk and written only as fast as the client reads, so a result of any
 * size never sits in memory. Headers go out with the first chunk, so an error before it still gets a
 * proper status and envelope; an error after it can only end the stream, with a last line holding
 * the error envelope.
 */
import type { ServerResponse } from 'node:http';
import type { Row } from '../dialects/dialect.js';
import { asApiError } from '../errors.js';

export const NDJSON = 'application/x-ndjson';

/** Resolves when the response can take more data, or is closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export async function streamNdjson(res: ServerResponse, chunks: AsyncIterable<Row[]>, headers: Record<string, string> = {}): Promise<void> {
  const iterator = chunks[Symbol.asyncIterator]();
  let next = await iterator.next(); // errors here propagate: nothing has been sent yet
  res.statusCode = 200;
  res.setHeader('Content-Type', `${NDJSON}; charset=utf-8`);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.flushHeaders();
  try {
    while (!next.done) {
      if (res.destroyed) break;
      const text = next.value.map((row) => JSON.stringify(row)).join('\n') + '\n';
      if (!res.write(text)) await drained(res);
      next = await iterator.next();
    }
  } catch (error) {
    if (!res.destroyed) res.write(`${JSON.stringify(asApiError(error).toEnvelope())}\n`);
    throw error;
  } finally {
    if (!next.done) await iterator.return?.();
    if (!res.destroyed) res.end();
  }
}
