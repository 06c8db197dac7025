/**
 * API keys:
 *   GET|POST /api/v1/system/api-key, GET|PATCH|DELETE /api/v1/system/api-key/{id}
 * The key is returned once, at creation; the store keeps only an HMAC of its secret. DELETE revokes
 * (the record stays, inactive, for the audit trail). PATCH changes the label and `allowed_tools`,
 * the key's MCP tool allow-list (null: every tool its role allows; names from auth/mcp-tools.ts).
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { MCP_TOOL_NAMES } from '../../auth/mcp-tools.js';
import { generateApiKey, hashApiKeySecret } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey, updateApiKey, type ApiKeyRecord } from '../store/api-keys-repo.js';
import { getRole } from '../store/roles-repo.js';
import { adminContext, idParam, listBody, notFound, parseBody } from './route-helpers.js';
import type { SystemDeps } from './system-deps.js';

/** An MCP tool allow-list: known tool names, each once; null lifts the restriction. */
const allowedTools = z
  .array(z.enum(MCP_TOOL_NAMES, { error: (issue) => `unknown MCP tool ${JSON.stringify(issue.input)} (tools: ${MCP_TOOL_NAMES.join(', ')})` }))
  .max(MCP_TOOL_NAMES.length)
  .refine((names) => new Set(names).size === names.length, 'names a tool more than once')
  .nullable();

const createBody = z.strictObject({
  role_id: z.number().int().positive(),
  label: z.string().max(200).optional(),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
  allowed_tools: allowedTools.optional(),
});

const updateBody = z
  .strictObject({ label: z.string().max(200).optional(), allowed_tools: allowedTools.optional() })
  .refine((body) => body.label !== undefined || body.allowed_tools !== undefined, 'give label and/or allowed_tools');

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
    allowed_tools: key.allowedTools,
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
      allowedTools: body.allowed_tools ?? null,
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

  router.patch('/api-key/:id', async (req: Request, res: Response) => {
    adminContext(res);
    const id = idParam(req, 'API key');
    const body = parseBody(updateBody, req.body);
    const key = await updateApiKey(store, id, {
      ...(body.label !== undefined ? { label: body.label } : {}),
      ...(body.allowed_tools !== undefined ? { allowedTools: body.allowed_tools } : {}),
    });
    if (!key) throw notFound('API key', id);
    cache.invalidate();
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
