/**
 * Establishes the principal of every `/api/v1` request (see auth/authenticator.ts) and records it
 * in the request context. Login (`POST /system/admin/session`) is the one route that takes no
 * credentials.
 */
import type { NextFunction, Request, Response } from 'express';
import { API_KEY_QUERY_PARAMETERS, type Authenticator } from '../auth/authenticator.js';
import { contextOf } from './request-context-middleware.js';

export function authenticationMiddleware(authenticator: Authenticator) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.method === 'POST' && req.path === '/system/admin/session') return next();
    const principal = await authenticator.authenticate({
      ...(req.get('x-api-key') !== undefined ? { apiKey: req.get('x-api-key') as string } : {}),
      ...(req.get('authorization') !== undefined ? { authorization: req.get('authorization') as string } : {}),
      apiKeyInQuery: Object.keys(req.query as Record<string, unknown>).some((name) => API_KEY_QUERY_PARAMETERS.includes(name.toLowerCase())),
    });
    contextOf(res).authenticateAs(principal);
    next();
  };
}
