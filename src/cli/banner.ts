/**
 * What a newcomer sees when `sluice serve` is up: where each service's REST API is, the health
 * URLs, a curl line to try, and how to stop. Written to stdout, apart from the JSON logs.
 */
import type { RunningServer } from '../http/server.js';
import { ApiError } from '../errors.js';
import { DEMO_SERVICE } from '../system/service-registry.js';

export function printBanner(running: RunningServer): void {
  const { url, registry, config } = running;
  const names = registry.names();
  const lines = [``, `Sluice is serving ${names.length} service${names.length === 1 ? '' : 's'} on ${url}`, ``];
  let example: string | undefined;
  for (const name of names) {
    let status: string;
    try {
      const { catalog } = registry.snapshot(name);
      status = `${catalog.variant} ${catalog.serverVersion.split(' ')[0]}, ${catalog.tables.size} tables and views`;
      const first = catalog.tables.has('products') ? 'products' : catalog.tables.keys().next().value;
      if (!example && first) example = `${url}/api/v1/${name}/_table/${encodeURIComponent(first)}?limit=5`;
    } catch (error) {
      status = error instanceof ApiError ? error.message : 'unavailable';
    }
    lines.push(`  ${name.padEnd(12)} ${url}/api/v1/${name}/_table   (${status})`);
  }
  if (names.length === 1 && names[0] === DEMO_SERVICE) {
    lines.push(``, `  No database configured: serving the embedded demo shop (PGlite) from ${config.dataDir}/${DEMO_SERVICE}.`);
    lines.push(`  Serve your own with --service NAME=postgres://… or mysql://… (see README).`);
  }
  lines.push(``, `  Health:     ${url}/healthz`, `  Readiness:  ${url}/readyz`);
  if (example) lines.push(`  Try:        curl '${example}'`);
  const { access } = running;
  lines.push(``);
  if (access.anonymousRole !== undefined) {
    lines.push(`  Requests without credentials act as role '${access.anonymousRole}'${access.demo ? ' (read-only access to the demo)' : ''}.`);
  } else {
    lines.push(`  Requests need credentials: an API key (X-API-Key) or a session token (see README, "Access control").`);
  }
  if (!access.hasAdmin) {
    lines.push(
      `  No admin yet: start with SLUICE_ADMIN_EMAIL and SLUICE_ADMIN_PASSWORD set,`,
      `  or stop Sluice and run: npm run sluice -- admin create --email you@example.com${config.dataDir === `${process.cwd()}/.sluice` ? '' : ` --data-dir ${config.dataDir}`}`,
    );
  }
  lines.push(``, `Press Ctrl+C to stop.`, ``);
  process.stdout.write(lines.join('\n'));
}
