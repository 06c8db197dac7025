/**
 * Query-string and path helpers shared by the REST route modules: each parameter is checked at the
 * edge with zod (a string, given at most once, within a size limit) before anything parses it.
 */
import { z } from 'zod';
import type { Limits } from '../config/config-schema.js';
import { requestErrors } from '../errors.js';
import type { ReadLimits } from '../query/rest-params.js';

const MAX_PARAM_LENGTH = 1_000_000;
export const text = z.string().max(MAX_PARAM_LENGTH, 'is too long');
export const count = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a non-negative integer')
  .transform(Number);
export const flag = z
  .enum(['true', 'false', '1', '0', ''], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const parameter = String(issue?.path[0] ?? 'query');
  const message = issue?.code === 'invalid_type' && issue.expected === 'string' ? 'given more than once' : (issue?.message ?? 'invalid');
  throw requestErrors.invalidParameter(parameter, message);
}

export function readLimits(limits: Limits): ReadLimits {
  return {
    defaultLimit: limits.defaultLimit,
    maxLimit: limits.maxLimit,
    filter: {
      maxLength: limits.filterMaxLength,
      maxDepth: limits.filterMaxDepth,
      maxInListSize: limits.inListMaxSize,
      maxPredicates: limits.maxPredicates,
    },
  };
}

/** `fields`, or its PostgREST name `select` (not both). */
export function selectedFields(query: { readonly fields?: string | undefined; readonly select?: string | undefined }): string | undefined {
  if (query.fields !== undefined && query.select !== undefined) throw requestErrors.invalidParameter('select', 'give fields or select, not both');
  return query.fields ?? query.select;
}
