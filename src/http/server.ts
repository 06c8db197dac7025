/**
 * Starting and stopping a Sluice server: config → logger → services → app → listen, and the reverse
 * on shutdown (stop accepting, let requests in flight finish, write the queued audit entries, close
 * the pools and the store).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { AdminTokenConfig } from '../auth/admin-tokens.js';
import { Authenticator } from '../auth/authenticator.js';
import { RoleAuthorizer } from '../auth/role-authorizer.js';
import { createUserTokenVerifier } from '../auth/user-tokens.js';
import type { Config } from '../config/config-schema.js';
import { AccessCache } from '../system/access-cache.js';
import { AuditLog } from '../system/audit-log.js';
import { bootstrapAccessControl, type AccessControlState } from '../system/bootstrap.js';
import { ServiceRegistry } from '../system/service-registry.js';
import { getSemanticOverrides } from '../system/store/semantic-repo.js';
import type { MetaStore } from '../system/store/meta-store.js';
import { answerClientError } from './client-error.js';
import { createApp } from './create-app.js';
import { closeRedis, connectRedis } from './rate-limit.js';

const SHUTDOWN_GRACE_MS = 10_000;

/** The issuer and audience of admin session tokens. End-user issuers must use other names. */
export const ADMIN_TOKEN_ISSUER = 'sluice';
export const ADMIN_TOKEN_AUDIENCE = 'sluice-admin';

export interface RunningServer {
  readonly config: Config;
  readonly registry: ServiceRegistry;
  readonly store: MetaStore;
  /** The audit recorder; `flush()` writes what is queued (shutdown does it too). */
  readonly audit: AuditLog;
  /** Access-control facts the banner reports. */
  readonly access: { readonly demo: boolean; readonly hasAdmin: boolean; readonly anonymousRole: string | undefined };
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

/**
 * Everything a Sluice process serves with, without HTTP: the metadata store (and its lock), the
 * audit log, the connected services, authentication and authorization. `startServer` puts HTTP in
 * front of it; `sluice mcp` (stdio) uses it directly.
 */
export interface SluiceCore {
  readonly access: AccessControlState;
  readonly audit: AuditLog;
  readonly registry: ServiceRegistry;
  readonly cache: AccessCache;
  readonly adminTokens: AdminTokenConfig;
  readonly authenticator: Authenticator;
  readonly authorizer: RoleAuthorizer;
  /** Writes the queued audit entries, closes the pools and the store. */
  close(): Promise<void>;
}

export async function startCore(config: Config, logger: Logger): Promise<SluiceCore> {
  const access = await bootstrapAccessControl(config, logger);
  const audit = new AuditLog(access.store, logger, { retentionDays: config.auditRetentionDays });
  try {
    await audit.startRetention();
  } catch (error) {
    await access.store.close();
    throw error;
  }
  const registry = await ServiceRegistry.start(access.services, logger, (service) => getSemanticOverrides(access.store, service));
  const cache = new AccessCache(access.store, logger);
  const adminTokens: AdminTokenConfig = {
    secret: access.keyring.jwtSecret,
    issuer: ADMIN_TOKEN_ISSUER,
    audience: ADMIN_TOKEN_AUDIENCE,
    ttlSeconds: config.adminTokenTtlSeconds,
  };
  const authenticator = new Authenticator({
    keyring: access.keyring,
    adminTokens,
    users: createUserTokenVerifier(config.userJwtIssuers),
    credentials: cache,
  });
  const authorizer = new RoleAuthorizer({
    roles: cache,
    services: { isReadOnly: (name) => registry.settings(name)?.readOnly ?? false, catalog: (name) => registry.snapshot(name).catalog },
    ...(access.anonymousRole !== undefined ? { anonymousRole: access.anonymousRole } : {}),
    filterLimits: {
      maxLength: config.limits.filterMaxLength,
      maxDepth: config.limits.filterMaxDepth,
      maxInListSize: config.limits.inListMaxSize,
      maxPredicates: config.limits.maxPredicates,
    },
  });
  return {
    access,
    audit,
    registry,
    cache,
    adminTokens,
    authenticator,
    authorizer,
    async close() {
      await audit.close();
      await registry.close();
      await access.store.close();
    },
  };
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config);
  const core = await startCore(config, logger);
  const { access, audit, registry, cache, adminTokens, authenticator, authorizer } = core;
  const system = { config, store: access.store, keyring: access.keyring, cache, registry, adminTokens, logger };
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger, config.redisTimeoutMs) : undefined;
  const sluiceApp = createApp({ config, registry, authenticator, authorizer, system, logger, redis, audit });
  // Filters travel in the query string: allow URLs well beyond the filter length limit once
  // percent-encoded (Node's default of 16 KiB would answer long filters with a bare 431).
  const server = http.createServer({ maxHeaderSize: 64 * 1024, ServerResponse: sluiceApp.ServerResponse }, sluiceApp.listener);
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
  server.on('clientError', (error: Error & { code?: string }, socket) => answerClientError(error, socket, logger));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if (redis) await closeRedis(redis);
    await core.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    config,
    registry,
    store: access.store,
    audit,
    access: { demo: access.demo, hasAdmin: access.hasAdmin, anonymousRole: access.anonymousRole },
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
        if (redis) await closeRedis(redis);
        // Every request has finished: what they queued for the audit log goes in before the store closes.
        await core.close();
      })();
      return closing;
    },
  };
}
