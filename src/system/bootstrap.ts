/**
 * Start-up of access control and of the service list, in order:
 * 1. the master key (SLUICE_SECRET_KEY, or generated once into <dataDir>/secret.key) and the keyring;
 * 2. the metadata store, migrated; it remembers the fingerprint of the key it was first used with,
 *    and refuses a different key (DSNs and API keys sealed with the old one would be unreadable);
 * 3. the configured services (flags, env, config file — or the embedded demo when none is
 *    configured) written into the store, replacing earlier config-sourced ones; plus the services
 *    created through the System API;
 * 4. the first admin, from SLUICE_ADMIN_EMAIL + SLUICE_ADMIN_PASSWORD, if no admin has that email;
 * 5. for the embedded demo, the read-only role `demo_reader`, which anonymous requests act as unless
 *    SLUICE_ANONYMOUS_ROLE names another role.
 */
import type { Logger } from 'pino';
import { createKeyring, hashPassword, loadOrCreateSecretKey, parseSecretKey, type Keyring } from '../auth/secrets.js';
import { defaultSchema, parseDsn, type Config, type Dsn } from '../config/config-schema.js';
import { ConfigError } from '../config/load-config.js';
import { createAdmin, findAdminByEmail } from './store/admins-repo.js';
import { MetaStore } from './store/meta-store.js';
import { createRole, getRoleByName } from './store/roles-repo.js';
import { deleteConfigServicesExcept, listServices, upsertService, type ServiceDriverName, type ServiceRecord } from './store/services-repo.js';
import { setSettingIfAbsent } from './store/settings-repo.js';
import { DEMO_SERVICE, serviceSettingsFrom, type ServiceSettings } from './service-registry.js';

export const DEMO_ROLE = 'demo_reader';

export interface AccessControlState {
  readonly keyring: Keyring;
  readonly store: MetaStore;
  /** Every service to serve at start-up: the configured ones and those created through the API. */
  readonly services: readonly ServiceSettings[];
  /** The role anonymous requests act as, if any. */
  readonly anonymousRole: string | undefined;
  /** True when serving the embedded demo because nothing is configured. */
  readonly demo: boolean;
  /** Whether any admin exists (the banner says how to create one otherwise). */
  readonly hasAdmin: boolean;
}

/** The DSN as it is sealed into the store (Sluice's own parameters travel in their own columns). */
export function dsnText(dsn: Dsn): string {
  return dsn.driver === 'pglite' ? `pglite://${dsn.location}` : dsn.url;
}

export function driverName(dsn: Dsn): ServiceDriverName {
  return dsn.driver === 'pglite' ? 'pglite' : dsn.engine === 'mysql' ? 'mysql' : 'postgres';
}

/** Associated data binding a sealed DSN to its service: a sealed value copied to another row does not open. */
export function dsnAssociatedData(serviceName: string): string {
  return `sluice/service-dsn/${serviceName}`;
}

/** A stored service → the settings the registry runs it with (unsealing its DSN). */
export function settingsFromRecord(record: ServiceRecord, keyring: Keyring, config: Config): ServiceSettings {
  const dsn = parseDsn(keyring.decrypt(record.dsnSealed, dsnAssociatedData(record.name)));
  return {
    name: record.name,
    dsn,
    schema: record.schemaName ?? defaultSchema(dsn),
    ...(record.label ? { label: record.label } : {}),
    poolSize: record.poolSize ?? config.poolSize,
    statementTimeoutMs: record.statementTimeoutMs ?? config.statementTimeoutMs,
    preparedStatements: config.preparedStatements,
    readOnly: record.readOnly,
    rawSqlAllowed: record.rawSqlAllowed,
    seedDemo: false,
  };
}

async function openKeyring(config: Config): Promise<Keyring> {
  let masterKey: Uint8Array;
  if (config.secretKey !== undefined) {
    try {
      masterKey = parseSecretKey(config.secretKey);
    } catch (error) {
      throw new ConfigError(`Invalid configuration: secretKey (env SLUICE_SECRET_KEY): ${(error as Error).message}`);
    }
  } else {
    masterKey = (await loadOrCreateSecretKey(config.dataDir)).key;
  }
  const jwtSecret = config.jwtSecret === undefined ? undefined : new TextEncoder().encode(config.jwtSecret);
  return createKeyring(masterKey, jwtSecret ? { jwtSecret } : {});
}

export async function bootstrapAccessControl(config: Config, logger: Logger): Promise<AccessControlState> {
  if ((config.adminEmail === undefined) !== (config.adminPassword === undefined)) {
    throw new ConfigError('Invalid configuration: set both SLUICE_ADMIN_EMAIL and SLUICE_ADMIN_PASSWORD, or neither');
  }
  const keyring = await openKeyring(config);
  const store = await MetaStore.open({
    dataDir: config.dataDir,
    ...(config.metaDatabaseUrl ? { url: config.metaDatabaseUrl } : {}),
    preparedStatements: config.preparedStatements,
    onIdleError: (error) => logger.warn({ reason: error.message }, 'metadata store: idle connection error'),
  });
  try {
    const stored = await setSettingIfAbsent(store, 'key_fingerprint', keyring.fingerprint);
    if (stored !== keyring.fingerprint) {
      throw new ConfigError(
        `The metadata store at ${store.location} was created with a different secret key: start every instance with the same SLUICE_SECRET_KEY`,
      );
    }

    const configured = serviceSettingsFrom(config);
    const demo = configured.length === 1 && configured[0]?.seedDemo === true;
    for (const settings of configured) {
      await upsertService(store, {
        name: settings.name,
        label: settings.label ?? '',
        driver: driverName(settings.dsn),
        dsnSealed: keyring.encrypt(dsnText(settings.dsn), dsnAssociatedData(settings.name)),
        schemaName: settings.schema,
        readOnly: settings.readOnly,
        rawSqlAllowed: settings.rawSqlAllowed ?? false,
        isActive: true,
        poolSize: settings.poolSize,
        statementTimeoutMs: settings.statementTimeoutMs,
        source: 'config',
      });
    }
    const removed = await deleteConfigServicesExcept(store, configured.map((s) => s.name));
    if (removed.length > 0) logger.info({ services: removed }, 'removed services no longer in the configuration');

    const fromApi: ServiceSettings[] = [];
    for (const record of await listServices(store)) {
      if (record.source !== 'api' || !record.isActive) continue;
      try {
        fromApi.push(settingsFromRecord(record, keyring, config));
      } catch (error) {
        logger.error({ service: record.name, reason: (error as Error).message }, 'cannot read a stored service; it is not served');
      }
    }

    if (config.adminEmail !== undefined && config.adminPassword !== undefined) {
      if (!(await findAdminByEmail(store, config.adminEmail))) {
        await createAdmin(store, { email: config.adminEmail, name: 'Admin', passwordHash: await hashPassword(config.adminPassword) });
        logger.info({ email: config.adminEmail }, 'created the first admin from SLUICE_ADMIN_EMAIL');
      }
    }
    const [adminCount] = await store.query<{ count: string }>('SELECT count(*) AS count FROM sluice.admins');

    if (demo && !(await getRoleByName(store, DEMO_ROLE))) {
      await store.transaction((tx) =>
        createRole(tx, {
          name: DEMO_ROLE,
          description: 'Read-only access to the embedded demo shop (what anonymous requests may do in demo mode)',
          isActive: true,
          access: [
            { serviceName: DEMO_SERVICE, component: '_table/*', verbMask: 1 },
            { serviceName: DEMO_SERVICE, component: '_schema/*', verbMask: 1 },
            // GET calls only side-effect-free functions, in a read-only transaction.
            { serviceName: DEMO_SERVICE, component: '_proc/*', verbMask: 1 },
          ],
        }),
      );
    }
    const anonymousRole = config.anonymousRole ?? (demo ? DEMO_ROLE : undefined);
    return { keyring, store, services: [...configured, ...fromApi], anonymousRole, demo, hasAdmin: Number(adminCount?.count ?? 0) > 0 };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
