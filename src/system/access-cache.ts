/**
 * The metadata store, seen through the interfaces authentication and authorization need
 * (CredentialSource, RoleSource), with short-lived caches: a request must not cost several store
 * queries. Writes through the System API invalidate the caches of this instance at once; other
 * instances sharing the store see changes within `ttlMs` (5 s by default). Revoking a key or ending
 * a session therefore takes effect immediately here and within seconds everywhere.
 *
 * `last_used` of API keys is written at most once a minute per key, off the request path.
 */
import type { Logger } from 'pino';
import type { ApiKeyView, CredentialSource, SessionView } from '../auth/authenticator.js';
import type { RoleSource, RoleView } from '../auth/role-authorizer.js';
import { findSession, getAdmin } from './store/admins-repo.js';
import { findApiKeyByKeyId, getApiKey, touchApiKey } from './store/api-keys-repo.js';
import type { MetaStore } from './store/meta-store.js';
import { getRole, getRoleByName } from './store/roles-repo.js';

interface Cached<T> {
  readonly value: T;
  readonly until: number;
}

/** A map whose entries expire; `load` runs once per key per expiry (concurrent callers share it). */
class TtlCache<K, V> {
  private readonly entries = new Map<K, Cached<Promise<V>>>();

  constructor(private readonly ttlMs: number) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = load();
    this.entries.set(key, { value, until: now + this.ttlMs });
    value.catch(() => this.entries.delete(key)); // failures are not cached
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value as K);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

const LAST_USED_INTERVAL_MS = 60_000;

export class AccessCache implements CredentialSource, RoleSource {
  private readonly keys: TtlCache<string, ApiKeyView | undefined>;
  private readonly sessions: TtlCache<string, SessionView | undefined>;
  private readonly rolesById: TtlCache<number, RoleView | undefined>;
  private readonly rolesByName: TtlCache<string, RoleView | undefined>;
  private readonly keyTools: TtlCache<number, readonly string[] | null>;
  private readonly lastUsedWritten = new Map<number, number>();
  /**
   * The role view last handed out per role id, with its definition as JSON. A reload (TTL or
   * invalidation) that finds the same definition hands out the same object again, so what is kept
   * per role definition (the authorizer's decision scopes, GraphQL caller views and their compiled
   * queries) lives as long as the definition, not as long as the TTL.
   */
  private readonly roleViews = new Map<number, { readonly definition: string; readonly view: RoleView }>();

  constructor(
    private readonly store: MetaStore,
    private readonly logger: Logger,
    ttlMs = 5000,
  ) {
    this.keys = new TtlCache(ttlMs);
    this.sessions = new TtlCache(ttlMs);
    this.rolesById = new TtlCache(ttlMs);
    this.rolesByName = new TtlCache(ttlMs);
    this.keyTools = new TtlCache(ttlMs);
  }

  /** Forget everything cached: called after every System API write. */
  invalidate(): void {
    this.keys.clear();
    this.sessions.clear();
    this.rolesById.clear();
    this.rolesByName.clear();
    this.keyTools.clear();
  }

  /** The MCP tool allow-list of an API key (by record id); null: no list (an unknown key has none either). */
  allowedTools(id: number): Promise<readonly string[] | null> {
    return this.keyTools.get(id, async () => (await getApiKey(this.store, id))?.allowedTools ?? null);
  }

  apiKey(keyId: string): Promise<ApiKeyView | undefined> {
    return this.keys.get(keyId, async () => {
      const key = await findApiKeyByKeyId(this.store, keyId);
      return key && { id: key.id, keyPrefix: key.keyPrefix, roleId: key.roleId, secretHash: key.secretHash, isActive: key.isActive, expiresAt: key.expiresAt };
    });
  }

  keyUsed(id: number): void {
    const now = Date.now();
    if ((this.lastUsedWritten.get(id) ?? 0) + LAST_USED_INTERVAL_MS > now) return;
    this.lastUsedWritten.set(id, now);
    touchApiKey(this.store, id).catch((error: unknown) => this.logger.warn({ err: error, keyId: id }, 'recording last_used of an API key failed'));
  }

  session(sessionId: string): Promise<SessionView | undefined> {
    return this.sessions.get(sessionId, async () => {
      const session = await findSession(this.store, sessionId);
      if (!session) return undefined;
      const admin = await getAdmin(this.store, session.adminId);
      return { adminId: session.adminId, revoked: session.revokedAt !== null, expiresAt: session.expiresAt, adminActive: admin?.isActive === true };
    });
  }

  byId(id: number): Promise<RoleView | undefined> {
    return this.rolesById.get(id, async () => this.stableView(await getRole(this.store, id)));
  }

  byName(name: string): Promise<RoleView | undefined> {
    return this.rolesByName.get(name, async () => this.stableView(await getRoleByName(this.store, name)));
  }

  private stableView(role: RoleView | undefined): RoleView | undefined {
    if (!role) return undefined;
    const view: RoleView = { id: role.id, name: role.name, isActive: role.isActive, access: role.access };
    const definition = JSON.stringify(view);
    const previous = this.roleViews.get(role.id);
    if (previous?.definition === definition) return previous.view;
    this.roleViews.set(role.id, { definition, view });
    return view;
  }
}
