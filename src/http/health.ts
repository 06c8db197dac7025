/**
 * Probes, without authentication: `/healthz` (liveness: the process answers) and `/readyz`
 * (readiness: every service's database answers a ping; 503 with per-service status otherwise).
 */
import express, { type Request, type Response } from 'express';
import type { ServiceRegistry } from '../system/service-registry.js';

export function healthRoutes(registry: ServiceRegistry): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req: Request, res: Response) => {
    const { ok, checks } = await registry.readiness();
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks });
  });
  return router;
}
