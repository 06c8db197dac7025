/**
 * Semantic-layer overrides (display names and descriptions of tables and columns), one document per
 * service in the shape of `PUT /api/v1/system/service/{name}/semantic` (hs-sql-agent's
 * `{tables: [{name, displayName, description, columns: [{name, displayName, description}]}]}`).
 * The zod schema here validates both the request body and what is read back from the store.
 *
 * May import: catalog (types), the store.
 */
import { z } from 'zod';
import { NO_OVERRIDES, type SemanticOverrides } from '../../catalog/semantic.js';
import type { MetaQueryable } from './meta-store.js';

const IDENTIFIER_MAX = 128;
const entryFields = {
  displayName: z.string().trim().min(1, 'must not be empty (use null to fall back)').max(200).nullable().optional(),
  description: z.string().trim().min(1, 'must not be empty (use null to fall back to the database comment)').max(4000).nullable().optional(),
};

export const semanticOverridesSchema = z.strictObject({
  tables: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(IDENTIFIER_MAX),
        ...entryFields,
        columns: z.array(z.strictObject({ name: z.string().min(1).max(IDENTIFIER_MAX), ...entryFields })).max(2000).optional(),
      }),
    )
    .max(5000),
});

export async function getSemanticOverrides(db: MetaQueryable, service: string): Promise<SemanticOverrides> {
  const [row] = await db.query<{ document: unknown }>('SELECT document FROM sluice.semantic_overrides WHERE service_name = $1', [service]);
  if (!row) return NO_OVERRIDES;
  const document: unknown = typeof row.document === 'string' ? JSON.parse(row.document) : row.document;
  return semanticOverridesSchema.parse(document);
}

/** Replaces the service's overrides; an empty list removes them. The service must exist in the store. */
export async function putSemanticOverrides(db: MetaQueryable, service: string, overrides: SemanticOverrides): Promise<void> {
  if (overrides.tables.length === 0) {
    await db.query('DELETE FROM sluice.semantic_overrides WHERE service_name = $1', [service]);
    return;
  }
  await db.query(
    `INSERT INTO sluice.semantic_overrides (service_name, document) VALUES ($1, $2)
     ON CONFLICT (service_name) DO UPDATE SET document = EXCLUDED.document, updated_at = now()`,
    [service, JSON.stringify(overrides)],
  );
}
