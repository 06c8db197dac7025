/**
 * Process entry of the baseline server (the benchmark runs it as a process of its own, compiled by
 * `tsc -p bench/tsconfig.baseline.json`, so its RSS is its own). Configured by environment:
 * BASELINE_ENGINE (postgres | mariadb), BASELINE_URL, PORT, BASELINE_POOL_SIZE. Prints
 * `listening <url>` once it accepts connections; stops on SIGTERM/SIGINT.
 */
import { startBaseline, type BaselineEngine } from './baseline-server.js';

const engine = process.env.BASELINE_ENGINE;
const url = process.env.BASELINE_URL;
if ((engine !== 'postgres' && engine !== 'mariadb') || !url) {
  process.stderr.write('baseline: set BASELINE_ENGINE (postgres | mariadb) and BASELINE_URL\n');
  process.exit(2);
}

const running = await startBaseline({
  engine: engine as BaselineEngine,
  url,
  port: Number(process.env.PORT ?? 0),
  poolSize: Number(process.env.BASELINE_POOL_SIZE ?? 10),
});
process.stdout.write(`listening ${running.url}\n`);
const stop = () => {
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
