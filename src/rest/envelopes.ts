/**
 * Success envelopes of the Faucet REST contract: lists are `{"resource": [...], "meta": {...}}`;
 * single resources are returned as the object itself.
 */
import type { Row } from '../dialects/dialect.js';

export interface ListMeta {
  readonly count: number;
  readonly total?: number;
  readonly limit?: number;
  readonly offset?: number;
  readonly took_ms?: number;
}

export interface ListEnvelope<T = Row> {
  readonly resource: readonly T[];
  readonly meta: ListMeta;
}

/** Milliseconds since `started` (a `performance.now()` reading), rounded to 0.01 ms. */
export function tookMs(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
