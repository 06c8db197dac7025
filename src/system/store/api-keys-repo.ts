/**
 * API keys. Only an HMAC of the secret is stored (see auth/secrets.ts); keys are looked up by their
 * public key id and revoked by deactivation, so their history stays.
 */
import type { MetaQueryable } from './meta-store.js';

export interface ApiKeyRecord {
  readonly id: number;
  readonly keyId: string;
  readonly keyPrefix: string;
  readonly secretHash: string;
  readonly label: string;
  readonly roleId: number;
  readonly isActive: boolean;
  readonly expiresAt: string | null;
  readonly createdAt: string;
  readonly lastUsed: string | null;
  readonly revokedAt: string | null;
}

interface ApiKeyRow {
  id: number;
  key_id: string;
  key_prefix: string;
  secret_hash: string;
  label: string;
  role_id: number;
  is_active: boolean;
  expires_at: string | null;
  created_at: string;
  last_used: string | null;
  revoked_at: string | null;
}

const COLUMNS = 'id, key_id, key_prefix, secret_hash, label, role_id, is_active, expires_at, created_at, last_used, revoked_at';

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    keyId: row.key_id,
    keyPrefix: row.key_prefix,
    secretHash: row.secret_hash,
    label: row.label,
    roleId: row.role_id,
    isActive: row.is_active,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    lastUsed: row.last_used,
    revokedAt: row.revoked_at,
  };
}

export async function listApiKeys(db: MetaQueryable): Promise<ApiKeyRecord[]> {
  return (await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM sluice.api_keys ORDER BY id`)).map(toRecord);
}

export async function getApiKey(db: MetaQueryable, id: number): Promise<ApiKeyRecord | undefined> {
  const [row] = await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM sluice.api_keys WHERE id = $1`, [id]);
  return row && toRecord(row);
}

export async function findApiKeyByKeyId(db: MetaQueryable, keyId: string): Promise<ApiKeyRecord | undefined> {
  const [row] = await db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM sluice.api_keys WHERE key_id = $1`, [keyId]);
  return row && toRecord(row);
}

export async function createApiKey(
  db: MetaQueryable,
  key: { keyId: string; keyPrefix: string; secretHash: string; label: string; roleId: number; expiresAt: string | null },
): Promise<ApiKeyRecord> {
  const [row] = await db.query<ApiKeyRow>(
    `INSERT INTO sluice.api_keys (key_id, key_prefix, secret_hash, label, role_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [key.keyId, key.keyPrefix, key.secretHash, key.label, key.roleId, key.expiresAt],
  );
  return toRecord(row as ApiKeyRow);
}

export async function revokeApiKey(db: MetaQueryable, id: number): Promise<ApiKeyRecord | undefined> {
  const [row] = await db.query<ApiKeyRow>(
    `UPDATE sluice.api_keys SET is_active = false, revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  return row && toRecord(row);
}

export async function touchApiKey(db: MetaQueryable, id: number): Promise<void> {
  await db.query('UPDATE sluice.api_keys SET last_used = now() WHERE id = $1', [id]);
}
