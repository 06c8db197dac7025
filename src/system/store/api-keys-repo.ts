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
  /** MCP tools the key may call; null: every tool its role allows. */
  readonly allowedTools: readonly string[] | null;
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
  allowed_tools: string[] | null;
}

const COLUMNS = 'id, key_id, key_prefix, secret_hash, label, role_id, is_active, expires_at, created_at, last_used, revoked_at, allowed_tools';

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
    allowedTools: row.allowed_tools,
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
  key: {
    keyId: string;
    keyPrefix: string;
    secretHash: string;
    label: string;
    roleId: number;
    expiresAt: string | null;
    allowedTools?: readonly string[] | null;
  },
): Promise<ApiKeyRecord> {
  const [row] = await db.query<ApiKeyRow>(
    `INSERT INTO sluice.api_keys (key_id, key_prefix, secret_hash, label, role_id, expires_at, allowed_tools)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [key.keyId, key.keyPrefix, key.secretHash, key.label, key.roleId, key.expiresAt, key.allowedTools ?? null],
  );
  return toRecord(row as ApiKeyRow);
}

/** Changes a key's label and/or MCP tool allow-list (absent fields stay); undefined when there is no such key. */
export async function updateApiKey(
  db: MetaQueryable,
  id: number,
  changes: { readonly label?: string; readonly allowedTools?: readonly string[] | null },
): Promise<ApiKeyRecord | undefined> {
  const [row] = await db.query<ApiKeyRow>(
    `UPDATE sluice.api_keys
        SET label = CASE WHEN $2 THEN $3 ELSE label END,
            allowed_tools = CASE WHEN $4 THEN $5::text[] ELSE allowed_tools END
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, changes.label !== undefined, changes.label ?? '', changes.allowedTools !== undefined, changes.allowedTools ?? null],
  );
  return row && toRecord(row);
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
