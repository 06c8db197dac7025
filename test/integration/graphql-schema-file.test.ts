/**
 * The committed schema.graphql is the demo service's schema as the code builds it today.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderDemoSchema, SCHEMA_FILE } from '../../scripts/graphql-schema.js';

describe('schema.graphql', () => {
  it('matches the schema generated from the demo database', async () => {
    const [committed, generated] = await Promise.all([readFile(SCHEMA_FILE, 'utf8'), renderDemoSchema()]);
    expect(committed === generated, 'schema.graphql is stale: run `npm run schema:graphql` and commit the result').toBe(true);
  }, 120_000);
});
