/**
 * Checks an OpenAPI document with both validators the project trusts: `@apidevtools/swagger-parser`
 * (schema validation and $ref resolution) and `redocly lint` with the recommended ruleset, run as
 * a child process on a temporary file (offline: telemetry and update checks off). Errors fail by
 * the config; the test also insists on zero warnings so the documents stay clean.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { expect } from 'vitest';

const run = promisify(execFile);
const REDOCLY = path.resolve('node_modules/@redocly/cli/bin/cli.js');

export async function expectValid(doc: unknown): Promise<void> {
  await SwaggerParser.validate(structuredClone(doc) as never);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    await writeFile(path.join(dir, 'redocly.yaml'), 'extends:\n  - recommended\n');
    const result = await run(process.execPath, [REDOCLY, 'lint', '--config', path.join(dir, 'redocly.yaml'), '--format', 'json', file], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string; code?: number }) => error);
    const report = JSON.parse(String(result.stdout ?? '')) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; severity: string; message: string }[] };
    // Errors fail by the config; the documents are also kept free of the recommended warnings.
    expect(report.problems.slice(0, 5), JSON.stringify(report.totals)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

