/**
 * The audit log, for admins:
 *   GET /api/v1/system/audit?key_id=&tool=&surface=&service=&from=&to=&page=&page_size=
 * Entries newest first, in the list envelope with paging facts in `meta`. `tool` matches an
 * entry's action exactly: an MCP tool's name, or e.g. `POST _table/orders`. `from` and `to` are ISO
 * 8601 timestamps (`from` inclusive, `to` exclusive) or dates (`to=2025-05-22` includes that day).
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { listAuditRecords, type StoredAuditRecord } from '../store/audit-repo.js';
import { adminContext, parseQueryParams } from './route-helpers.js';
import type { SystemDeps } from './system-deps.js';

const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 50;

const DAY_MS = 86_400_000;
const timestamp = z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'expected an ISO 8601 timestamp such as 2025-01-31T12:00:00Z' });
/** A date alone means its midnight UTC as a lower bound, and the whole day as an upper one (hs-sql-agent's dateTo). */
const lowerBound = timestamp.transform((text) => new Date(text));
const upperBound = timestamp.transform((text) => new Date(Date.parse(text) + (text.includes('T') ? 0 : DAY_MS)));
const positiveInt = (max: number) =>
  z
    .string()
    .regex(/^[1-9]\d{0,9}$/, 'expected a positive integer')
    .transform(Number)
    .refine((n) => n <= max, `must be at most ${max}`);

const auditQuery = z.strictObject({
  key_id: positiveInt(2_147_483_647).optional(),
  tool: z.string().min(1).max(300).optional(),
  surface: z.enum(['rest', 'graphql', 'mcp', 'system']).optional(),
  service: z.string().min(1).max(100).optional(),
  from: lowerBound.optional(),
  to: upperBound.optional(),
  page: positiveInt(1_000_000).default(1),
  page_size: positiveInt(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});

function entryJson(entry: StoredAuditRecord) {
  return {
    id: entry.id,
    time: entry.at,
    surface: entry.surface,
    principal_kind: entry.principalKind,
    principal_id: entry.principalId,
    key_id: entry.keyId,
    credential: entry.credential,
    service: entry.service,
    action: entry.action,
    target: entry.target,
    affected_rows: entry.affectedRows,
    status: entry.status,
    duration_ms: entry.durationMs,
    request_id: entry.requestId,
    client_ip: entry.clientIp,
  };
}

export function auditRoutes(deps: SystemDeps): express.Router {
  const router = express.Router();

  router.get('/audit', async (req: Request, res: Response) => {
    adminContext(res);
    const query = parseQueryParams(auditQuery, req.query);
    const { records, total } = await listAuditRecords(deps.store, {
      ...(query.key_id !== undefined ? { keyId: query.key_id } : {}),
      ...(query.tool !== undefined ? { action: query.tool } : {}),
      ...(query.surface !== undefined ? { surface: query.surface } : {}),
      ...(query.service !== undefined ? { service: query.service } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      limit: query.page_size,
      offset: (query.page - 1) * query.page_size,
    });
    const resource = records.map(entryJson);
    res.json({ resource, meta: { count: resource.length, page: query.page, page_size: query.page_size, total } });
  });

  return router;
}
