/**
 * The System API (`/api/v1/system`), as the Faucet reference lays it out: admin sessions and
 * accounts, services, roles, API keys and the audit log. Everything but `POST /admin/session`
 * requires an admin. (`GET /mcp`, the MCP configuration, is mounted by create-app from src/mcp.)
 */
import express from 'express';
import { adminRoutes } from './admin-routes.js';
import { apiKeyRoutes } from './api-key-routes.js';
import { auditRoutes } from './audit-routes.js';
import { roleRoutes } from './role-routes.js';
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
  return router;
}
