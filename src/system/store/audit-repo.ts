/**
 * The audit log table (`sluice.audit_log`): batched inserts, filtered pages newest first, and
 * pruning by age. Rows hold who did what, where, and how it ended — never secrets or row data
 * (system/audit-log.ts decides what goes in).
 */
import type { MetaQueryable } from './meta-store.js';

export type AuditSurface = 'rest' | 'graphql' | 'mcp' | 'system';

/** What a request presented to prove who it is (not whether it worked). */
export type AuditCredential = 'none' | 'apiKey' | 'bearer' | 'password';

export interface AuditRecord {
  readonly at: Date;
  readonly surface: AuditSurface;
  /** `anonymous`, `apiKey`, `admin` or `user`: who authentication established (anonymous when it failed). */
  readonly principalKind: string;
  /** The admin id, API key id or end-user subject, as text; null when anonymous. */
  readonly principalId: string | null;
  /** The API key's record id (as the System API shows it), never the key itself. */
  readonly keyId: number | null;
  readonly credential: AuditCredential;
  readonly service: string | null;
  /** What was asked: `POST _table/orders`, `PUT system/role/3`, or an MCP tool's name. */
  readonly action: string;
  /** The table or procedure the action addressed, when it addressed one. */
  readonly target: string | null;
  readonly affectedRows: number | null;
  readonly status: number;
  readonly durationMs: number;
  readonly requestId: string;
  readonly clientIp: string | null;
}

export interface StoredAuditRecord extends Omit<AuditRecord, 'at'> {
  readonly id: number;
  readonly at: string;
}

export interface AuditQuery {
  readonly keyId?: number;
  /** Matches `action` exactly (an MCP tool name, or e.g. `POST _table/orders`). */
  readonly action?: string;
  readonly surface?: AuditSurface;
  readonly service?: string;
  /** Inclusive lower and exclusive upper bound of `at`. */
  readonly from?: Date;
  readonly to?: Date;
  readonly limit: number;
  readonly offset: number;
}

const COLUMNS = [
  'at',
  'surface',
  'principal_kind',
  'principal_id',
  'key_id',
  'credential',
  'service',
  'action',
  'target',
  'affected_rows',
  'status',
  'duration_ms',
  'request_id',
  'client_ip',
] as const;

interface AuditRow {
  id: string | number;
  at: string | Date;
  surface: AuditSurface;
  principal_kind: string;
  principal_id: string | null;
  key_id: number | null;
  credential: AuditCredential;
  service: string | null;
  action: string;
  target: string | null;
  affected_rows: number | null;
  status: number;
  duration_ms: number | string;
  request_id: string;
  client_ip: string | null;
}

function values(record: AuditRecord): unknown[] {
  return [
    record.at.toISOString(),
    record.surface,
    record.principalKind,
    record.principalId,
    record.keyId,
    record.credential,
    record.service,
    record.action,
    record.target,
    record.affectedRows,
    record.status,
    record.durationMs,
    record.requestId,
    record.clientIp,
  ];
}

/** Inserts `records` in one statement (the caller keeps batches small enough for the parameter limit). */
export async function insertAuditRecords(db: MetaQueryable, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const params: unknown[] = [];
  const tuples = records.map((record) => {
    const start = params.length;
    params.push(...values(record));
    return `(${COLUMNS.map((_, i) => `$${start + i + 1}`).join(', ')})`;
  });
  await db.query(`INSERT INTO sluice.audit_log (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params);
}

function where(query: AuditQuery): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    params.push(value);
    conditions.push(condition.replace('?', `$${params.length}`));
  };
  if (query.keyId !== undefined) add('key_id = ?', query.keyId);
  if (query.action !== undefined) add('action = ?', query.action);
  if (query.surface !== undefined) add('surface = ?', query.surface);
  if (query.service !== undefined) add('service = ?', query.service);
  if (query.from !== undefined) add('at >= ?', query.from.toISOString());
  if (query.to !== undefined) add('at < ?', query.to.toISOString());
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/** One page of entries matching `query`, newest first, and how many match in all. */
export async function listAuditRecords(db: MetaQueryable, query: AuditQuery): Promise<{ records: StoredAuditRecord[]; total: number }> {
  const filter = where(query);
  const n = filter.params.length;
  const rows = await db.query<AuditRow>(
    `SELECT id, ${COLUMNS.join(', ')} FROM sluice.audit_log ${filter.sql} ORDER BY at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...filter.params, query.limit, query.offset],
  );
  const [count] = await db.query<{ total: string | number }>(`SELECT count(*) AS total FROM sluice.audit_log ${filter.sql}`, filter.params);
  return { records: rows.map(toStored), total: Number(count?.total ?? 0) };
}

/** Deletes entries older than `before`; returns how many. */
export async function pruneAuditRecords(db: MetaQueryable, before: Date): Promise<number> {
  const [row] = await db.query<{ deleted: string | number }>(
    'WITH gone AS (DELETE FROM sluice.audit_log WHERE at < $1 RETURNING 1) SELECT count(*) AS deleted FROM gone',
    [before.toISOString()],
  );
  return Number(row?.deleted ?? 0);
}

function toStored(row: AuditRow): StoredAuditRecord {
  return {
    id: Number(row.id),
    at: (row.at instanceof Date ? row.at : new Date(row.at)).toISOString(),
    surface: row.surface,
    principalKind: row.principal_kind,
    principalId: row.principal_id,
    keyId: row.key_id,
    credential: row.credential,
    service: row.service,
    action: row.action,
    target: row.target,
    affectedRows: row.affected_rows,
    status: row.status,
    durationMs: Number(row.duration_ms),
    requestId: row.request_id,
    clientIp: row.client_ip,
  };
}
