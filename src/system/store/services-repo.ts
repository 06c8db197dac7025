/**
 * Database services. The DSN is stored sealed (AES-256-GCM, see auth/secrets.ts) and only the
 * service registry unseals it; no record shape returned to the API carries it.
 */
import type { MetaQueryable } from './meta-store.js';

export type ServiceDriverName = 'postgres' | 'mysql' | 'mariadb' | 'pglite';

export interface ServiceRecord {
  readonly id: number;
  readonly name: string;
  readonly label: string;
  readonly driver: ServiceDriverName;
  readonly dsnSealed: string;
  readonly schemaName: string | null;
  readonly readOnly: boolean;
  readonly rawSqlAllowed: boolean;
  readonly isActive: boolean;
  readonly poolSize: number | null;
  readonly statementTimeoutMs: number | null;
  /** `config`: from flags/env/config file, rewritten at every start; `api`: created through the System API. */
  readonly source: 'config' | 'api';
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type ServiceInput = Omit<ServiceRecord, 'id' | 'createdAt' | 'updatedAt'>;

interface ServiceRow {
  id: number;
  name: string;
  label: string;
  driver: ServiceDriverName;
  dsn_sealed: string;
  schema_name: string | null;
  read_only: boolean;
  raw_sql_allowed: boolean;
  is_active: boolean;
  pool_size: number | null;
  statement_timeout_ms: number | null;
  source: 'config' | 'api';
  created_at: string;
  updated_at: string;
}

const COLUMNS =
  'id, name, label, driver, dsn_sealed, schema_name, read_only, raw_sql_allowed, is_active, pool_size, statement_timeout_ms, source, created_at, updated_at';

function toRecord(row: ServiceRow): ServiceRecord {
  return {
    id: row.id,
    name: row.name,
    label: row.label,
    driver: row.driver,
    dsnSealed: row.dsn_sealed,
    schemaName: row.schema_name,
    readOnly: row.read_only,
    rawSqlAllowed: row.raw_sql_allowed,
    isActive: row.is_active,
    poolSize: row.pool_size,
    statementTimeoutMs: row.statement_timeout_ms,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function values(s: ServiceInput): unknown[] {
  return [s.name, s.label, s.driver, s.dsnSealed, s.schemaName, s.readOnly, s.rawSqlAllowed, s.isActive, s.poolSize, s.statementTimeoutMs, s.source];
}

export async function listServices(db: MetaQueryable): Promise<ServiceRecord[]> {
  return (await db.query<ServiceRow>(`SELECT ${COLUMNS} FROM sluice.services ORDER BY name`)).map(toRecord);
}

export async function getService(db: MetaQueryable, name: string): Promise<ServiceRecord | undefined> {
  const [row] = await db.query<ServiceRow>(`SELECT ${COLUMNS} FROM sluice.services WHERE name = $1`, [name]);
  return row && toRecord(row);
}

export async function createService(db: MetaQueryable, service: ServiceInput): Promise<ServiceRecord> {
  const [row] = await db.query<ServiceRow>(
    `INSERT INTO sluice.services (name, label, driver, dsn_sealed, schema_name, read_only, raw_sql_allowed, is_active, pool_size, statement_timeout_ms, source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
    values(service),
  );
  return toRecord(row as ServiceRow);
}

/** Inserts or overwrites a service by name (config-sourced services are rewritten at every start). */
export async function upsertService(db: MetaQueryable, service: ServiceInput): Promise<ServiceRecord> {
  const [row] = await db.query<ServiceRow>(
    `INSERT INTO sluice.services (name, label, driver, dsn_sealed, schema_name, read_only, raw_sql_allowed, is_active, pool_size, statement_timeout_ms, source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (name) DO UPDATE SET label = EXCLUDED.label, driver = EXCLUDED.driver, dsn_sealed = EXCLUDED.dsn_sealed,
       schema_name = EXCLUDED.schema_name, read_only = EXCLUDED.read_only, raw_sql_allowed = EXCLUDED.raw_sql_allowed,
       is_active = EXCLUDED.is_active, pool_size = EXCLUDED.pool_size, statement_timeout_ms = EXCLUDED.statement_timeout_ms,
       source = EXCLUDED.source, updated_at = now()
     RETURNING ${COLUMNS}`,
    values(service),
  );
  return toRecord(row as ServiceRow);
}

export async function updateService(db: MetaQueryable, name: string, service: ServiceInput): Promise<ServiceRecord | undefined> {
  const [row] = await db.query<ServiceRow>(
    `UPDATE sluice.services SET name = $1, label = $2, driver = $3, dsn_sealed = $4, schema_name = $5, read_only = $6,
       raw_sql_allowed = $7, is_active = $8, pool_size = $9, statement_timeout_ms = $10, source = $11, updated_at = now()
     WHERE name = $12 RETURNING ${COLUMNS}`,
    [...values(service), name],
  );
  return row && toRecord(row);
}

export async function deleteService(db: MetaQueryable, name: string): Promise<boolean> {
  return (await db.query('DELETE FROM sluice.services WHERE name = $1 RETURNING id', [name])).length > 0;
}

/** Removes config-sourced services that the current configuration no longer names. */
export async function deleteConfigServicesExcept(db: MetaQueryable, keep: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `DELETE FROM sluice.services WHERE source = 'config' AND NOT (name = ANY($1::text[])) RETURNING name`,
    [keep],
  );
  return rows.map((r) => r.name);
}
