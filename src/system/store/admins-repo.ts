/** Admin accounts and their sessions (one row per issued session token, so logout can revoke it). */
import type { MetaQueryable } from './meta-store.js';

export interface AdminRecord {
  readonly id: number;
  readonly email: string;
  readonly name: string;
  readonly passwordHash: string;
  readonly isActive: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastLoginAt: string | null;
}

export interface SessionRecord {
  readonly id: string;
  readonly adminId: number;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

interface AdminRow {
  id: number;
  email: string;
  name: string;
  password_hash: string;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

const COLUMNS = 'id, email, name, password_hash, is_active, created_at, updated_at, last_login_at';

function toRecord(row: AdminRow): AdminRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    isActive: row.is_active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
  };
}

/** Emails are stored lower-cased and compared that way. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function listAdmins(db: MetaQueryable): Promise<AdminRecord[]> {
  return (await db.query<AdminRow>(`SELECT ${COLUMNS} FROM sluice.admins ORDER BY id`)).map(toRecord);
}

export async function getAdmin(db: MetaQueryable, id: number): Promise<AdminRecord | undefined> {
  const [row] = await db.query<AdminRow>(`SELECT ${COLUMNS} FROM sluice.admins WHERE id = $1`, [id]);
  return row && toRecord(row);
}

export async function findAdminByEmail(db: MetaQueryable, email: string): Promise<AdminRecord | undefined> {
  const [row] = await db.query<AdminRow>(`SELECT ${COLUMNS} FROM sluice.admins WHERE email = $1`, [normalizeEmail(email)]);
  return row && toRecord(row);
}

export async function createAdmin(db: MetaQueryable, admin: { email: string; name: string; passwordHash: string }): Promise<AdminRecord> {
  const [row] = await db.query<AdminRow>(
    `INSERT INTO sluice.admins (email, name, password_hash) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
    [normalizeEmail(admin.email), admin.name, admin.passwordHash],
  );
  return toRecord(row as AdminRow);
}

export async function updateAdmin(
  db: MetaQueryable,
  id: number,
  patch: { name?: string; passwordHash?: string; isActive?: boolean; email?: string },
): Promise<AdminRecord | undefined> {
  const [row] = await db.query<AdminRow>(
    `UPDATE sluice.admins SET
       name = COALESCE($2, name),
       password_hash = COALESCE($3, password_hash),
       is_active = COALESCE($4, is_active),
       email = COALESCE($5, email),
       updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, patch.name ?? null, patch.passwordHash ?? null, patch.isActive ?? null, patch.email === undefined ? null : normalizeEmail(patch.email)],
  );
  return row && toRecord(row);
}

export async function deleteAdmin(db: MetaQueryable, id: number): Promise<boolean> {
  return (await db.query('DELETE FROM sluice.admins WHERE id = $1 RETURNING id', [id])).length > 0;
}

export async function countActiveAdmins(db: MetaQueryable): Promise<number> {
  const [row] = await db.query<{ count: string }>('SELECT count(*) AS count FROM sluice.admins WHERE is_active');
  return Number(row?.count ?? 0);
}

export async function recordLogin(db: MetaQueryable, adminId: number): Promise<void> {
  await db.query('UPDATE sluice.admins SET last_login_at = now() WHERE id = $1', [adminId]);
}

export async function createSession(db: MetaQueryable, session: { id: string; adminId: number; expiresAt: Date }): Promise<void> {
  await db.query('INSERT INTO sluice.admin_sessions (id, admin_id, expires_at) VALUES ($1, $2, $3)', [session.id, session.adminId, session.expiresAt.toISOString()]);
  // Expired sessions are dead weight: clear this admin's while we are here.
  await db.query('DELETE FROM sluice.admin_sessions WHERE admin_id = $1 AND expires_at < now()', [session.adminId]);
}

export async function findSession(db: MetaQueryable, id: string): Promise<SessionRecord | undefined> {
  const [row] = await db.query<{ id: string; admin_id: number; expires_at: string; revoked_at: string | null }>(
    'SELECT id, admin_id, expires_at, revoked_at FROM sluice.admin_sessions WHERE id = $1',
    [id],
  );
  return row && { id: row.id, adminId: row.admin_id, expiresAt: row.expires_at, revokedAt: row.revoked_at };
}

export async function revokeSession(db: MetaQueryable, id: string): Promise<void> {
  await db.query('UPDATE sluice.admin_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
}

export async function revokeAdminSessions(db: MetaQueryable, adminId: number): Promise<void> {
  await db.query('UPDATE sluice.admin_sessions SET revoked_at = now() WHERE admin_id = $1 AND revoked_at IS NULL', [adminId]);
}
