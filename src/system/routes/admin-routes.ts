/**
 * Admin sessions and accounts:
 *   POST   /api/v1/system/admin/session   email + password → session token (no authentication)
 *   DELETE /api/v1/system/admin/session   ends the session of the presented token
 *   GET|POST /api/v1/system/admin, GET|PUT|DELETE /api/v1/system/admin/{id}
 * Wrong email and wrong password get the same 401 after the same work (a dummy hash is verified
 * for unknown emails). Deactivating an admin, changing its password or deleting it ends its
 * sessions; the last active admin cannot be deactivated or deleted.
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { signAdminToken } from '../../auth/admin-tokens.js';
import { dummyPasswordHash, hashPassword, validatePassword, verifyPassword } from '../../auth/secrets.js';
import { ApiError, authErrors } from '../../errors.js';
import {
  countActiveAdmins,
  createAdmin,
  createSession,
  deleteAdmin,
  findAdminByEmail,
  getAdmin,
  listAdmins,
  recordLogin,
  revokeAdminSessions,
  revokeSession,
  updateAdmin,
  type AdminRecord,
} from '../store/admins-repo.js';
import { contextOf } from '../../http/exchange.js';
import { adminContext, conflict, idParam, isUniqueViolation, listBody, notFound, parseBody } from './route-helpers.js';
import type { SystemDeps } from './system-deps.js';

function adminJson(admin: AdminRecord) {
  return {
    id: admin.id,
    email: admin.email,
    name: admin.name,
    is_active: admin.isActive,
    created_at: admin.createdAt,
    updated_at: admin.updatedAt,
    last_login_at: admin.lastLoginAt,
  };
}

const password = z.string().refine((p) => validatePassword(p) === undefined, { message: 'must be 8 to 1024 characters' });
const loginBody = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });
const createBody = z.strictObject({ email: z.email().max(320), password, name: z.string().max(200).optional() });
const updateBody = z.strictObject({
  email: z.email().max(320).optional(),
  password: password.optional(),
  name: z.string().max(200).optional(),
  is_active: z.boolean().optional(),
});

export function adminRoutes(deps: SystemDeps): express.Router {
  const router = express.Router();
  const { store, cache } = deps;

  router.post('/admin/session', async (req: Request, res: Response) => {
    const body = parseBody(loginBody, req.body);
    const admin = await findAdminByEmail(store, body.email);
    const ok = await verifyPassword(body.password, admin?.passwordHash ?? (await dummyPasswordHash()));
    if (!admin || !ok || !admin.isActive) throw authErrors.invalidCredentials();
    const sessionId = randomUUID();
    const { token, expiresAt } = await signAdminToken(deps.adminTokens, { adminId: String(admin.id), sessionId, email: admin.email });
    await createSession(store, { id: sessionId, adminId: admin.id, expiresAt });
    contextOf(res).noteAudit({ principal: { kind: 'admin', adminId: admin.id, sessionId } });
    await recordLogin(store, admin.id);
    res.json({
      session_token: token,
      token_type: 'bearer',
      expires_in: deps.adminTokens.ttlSeconds,
      admin_id: admin.id,
      email: admin.email,
      name: admin.name,
    });
  });

  router.delete('/admin/session', async (_req: Request, res: Response) => {
    const ctx = adminContext(res);
    await revokeSession(store, ctx.principal.sessionId);
    cache.invalidate();
    res.json({ success: true, message: 'Session invalidated' });
  });

  router.get('/admin', async (_req: Request, res: Response) => {
    adminContext(res);
    res.json(listBody((await listAdmins(store)).map(adminJson)));
  });

  router.post('/admin', async (req: Request, res: Response) => {
    adminContext(res);
    const body = parseBody(createBody, req.body);
    if (await findAdminByEmail(store, body.email)) throw conflict(`An admin with email ${body.email.toLowerCase()} already exists`, 'adminExists');
    try {
      const admin = await createAdmin(store, { email: body.email, name: body.name ?? '', passwordHash: await hashPassword(body.password) });
      res.status(201).json(adminJson(admin));
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`An admin with email ${body.email.toLowerCase()} already exists`, 'adminExists');
      throw error;
    }
  });

  router.get('/admin/:id', async (req: Request, res: Response) => {
    adminContext(res);
    const id = idParam(req, 'admin');
    const admin = await getAdmin(store, id);
    if (!admin) throw notFound('Admin', id);
    res.json(adminJson(admin));
  });

  router.put('/admin/:id', async (req: Request, res: Response) => {
    adminContext(res);
    const id = idParam(req, 'admin');
    const body = parseBody(updateBody, req.body);
    const existing = await getAdmin(store, id);
    if (!existing) throw notFound('Admin', id);
    if (body.is_active === false && existing.isActive && (await countActiveAdmins(store)) <= 1) {
      throw conflict('The last active admin cannot be deactivated', 'lastAdmin');
    }
    let updated: AdminRecord | undefined;
    try {
      updated = await updateAdmin(store, id, {
        ...(body.email !== undefined ? { email: body.email } : {}),
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.is_active !== undefined ? { isActive: body.is_active } : {}),
        ...(body.password !== undefined ? { passwordHash: await hashPassword(body.password) } : {}),
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('Another admin has this email', 'adminExists');
      throw error;
    }
    if (body.is_active === false || body.password !== undefined) await revokeAdminSessions(store, id);
    cache.invalidate();
    res.json(adminJson(updated as AdminRecord));
  });

  router.delete('/admin/:id', async (req: Request, res: Response) => {
    adminContext(res);
    const id = idParam(req, 'admin');
    const existing = await getAdmin(store, id);
    if (!existing) throw notFound('Admin', id);
    if (existing.isActive && (await countActiveAdmins(store)) <= 1) throw conflict('The last active admin cannot be deleted', 'lastAdmin');
    if (!(await deleteAdmin(store, id))) throw new ApiError(404, `Admin not found: ${id}`, 'notFound');
    cache.invalidate();
    res.json({ success: true, message: `Admin ${id} deleted` });
  });

  return router;
}
