/**
 * OpenAPI documents:
 *   GET /openapi.json                 every service, as far as the caller may see it
 *   GET /api/v1/{service}/_doc        one service
 *
 * Neither requires credentials (the Faucet contract lists the OpenAPI spec among the open
 * endpoints), but each describes only what the caller may do: an anonymous caller sees what the
 * anonymous role allows — with no anonymous role, `/openapi.json` has empty `paths`. `_doc`
 * answers 404 both for an unknown service and for one the caller may do nothing with, so the
 * document cannot be used to probe which services exist.
 *
 * May import: catalog, query, auth, errors, config (and http helpers for the request context).
 */
import express, { type Request, type Response } from 'express';
import type { Authorizer } from '../auth/authorizer.js';
import type { Limits } from '../config/config-schema.js';
import { catalogErrors } from '../errors.js';
import { contextOf } from '../http/exchange.js';
import type { ServiceRegistry } from '../system/service-registry.js';
import { collectAccess, isEmptyAccess, type ServiceAccess } from './access.js';
import { buildDocument } from './build-document.js';

export interface OpenApiDeps {
  readonly registry: ServiceRegistry;
  readonly authorizer: Authorizer;
  readonly limits: Limits;
}

const serverUrl = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

/** The handler of `GET /openapi.json` (mounted after authentication). */
export function openApiHandler(deps: OpenApiDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const { principal } = contextOf(res);
    const services: ServiceAccess[] = [];
    for (const name of [...deps.registry.names()].sort()) {
      // A service that is not connected has no catalog to describe: it is left out until it is.
      if (deps.registry.status(name) !== 'ok') continue;
      const access = await collectAccess(deps.authorizer, principal, deps.registry.snapshot(name).catalog);
      if (!isEmptyAccess(access)) services.push(access);
    }
    res.json(
      buildDocument(services, {
        title: 'Sluice',
        description: 'REST API of every service the caller may use',
        serverUrl: serverUrl(req),
        limits: deps.limits,
      }),
    );
  };
}

/** `GET /api/v1/{service}/_doc`. */
export function serviceDocRoutes(deps: OpenApiDeps): express.Router {
  const router = express.Router({ mergeParams: true });
  router.get('/', async (req: Request, res: Response) => {
    const { principal } = contextOf(res);
    const service = (req.params as Record<string, string>).service as string;
    if (!deps.registry.has(service)) throw catalogErrors.serviceNotFound(service);
    const access = await collectAccess(deps.authorizer, principal, deps.registry.snapshot(service).catalog);
    if (isEmptyAccess(access)) throw catalogErrors.serviceNotFound(service);
    res.json(
      buildDocument([access], {
        title: `Sluice: ${service}`,
        description: `REST API of service '${service}'`,
        serverUrl: serverUrl(req),
        limits: deps.limits,
      }),
    );
  });
  return router;
}
