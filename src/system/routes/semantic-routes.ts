/**
 * The semantic layer of a service (admins only):
 *   GET /api/v1/system/service/{name}/semantic   every table and column with its merged display name
 *                                                and description, and where each comes from
 *   PUT /api/v1/system/service/{name}/semantic   replaces the service's overrides (hs-sql-agent's shape)
 * A PUT naming a table or column the service does not have is refused (400 naming all of them). The
 * new values take effect at once: the registry swaps in a catalog with them merged, which every
 * surface (GraphQL, OpenAPI, schema endpoints, MCP) is built from.
 *
 * May import: catalog, system (store, registry), errors.
 */
import express, { type Request, type Response } from 'express';
import { semanticView, unknownSemanticTargets } from '../../catalog/semantic.js';
import { ApiError } from '../../errors.js';
import { getService } from '../store/services-repo.js';
import { getSemanticOverrides, putSemanticOverrides, semanticOverridesSchema } from '../store/semantic-repo.js';
import { adminContext, nameParam, notFound, parseBody } from './route-helpers.js';
import type { SystemDeps } from './system-deps.js';

export function semanticRoutes(deps: SystemDeps): express.Router {
  const router = express.Router();
  const { store, registry } = deps;

  /** The service's current catalog; 404 for a service the store does not know, 503 if it is not connected. */
  const catalogOf = async (name: string) => {
    if (!(await getService(store, name))) throw notFound('Service', name);
    return registry.snapshot(name).catalog;
  };

  router.get('/service/:name/semantic', async (req: Request, res: Response) => {
    adminContext(res);
    const name = nameParam(req);
    const catalog = await catalogOf(name);
    res.json({ service: name, ...semanticView(catalog, await getSemanticOverrides(store, name)) });
  });

  router.put('/service/:name/semantic', async (req: Request, res: Response) => {
    const ctx = adminContext(res);
    const name = nameParam(req);
    ctx.noteAudit({ service: name });
    const catalog = await catalogOf(name);
    const overrides = parseBody(semanticOverridesSchema, req.body);
    const { unknown, duplicate } = unknownSemanticTargets(catalog, overrides);
    if (unknown.length > 0) {
      throw new ApiError(400, `Invalid request body: tables: unknown table or column ${unknown.join(', ')} in service '${name}'`, 'invalidBody', {
        field: 'tables',
        unknown,
      });
    }
    if (duplicate.length > 0) {
      throw new ApiError(400, `Invalid request body: tables: ${duplicate.join(', ')} given more than once`, 'invalidBody', { field: 'tables', duplicate });
    }
    await putSemanticOverrides(store, name, overrides);
    const snapshot = await registry.reloadSemantics(name);
    res.json({ service: name, ...semanticView(snapshot.catalog, await getSemanticOverrides(store, name)) });
  });

  return router;
}
