/** What the System API routes work with. */
import type { Logger } from 'pino';
import type { AdminTokenConfig } from '../../auth/admin-tokens.js';
import type { Keyring } from '../../auth/secrets.js';
import type { Config } from '../../config/config-schema.js';
import type { AccessCache } from '../access-cache.js';
import type { ServiceRegistry } from '../service-registry.js';
import type { MetaStore } from '../store/meta-store.js';

export interface SystemDeps {
  readonly config: Config;
  readonly store: MetaStore;
  readonly keyring: Keyring;
  readonly cache: AccessCache;
  readonly registry: ServiceRegistry;
  readonly adminTokens: AdminTokenConfig;
  readonly logger: Logger;
}
