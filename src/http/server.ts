/**
 * Starting and stopping a Sluice server: config → logger → services → app → listen, and the reverse
 * on shutdown (stop accepting, let requests in flight finish, close the pools).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createOpenAuthorizer } from '../auth/authorizer.js';
import type { Config } from '../config/config-schema.js';
import { ServiceRegistry, serviceSettingsFrom } from '../system/service-registry.js';
import { createApp } from './create-app.js';

const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  readonly config: Config;
  readonly registry: ServiceRegistry;
  readonly logger: Logger;
  readonly server: http.Server;
  /** `http://host:port` as a client on this machine would reach it. */
  readonly url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger?: Logger;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  // `name`, not a `service` base field: log lines name the database service they concern as `service`.
  return pino({ level: config.logLevel, name: 'sluice' });
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config);
  const registry = await ServiceRegistry.start(serviceSettingsFrom(config), logger);
  const app = createApp({ config, registry, authorizer: createOpenAuthorizer(), logger });
  // Filters travel in the query string: allow URLs well beyond the filter length limit once
  // percent-encoded (Node's default of 16 KiB would answer long filters with a bare 431).
  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, app);
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await registry.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    config,
    registry,
    logger,
    server,
    url: `http://${host}:${port}`,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Requests in flight get a grace period; long streams are cut after it.
          setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
        });
        await registry.close();
      })();
      return closing;
    },
  };
}
