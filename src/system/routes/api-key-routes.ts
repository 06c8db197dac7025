/**
 * API keys:
 *   GET|POST /api/v1/system/api-key, GET|DELETE /api/v1/system/api-key/{id}
 * The key is returned once, at creation; the store keeps only an HMAC of its secret. DELETE revokes
 * (the record stays, inactive, for the audit trail).
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { generateApiKey, hashApiKeySecret } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey, type ApiKeyRecord } from '../store/api-keys-repo.js';
import { getRole } from '../store/roles-repo.js';
import { adminContext, idParam, listBody, notFound, parseBody } from './route-helpers.js';
import type { SystemDeps } from './system-deps.js';

const createBody = z.strictObject({
  role_id: z.number().int().positive(),
  label: z.string().max(200).optional(),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
});

function keyJson(key: ApiKeyRecord) {
  return {
    id: key.id,
    key_prefix: key.keyPrefix,
    label: key.label,
    role_id: key.roleId,
    is_active: key.isActive,
    created_at: key.createdAt,
    last_used: key.lastUsed,
    expires_at: key.expiresAt,
    revoked_at: key.revokedAt,
  };
}

export function apiKeyRoutes(deps: SystemDeps): express.Router {
  const router = express.Router();
  const { store, cache, keyring, config } = deps;

  router.get('/api-key', async (_req: Request, res: Response) => {
    adminContext(res);
    res.json(listBody((await listApiKeys(store)).map(keyJson)));
  });

  router.post('/api-key', async (req: Request, res: Response) => {
    adminContext(res);
    const body = parseBody(createBody, req.body);
    if (!(await getRole(store, body.role_id))) {
      throw new ApiError(400, `Invalid request body: role_id: no role with id ${body.role_id}`, 'invalidBody', { field: 'role_id' });
    }
    if (body.expires_at && new Date(body.expires_at) <= new Date()) {
      throw new ApiError(400, 'Invalid request body: expires_at: must be in the future', 'invalidBody', { field: 'expires_at' });
    }
    const generated = generateApiKey(config.apiKeyPrefix);
    const key = await createApiKey(store, {
      keyId: generated.keyId,
      keyPrefix: generated.displayPrefix,
      secretHash: hashApiKeySecret(keyring, generated.keyId, generated.secret),
      label: body.label ?? '',
      roleId: body.role_id,
      expiresAt: body.expires_at ? new Date(body.expires_at).toISOString() : null,
    });
    res.status(201).json({ ...keyJson(key), api_key: generated.plaintext });
  });

  router.get('/api-key/:id', async (req: Request, res: Response) => {
    adminContext(res);
    const id = idParam(req, 'API key');
    const key = await getApiKey(store, id);
    if (!key) throw notFound('API key', id);
    res.json(keyJson(key));
  });

  router.delete('/api-key/:id', async (req: Request, res: Response) => {
    adminContext(res);
    const id = idParam(req, 'API key');
    const key = await revokeApiKey(store, id);
    if (!key) throw notFound('API key', id);
    cache.invalidate();
    res.json({ success: true, message: `API key ${id} revoked` });
  });

  return router;
}
