/** Roles and their ordered access rules (replaced as a whole when a role is updated with `access`). */
import type { AccessRule } from '../../auth/access-rules.js';
import type { MetaQueryable } from './meta-store.js';

export interface RoleRecord {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  readonly isActive: boolean;
  readonly access: readonly AccessRule[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface RoleRow {
  id: number;
  name: string;
  description: string;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

interface AccessRow {
  role_id: number;
  service_name: string;
  component: string;
  verb_mask: number;
  filter: string | null;
  fields: string[] | null;
}

const ROLE_COLUMNS = 'id, name, description, is_active, created_at, updated_at';

function toRule(row: AccessRow): AccessRule {
  return {
    serviceName: row.service_name,
    component: row.component,
    verbMask: row.verb_mask,
    ...(row.filter !== null ? { filter: row.filter } : {}),
    ...(row.fields !== null ? { fields: row.fields } : {}),
  };
}

async function withAccess(db: MetaQueryable, rows: readonly RoleRow[]): Promise<RoleRecord[]> {
  if (rows.length === 0) return [];
  const access = await db.query<AccessRow>(
    'SELECT role_id, service_name, component, verb_mask, filter, fields FROM sluice.role_access WHERE role_id = ANY($1::int[]) ORDER BY role_id, position',
    [rows.map((r) => r.id)],
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    description: row.description,
    isActive: row.is_active,
    access: access.filter((a) => a.role_id === row.id).map(toRule),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

async function replaceAccess(db: MetaQueryable, roleId: number, access: readonly AccessRule[]): Promise<void> {
  await db.query('DELETE FROM sluice.role_access WHERE role_id = $1', [roleId]);
  for (const [position, rule] of access.entries()) {
    await db.query(
      'INSERT INTO sluice.role_access (role_id, position, service_name, component, verb_mask, filter, fields) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [roleId, position, rule.serviceName, rule.component, rule.verbMask, rule.filter ?? null, rule.fields === undefined ? null : JSON.stringify(rule.fields)],
    );
  }
}

export async function listRoles(db: MetaQueryable): Promise<RoleRecord[]> {
  return withAccess(db, await db.query<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM sluice.roles ORDER BY id`));
}

export async function getRole(db: MetaQueryable, id: number): Promise<RoleRecord | undefined> {
  const [role] = await withAccess(db, await db.query<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM sluice.roles WHERE id = $1`, [id]));
  return role;
}

export async function getRoleByName(db: MetaQueryable, name: string): Promise<RoleRecord | undefined> {
  const [role] = await withAccess(db, await db.query<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM sluice.roles WHERE name = $1`, [name]));
  return role;
}

/** Creates a role with its rules; run inside a transaction so a failing rule leaves no half role. */
export async function createRole(
  db: MetaQueryable,
  role: { name: string; description: string; isActive: boolean; access: readonly AccessRule[] },
): Promise<RoleRecord> {
  const [row] = await db.query<RoleRow>(
    `INSERT INTO sluice.roles (name, description, is_active) VALUES ($1, $2, $3) RETURNING ${ROLE_COLUMNS}`,
    [role.name, role.description, role.isActive],
  );
  const created = row as RoleRow;
  await replaceAccess(db, created.id, role.access);
  return (await getRole(db, created.id)) as RoleRecord;
}

/** Updates the given fields; `access`, when given, replaces every rule. Run inside a transaction. */
export async function updateRole(
  db: MetaQueryable,
  id: number,
  patch: { name?: string; description?: string; isActive?: boolean; access?: readonly AccessRule[] },
): Promise<RoleRecord | undefined> {
  const [row] = await db.query<RoleRow>(
    `UPDATE sluice.roles SET name = COALESCE($2, name), description = COALESCE($3, description),
       is_active = COALESCE($4, is_active), updated_at = now()
     WHERE id = $1 RETURNING ${ROLE_COLUMNS}`,
    [id, patch.name ?? null, patch.description ?? null, patch.isActive ?? null],
  );
  if (!row) return undefined;
  if (patch.access) await replaceAccess(db, id, patch.access);
  return getRole(db, id);
}

export async function deleteRole(db: MetaQueryable, id: number): Promise<boolean> {
  return (await db.query('DELETE FROM sluice.roles WHERE id = $1 RETURNING id', [id])).length > 0;
}
