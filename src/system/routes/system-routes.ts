/**
 * The System API (`/api/v1/system`), as the Faucet reference lays it out: admin sessions and
 * accounts, services, roles, API keys, the audit log, and the MCP configuration (501 until MCP
 * exists). Everything but `POST /admin/session` requires an admin.
 */
import express, { type Request, type Response } from 'express';
import { ApiError } from '../../errors.js';
import { adminRoutes } from './admin-routes.js';
import { apiKeyRoutes } from './api-key-routes.js';
import { auditRoutes } from './audit-routes.js';
import { roleRoutes } from './role-routes.js';
import { adminContext } from './route-helpers.js';
import { semanticRoutes } from './semantic-routes.js';
import { serviceRoutes } from './service-routes.js';
import type { SystemDeps } from './system-deps.js';

export type { SystemDeps } from './system-deps.js';

export function systemRoutes(deps: SystemDeps): express.Router {
  const router = express.Router();
  router.use(adminRoutes(deps));
  router.use(serviceRoutes(deps));
  router.use(semanticRoutes(deps));
  router.use(roleRoutes(deps));
  router.use(apiKeyRoutes(deps));
  router.use(auditRoutes(deps));
  router.get('/mcp', (_req: Request, res: Response) => {
    adminContext(res);
    throw new ApiError(501, 'The MCP server is not available yet', 'notImplemented');
  });
  return router;
}
