/**
 * Establishes the principal of every `/api/v1` request (see auth/authenticator.ts) and records it
 * in the request context. Login (`POST /api/v1/system/admin/session`) is the one route that takes no
 * credentials.
 */
import { API_KEY_QUERY_PARAMETERS, type Authenticator } from '../auth/authenticator.js';
import { contextOf, headerOf, pathOf, queryOf, type DataRequest, type DataResponse } from './exchange.js';

/** The login route, as Express matches it: any case, one trailing slash allowed. */
const LOGIN_PATH = /^\/api\/v1\/system\/admin\/session\/?$/i;

export function authenticationMiddleware(authenticator: Authenticator) {
  return async (req: DataRequest, res: DataResponse, next: (error?: unknown) => void): Promise<void> => {
    if (req.method === 'POST' && LOGIN_PATH.test(pathOf(req))) return next();
    const apiKey = headerOf(req, 'x-api-key');
    const authorization = headerOf(req, 'authorization');
    const principal = await authenticator.authenticate({
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(authorization !== undefined ? { authorization } : {}),
      apiKeyInQuery: Object.keys(queryOf(req)).some((name) => API_KEY_QUERY_PARAMETERS.includes(name.toLowerCase())),
    });
    contextOf(res).authenticateAs(principal);
    next();
  };
}
