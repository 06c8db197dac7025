/**
 * The import direction of DESIGN.md, checked on the source: errors ← catalog ← query ← dialects ←
 * executor; auth beside executor; surfaces (rest, and later graphql/openapi/mcp) above both, never
 * importing a dialect or a driver; dialects never importing HTTP or GraphQL libraries; codegen a client
 * of the HTTP API only.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Layer → layers (top-level folders under src/, or `errors`) it may import at runtime. */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  collections: [],
  catalog: ['errors'],
  config: ['errors'],
  query: ['catalog', 'errors'],
  dialects: ['catalog', 'query', 'errors'],
  auth: ['catalog', 'query', 'errors'],
  executor: ['dialects', 'query', 'catalog', 'errors', 'auth'],
  demo: ['dialects'],
  // Surfaces: http's request and response helpers (exchange.ts) are their only way up.
  rest: ['query', 'auth', 'executor', 'catalog', 'errors', 'config', 'system', 'http/exchange'],
  openapi: ['catalog', 'query', 'auth', 'errors', 'config', 'http/exchange'],
  graphql: ['catalog', 'query', 'auth', 'executor', 'errors', 'config', 'http/exchange'],
  system: ['config', 'catalog', 'query', 'dialects', 'executor', 'auth', 'demo', 'errors', 'http/exchange'],
  // MCP is a third surface over the same authorizer and executor; it reuses REST's pure helpers, and
  // its stdio runner starts the same core as `serve` (http/server.ts).
  mcp: ['query', 'auth', 'executor', 'catalog', 'errors', 'config', 'system', 'rest', 'http/exchange', 'http/server'],
  // `sluice codegen` talks to a server over HTTP like any client: no catalog, no database.
  codegen: ['config'],
  http: ['*'],
  cli: ['*'],
};

/** Packages a layer must never import. */
const FORBIDDEN_PACKAGES: Record<string, readonly string[]> = {
  dialects: ['express', 'graphql', 'graphql-yoga', '@pothos/core', 'pino-http'],
  catalog: ['pg', 'mysql2', '@electric-sql/pglite', 'express'],
  query: ['pg', 'mysql2', '@electric-sql/pglite', 'express'],
  rest: ['pg', 'mysql2', '@electric-sql/pglite', 'pg-cursor'],
  openapi: ['pg', 'mysql2', '@electric-sql/pglite', 'pg-cursor'],
  graphql: ['pg', 'mysql2', '@electric-sql/pglite', 'pg-cursor'],
  mcp: ['pg', 'mysql2', '@electric-sql/pglite', 'pg-cursor'],
  auth: ['pg', 'mysql2', '@electric-sql/pglite', 'express'],
  codegen: ['pg', 'mysql2', '@electric-sql/pglite', 'express'],
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [])),
  );
  return files.flat();
}

function layerOf(file: string): string {
  const relative = path.relative(SRC, file);
  if (relative === 'errors.ts' || relative === 'collections.ts') return relative.slice(0, -3);
  return relative.split(path.sep)[0] as string;
}

interface Import {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

function importsOf(text: string): Import[] {
  const out: Import[] = [];
  for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
    out.push({ specifier: match[3] as string, typeOnly: Boolean(match[2]) });
  }
  for (const match of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push({ specifier: match[1] as string, typeOnly: false });
  return out;
}

describe('import direction', async () => {
  const files = await sourceFiles(SRC);

  it('finds the source', () => {
    expect(files.length).toBeGreaterThan(30);
  });

  it.each(files.map((f) => [path.relative(SRC, f), f]))('%s imports only what its layer may', async (_name, file) => {
    const layer = layerOf(file);
    const allowed = ALLOWED[layer];
    expect(allowed, `no rule for layer ${layer}`).toBeDefined();
    const text = await readFile(file, 'utf8');
    for (const { specifier, typeOnly } of importsOf(text)) {
      if (!specifier.startsWith('.')) {
        expect(FORBIDDEN_PACKAGES[layer] ?? [], `${layer} must not import ${specifier}`).not.toContain(specifier);
        continue;
      }
      const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
      const targetLayer = layerOf(target);
      // Leaf modules (errors, collections) import nothing and may be imported by anyone.
      if (targetLayer === layer || targetLayer === 'collections' || allowed?.includes('*') || typeOnly) continue;
      const targetModule = path.relative(SRC, target).replace(/\.ts$/, '');
      const ok = allowed?.includes(targetLayer) || allowed?.includes(targetModule);
      expect(ok, `${path.relative(SRC, file)} (${layer}) imports ${targetModule}`).toBe(true);
    }
  });

  it('lets only apply-grant.ts produce AuthorizedStatement and AuthorizedSchemaChange values', async () => {
    for (const file of files) {
      if (file.endsWith(path.join('auth', 'apply-grant.ts'))) continue;
      const text = await readFile(file, 'utf8');
      expect(text, path.relative(SRC, file)).not.toMatch(/as\s+Authorized(Statement|SchemaChange)/);
    }
  });
});
