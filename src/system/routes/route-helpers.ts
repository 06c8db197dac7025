/**
 * Shared pieces of the System API routes: body and id validation at the edge (zod, 400 in the
 * envelope naming the field), the list envelope, and the admin requirement.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ApiError, authErrors, requestErrors } from '../../errors.js';
import type { RequestContext } from '../../executor/request-context.js';
import { contextOf } from '../../http/exchange.js';

/** Parses a JSON body with `schema`; the first problem becomes a 400 naming its field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw requestErrors.malformedBody('expected a JSON object (Content-Type: application/json)');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || 'body';
  const message = issue?.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid');
  throw new ApiError(400, `Invalid request body: ${field}: ${message}`, 'invalidBody', { field });
}

/** Parses query parameters with `schema`; the first problem becomes a 400 naming the parameter. */
export function parseQueryParams<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const parameter = String(issue?.path[0] ?? 'query');
  const message =
    issue?.code === 'unrecognized_keys' ? `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
    : issue?.code === 'invalid_type' && issue.expected === 'string' ? 'given more than once'
    : (issue?.message ?? 'invalid');
  throw requestErrors.invalidParameter(issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? parameter) : parameter, message);
}

/** A positive integer id from the path. */
export function idParam(req: Request, what: string): number {
  const raw = (req.params as Record<string, string | undefined>).id ?? '';
  if (!/^[1-9]\d{0,9}$/.test(raw)) throw requestErrors.invalidParameter('id', `expected a positive integer ${what} id`);
  return Number(raw);
}

export function nameParam(req: Request): string {
  return (req.params as Record<string, string | undefined>).name ?? '';
}

/** The request context of an admin request; 401 without credentials, 403 for anyone else. */
export function adminContext(res: Response): RequestContext & { principal: { kind: 'admin'; adminId: number; sessionId: string } } {
  const ctx = contextOf(res);
  if (ctx.principal.kind === 'anonymous') throw authErrors.noCredentials();
  if (ctx.principal.kind !== 'admin') throw authErrors.adminRequired();
  return ctx as RequestContext & { principal: { kind: 'admin'; adminId: number; sessionId: string } };
}

export function listBody<T>(resource: readonly T[]): { resource: readonly T[]; meta: { count: number } } {
  return { resource, meta: { count: resource.length } };
}

export function notFound(what: string, key: string | number): ApiError {
  return new ApiError(404, `${what} not found: ${key}`, 'notFound', { [what.toLowerCase().replace(/\s+/g, '_')]: key });
}

export function conflict(message: string, reason: string, context: Record<string, unknown> = {}): ApiError {
  return new ApiError(409, message, reason, context);
}

/** Unique-constraint violations from the store (a race between check and insert) as 409s. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** Optional non-empty string fields: absent, or trimmed non-empty (the Faucet "only non-empty fields" rule). */
export const optionalText = (max: number) => z.string().max(max).optional();
