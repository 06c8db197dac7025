/**
 * Roles and their access rules:
 *   GET|POST /api/v1/system/role, GET|PUT|DELETE /api/v1/system/role/{id}
 * Rules are validated before they are stored: service pattern, component, verb mask, and the row
 * filter's syntax (with `{claims.NAME}` placeholders). Updating with `access` replaces every rule.
 * Deleting a role deletes the API keys bound to it.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { validateComponent, validateServicePattern, validateVerbMask, type AccessRule } from '../../auth/access-rules.js';
import { isApiError } from '../../errors.js';
import { parseFilter } from '../../query/filter/filter-parser.js';
import { createRole, deleteRole, getRole, getRoleByName, listRoles, updateRole, type RoleRecord } from '../store/roles-repo.js';
import { adminContext, conflict, idParam, isUniqueViolation, listBody, notFound, parseBody } from './route-helpers.js';
import type { SystemDeps } from './system-deps.js';

function checked(validate: (value: never) => string | undefined) {
  return (value: unknown, ctx: z.RefinementCtx) => {
    const problem = validate(value as never);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}

/** Parses the filter with each claim placeholder standing in as a string, to catch syntax errors now. */
function checkFilter(filter: string, ctx: z.RefinementCtx): void {
  try {
    parseFilter(filter.replace(/\{claims\.[A-Za-z_][A-Za-z0-9_.]*\}/g, "''"));
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: isApiError(error) ? error.message : 'not a valid filter' });
  }
}

const ruleSchema = z
  .strictObject({
    service_name: z.string().superRefine(checked(validateServicePattern)),
    component: z.string().superRefine(checked(validateComponent)),
    verb_mask: z.number().int().superRefine(checked(validateVerbMask)),
    filter: z.string().min(1).max(8192).superRefine(checkFilter).nullable().optional(),
    fields: z.array(z.string().min(1).max(128)).max(500).nullable().optional(),
  })
  .transform(
    (r): AccessRule => ({
      serviceName: r.service_name,
      component: r.component,
      verbMask: r.verb_mask,
      ...(r.filter ? { filter: r.filter } : {}),
      ...(r.fields ? { fields: r.fields } : {}),
    }),
  );

const roleName = z.string().regex(/^[A-Za-z0-9_.-]{1,63}$/, 'letters, digits, _, . and -, at most 63');
const createBody = z.strictObject({
  name: roleName,
  description: z.string().max(1000).optional(),
  is_active: z.boolean().optional(),
  access: z.array(ruleSchema).max(500).optional(),
});
const updateBody = z.strictObject({
  name: roleName.optional(),
  description: z.string().max(1000).optional(),
  is_active: z.boolean().optional(),
  access: z.array(ruleSchema).max(500).optional(),
});

function roleJson(role: RoleRecord) {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    is_active: role.isActive,
    access: role.access.map((rule) => ({
      service_name: rule.serviceName,
      component: rule.component,
      verb_mask: rule.verbMask,
      ...(rule.filter !== undefined ? { filter: rule.filter } : {}),
      ...(rule.fields !== undefined ? { fields: rule.fields } : {}),
    })),
    created_at: role.createdAt,
    updated_at: role.updatedAt,
  };
}

export function roleRoutes(deps: SystemDeps): express.Router {
  const router = express.Router();
  const { store, cache } = deps;
  const duplicate = (name: string) => conflict(`A role named '${name}' already exists`, 'roleExists', { role: name });

  router.get('/role', async (_req: Request, res: Response) => {
    adminContext(res);
    res.json(listBody((await listRoles(store)).map(roleJson)));
  });

  router.post('/role', async (req: Request, res: Response) => {
    adminContext(res);
    const body = parseBody(createBody, req.body);
    if (await getRoleByName(store, body.name)) throw duplicate(body.name);
    try {
      const role = await store.transaction((tx) =>
        createRole(tx, { name: body.name, description: body.description ?? '', isActive: body.is_active ?? true, access: body.access ?? [] }),
      );
      cache.invalidate();
      res.status(201).json(roleJson(role));
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(body.name);
      throw error;
    }
  });

  router.get('/role/:id', async (req: Request, res: Response) => {
    adminContext(res);
    const id = idParam(req, 'role');
    const role = await getRole(store, id);
    if (!role) throw notFound('Role', id);
    res.json(roleJson(role));
  });

  router.put('/role/:id', async (req: Request, res: Response) => {
    adminContext(res);
    const id = idParam(req, 'role');
    const body = parseBody(updateBody, req.body);
    let role: RoleRecord | undefined;
    try {
      role = await store.transaction((tx) =>
        updateRole(tx, id, {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.is_active !== undefined ? { isActive: body.is_active } : {}),
          ...(body.access !== undefined ? { access: body.access } : {}),
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(body.name ?? '');
      throw error;
    }
    if (!role) throw notFound('Role', id);
    cache.invalidate();
    res.json(roleJson(role));
  });

  router.delete('/role/:id', async (req: Request, res: Response) => {
    adminContext(res);
    const id = idParam(req, 'role');
    const keys = await store.query<{ count: string }>('SELECT count(*) AS count FROM sluice.api_keys WHERE role_id = $1', [id]);
    if (!(await deleteRole(store, id))) throw notFound('Role', id);
    cache.invalidate();
    const count = Number(keys[0]?.count ?? 0);
    res.json({ success: true, message: `Role ${id} deleted${count > 0 ? `, with its ${count} API key${count === 1 ? '' : 's'}` : ''}` });
  });

  return router;
}
